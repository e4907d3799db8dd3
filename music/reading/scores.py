"""What a parsed music21 score says: its meter, tempo and chord symbols (`music.reading.solos` reads files).

`parse_score` runs music21 on a checked file; `time_signatures` and `meter_of` give the one meter
of the piece (or refuse a meter change), `tempo_of` the tempo, and `symbol_chords` the chord
spans of its chord symbols; `music21_errors` turns what music21 raises on a corrupt file into
one clear error.
"""

import contextlib
from fractions import Fraction

from music.errors import ChordError, MusicInputError
from music.reading.files import EXPECTED_FILE, is_midi, short_reason
from music.reading.parts import snap, to_fraction
from music.theory.chords import NO_CHORD, chord_symbol
from music.theory.symbols import from_music21
from music.types import Chord


def parse_score(path):
    """Parse a MusicXML, ABC or MIDI file into a music21 score (an ABC book: its first tune).

    Args:
        path: str, a file that passed `music.reading.files.check_file`.

    Returns:
        music21.stream.Score.

    Raises:
        MusicInputError: naming the file when music21 cannot read it or it holds no tune.

    Example:

    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     abc = pathlib.Path(folder) / "tune.abc"
    ...     _ = abc.write_text("X:1\\nM:3/4\\nL:1/4\\nQ:1/4=90\\nK:C\\nCDE|G3|]\\n")
    ...     score = parse_score(abc)
    >>> meter_of(time_signatures(score), "tune.abc"), tempo_of(score)
    ((3, 4), 90.0)
    """
    import music21

    options = {"quantizePost": False} if is_midi(path) else {}
    try:
        parsed = music21.converter.parse(str(path), forceSource=True, storePickle=False, **options)
    except Exception as error:  # music21 raises many types for a corrupt file
        raise MusicInputError(
            f"{path}: cannot be read by music21 ({short_reason(error)}); {EXPECTED_FILE}"
        ) from None
    if isinstance(parsed, music21.stream.Opus):  # an ABC book: take its first tune
        scores = list(parsed.scores)
        if not scores:
            raise MusicInputError(f"{path}: contains no tunes; {EXPECTED_FILE}")
        parsed = scores[0]
    return parsed


def time_signatures(score):
    """The time signatures of a score as ``[((beats, unit), bar number or time), ...]``.

    Args:
        score: a music21 score.

    Returns:
        list, in the form `meter_of` takes.
    """
    from music21 import meter

    return [
        (
            (int(ts.numerator), int(ts.denominator)),
            ts.measureNumber
            if ts.measureNumber is not None
            else to_fraction(ts.getOffsetInHierarchy(score)),
        )
        for ts in score.recurse().getElementsByClass(meter.TimeSignature)
    ]


def meter_of(signatures, path, *, midi_times=False):
    """The one meter of a piece, from its time signatures, or a clear refusal.

    Args:
        signatures: list of ``((beats, unit), where)``, `where` a bar number or a time in
            quarter notes (as `time_signatures` and `music.reading.parts.read_midi_parts` give them).
        path: the file, named in a message.
        midi_times: bool, `where` is always a time (MIDI). Default False.

    Returns:
        tuple ``(beats, unit)``; ``(4, 4)`` when there is no time signature.

    Raises:
        MusicInputError: naming the file for an unsupported time signature or a meter change.

    Example:

    >>> meter_of([((3, 4), 1), ((3, 4), 5)], "waltz.xml"), meter_of([], "x.mid")
    ((3, 4), (4, 4))
    """
    changes = []
    for value, where in signatures:
        if not changes or changes[-1][0] != value:
            changes.append((value, where))
    if not changes:
        return 4, 4
    beats, unit = changes[0][0]
    if beats < 1 or unit not in (1, 2, 4, 8, 16, 32):
        raise MusicInputError(
            f"{path}: time signature {beats}/{unit} is not supported; expected "
            "a positive numerator over 1, 2, 4, 8, 16 or 32 (e.g. 4/4, 3/4, 6/8)"
        )
    if len(changes) > 1:
        (c, d), where = changes[1]
        if midi_times or isinstance(where, Fraction):  # a time: count bars of the first meter
            where = int(where // Fraction(beats * 4, unit)) + 1
        raise MusicInputError(
            f"{path}: the meter changes from {beats}/{unit} to {c}/{d} at bar "
            f"{where}; expected one time signature for the whole piece"
        )
    return beats, unit


def tempo_of(score):
    """The first metronome mark of a score in quarter notes per minute (120 when none).

    Args:
        score: a music21 score.

    Returns:
        float.
    """
    from music21 import tempo

    for mark in score.recurse().getElementsByClass(tempo.MetronomeMark):
        bpm = mark.getQuarterBPM()
        if bpm:
            return round(float(bpm), 3)
    return 120.0


def symbol_chords(score, path, time_map, grid, total):
    """The chord spans of a score's chord symbols, each lasting until the next.

    Symbols are read with `music.theory.symbols.from_music21` and re-spelled in jazz spelling
    (music21's ``E-7`` is ``Eb7``); N.C. fills the time before the first.

    Args:
        score: a music21 score.
        path: the file, named in a message.
        time_map: the score's `music.reading.timemap.TimeMap`.
        grid: Fraction, the time grid onsets are snapped to.
        total: Fraction, where the last span ends.

    Returns:
        list of `Chord` spans from 0 to `total`, or ``[]`` when the score has no symbols.

    Raises:
        ChordError: naming the file, bar and symbol, for a symbol that cannot be read.
    """
    from music21 import harmony

    found = {}
    for symbol in score.recurse().getElementsByClass(harmony.Harmony):
        onset = time_map.start(to_fraction(symbol.getOffsetInHierarchy(score)))
        if onset is None:
            continue
        onset = snap(onset, grid)
        bar = symbol.measureNumber
        try:  # the figure, or the written text when only it agrees with music21's pitches
            chord = from_music21(symbol, bar=bar)
        except ChordError as error:
            raise ChordError(f"{path}: {error}") from None
        if chord.root is not None:  # re-spell unambiguously: music21's "E-7" is Eb7, not Em7
            figure = chord_symbol(
                chord.root, chord.quality, chord.bass, sharps="#" in symbol.figure
            )
            chord = Chord(
                chord.offset,
                chord.duration,
                chord.root,
                chord.quality,
                chord.pitch_classes,
                figure,
                chord.bass,
            )
        found[onset] = chord
    onsets = sorted(t for t in found if t < total)
    if not onsets:
        return []
    spans = []
    if onsets[0] > 0:
        spans.append(Chord(Fraction(0), onsets[0], None, NO_CHORD, (), NO_CHORD))
    for i, onset in enumerate(onsets):
        stop = onsets[i + 1] if i + 1 < len(onsets) else total
        c = found[onset]
        spans.append(
            Chord(onset, stop - onset, c.root, c.quality, c.pitch_classes, c.figure, c.bass)
        )
    return spans


@contextlib.contextmanager
def music21_errors(source):
    """Turn any error music21 raises inside the block into one `MusicInputError` naming `source`.

    A parsed but corrupt file makes music21 objects raise anything (OverflowError for an
    octave of 1e400, RecursionError for a chord symbol without pitches).

    Args:
        source: the file, named in the message.

    Example:

    >>> with music21_errors("solo.xml"):
    ...     raise OverflowError("octave too large")
    Traceback (most recent call last):
    ...
    music.errors.MusicInputError: solo.xml: cannot be read by music21 (octave too large); ...
    """
    try:
        yield
    except MusicInputError:
        raise
    except Exception as error:  # noqa: BLE001 (music21 raises many types)
        raise MusicInputError(
            f"{source}: cannot be read by music21 ({short_reason(error)}); {EXPECTED_FILE}"
        ) from None


__all__ = [
    "parse_score",
    "time_signatures",
    "meter_of",
    "tempo_of",
    "symbol_chords",
    "music21_errors",
]
