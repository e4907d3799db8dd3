"""Chord theory on pitch classes: note names, chord tones, scales, and the note types over a chord.

Pitch classes are ints 0 (C) .. 11 (B). A `Chord` (made by `music.theory.chords.parse_chord`) holds
its root and its tones relative to the root; `chord_tones`, `scale_for` and `approach_tones`
give the absolute pitch classes the metrics and the encoding need, and `note_type` classifies
a pitch over a chord with the course grammar's letters (chord / scale / approach / other).
"""

_LETTER_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_FLAT_NAMES = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
_SHARP_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")

ALTERATIONS = {"b5": 6, "#5": 8, "b9": 1, "#9": 3, "#11": 6, "b13": 8}
"""Chord alterations in the order a canonical quality name writes them, with their interval in
semitones above the root."""

NATURALS = {"b5": 7, "#5": 7, "b9": 2, "#9": 2, "#11": 5, "b13": 9}
"""The natural tone each alteration replaces (a ``#9`` keeps the ``9`` flattened by a ``b9``)."""


def parse_pitch_class(name, *, dash_is_flat=True):
    """Read a note name such as ``"C"``, ``"Bb"``, ``"B-"``, ``"F#"`` or ``"Ebb"`` as a pitch class.

    Args:
        name: str, an upper-case letter A-G followed by accidentals: ``b``/``♭`` (flat),
            ``#``/``♯`` (sharp), and ``-`` (flat, music21's spelling) when `dash_is_flat`.
        dash_is_flat: bool, whether ``-`` is a flat sign (default True).

    Returns:
        int, the pitch class 0..11, or None when `name` is not a note name.

    Example:

    >>> parse_pitch_class("Bb"), parse_pitch_class("B-"), parse_pitch_class("A#")
    (10, 10, 10)
    """
    accidentals = "b#♭♯-" if dash_is_flat else "b#♭♯"
    if not name or name[0] not in _LETTER_PC or any(c not in accidentals for c in name[1:]):
        return None
    if len(name) > 3:
        return None
    shift = sum(1 if c in "#♯" else -1 for c in name[1:])
    return (_LETTER_PC[name[0]] + shift) % 12


def pitch_class_name(pc, *, sharps=False):
    """Name a pitch class: ``10 -> "Bb"`` (or ``"A#"`` with `sharps=True`).

    Args:
        pc: int, a pitch class (taken modulo 12).
        sharps: bool, name black keys with sharps (default False: flats).

    Returns:
        str, the note name.

    Example:

    >>> pitch_class_name(10), pitch_class_name(10, sharps=True)
    ('Bb', 'A#')
    """
    return (_SHARP_NAMES if sharps else _FLAT_NAMES)[pc % 12]


def chord_tones(chord) -> frozenset[int]:
    """The absolute pitch classes of a chord (its root plus `pitch_classes`, and a slash bass).

    Args:
        chord: a `Chord`.

    Returns:
        frozenset of int 0..11; empty for N.C.

    Example:

    >>> from music.theory.chords import parse_chord
    >>> sorted(chord_tones(parse_chord("G7")))
    [2, 5, 7, 11]
    """
    if chord.root is None:
        return frozenset()
    tones = {(chord.root + i) % 12 for i in chord.pitch_classes}
    if chord.bass is not None:
        tones.add(chord.bass)
    return frozenset(tones)


_SCALES = {
    "ionian": (0, 2, 4, 5, 7, 9, 11),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "melodic_minor": (0, 2, 3, 5, 7, 9, 11),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "altered": (0, 1, 3, 4, 6, 8, 10),
    "half_whole": (0, 1, 3, 4, 6, 7, 9, 10),
    "whole_half": (0, 2, 3, 5, 6, 8, 9, 11),
    "locrian_sharp2": (0, 2, 3, 5, 6, 8, 10),
    "whole_tone": (0, 2, 4, 6, 8, 10),
}


def scale_name(chord):
    """The name of the scale `scale_for` uses over a chord (see there), or None for N.C.

    Args:
        chord: a `Chord`.

    Returns:
        str such as ``"dorian"``, ``"mixolydian"``, ``"altered"``; None for N.C.

    Example:

    >>> from music.theory.chords import parse_chord
    >>> scale_name(parse_chord("Dm7")), scale_name(parse_chord("G7alt"))
    ('dorian', 'altered')
    """
    q, pcs = chord.quality, set(chord.pitch_classes)
    if chord.root is None:
        return None
    if q.startswith("dim"):
        return "whole_half"
    if "b5" in q and q.startswith("m") and not q.startswith("mmaj"):
        return "locrian_sharp2"
    if q.startswith("mmaj"):
        return "melodic_minor"
    if q.startswith("m") and not q.startswith("maj"):
        return "dorian"
    if q == "aug" or q.startswith(("7#5", "9#5")) and "b9" not in q and "#9" not in q:
        return "whole_tone"
    if 10 in pcs:  # a dominant seventh
        if "alt" in q or ("#9" in q and ("b13" in q or "#5" in q)):
            return "altered"
        if "b9" in q and not any(t in q for t in ("#9", "#5", "b13")):
            return "half_whole"
        return "mixolydian"
    if 4 not in pcs and 3 not in pcs:  # sus and power chords
        return "mixolydian"
    return "lydian" if "#11" in q else "ionian"


def scale_for(chord) -> frozenset[int]:
    """The absolute pitch classes of a scale that fits the chord, always including its tones.

    The choice (by quality): major triad/6/69/maj7/maj9/maj13 -> ionian (lydian when ``#11`` is
    written); m/m6/m7/m9/m11/m13 -> dorian; mmaj7 -> melodic minor; 7/9/11/13/7sus4 ->
    mixolydian, with each written alteration (b9, #9, #11, b13, b5, #5) replacing the natural
    tension; 7b9 -> half-whole diminished; 7alt and 7#9 with b13/#5 -> altered;
    m7b5 -> locrian #2; dim/dim7 -> whole-half diminished; aug/7#5 -> whole tone;
    sus/power chords -> mixolydian. The chord's own tones are always added.

    Args:
        chord: a `Chord`.

    Returns:
        frozenset of the scale's pitch classes (0..11); empty for N.C.

    Example:

    >>> from music.theory.chords import parse_chord
    >>> sorted(scale_for(parse_chord("Dm7")))  # D dorian
    [0, 2, 4, 5, 7, 9, 11]
    """
    name = scale_name(chord)
    if name is None:
        return frozenset()
    steps = set(_SCALES[name])
    if name == "mixolydian":
        for alteration in ("b9", "#9", "#11", "b13", "b5", "#5"):
            if alteration in chord.quality:
                if not (alteration == "#9" and "b9" in chord.quality):
                    steps.discard(NATURALS[alteration])
                steps.add(ALTERATIONS[alteration])
    steps.update(chord.pitch_classes)
    return frozenset({(chord.root + s) % 12 for s in steps} | chord_tones(chord))


def approach_tones(chord) -> frozenset[int]:
    """Pitch classes a half step above or below a chord tone that are not chord tones themselves.

    Args:
        chord: a `Chord` (N.C. has no chord tones, so no approach tones either).

    Returns:
        frozenset of the approach pitch classes.

    Example:

    >>> from music.theory.chords import parse_chord
    >>> sorted(approach_tones(parse_chord("C")))
    [1, 3, 5, 6, 8, 11]
    """
    tones = chord_tones(chord)
    return frozenset({(t + d) % 12 for t in tones for d in (-1, 1)} - tones)


def note_type(pitch, chord):
    """Classify a note over a chord with the course grammar's letters.

    ``"C"`` chord tone, else ``"S"`` scale tone (`scale_for`), else ``"A"`` approach tone
    (a half step from a chord tone), else ``"X"``; ``"R"`` for a rest (pitch None);
    None when there is no chord (N.C.).

    Args:
        pitch: int MIDI pitch, or None for a rest.
        chord: a `Chord`, or None.

    Returns:
        str, one of ``"C"``, ``"S"``, ``"A"``, ``"X"``, ``"R"``; or None.

    Example:

    >>> from music.theory.chords import parse_chord
    >>> [note_type(p, parse_chord("C")) for p in (64, 62, 63, 70, None)]
    ['C', 'S', 'A', 'X', 'R']
    """
    if pitch is None:
        return "R"
    if chord is None or chord.root is None:
        return None
    pc = pitch % 12
    if pc in chord_tones(chord):
        return "C"
    if pc in scale_for(chord):
        return "S"
    if pc in approach_tones(chord):
        return "A"
    return "X"


__all__ = [
    "ALTERATIONS",
    "NATURALS",
    "parse_pitch_class",
    "pitch_class_name",
    "chord_tones",
    "scale_name",
    "scale_for",
    "approach_tones",
    "note_type",
]
