"""Argument checks shared by the zoo and its applications: one clear `ValueError` per mistake.

The integer rule (`check_int`) and the seed rule (`map_seed`) live here only: every factory,
sampler, application and command line calls them, so a value accepted (or refused) in one
place is accepted (or refused) everywhere.
"""

import hashlib
import numbers


def check_choice(name, value, allowed):
    """Raise `ValueError` unless `value` is one of `allowed`.

    Args:
        name: the parameter's name, for the message.
        value: the value given.
        allowed: the accepted values.

    Returns:
        `value`, unchanged.
    """
    if value not in allowed:
        choices = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name}={value!r} is not supported; expected one of {choices}")
    return value


def check_int(name, value, minimum, maximum=None):
    """Return `value` as an `int` after checking it is an integer in ``[minimum, maximum]``.

    Python and numpy integers are accepted; a bool, a float (even ``2.0``), a string or
    anything else is refused, so ``build_lm(np.int64(65))`` and ``build_lm(65)`` build the
    same model and ``units=True`` is a mistake, not ``units=1``.

    Args:
        name: str, the parameter's name, for the message.
        value: the value given.
        minimum: int, the smallest accepted value.
        maximum: int or None, the largest accepted value. Defaults to None (no upper bound).

    Returns:
        `value` as a Python `int`.

    Raises:
        ValueError: ``"{name} must be an integer >= {minimum}; got {value!r}"`` (``in
            [{minimum}, {maximum}]`` with a maximum).

    Example:

    >>> import numpy as np
    >>> check_int("units", np.int64(65), 1)
    65
    """
    if (isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum
            or (maximum is not None and value > maximum)):
        bound = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
        raise ValueError(f"{name} must be an integer {bound}; got {value!r}")
    return int(value)


def check_optional_int(name, value, minimum, maximum=None):
    """Like `check_int`, but `None` is accepted and returned as is."""
    return None if value is None else check_int(name, value, minimum, maximum)


def check_rate(name, value):
    """Raise `ValueError` unless `0 <= value < 1` (a dropout rate)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{name} must be a number in [0, 1); got {value!r}")
    return float(value)


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


def map_seed(seed, name="seed"):
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

    Returns:
        int in [0, 2**31 - 1).

    Raises:
        ValueError: ``"{name} must be an integer; got {seed!r}"`` for a value that is not an
            integer.

    Example:

    >>> map_seed(7), map_seed(2**31) == map_seed(2**31), 0 <= map_seed(-1) < 2**31 - 1
    (7, True, True)
    """
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"{name} must be an integer; got {seed!r}")
    seed = int(seed)
    if 0 <= seed < SEED_RANGE:
        return seed
    digest = hashlib.sha256(str(seed).encode("ascii")).digest()
    return int.from_bytes(digest[:8], "big") % SEED_RANGE
