"""Argument checks shared by every factory: one clear `ValueError` per mistake."""


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


def check_int(name, value, minimum):
    """Raise `ValueError` unless `value` is an integer >= `minimum`.

    Args:
        name: the parameter's name, for the message.
        value: the value given.
        minimum: the smallest accepted value.

    Returns:
        `value` as an `int`.
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return int(value)


def check_optional_int(name, value, minimum):
    """Like `check_int`, but `None` is accepted and returned as is."""
    return None if value is None else check_int(name, value, minimum)


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
    """
    if (vocab_size is None) == (input_dim is None):
        raise ValueError(
            f"{what}: give exactly one of vocab_size (token ids) or input_dim (feature "
            f"vectors); got vocab_size={vocab_size!r}, input_dim={input_dim!r}"
        )
    if vocab_size is not None:
        check_int("vocab_size", vocab_size, 2)
    else:
        check_int("input_dim", input_dim, 1)


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
    """Map a whole number of any size to a seed in [0, 2**31 - 1), deterministically.

    Seeds already in the range are returned unchanged; any other int (negative, or ``2**31``
    and beyond) is hashed, so every int is a valid, reproducible seed.

    Args:
        seed: int (numpy ints too; a bool is refused).
        name: the parameter's name, for the message.

    Returns:
        int in [0, 2**31 - 1).

    Raises:
        ValueError: for a value that is not a whole number.

    Example:

    >>> map_seed(7), map_seed(2**31) == map_seed(2**31), 0 <= map_seed(-1) < 2**31 - 1
    (7, True, True)
    """
    import hashlib
    import numbers

    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise ValueError(f"{name} must be a whole number; got {seed!r}")
    seed = int(seed)
    if 0 <= seed < SEED_RANGE:
        return seed
    digest = hashlib.sha256(str(seed).encode("ascii")).digest()
    return int.from_bytes(digest[:8], "big") % SEED_RANGE
