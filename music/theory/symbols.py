"""Chord symbols in and out of music21, so that a written chord reads back as the same chord.

A MusicXML chord symbol is a root, a *kind* from a fixed list (``dominant``, ``minor-seventh``,
``half-diminished``...), ``<degree>`` elements that add, alter or remove chord tones, an optional
bass, and a display text. `to_music21` writes a `Chord` as the standard MusicXML kind closest to
its tones plus the degrees that make up the difference (``7alt`` is an augmented seventh with an
added b9 and #9), checked against music21's own realisation, and puts the canonical quality
(``"7alt"``) in the display text. So music21 (and any MusicXML reader that honours degrees)
sounds exactly the chord's tones, and `from_music21` reads the same chord back.

`from_music21` reads any music21 chord symbol, also those of other programs' files: the display
text (the chord as written on the page) when music21's own pitches agree with it, else the
figure music21 makes of the kind and degrees. `music21_figure` spells a chord the way music21
writes figures (``E-7``), for code that hands music21 a figure string.
"""

import functools
import re

import music21

from music.errors import ChordError
from music.theory.chords import NO_CHORD, parse_chord
from music.theory.pitch_classes import chord_tones, parse_pitch_class, pitch_class_name

# The standard MusicXML kinds (music21's names), simplest first, as {degree: semitones}.
_KINDS = (
    ("major", {1: 0, 3: 4, 5: 7}),
    ("minor", {1: 0, 3: 3, 5: 7}),
    ("power", {1: 0, 5: 7}),
    ("suspended-fourth", {1: 0, 4: 5, 5: 7}),
    ("suspended-second", {1: 0, 2: 2, 5: 7}),
    ("diminished", {1: 0, 3: 3, 5: 6}),
    ("augmented", {1: 0, 3: 4, 5: 8}),
    ("dominant-seventh", {1: 0, 3: 4, 5: 7, 7: 10}),
    ("major-seventh", {1: 0, 3: 4, 5: 7, 7: 11}),
    ("minor-seventh", {1: 0, 3: 3, 5: 7, 7: 10}),
    ("minor-major-seventh", {1: 0, 3: 3, 5: 7, 7: 11}),
    ("half-diminished-seventh", {1: 0, 3: 3, 5: 6, 7: 10}),
    ("diminished-seventh", {1: 0, 3: 3, 5: 6, 7: 9}),
    ("augmented-seventh", {1: 0, 3: 4, 5: 8, 7: 10}),
    ("major-sixth", {1: 0, 3: 4, 5: 7, 6: 9}),
    ("minor-sixth", {1: 0, 3: 3, 5: 7, 6: 9}),
    ("dominant-ninth", {1: 0, 3: 4, 5: 7, 7: 10, 9: 2}),
    ("major-ninth", {1: 0, 3: 4, 5: 7, 7: 11, 9: 2}),
    ("minor-ninth", {1: 0, 3: 3, 5: 7, 7: 10, 9: 2}),
    ("dominant-11th", {1: 0, 3: 4, 5: 7, 7: 10, 9: 2, 11: 5}),
    ("major-11th", {1: 0, 3: 4, 5: 7, 7: 11, 9: 2, 11: 5}),
    ("minor-11th", {1: 0, 3: 3, 5: 7, 7: 10, 9: 2, 11: 5}),
    ("dominant-13th", {1: 0, 3: 4, 5: 7, 7: 10, 9: 2, 11: 5, 13: 9}),
    ("major-13th", {1: 0, 3: 4, 5: 7, 7: 11, 9: 2, 11: 5, 13: 9}),
    ("minor-13th", {1: 0, 3: 3, 5: 7, 7: 10, 9: 2, 11: 5, 13: 9}),
)
# A kind's tone replaced by a neighbour: (degree, the semitones it may move to).
_ALTERABLE = ((5, (6, 8)), (9, (1, 3)), (11, (6,)), (13, (8,)))


def _added_degree(semitones, tones):
    """(degree, alter) that adds `semitones` above the root to a chord holding `tones`.

    Sevenths are never added (music21 reads "add 7" as a major seventh, MusicXML as a minor
    one): the kind brings them.
    """
    seventh = bool(tones & {10, 11})
    fifth = 7 in tones
    return {
        1: (9, -1),
        2: (9, 0),
        3: (9, 1) if 4 in tones else (3, -1),
        4: (3, 0),
        5: (11, 0),
        6: (11, 1) if fifth else (5, -1),
        7: (5, 0),
        8: (13, -1) if fifth else (5, 1),
        9: (13, 0) if seventh else (6, 0),
    }.get(semitones)


def _modifications(kind_tones, tones):
    """The degrees that turn a kind into `tones` (relative semitones), or None when impossible."""
    missing = {d: s for d, s in kind_tones.items() if s not in tones}
    extra = set(tones) - set(kind_tones.values())
    if 1 in missing:
        return None
    steps = []
    for degree, options in _ALTERABLE:
        if degree in missing:
            moved = next((s for s in options if s in extra), None)
            if moved is not None:
                steps.append(("alter", degree, moved - missing.pop(degree)))
                extra.discard(moved)
    steps += [("subtract", degree, 0) for degree in sorted(missing)]
    for semitones in sorted(extra):
        added = _added_degree(semitones, tones)
        if added is None:
            return None
        steps.append(("add",) + added)
    return steps


def _build(root, kind, steps, bass=None, text=""):
    symbol = music21.harmony.ChordSymbol(root=root, kind=kind, bass=bass)
    for modification in steps:
        symbol.addChordStepModification(music21.harmony.ChordStepModification(*modification))
    symbol.chordKindStr = text
    return symbol


@functools.cache
def _plan(tones):
    """The (kind, degree steps) music21 realises as exactly `tones` (relative semitones)."""
    candidates = []
    for order, (kind, kind_tones) in enumerate(_KINDS):
        steps = _modifications(kind_tones, tones)
        if steps is not None:
            subtracts = sum(step[0] == "subtract" for step in steps)
            candidates.append((len(steps), subtracts, order, kind, steps))
    for *_, kind, steps in sorted(candidates):
        realised = _build(music21.pitch.Pitch("C"), kind, steps)
        if {p.pitchClass for p in realised.pitches} == set(tones):
            return kind, tuple(steps)
    raise ValueError(f"no MusicXML chord kind gives the tones {sorted(tones)}")


def _spelled(figure, pc):
    """The note name for `pc` in music21 spelling (``E-``), as `figure` spells it when it does
    (``D#m7`` keeps ``D#``), else with flats."""
    match = re.match(r"[A-G][b#♭♯]{0,2}", figure or "")
    name = match.group(0) if match else ""
    if parse_pitch_class(name, dash_is_flat=False) != pc:
        name = pitch_class_name(pc)
    return name[0] + name[1:].replace("♭", "b").replace("♯", "#").replace("b", "-")


_MUSIC21_QUALITIES = {
    "maj": "",
    "69": "6add9",
    "m69": "m6add9",
    "maj9": "M9",
    "maj13": "M7add9add13",
    "13": "9add13",
    "m13": "m7add9add13",
    "mmaj7": "mM7",
    "mmaj9": "mM9",
    "9sus4": "7sus4add9",
    "7alt": "7#5b9#9",
    "m7b5": "ø7",
    "7#5": "7+",
    "aug": "+",
}


def music21_figure(chord):
    """The chord in music21's own figure spelling, for ``music21.harmony.ChordSymbol(figure)``.

    music21 writes flats as ``-`` and reads ``"Eb7"`` as E with a flat seventh, so a `Chord`'s
    jazz `figure` must not be handed to music21 as is; this spelling gives a `ChordSymbol` with
    the same pitch classes as `chord_tones` (music21 has no "alt": ``7alt`` becomes ``7#5b9#9``).
    Black keys are spelled with flats. `to_music21` builds the symbol from kind and degrees
    instead, which also keeps the canonical quality as its display text.

    Args:
        chord: a `Chord`.

    Returns:
        str, e.g. ``"E-7"``, ``"F#ø7"``, ``"B-mM7/D"``; ``"N.C."`` for no chord.

    Example:

    >>> music21_figure(parse_chord("Ebm7b5/A"))
    'E-ø7/A'
    """
    if chord.root is None:
        return NO_CHORD
    text = _spelled("", chord.root) + _MUSIC21_QUALITIES.get(chord.quality, chord.quality)
    return text + ("/" + _spelled("", chord.bass) if chord.bass is not None else "")


def to_music21(chord):
    """A `music21.harmony.ChordSymbol` that sounds, and reads back as, exactly `chord`.

    The kind is the standard MusicXML kind closest to the chord's tones; `<degree>` steps
    (add, alter, subtract) make up the difference, and the canonical quality is the display
    text. N.C. gives a `music21.harmony.NoChord`.

    Args:
        chord: a `Chord` (any quality `music.theory.chords.parse_chord` reads).

    Returns:
        music21.harmony.ChordSymbol whose pitch classes are `chord_tones(chord)`.

    Example:

    >>> symbol = to_music21(parse_chord("D7alt"))
    >>> symbol.chordKind, symbol.chordKindStr, sorted(p.pitchClass for p in symbol.pitches)
    ('augmented-seventh', '7alt', [0, 2, 3, 5, 6, 10])
    """
    if chord.root is None:
        return music21.harmony.NoChord()
    kind, steps = _plan(frozenset(chord.pitch_classes))
    figure = chord.figure or ""
    bass = None
    if chord.bass is not None:
        bass = music21.pitch.Pitch(_spelled(figure.rpartition("/")[2], chord.bass))
    text = "" if chord.quality == "maj" else chord.quality
    return _build(music21.pitch.Pitch(_spelled(figure, chord.root)), kind, steps, bass, text)


def _parse(figure, bar):
    try:
        return parse_chord(figure, bar=bar, music21_flats=True)
    except ChordError:
        return None


def from_music21(symbol, *, bar=None):
    """Read a music21 chord symbol as a `Chord` (offset and duration 0).

    Tried in turn, the first whose tones are the pitch classes music21 realises wins: the root
    and the display text (``"D7alt"``, how the symbol is written on the page, as `to_music21`
    writes it), then music21's figure (``"E-m7"``, from the kind and the degrees). When
    neither agrees with music21, the figure is taken (else the text). A kind music21 does not
    know (``other``) is read from its text.

    Args:
        symbol: a `music21.harmony.Harmony` (a `NoChord` gives N.C.).
        bar: int or None, the bar number, for the error message.

    Returns:
        Chord, with its figure as read (music21 spelling); the caller re-spells it.

    Raises:
        ChordError: naming the bar and the figure when neither reading parses.

    Example:

    >>> from_music21(to_music21(parse_chord("Bb7b9/D"))).quality
    '7b9'
    """
    if isinstance(symbol, music21.harmony.NoChord):
        return parse_chord(NO_CHORD)
    root = symbol.root().name if symbol.root() is not None else ""
    text = symbol.chordKindStr or ""
    if symbol.chordKind in ("other", "", None):  # music21 keeps only the root: use the text
        figure, written = root + (text or "?"), None
    else:
        figure, written = symbol.figure, None
        if text:
            bass = symbol.bass()
            slash = (
                ("/" + bass.name)
                if bass is not None and root and (bass.pitchClass != symbol.root().pitchClass)
                else ""
            )
            written = root + text + slash
    from_figure = _parse(figure, bar)
    from_text = _parse(written, bar) if written else None
    sounding = {p.pitchClass for p in symbol.pitches}
    for chord in (from_text, from_figure):
        if chord is not None and chord_tones(chord) == sounding:
            return chord
    if from_figure is not None or from_text is not None:
        return from_figure if from_figure is not None else from_text
    return parse_chord(figure, bar=bar, music21_flats=True)  # raises, naming it


__all__ = ["to_music21", "from_music21", "music21_figure"]
