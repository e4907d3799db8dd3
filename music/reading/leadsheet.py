"""What to improvise over, as a user gives it: a meter, and chords from text, a form or a file.

`parse_meter` reads a meter such as ``"3/4"``; `progression_and_meter` takes a progression
string or a named form (parsed by `music.theory.progressions`) or a lead-sheet file (read by
`music.reading.solos.read_solo`, in its own meter) and gives the chord spans and the meter.
"""

import os
import re

from music.errors import ChordError, MusicInputError
from music.reading.files import is_music_file_name
from music.reading.solos import read_solo
from music.theory.progressions import FORMS, named_form, parse_progression

MAX_BEATS_PER_BAR = 16
BEAT_UNITS = (2, 4, 8, 16)
_UNITS = "D one of 2, 4, 8 or 16"


def parse_meter(text):
    """Read a meter such as ``"3/4"``, ``"5/4"`` or ``"6/8"`` (the `meter` of a solo to generate).

    Args:
        text: str ``"N/D"``: N beats per bar, 1 to `MAX_BEATS_PER_BAR` (16), of the note value
            D, one of `BEAT_UNITS` (2, 4, 8, 16).

    Returns:
        tuple ``(beats_per_bar, beat_unit)`` of ints.

    Raises:
        MusicInputError: naming the text and what is expected.

    Example:

    >>> parse_meter("6/8")
    (6, 8)
    """
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text) if isinstance(text, str) else None
    if (
        not match
        or not 1 <= int(match.group(1)) <= MAX_BEATS_PER_BAR
        or int(match.group(2)) not in BEAT_UNITS
    ):
        raise MusicInputError(
            f"meter={text}: expected N/D with N a whole number from 1 to "
            f"{MAX_BEATS_PER_BAR} and {_UNITS}, e.g. 3/4, 5/4, 6/8"
        )
    return int(match.group(1)), int(match.group(2))


def _file_chords(path, given):
    """Chord spans and meter of a lead-sheet file; `given` is the meter asked for, or None."""
    solo = read_solo(path)
    if not solo.chords or all(c.root is None for c in solo.chords):
        raise ChordError(
            f"{path}: no chord symbols or accompaniment to take chords from; "
            f"expected a lead sheet with chord symbols"
        )
    own = (solo.beats_per_bar, solo.beat_unit)
    if given is not None and given != own:
        raise MusicInputError(
            f"meter={given[0]}/{given[1]}: {path} is in {own[0]}/{own[1]}; "
            f"expected no meter with a lead-sheet file (its own meter is used) "
            f"or meter={own[0]}/{own[1]}"
        )
    if not 1 <= own[0] <= MAX_BEATS_PER_BAR or own[1] not in BEAT_UNITS:  # as parse_meter
        raise MusicInputError(
            f"{path}: its time signature {own[0]}/{own[1]} cannot be "
            f"improvised over; expected N/D with N from 1 to "
            f"{MAX_BEATS_PER_BAR} and {_UNITS}"
        )
    return solo.chords, own[0], own[1]


def progression_and_meter(spec, *, beats_per_bar=None, beat_unit=None):
    """Chords and meter from a progression string, a named form or a lead-sheet file.

    Args:
        spec: str or path. A path to an existing file (or a name with a readable music file
            suffix, see `music.reading.files.SUFFIXES`) is read with `music.reading.solos.read_solo` and its
            chords are used, in the file's own meter; a name from `music.theory.progressions.FORMS`,
            optionally ``:key`` (``"blues:Bb"``), is a named form; anything else is parsed by
            `music.theory.progressions.parse_progression`.
        beats_per_bar: int or None, meter numerator. Default None: 4 for strings and forms,
            the file's own for a file (a meter given with a file must be the file's).
        beat_unit: int or None, meter denominator; default None, as for `beats_per_bar`.

    Returns:
        tuple ``(chords, beats_per_bar, beat_unit)``.

    Raises:
        ChordError: for an unreadable progression or form, or a file without chords.
        MusicInputError: for a file that cannot be read, or whose meter is not the one given.

    Example:

    >>> chords, beats, unit = progression_and_meter("blues:Bb")
    >>> len(chords), chords[0].figure, beats
    (12, 'Bb7', 4)
    """
    text = os.fspath(spec) if isinstance(spec, os.PathLike) else spec
    if not isinstance(text, str):
        raise ChordError(
            f"chord progression {spec!r} is not text; expected a progression "
            f"string, a form such as 'blues:F', or a lead-sheet file"
        )
    given = (
        None
        if beats_per_bar is None and beat_unit is None
        else (beats_per_bar or 4, beat_unit or 4)
    )
    if os.path.isfile(text) or is_music_file_name(text.strip()):
        return _file_chords(text, given)
    beats_per_bar, beat_unit = given or (4, 4)
    if text.split(":", 1)[0].strip() in FORMS:
        return (
            named_form(text, beats_per_bar=beats_per_bar, beat_unit=beat_unit),
            beats_per_bar,
            beat_unit,
        )
    return (
        parse_progression(text, beats_per_bar=beats_per_bar, beat_unit=beat_unit),
        beats_per_bar,
        beat_unit,
    )


def progression_from_spec(spec, *, beats_per_bar=None, beat_unit=None):
    """Chord spans from a progression string, a named form or a lead-sheet file.

    Same as `progression_and_meter` without the meter (a file keeps its own meter).

    Args:
        spec: str or path, as for `progression_and_meter`.
        beats_per_bar: int or None, as for `progression_and_meter`.
        beat_unit: int or None, as for `progression_and_meter`.

    Returns:
        list of `Chord` spans.

    Example:

    >>> [c.figure for c in progression_from_spec("Dm7 G7 | Cmaj7 |")]
    ['Dm7', 'G7', 'Cmaj7']
    """
    return progression_and_meter(spec, beats_per_bar=beats_per_bar, beat_unit=beat_unit)[0]


__all__ = [
    "MAX_BEATS_PER_BAR",
    "BEAT_UNITS",
    "parse_meter",
    "progression_and_meter",
    "progression_from_spec",
]
