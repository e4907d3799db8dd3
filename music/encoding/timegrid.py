"""The time grid of the music encoding: ticks of 1/24 quarter note and the duration values.

Every onset and duration of an encoded solo is a whole number of ticks (`TICKS_PER_QUARTER` to
the quarter note: 32nds, 16th and 8th triplets and swung eighths all land on it), and every
event lasts one of `DURATIONS`; a longer or odd length is split into a note and ties
(`split_duration`).
"""

import functools
import math
from fractions import Fraction

TICKS_PER_QUARTER = 24
DURATIONS = (1, 2, 3, 4, 6, 8, 9, 12, 16, 18, 24, 32, 36, 48, 72, 96)


def to_ticks(value) -> int:
    """Convert quarter notes (Fraction/float) to the nearest whole tick.

    Args:
        value: a time in quarter notes.

    Returns:
        int: `round(value * TICKS_PER_QUARTER)`, halves rounded up.

    Example:
        >>> to_ticks(Fraction(1, 3))
        8
    """
    return math.floor(Fraction(value) * TICKS_PER_QUARTER + Fraction(1, 2))


def split_duration(ticks: int) -> list[int]:
    """Split a duration into the fewest `DURATIONS` values, longest first.

    Args:
        ticks: a positive number of ticks.

    Returns:
        list of int: values from `DURATIONS` summing to `ticks` (the first one is the note, the
        rest become ties).

    Example:
        >>> split_duration(30)
        [24, 6]
    """
    return list(_split_duration(int(ticks)))


@functools.lru_cache(maxsize=4096)
def _split_duration(ticks):
    best = [None] * (ticks + 1)
    best[0] = ()
    for total in range(1, ticks + 1):
        for value in DURATIONS:
            if value <= total and best[total - value] is not None:
                candidate = tuple(sorted(best[total - value] + (value,), reverse=True))
                if (
                    best[total] is None
                    or len(candidate) < len(best[total])
                    or (len(candidate) == len(best[total]) and candidate > best[total])
                ):
                    best[total] = candidate
    return best[ticks]


__all__ = ["DURATIONS", "TICKS_PER_QUARTER", "split_duration", "to_ticks"]
