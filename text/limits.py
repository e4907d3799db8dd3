"""Bounds on the work one call may ask for: corpus size and generated tokens.

`python -m text generate --length 1000000000` would grow a buffer past gigabytes and
``-n 2**31`` ask for hundreds of GiB; a 50 GB file (or `/dev/zero`) given as a corpus would be
read into memory. Each is refused up front with one line that says how to allow more:

============================  ===============  ==========================================
limit                         default          raise it with
============================  ===============  ==========================================
corpus bytes (all files)      256 MiB          ``SEQZOO_MAX_CORPUS_BYTES`` or
                                               ``read_corpus(..., max_bytes=...)``
generated tokens              1,000,000        ``SEQZOO_MAX_GENERATED_TOKENS``
(n x (prefix + length))
samples or beams at once      10,000           ``SEQZOO_MAX_SAMPLES``
============================  ===============  ==========================================
"""

import os


class LimitError(ValueError):
    """A request past one of the limits above; the message says how to allow more."""


MAX_CORPUS_BYTES = 256 * 2**20
"""The largest corpus read, all files together (Tiny Shakespeare is 1.1 MB)."""

MAX_GENERATED_TOKENS = 1_000_000
"""The most tokens held by one call: samples (or beams) times (prefix + length)."""

MAX_SAMPLES = 10_000
"""The most samples (`n`) or beams (`width`) in one call: each is a row of the batch."""

_ENVIRONMENT = {
    "SEQZOO_MAX_CORPUS_BYTES": MAX_CORPUS_BYTES,
    "SEQZOO_MAX_GENERATED_TOKENS": MAX_GENERATED_TOKENS,
    "SEQZOO_MAX_SAMPLES": MAX_SAMPLES,
}


def limit(variable):
    """The value of a limit: its environment variable when set, else the default.

    Args:
        variable: str, one of ``SEQZOO_MAX_CORPUS_BYTES``, ``SEQZOO_MAX_GENERATED_TOKENS``,
            ``SEQZOO_MAX_SAMPLES``.

    Returns:
        int.

    Raises:
        LimitError: when the variable is set to something that is not a whole number >= 1.

    Example:

    >>> limit("SEQZOO_MAX_SAMPLES") >= 1
    True
    """
    text = os.environ.get(variable, "").strip().replace("_", "")
    if not text:
        return _ENVIRONMENT[variable]
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise LimitError(f"environment variable {variable}={text!r}: expected a whole number >= 1")
    return value


def check_generation(count, length, *, prefix=0, count_name="n"):
    """Refuse a generation call that asks for too many samples or tokens.

    Args:
        count: int, samples (`n`) or beams (`width`).
        length: int, tokens added to each.
        prefix: int, tokens of the prefix each one starts from (they are held too).
            Defaults to 0.
        count_name: str, the parameter's name for the message. Defaults to "n".

    Raises:
        LimitError: naming the parameter, when `count` > `MAX_SAMPLES` or
            `count * (prefix + length)` > `MAX_GENERATED_TOKENS` (each raised by its
            environment variable).

    Example:

    >>> check_generation(4, 200)
    >>> check_generation(2**31, 200)
    Traceback (most recent call last):
    ...
    text.limits.LimitError: n=2147483648 is more than the limit of 10,000 samples at once; ...
    """
    most = limit("SEQZOO_MAX_SAMPLES")
    what = "beams" if count_name == "width" else "samples"
    if count > most:
        raise LimitError(
            f"{count_name}={count} is more than the limit of {most:,} {what} at "
            f"once; ask for fewer or set SEQZOO_MAX_SAMPLES"
        )
    most = limit("SEQZOO_MAX_GENERATED_TOKENS")
    if count * (prefix + length) > most:
        tokens = f"({prefix} prefix + {length})" if prefix else f"{length}"
        raise LimitError(
            f"length={length}: {count} x {tokens} tokens is more than the limit of "
            f"{most:,} generated tokens in one call; ask for fewer or set "
            f"SEQZOO_MAX_GENERATED_TOKENS"
        )


__all__ = [
    "LimitError",
    "MAX_CORPUS_BYTES",
    "MAX_GENERATED_TOKENS",
    "MAX_SAMPLES",
    "limit",
    "check_generation",
]
