"""Solo -> music21 Score (solo + chord symbols, piano comping, walking bass) -> MIDI and MusicXML.

- Solo part: the notes as written (straight eighths) with the chord symbols above them, at
  concert pitch (a non-transposing instrument: the MusicXML sounds as written). A note that
  sounds through a chord change is written as tied notes, so every chord symbol stands on a
  note or rest and each bar holds one voice.
- Chord symbols: a standard MusicXML kind plus degrees, with the canonical quality as the text
  (`music.theory.symbols`), so music21 and `music.reading.solos` read back exactly the chord's tones.
- Comping: each chord voiced as a close four-note voicing (3rd, 5th, 7th/6th and the root or a
  colour tone) around middle C, struck on every bar's downbeat and at each chord change
  (`music.writing.accompaniment.comping_voicing`).
- Bass: a walking line, one note per beat: the root on the chord's first beat, chord tones
  after it, and a chromatic or scale step into the next chord's root on the beat before it
  (one root per chord when beats are not quarter notes; `music.writing.accompaniment.walking_bass`).
- Swing: the MIDI file is a performance: every eighth-note pair (an on-beat eighth and the
  off-beat eighth after it) is played long-short, the off-beat onset at `swing` of the beat
  (2/3 = triplet swing, 2:1); sixteenth runs, triplets and everything else stay as written
  (`swing_notes`). Meters over 8 (6/8, 5/8...) are played straight. The MusicXML keeps
  straight notation and says "Swing" in a text direction at the top.

Files are written to a temporary file beside the target and renamed into place.
"""

import contextlib
import io
import os
import pathlib
import re
from fractions import Fraction

import music21

from music.errors import MusicInputError
from music.reading.files import MIDI_SUFFIXES
from music.theory.symbols import to_music21
from music.types import Note, Solo
from music.writing.accompaniment import comping_voicing, walking_bass
from music.writing.paths import check_writable, naming
from zoo.io.atomic import atomic_file

SWING = Fraction(2, 3)


def swing_notes(notes, swing=SWING):
    """Notes as performed with swing: every eighth-note pair is played long-short.

    An eighth pair is an on-beat eighth (a note or rest starting on a quarter-note beat and
    lasting half of it) followed by an off-beat eighth (starting half a beat later, lasting the
    rest of the beat). The off-beat onset of each pair moves to `swing` of the beat: the first
    eighth gets longer by as much as the second gets shorter. Nothing else moves, so sixteenth
    runs, triplets, dotted rhythms and syncopations stay as written, the order is kept and no
    note can overlap the next.

    Args:
        notes: list of `Note` in time order, written times (on-beat = an integer offset in
            quarter notes, as in meters over 1, 2 or 4 whose bars start on whole quarters).
        swing: Fraction, where the off-beat eighth of a pair lands inside the beat (default 2/3,
            triplet swing; 1/2 leaves the notes as written).

    Returns:
        list of `Note` with performed offsets and durations.

    Example:

    >>> eighths = [Note(Fraction(k, 2), Fraction(1, 2), 60 + k) for k in range(4)]
    >>> [str(n.offset) for n in swing_notes(eighths)]
    ['0', '2/3', '1', '5/3']
    """
    swing = Fraction(swing)
    half = Fraction(1, 2)
    out = list(notes)
    for i in range(len(out) - 1):
        first, second = out[i], out[i + 1]
        if (
            Fraction(first.offset).denominator == 1
            and first.duration == half
            and second.offset == first.end
            and second.duration == half
            and not (first.is_rest and second.is_rest)
        ):
            out[i] = Note(first.offset, swing, first.pitch, first.velocity)
            out[i + 1] = Note(first.offset + swing, 1 - swing, second.pitch, second.velocity)
    return out


def _split_at(notes, cuts):
    """(note, tie kind) pieces of `notes`, cut wherever a note sounds through a time in `cuts`.

    A chord symbol must fall where a note or rest starts: inserted inside a note, music21
    makes a second voice of rests to hold it.
    """
    cuts = sorted(set(cuts))
    pieces = []
    for note in notes:
        inside = [t for t in cuts if note.offset < t < note.end]
        bounds = [note.offset] + inside + [note.end]
        for k, (start, stop) in enumerate(zip(bounds, bounds[1:])):
            tie = None
            if len(bounds) > 2 and note.pitch is not None:
                tie = "start" if k == 0 else "stop" if k == len(bounds) - 2 else "continue"
            pieces.append((Note(start, stop - start, note.pitch, note.velocity), tie))
    return pieces


def _chord_spans(solo, length):
    spans = []
    for chord in solo.chords:
        start, end = chord.offset, min(chord.end, length)
        if start < length and end > start:
            spans.append((start, end, chord))
    return spans


def _named(instrument, name):
    """An instrument whose part (and MIDI track) name is `name`."""
    instrument.partName = name
    return instrument


def _add(part_stream, offset, element):
    part_stream.insert(
        float(offset) if Fraction(offset).denominator == 1 else Fraction(offset), element
    )


def to_score(
    solo: Solo, *, swing=None, accompaniment=True, title="Improvisation"
) -> music21.stream.Score:
    """Build a music21 Score from a solo.

    Args:
        solo: a `Solo` whose bars start at 0.
        swing: None for the written score (straight times, concert pitch, chord symbols); a
            Fraction such as 2/3 for the performance (eighth pairs swung, see `swing_notes`;
            1/2 for straight), without chord symbols.
        accompaniment: add the piano comping and bass parts. Defaults to True.
        title: the score title.

    Returns:
        music21.stream.Score: parts "Solo" (with chord symbols), "Comping", "Bass".

    Example:

    >>> from music.theory.progressions import parse_progression
    >>> solo = Solo([Note(Fraction(0), Fraction(4), 62)], parse_progression("Dm7 |"))
    >>> score = to_score(solo)
    >>> [p.partName for p in score.parts]
    ['Solo', 'Comping', 'Bass']
    """
    length = -(-solo.duration // solo.bar_length) * solo.bar_length
    score = music21.stream.Score()
    score.insert(0, music21.metadata.Metadata(title=title))
    spans = _chord_spans(solo, length)
    lead = music21.stream.Part(id="solo")
    lead.partName = "Solo"
    if swing is None:  # the written score: concert pitch, chord symbols on note boundaries
        lead.insert(0, _named(music21.instrument.Instrument("Solo"), "Solo"))
        pieces = _split_at(solo.notes, [start for start, _, _ in spans])
    else:  # the performance: a tenor saxophone sound, sounding pitches
        lead.insert(0, _named(music21.instrument.TenorSaxophone(), "Solo"))
        played = swing_notes(solo.notes, swing) if solo.beat_unit <= 4 else solo.notes
        pieces = [(note, None) for note in played]
    lead.atSoundingPitch = True
    lead.insert(0, music21.meter.TimeSignature(f"{solo.beats_per_bar}/{solo.beat_unit}"))
    lead.insert(0, music21.tempo.MetronomeMark(number=round(solo.tempo)))
    if swing is None:
        lead.insert(0, music21.expressions.TextExpression("Swing"))
    for note, tie in pieces:
        if note.pitch is None:
            element = music21.note.Rest(quarterLength=note.duration)
        else:
            element = music21.note.Note(int(note.pitch), quarterLength=note.duration)
            element.volume.velocity = int(note.velocity)
            if tie is not None:
                element.tie = music21.tie.Tie(tie)
        _add(lead, note.offset, element)
    if swing is None:  # written score only: in MIDI, music21 would sound the symbols as chords
        for start, _, chord in spans:
            _add(lead, start, to_music21(chord))
    score.insert(0, lead)
    if accompaniment:
        comp = music21.stream.Part(id="comping")
        comp.partName = "Comping"
        comp.insert(0, _named(music21.instrument.Piano(), "Comping"))
        bass = music21.stream.Part(id="bass")
        bass.partName = "Bass"
        bass.insert(0, _named(music21.instrument.AcousticBass(), "Bass"))
        for part in (comp, bass):
            part.insert(0, music21.meter.TimeSignature(f"{solo.beats_per_bar}/{solo.beat_unit}"))
        for start, end, chord in spans:
            if chord.root is None:
                continue
            t = start
            while t < end:
                stop = min(end, (t // solo.bar_length + 1) * solo.bar_length)
                element = music21.chord.Chord(comping_voicing(chord), quarterLength=stop - t)
                element.volume.velocity = 55
                _add(comp, t, element)
                t = stop
        beat = Fraction(4, solo.beat_unit) if solo.beat_unit <= 4 else Fraction(1)
        for offset, duration, pitch in walking_bass(spans, beat):
            element = music21.note.Note(pitch, quarterLength=duration)
            element.volume.velocity = 80
            _add(bass, offset, element)
        for part in (comp, bass):
            filled = part.makeRests(fillGaps=True, inPlace=False, timeRangeFromBarDuration=False)
            score.insert(0, filled)
    return score


def output_paths(out):
    """The MIDI file `out` and its MusicXML twin beside it, refusing a name that is not MIDI.

    Args:
        out: the MIDI file to write; its name must end in .mid or .midi (any case).

    Returns:
        (midi_path, musicxml_path) as pathlib.Path; the MusicXML has the suffix .musicxml.

    Raises:
        MusicInputError: naming `out` when it does not end in .mid or .midi (``solo.musicxml``
            would otherwise be written twice, MIDI over MusicXML).

    Example:

    >>> output_paths("solo.mid")
    (PosixPath('solo.mid'), PosixPath('solo.musicxml'))
    """
    out = pathlib.Path(out)
    if out.suffix.lower() not in MIDI_SUFFIXES:
        raise MusicInputError(
            f"out={out}: expected a MIDI file name ending in "
            f"{' or '.join(MIDI_SUFFIXES)} (the MusicXML is written beside "
            f"it as .musicxml)"
        )
    return out, out.with_suffix(".musicxml")


_HARMONY = re.compile(rb"<harmony\b.*?</harmony>", re.S)


def musicxml_bytes(score):
    """The score as MusicXML, with a chord symbol's degrees hidden where its text spells them.

    `music.theory.symbols.to_music21` writes ``D7alt`` as the kind ``augmented-seventh`` with the
    degrees b9 and #9 and the text ``"7alt"``. MusicXML asks for such degrees to carry
    ``print-object="no"``, else notation software shows them twice (``D7alt b9 #9``); music21
    cannot mark them, so they are marked here. Readers still apply them.

    Args:
        score: a `music21.stream.Score`.

    Returns:
        bytes, the MusicXML document.

    Example:

    >>> from music.theory.progressions import parse_progression
    >>> solo = Solo([Note(Fraction(0), Fraction(4), 62)], parse_progression("D7alt |"))
    >>> b'<degree print-object="no">' in musicxml_bytes(to_score(solo, accompaniment=False))
    True
    """
    data = music21.musicxml.m21ToXml.GeneralObjectExporter(score).parse()

    def hide_spelled_degrees(match):
        block = match.group(0)
        if b'<kind text="' not in block:
            return block
        return block.replace(b"<degree>", b'<degree print-object="no">')

    return _HARMONY.sub(hide_spelled_degrees, data)


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_solo(solo: Solo, midi_path, musicxml_path=None, *, swing=SWING):
    """Write the solo as MIDI (with swing, comping and bass) and MusicXML (straight, chord symbols).

    Both files are rendered to temporary files first and renamed into place only when both
    succeeded, so a failure leaves no partial file and no half pair.

    Args:
        solo: the `Solo`.
        midi_path: the .mid file to write.
        musicxml_path: the MusicXML file; default: `midi_path` with suffix .musicxml (then
            `midi_path` must end in .mid or .midi, see `output_paths`).
        swing: Fraction for the MIDI performance (2/3 by default; 1/2 or None for straight).

    Returns:
        (midi_path, musicxml_path) as pathlib.Path.

    Example:

    >>> import pathlib, tempfile
    >>> from music.theory.progressions import parse_progression
    >>> solo = Solo([Note(Fraction(0), Fraction(4), 62)], parse_progression("Dm7 |"))
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     midi, xml = write_solo(solo, pathlib.Path(folder) / "solo.mid")
    ...     midi.name, xml.name, xml.exists()
    ('solo.mid', 'solo.musicxml', True)
    """
    if musicxml_path:
        midi_path, musicxml_path = pathlib.Path(midi_path), pathlib.Path(musicxml_path)
        if midi_path.absolute() == musicxml_path.absolute():
            raise MusicInputError(
                f"musicxml_path={musicxml_path}: the MIDI and the MusicXML "
                f"would be the same file; expected two different names"
            )
        check_writable(midi_path, option="midi_path")
        check_writable(musicxml_path, option="musicxml_path")
    else:
        midi_path, musicxml_path = output_paths(midi_path)
        for path in (midi_path, musicxml_path):
            check_writable(path, option="midi_path")
    performed = to_score(solo, swing=swing if swing is not None else Fraction(1, 2))
    written = to_score(solo, swing=None)
    mode = 0o666 & ~_umask()  # like a file the user's shell would create
    # Both renames happen only after both files were rendered: no partial file, no half pair.
    with (
        atomic_file(midi_path, mode=mode) as midi_temporary,
        atomic_file(musicxml_path, mode=mode) as xml_temporary,
        contextlib.redirect_stderr(io.StringIO()),
    ):  # music21's beaming chatter
        with naming(midi_path):  # an error names the user's file, not the temporary one
            performed.write("midi", fp=midi_temporary)
        with naming(musicxml_path):
            xml_temporary.write_bytes(musicxml_bytes(written))
    return midi_path, musicxml_path


__all__ = [
    "to_score",
    "write_solo",
    "swing_notes",
    "check_writable",
    "output_paths",
    "musicxml_bytes",
    "SWING",
]
