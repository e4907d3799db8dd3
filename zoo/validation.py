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
