"""Chord progressions as text: a small syntax, and named forms (blues, rhythm changes, ii-V-I).

Progression syntax (`parse_progression`)::

    "Dm7 G7 | Cmaj7 | C7#9 . F7 . | % | N.C. |"

- ``|`` separates bars; a leading or trailing ``|`` (and ``||``) is optional.
- Inside a bar, whitespace separates *slots*; the slots of one bar share it equally
  (``Dm7 G7`` in 4/4: two beats each; ``C7 . . F7``: three beats and one).
- ``.`` (or ``/``) in a slot holds the previous chord for one more slot.
- ``%`` as the whole bar repeats the previous bar.
- Chord symbols are read by `music.theory.chords.parse_chord` (``N.C.`` is a chord too).

Named forms (`named_form`, and specs such as ``"blues:F"``): see `FORMS`. A key is a note name,
optionally followed by ``m`` or ``-`` for minor (``"ii-V-I:Cm"`` gives the minor ii-V-i).

This module reads strings only; `music.reading.leadsheet` also takes a lead-sheet file (through
`music.reading.solos`) and a meter.
"""

import dataclasses
import re
from fractions import Fraction

from music.errors import ChordError
from music.theory.chords import chord_symbol, parse_chord
from music.theory.pitch_classes import parse_pitch_class
from zoo.core.checks import check_int

_EXAMPLE = "e.g. 'Dm7 G7 | Cmaj7 |'"

# Each form: (default key, minor?, bars). A bar is a list of (semitones above the key, quality).
_MAJOR_BLUES = [
    [(0, "7")],
    [(5, "7")],
    [(0, "7")],
    [(0, "7")],
    [(5, "7")],
    [(5, "7")],
    [(0, "7")],
    [(0, "7")],
    [(7, "7")],
    [(5, "7")],
    [(0, "7")],
    [(7, "7")],
]
_JAZZ_BLUES = [
    [(0, "7")],
    [(5, "7")],
    [(0, "7")],
    [(7, "m7"), (0, "7")],
    [(5, "7")],
    [(6, "dim7")],
    [(0, "7")],
    [(9, "7")],
    [(2, "m7")],
    [(7, "7")],
    [(0, "7"), (9, "7")],
    [(2, "m7"), (7, "7")],
]
_MINOR_BLUES = [
    [(0, "m7")],
    [(5, "m7")],
    [(0, "m7")],
    [(0, "m7")],
    [(5, "m7")],
    [(5, "m7")],
    [(0, "m7")],
    [(0, "m7")],
    [(8, "7")],
    [(7, "7alt")],
    [(0, "m7")],
    [(7, "7alt")],
]
_RHYTHM_A1 = [
    [(0, "6"), (9, "7")],
    [(2, "m7"), (7, "7")],
    [(0, "6"), (9, "7")],
    [(2, "m7"), (7, "7")],
    [(0, "7")],
    [(5, "6"), (6, "dim7")],
    [(0, "6"), (9, "7")],
    [(2, "m7"), (7, "7")],
]
_RHYTHM_A2 = _RHYTHM_A1[:6] + [[(2, "m7"), (7, "7")], [(0, "6")]]
_RHYTHM_B = [
    [(4, "7")],
    [(4, "7")],
    [(9, "7")],
    [(9, "7")],
    [(2, "7")],
    [(2, "7")],
    [(7, "7")],
    [(7, "7")],
]
_II_V_I = [[(2, "m7")], [(7, "7")], [(0, "maj7")], [(0, "maj7")]]
_II_V_I_MINOR = [[(2, "m7b5")], [(7, "7b9")], [(0, "m6")], [(0, "m6")]]
_TURNAROUND = [[(0, "maj7"), (9, "m7")], [(2, "m7"), (7, "7")]]
# The diatonic cycle of fifths in a major key (IV-vii-iii-vi of the relative minor).
_DIATONIC_CYCLE = [
    [(2, "m7")],
    [(7, "7")],
    [(0, "maj7")],
    [(5, "maj7")],
    [(11, "m7b5")],
    [(4, "7")],
    [(9, "m7")],
    [(9, "m7")],
]
_MODAL_AABA = [[(0, "m7")]] * 16 + [[(1, "m7")]] * 8 + [[(0, "m7")]] * 8

FORMS = {
    "blues": ("F", _MAJOR_BLUES, _MINOR_BLUES),
    "jazz-blues": ("F", _JAZZ_BLUES, _MINOR_BLUES),
    "minor-blues": ("C", _MINOR_BLUES, _MINOR_BLUES),
    "rhythm-changes": ("Bb", _RHYTHM_A1 + _RHYTHM_A2 + _RHYTHM_B + _RHYTHM_A2, None),
    "ii-V-I": ("C", _II_V_I, _II_V_I_MINOR),
    "turnaround": ("C", _TURNAROUND, None),
    "diatonic-cycle": ("G", _DIATONIC_CYCLE, None),
    "modal-aaba": ("D", _MODAL_AABA, _MODAL_AABA),
}
"""Named forms: name -> (default key, bars in major, bars in minor or None).

- ``blues``: the 12-bar blues, all dominant sevenths (I7 IV7 I7 I7 | IV7 IV7 I7 I7 | V7 IV7 I7 V7);
  in a minor key the minor blues.
- ``jazz-blues``: the bebop blues (I7 | IV7 | I7 | v7 I7 | IV7 | #iv°7 | I7 | VI7 | ii7 | V7 |
  I7 VI7 | ii7 V7).
- ``minor-blues``: i-7 | iv-7 | i-7 | i-7 | iv-7 | iv-7 | i-7 | i-7 | bVI7 | V7alt | i-7 | V7alt.
- ``rhythm-changes``: 32 bars AABA (I6 VI7 | ii7 V7 ... bridge III7 VI7 II7 V7, two bars each).
- ``ii-V-I``: ii-7 | V7 | Imaj7 | Imaj7; minor: iiø7 | V7b9 | i-6 | i-6.
- ``turnaround``: Imaj7 vi-7 | ii-7 V7.
- ``diatonic-cycle``: ii-7 | V7 | Imaj7 | IVmaj7 | viiø7 | III7 | vi-7 | vi-7.
- ``modal-aaba``: 16 bars i-7, 8 bars a half step up, 8 bars i-7.
"""


def _key(text, form):
    match = re.fullmatch(r"([A-G][b#♭♯-]?)(m|-|min)?", text.strip())
    tonic = parse_pitch_class(match.group(1)) if match else None
    if tonic is None:
        raise ChordError(
            f"form {form!r}: cannot read key {text!r}; expected a note name "
            "optionally followed by m for minor, e.g. 'F', 'Bb', 'Cm'"
        )
    return tonic, bool(match.group(2))


def named_form(name, key=None, *, beats_per_bar=4, beat_unit=4):
    """Chord spans of a named form (see `FORMS`) in a key.

    Args:
        name: str, a form name such as ``"blues"``, ``"jazz-blues"``, ``"rhythm-changes"``,
            ``"ii-V-I"``, optionally with the key after a colon (``"blues:Bb"``).
        key: str or None, e.g. ``"F"``, ``"Bb"``, ``"Cm"`` (minor); default the form's own key.
        beats_per_bar: int, time signature numerator (default 4).
        beat_unit: int, time signature denominator (default 4).

    Returns:
        list of `Chord`, each chord a whole bar or an equal share of one.

    Raises:
        ChordError: for an unknown form name, a bad key, or a minor key for a major-only form.

    Example:

    >>> [c.figure for c in named_form("ii-V-I", "Bb")]
    ['Cm7', 'F7', 'Bbmaj7', 'Bbmaj7']
    """
    if ":" in name and key is None:
        name, key = name.split(":", 1)
    name = name.strip()
    if name not in FORMS:
        raise ChordError(
            f"unknown chord form {name!r}; expected one of {', '.join(FORMS)}, "
            "optionally with a key, e.g. 'blues:F'"
        )
    default_key, major_bars, minor_bars = FORMS[name]
    tonic, minor = _key(key if key else default_key, name)
    bars = minor_bars if minor else major_bars
    if bars is None:
        raise ChordError(
            f"form {name!r} has no minor version; expected a major key, e.g. '{name}:{default_key}'"
        )
    sharps = tonic in (7, 2, 9, 4, 11, 6) and not minor
    text = " | ".join(
        " ".join(chord_symbol((tonic + step) % 12, quality, sharps=sharps) for step, quality in bar)
        for bar in bars
    )
    return parse_progression(text, beats_per_bar=beats_per_bar, beat_unit=beat_unit)


def parse_progression(text, *, beats_per_bar=4, beat_unit=4, music21_flats=False):
    """Parse a progression string such as ``"Dm7 G7 | Cmaj7 | C7#9 . F7 . | % |"``.

    The syntax is described in this module's docstring: ``|`` between bars, the slots of a bar
    share it equally, ``.`` holds the previous chord for one more slot, ``%`` repeats the
    previous bar.

    Args:
        text: str, the progression.
        beats_per_bar: int, time signature numerator (default 4).
        beat_unit: int, time signature denominator (default 4); a bar lasts
            ``beats_per_bar * 4 / beat_unit`` quarter notes.
        music21_flats: bool, read ``B-`` as B-flat (see `parse_chord`). Default False.

    Returns:
        list of `Chord` spans in time order with exact `Fraction` offsets and durations; one
        span per chord per bar (a chord held with ``.`` is one span).

    Raises:
        ChordError: naming the bar and the symbol that cannot be read, or an empty progression.

    Example:

    >>> [(c.figure, c.offset, c.duration) for c in parse_progression("Dm7 G7 | C . . F |")]
    [('Dm7', Fraction(0, 1), Fraction(2, 1)), ('G7', Fraction(2, 1), Fraction(2, 1)), \
('C', Fraction(4, 1), Fraction(3, 1)), ('F', Fraction(7, 1), Fraction(1, 1))]
    """
    if not isinstance(text, str) or not text.strip().strip("|").strip():
        raise ChordError(
            f"chord progression {text!r} is empty; expected chord symbols with "
            f"'|' between bars, {_EXAMPLE}"
        )
    bar_length = _bar_length(beats_per_bar, beat_unit)
    bars = re.sub(r"\|\s*\|", "|", text.strip()).strip("|").split("|")
    spans, previous_bar = [], None
    for index, bar_text in enumerate(bars):
        number, start = index + 1, bar_length * index
        slots = bar_text.split()
        if not slots:
            raise ChordError(
                f"bar {number}: empty bar in chord progression; expected chord "
                f"symbols, '.' or '%', {_EXAMPLE}"
            )
        if slots == ["%"]:
            if previous_bar is None:
                raise ChordError(
                    "bar 1: '%' repeats the previous bar but there is none; "
                    f"expected chord symbols, {_EXAMPLE}"
                )
            previous_bar = [
                dataclasses.replace(c, offset=c.offset + bar_length) for c in previous_bar
            ]
            spans.extend(previous_bar)
            continue
        share = bar_length / len(slots)
        this_bar = []
        for i, slot in enumerate(slots):
            if slot in (".", "/"):
                held = this_bar[-1] if this_bar else (spans[-1] if spans else None)
                if held is None:
                    raise ChordError(
                        f"bar {number}: {slot!r} holds the previous chord but there "
                        f"is none; expected a chord symbol first, {_EXAMPLE}"
                    )
                if this_bar:
                    this_bar[-1] = dataclasses.replace(held, duration=held.duration + share)
                else:  # the chord goes on from the previous bar: a new span in this bar
                    this_bar.append(dataclasses.replace(held, offset=start, duration=share))
                continue
            if index == 0 and i == 0 and re.fullmatch(r"\d+/\d+", slot):
                raise ChordError(
                    f"bar 1: cannot read chord symbol {slot!r}: it looks like a "
                    f"meter; give the meter on its own (meter={slot}) and only chords "
                    f"in the progression, {_EXAMPLE}"
                )
            if slot == "%":
                raise ChordError(
                    f"bar {number}: '%' must stand alone in its bar (it repeats the "
                    f"whole previous bar); expected chord symbols, {_EXAMPLE}"
                )
            this_bar.append(
                parse_chord(
                    slot,
                    offset=start + share * i,
                    duration=share,
                    bar=number,
                    music21_flats=music21_flats,
                )
            )
        spans.extend(this_bar)
        previous_bar = this_bar
    return spans


def _bar_length(beats_per_bar, beat_unit):
    try:
        numerator = check_int("beats_per_bar", beats_per_bar, 1)
    except ValueError:
        numerator = None
    if numerator is None or isinstance(beat_unit, bool) or beat_unit not in (1, 2, 4, 8, 16, 32):
        raise ChordError(
            f"time signature {beats_per_bar}/{beat_unit} is not supported; expected "
            "a positive numerator over 1, 2, 4, 8, 16 or 32, e.g. 4/4, 3/4, 6/8"
        )
    return Fraction(numerator * 4, int(beat_unit))


__all__ = ["FORMS", "named_form", "parse_progression"]
