"""Argument checks shared by the zoo and its applications: one clear error per mistake.

Every argument rule lives here only: integers (`check_int`, `is_integer`), finite real numbers
(`check_number`, `is_number`), probabilities (`check_probability`) and seeds (`map_seed`).
Every factory, sampler, application and command line calls them, so a value accepted (or
refused) in one place is accepted (or refused) everywhere. Each checker raises `ValueError` by
default; `error=` names another class (a subclass of `ValueError` such as music's
`MusicInputError` or the artifacts' `ArtifactError`) so an application keeps its own error
type with the same rule and the same message.
"""

import hashlib
import math
import numbers


def is_integer(value):
    """Return True for a Python or numpy integer; False for a bool, a float (even ``2.0``) or
    anything else.

    Args:
        value: any value.

    Returns:
        bool.

    Example:

    >>> import numpy as np
    >>> is_integer(np.int32(3)), is_integer(True), is_integer(3.0)
    (True, False, False)
    """
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def is_number(value):
    """Return True for a finite real number (Python or numpy int or float); False for a bool,
    NaN, an infinity, an int too large for a float, a string or anything else.

    Args:
        value: any value.

    Returns:
        bool.

    Example:

    >>> import numpy as np
    >>> is_number(np.float32(0.5)), is_number(float("nan")), is_number(False)
    (True, False, False)
    """
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def check_choice(name, value, allowed, *, error=ValueError):
    """Raise `error` unless `value` is one of `allowed`.

    Args:
        name: str, the parameter's name, for the message.
        value: the value given.
        allowed: the accepted values.
        error: the exception class to raise. Defaults to `ValueError`.

    Returns:
        `value`, unchanged.

    Raises:
        ValueError: ``"{name}={value!r} is not supported; expected one of ..."`` (or `error`).

    Example:

    >>> check_choice("cell", "gru", ("rnn", "gru", "lstm"))
    'gru'
    """
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise error(f"{name}={value!r} is not supported; expected one of {choices}")
    return value


def check_int(name, value, minimum, maximum=None, *, error=ValueError):
    """Return `value` as an `int` after checking it is an integer in ``[minimum, maximum]``.

    Python and numpy integers are accepted; a bool, a float (even ``2.0``), a string or
    anything else is refused, so ``build_lm(np.int64(65))`` and ``build_lm(65)`` build the
    same model and ``units=True`` is a mistake, not ``units=1``.

    Args:
        name: str, the parameter's name, for the message.
        value: the value given.
        minimum: int, the smallest accepted value.
        maximum: int or None, the largest accepted value. Defaults to None (no upper bound).
        error: the exception class to raise. Defaults to `ValueError`.

    Returns:
        `value` as a Python `int`.

    Raises:
        ValueError: ``"{name} must be an integer >= {minimum}; got {value!r}"`` (``in
            [{minimum}, {maximum}]`` with a maximum), or `error` with that message.

    Example:

    >>> import numpy as np
    >>> check_int("units", np.int64(65), 1)
    65
    """
    if not is_integer(value) or value < minimum or (maximum is not None and value > maximum):
        bound = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
        raise error(f"{name} must be an integer {bound}; got {value!r}")
    return int(value)


def check_optional_int(name, value, minimum, maximum=None, *, error=ValueError):
    """Like `check_int`, but `None` is accepted and returned as is.

    Args:
        name: str, the parameter's name, for the message.
        value: the value given, or None.
        minimum: int, the smallest accepted value.
        maximum: int or None, the largest accepted value. Defaults to None.
        error: the exception class to raise. Defaults to `ValueError`.

    Returns:
        `value` as a Python `int`, or None.

    Raises:
        ValueError: as `check_int` (or `error`).

    Example:

    >>> check_optional_int("top_k", None, 1) is None
    True
    """
    return None if value is None else check_int(name, value, minimum, maximum, error=error)


def check_number(
    name,
    value,
    *,
    low=None,
    high=None,
    low_open=False,
    high_open=False,
    what="a number",
    error=ValueError,
):
    """Return `value` as a `float` after checking it is a finite real number in a range.

    Python and numpy ints and floats are accepted; a bool, NaN, an infinity, a string or
    anything else is refused. Each bound is closed unless its `*_open` flag says otherwise.

    Args:
        name: str, the parameter's name, for the message.
        value: the value given.
        low: number or None, the lower bound. Defaults to None (no lower bound).
        high: number or None, the upper bound. Defaults to None (no upper bound).
        low_open: bool, exclude `low` itself. Defaults to False.
        high_open: bool, exclude `high` itself. Defaults to False.
        what: str, what the number is, for the message. Defaults to "a number".
        error: the exception class to raise. Defaults to `ValueError`.

    Returns:
        `value` as a Python `float`.

    Raises:
        ValueError: ``"{name} must be {what} in {interval}; got {value!r}"``, the interval
            written as ``(0, inf)`` or ``[0, 1]`` (or `error` with that message).

    Example:

    >>> check_number("temperature", 0.8, low=0, low_open=True)
    0.8
    >>> check_number("top_p", 2, low=0, high=1, low_open=True)
    Traceback (most recent call last):
    ...
    ValueError: top_p must be a number in (0, 1]; got 2
    """
    ok = is_number(value)
    if ok:
        number = float(value)
        ok = low is None or number > low or (number == low and not low_open)
        ok = ok and (high is None or number < high or (number == high and not high_open))
    if not ok:
        left = "(" if low_open or low is None else "["
        right = ")" if high_open or high is None else "]"
        interval = f"{left}{_show(low, '-inf')}, {_show(high, 'inf')}{right}"
        raise error(f"{name} must be {what} in {interval}; got {value!r}")
    return float(value)


def _show(bound, default):
    """A bound as the message writes it: ``0`` rather than ``0.0``; `default` for None."""
    if bound is None:
        return default
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def check_probability(name, value, *, low_open=False, high_open=False, error=ValueError):
    """Return `value` as a `float` after checking it is a probability in [0, 1].

    The rule is `check_number` with the bounds 0 and 1; `low_open` and `high_open` exclude
    either end (``top_p`` is in ``(0, 1]``, a dropout rate in ``[0, 1)``).

    Args:
        name: str, the parameter's name, for the message.
        value: the value given.
        low_open: bool, exclude 0. Defaults to False.
        high_open: bool, exclude 1. Defaults to False.
        error: the exception class to raise. Defaults to `ValueError`.

    Returns:
        `value` as a Python `float`.

    Raises:
        ValueError: ``"{name} must be a number in [0, 1]; got {value!r}"`` (the brackets
            follow the open ends), or `error` with that message.

    Example:

    >>> check_probability("top_p", 0.9, low_open=True)
    0.9
    """
    return check_number(
        name, value, low=0, high=1, low_open=low_open, high_open=high_open, error=error
    )


def check_rate(name, value, *, error=ValueError):
    """Return a dropout rate as a `float` after checking ``0 <= value < 1``.

    Args:
        name: str, the parameter's name, for the message.
        value: the value given.
        error: the exception class to raise. Defaults to `ValueError`.

    Returns:
        `value` as a Python `float`.

    Raises:
        ValueError: ``"{name} must be a number in [0, 1); got {value!r}"`` (or `error`).

    Example:

    >>> check_rate("dropout", 0.1)
    0.1
    """
    return check_probability(name, value, high_open=True, error=error)


def check_one_input_kind(vocab_size, input_dim, what="inputs"):
    """Require exactly one of `vocab_size` (token ids) and `input_dim` (feature vectors).

    Args:
        vocab_size: number of token ids, or None.
        input_dim: size of each feature vector, or None.
        what: which input this is, for the message.

    Returns:
        `(vocab_size, input_dim)`, the one given as an `int`, the other None.
    """
    if (vocab_size is None) == (input_dim is None):
        raise ValueError(
            f"{what}: give exactly one of vocab_size (token ids) or input_dim (feature "
            f"vectors); got vocab_size={vocab_size!r}, input_dim={input_dim!r}"
        )
    if vocab_size is not None:
        return check_int("vocab_size", vocab_size, 2), None
    return None, check_int("input_dim", input_dim, 1)


def refuse_bidirectional(bidirectional, what, why, instead="bidirectional=False"):
    """Raise `ValueError` for `bidirectional=True` on a model that must not look ahead.

    Args:
        bidirectional: the value given.
        what: the kind of model, for the message.
        why: why it cannot look ahead.
        instead: what to use instead.
    """
    if bidirectional:
        raise ValueError(f"bidirectional=True is not allowed for {what}: {why}; use {instead}")


SEED_RANGE = 2**31 - 1
"""Seeds are used in [0, 2**31 - 1): TensorFlow's stateless samplers take int32 seeds."""


def map_seed(seed, name="seed", *, error=ValueError):
    """Map an integer seed of any size to the seed every random path uses, in [0, 2**31 - 1).

    This is the only seed rule: the samplers, the applications' Python APIs and their command
    lines all call it (a command line hands the integer it read to the same library call), so
    one number draws one sample everywhere. Seeds already in the range are returned unchanged;
    any other integer (negative, or ``2**31 - 1`` and beyond, of any size) is hashed
    (SHA-256 of its decimal digits), so every integer is a valid, reproducible seed and
    nearby large seeds do not collide the way a modulo would make ``2**31 - 1`` and ``0``.

    Args:
        seed: int (numpy integers too; a bool or a float is refused).
        name: str, the parameter's name, for the message. Defaults to "seed".
        error: the exception class to raise. Defaults to `ValueError`.

    Returns:
        int in [0, 2**31 - 1).

    Raises:
        ValueError: ``"{name} must be an integer; got {seed!r}"`` for a value that is not an
            integer (or `error` with that message).

    Example:

    >>> map_seed(7), map_seed(2**31) == map_seed(2**31), 0 <= map_seed(-1) < 2**31 - 1
    (7, True, True)
    """
    if not is_integer(seed):
        raise error(f"{name} must be an integer; got {seed!r}")
    seed = int(seed)
    if 0 <= seed < SEED_RANGE:
        return seed
    digest = hashlib.sha256(str(seed).encode("ascii")).digest()
    return int.from_bytes(digest[:8], "big") % SEED_RANGE
