"""Argument checks for the music library: one `MusicInputError` naming the parameter per mistake.

Music's own rules live here: a tempo (`check_tempo`) and a swing ratio (`check_swing`). The
rules for integers, numbers and seeds are the zoo's (`zoo.core.checks`); `check_whole`,
`check_number` and `check_seed` call them with ``error=MusicInputError``, so the same value is
refused with the same words by the zoo, the text generator and the improviser.

Library messages name the Python parameter (``tempo must be a number of beats per minute in
[20, 400] ...``); the command line (`music.__main__`) shows the same messages with the flag
(``--tempo ...``). Wrong types (``tempo="fast"``) get the same error class as wrong values.
"""

import math
import numbers
from fractions import Fraction

from music.errors import MusicInputError
from zoo.core import checks

TEMPO_RANGE = (20, 400)
"""Tempi accepted for a written solo, in quarter notes per minute: slower or faster tempi give
MIDI files that players and music21 read back wrongly (``tempo=1e9`` writes a zero tempo)."""

SWING_RANGE = (Fraction(1, 2), Fraction(3, 4))
"""Where the off-beat eighth may land inside the beat: 1/2 is straight, 2/3 triplet swing (2:1),
3/4 a dotted-eighth feel (3:1); later would overlap the next beat's notes."""


def check_number(
    name, value, *, low=None, high=None, low_open=False, high_open=False, what="a number"
):
    """Return `value` as a float after checking it is a finite number in a range.

    The rule and the words are `zoo.core.checks.check_number`'s; the error is music's.

    Args:
        name: the parameter's name, for the message.
        value: the value given.
        low: the smallest accepted value, or None for no lower bound.
        high: the largest accepted value, or None for no upper bound.
        low_open: bool, exclude `low` itself. Defaults to False.
        high_open: bool, exclude `high` itself. Defaults to False.
        what: str, what the number is, for the message. Defaults to "a number".

    Returns:
        float.

    Raises:
        MusicInputError: ``"{name} must be {what} in [low, high]; got {value!r}"``.

    Example:

    >>> check_number("temperature", 0.8, low=0, low_open=True)
    0.8
    """
    return checks.check_number(
        name,
        value,
        low=low,
        high=high,
        low_open=low_open,
        high_open=high_open,
        what=what,
        error=MusicInputError,
    )


def check_whole(name, value, *, low=1, high=None):
    """Return `value` as an int after checking it is an integer in ``[low, high]``.

    The rule is `zoo.core.checks.check_int` (Python and numpy integers; a bool or a float is
    refused); only the error class is the music library's.

    Args:
        name: the parameter's name, for the message.
        value: the value given.
        low: the smallest accepted value. Defaults to 1.
        high: the largest accepted value, or None.

    Returns:
        int.

    Raises:
        MusicInputError: ``"{name} must be an integer >= {low}; got {value!r}"`` (``in
            [{low}, {high}]`` with a `high`).

    Example:

    >>> check_whole("choruses", 2)
    2
    """
    return checks.check_int(name, value, low, high, error=MusicInputError)


def check_seed(seed, name="seed"):
    """Return the seed sampling uses: any integer, mapped into [0, 2**31 - 1).

    Seeds in that range are kept; others are mapped deterministically by
    `zoo.core.checks.map_seed` (the one seed rule of the zoo, the text generator and the
    command lines), so ``2**31``, ``2**70`` or ``-1`` are valid seeds too.

    Args:
        seed: int of any size (numpy integers too; a bool or a float is refused).
        name: the parameter's name, for the message. Defaults to "seed".

    Returns:
        int in [0, 2**31 - 1).

    Raises:
        MusicInputError: ``"{name} must be an integer; got {seed!r}"``.

    Example:

    >>> check_seed(7)
    7
    """
    return checks.map_seed(seed, name=name, error=MusicInputError)


def check_tempo(tempo, name="tempo"):
    """Return `tempo` as a float: quarter notes per minute within `TEMPO_RANGE` (20 to 400).

    Args:
        tempo: int or float (numpy numbers too).
        name: the parameter's name, for the message. Defaults to "tempo".

    Returns:
        float.

    Raises:
        MusicInputError: ``"{name} must be a number of beats per minute in [20, 400]; got
            {tempo!r}"``.

    Example:

    >>> check_tempo(160)
    160.0
    """
    low, high = TEMPO_RANGE
    return check_number(name, tempo, low=low, high=high, what="a number of beats per minute")


def check_swing(swing, name="swing"):
    """Return `swing` as a Fraction within `SWING_RANGE` (1/2 straight to 3/4), or None.

    Args:
        swing: None (the default swing), a Fraction, int, float or a string such as "2/3".
        name: the parameter's name, for the message.

    Returns:
        Fraction or None.

    Raises:
        MusicInputError: for a value that is not a number in [1/2, 3/4].

    Example:

    >>> check_swing("3/5")
    Fraction(3, 5)
    """
    if swing is None:
        return None
    low, high = SWING_RANGE
    try:
        if isinstance(swing, bool) or not isinstance(swing, (numbers.Real, str)):
            raise TypeError(swing)
        if isinstance(swing, float) and not math.isfinite(swing):
            raise ValueError(swing)
        value = Fraction(swing.strip() if isinstance(swing, str) else swing)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        value = None
    if value is None or not low <= value <= high:
        raise MusicInputError(
            f"{name} must be the off-beat eighth's place in the beat, a number "
            f"in [{low}, {high}] (1/2 straight, 2/3 triplet swing); "
            f"got {swing!r}"
        )
    return value


__all__ = [
    "TEMPO_RANGE",
    "SWING_RANGE",
    "check_number",
    "check_whole",
    "check_tempo",
    "check_swing",
    "check_seed",
]
