"""Solo -> music21 Score (solo + chord symbols, piano comping, walking bass) -> MIDI and MusicXML.

- Solo part: the notes as written (straight eighths) with the chord symbols above them.
- Comping: each chord voiced as a close four-note voicing (3rd, 5th, 7th/6th and the root or a
  colour tone) around middle C, struck on every bar's downbeat and at each chord change.
- Bass: a walking line, one note per beat: the root on the chord's first beat, chord tones
  after it, and a chromatic or scale step into the next chord's root on the beat before it
  (one root per chord when beats are not quarter notes).
- Swing: the MIDI file is a performance: in every beat that holds only quarter-note and eighth
  boundaries, the off-beat eighth is delayed to `swing` of the beat (2/3 = triplet swing, 2:1).
  Beats with 16ths or triplets stay as written. The MusicXML keeps straight notation and says
  "Swing" in a text direction at the top.

Files are written to a temporary file beside the target and renamed into place.
"""

import contextlib
import io
import os
import pathlib
from fractions import Fraction

import music21

from music import chords as chord_lib
from music.errors import MusicInputError
from music.paths import check_writable, naming
from music.types import Note, Solo
from zoo.atomic import atomic_file

SWING = Fraction(2, 3)
_KINDS = (  # (required relative pitch classes, MusicXML kind), most specific first
    ({4, 10}, "dominant-seventh"), ({3, 6, 9}, "diminished-seventh"), ({3, 6, 10}, "half-diminished"),
    ({3, 10}, "minor-seventh"), ({4, 11}, "major-seventh"), ({3, 11}, "minor-major-seventh"),
    ({3, 9}, "minor-sixth"), ({4, 9}, "major-sixth"), ({5, 10}, "suspended-fourth-seventh"),
    ({5}, "suspended-fourth"), ({3, 6}, "diminished"), ({4, 8}, "augmented"), ({3}, "minor"),
    ((), "major"))

_DIRECT_KINDS = {"maj": "major", "m": "minor", "7": "dominant-seventh", "maj7": "major-seventh",
                 "m7": "minor-seventh", "m7b5": "half-diminished", "dim7": "diminished-seventh",
                 "dim": "diminished", "aug": "augmented", "6": "major-sixth", "m6": "minor-sixth",
                 "mmaj7": "minor-major-seventh", "9": "dominant-ninth", "maj9": "major-ninth",
                 "m9": "minor-ninth", "7sus4": "suspended-fourth-seventh",
                 "sus4": "suspended-fourth"}


def music21_figure(chord):
    """A chord's symbol in music21's spelling (flats as "-"), e.g. "B-7", "Ebm7" -> "E-m7"."""
    text = chord_lib.chord_symbol(chord.root, chord.quality, chord.bass)
    root, rest = text[0], text[1:]
    if rest.startswith("b"):
        root, rest = root + "-", rest[1:]
    elif rest.startswith("#"):
        root, rest = root + "#", rest[1:]
    return root + rest.replace("/Db", "/D-").replace("/Eb", "/E-").replace(
        "/Gb", "/G-").replace("/Ab", "/A-").replace("/Bb", "/B-")


def chord_symbol(chord):
    """A `music21.harmony.ChordSymbol` for a `Chord` (N.C. gives `harmony.NoChord`)."""
    if chord.root is None:
        return music21.harmony.NoChord()
    kind = _DIRECT_KINDS.get(chord.quality)
    root = music21.pitch.Pitch(chord_lib.pitch_class_name(chord.root).replace("b", "-"))
    if kind is not None and chord.bass is None:
        return music21.harmony.ChordSymbol(root=root, kind=kind)
    try:
        symbol = music21.harmony.ChordSymbol(music21_figure(chord))
    except (ValueError, music21.Music21Exception):
        relative = set(chord.pitch_classes)
        kind = next(k for need, k in _KINDS if set(need) <= relative)
        symbol = music21.harmony.ChordSymbol(root=root, kind=kind)
        symbol.chordKindStr = chord.quality
    return symbol


def swing_time(t, swing=SWING, straight_beats=frozenset()):
    """Map a written time (quarter notes) to performed time: off-beat eighths move to `swing`."""
    beat, inside = divmod(Fraction(t), 1)
    if inside == Fraction(1, 2) and beat not in straight_beats:
        return beat + Fraction(swing)
    return Fraction(t)


def swing_notes(notes, swing=SWING):
    """Notes as performed with swing (see the module docstring); order and gap-freeness kept.

    Args:
        notes: list of `Note` (written times).
        swing: Fraction, where the off-beat eighth lands inside the beat (1/2 = straight).

    Returns:
        list of `Note` with performed offsets and durations.
    """
    straight = set()
    for note in notes:
        for t in (note.offset, note.end):
            beat, inside = divmod(Fraction(t), 1)
            if inside not in (0, Fraction(1, 2)):
                straight.add(beat)
    out = []
    for note in notes:
        start = swing_time(note.offset, swing, straight)
        end = swing_time(note.end, swing, straight)
        out.append(Note(start, end - start, note.pitch, note.velocity))
    return out


def _voicing(chord):
    """Four pitches for comping, between E3 and G4-ish, built from the chord's tones."""
    rel = list(chord.pitch_classes)
    picks = [pc for pc in (3, 4, 10, 11, 9, 7, 6, 8, 2, 5) if pc in rel]
    for pc in rel:
        if pc not in picks:
            picks.append(pc)
    picks = picks[:4] if len(picks) >= 4 else picks + [0]
    pitches = sorted({52 + (chord.root + pc - 52) % 12 for pc in picks})
    return pitches


def _walking_bass(chord_spans, bar_length, beat):
    """(offset, duration, pitch) quarter notes walking through the chord spans."""
    out = []
    for index, (start, end, chord) in enumerate(chord_spans):
        if chord.root is None:
            continue
        root = 36 + (chord.root - 36) % 12 + (12 if (chord.root - 36) % 12 < 4 else 0)
        beats = []
        t = start
        while t < end:
            beats.append(t)
            t += beat
        nxt = next((c for s, e, c in chord_spans[index + 1:] if c.root is not None), chord)
        next_root = 36 + (nxt.root - 36) % 12 + (12 if (nxt.root - 36) % 12 < 4 else 0)
        tones = [root + pc for pc in sorted(chord.pitch_classes) if pc in (3, 4, 7, 10, 11, 9)]
        for k, b in enumerate(beats):
            duration = min(beat, end - b)
            if k == 0:
                pitch = root
            elif k == len(beats) - 1:
                pitch = next_root + (-1 if next_root > root else 1)
            else:
                pitch = tones[(k - 1) % len(tones)] if tones else root
            out.append((b, duration, pitch))
    return out


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
    part_stream.insert(float(offset) if Fraction(offset).denominator == 1 else Fraction(offset),
                       element)


def to_score(solo: Solo, *, swing=None, accompaniment=True, title="Improvisation") -> music21.stream.Score:
    """Build a music21 Score from a solo.

    Args:
        solo: a `Solo` whose bars start at 0.
        swing: None for written (straight) times; a Fraction such as 2/3 to perform swing.
        accompaniment: add the piano comping and bass parts. Defaults to True.
        title: the score title.

    Returns:
        music21.stream.Score: parts "Solo" (with chord symbols), "Comping", "Bass".

    Example:
        >>> score = to_score(solo)
        >>> [p.partName for p in score.parts]
        ['Solo', 'Comping', 'Bass']
    """
    length = -(-solo.duration // solo.bar_length) * solo.bar_length
    score = music21.stream.Score()
    score.insert(0, music21.metadata.Metadata(title=title))
    notes = swing_notes(solo.notes, swing) if swing is not None else solo.notes
    lead = music21.stream.Part(id="solo")
    lead.partName = "Solo"
    lead.insert(0, _named(music21.instrument.TenorSaxophone(), "Solo"))
    lead.insert(0, music21.meter.TimeSignature(f"{solo.beats_per_bar}/{solo.beat_unit}"))
    lead.insert(0, music21.tempo.MetronomeMark(number=round(solo.tempo)))
    if swing is None:
        lead.insert(0, music21.expressions.TextExpression("Swing"))
    for note in notes:
        if note.pitch is None:
            element = music21.note.Rest(quarterLength=note.duration)
        else:
            element = music21.note.Note(int(note.pitch), quarterLength=note.duration)
            element.volume.velocity = int(note.velocity)
        _add(lead, note.offset, element)
    spans = _chord_spans(solo, length)
    if swing is None:  # written score only: in MIDI, music21 would sound the symbols as chords
        for start, _, chord in spans:
            _add(lead, start, chord_symbol(chord))
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
                element = music21.chord.Chord(_voicing(chord), quarterLength=stop - t)
                element.volume.velocity = 55
                _add(comp, t, element)
                t = stop
        beat = Fraction(4, solo.beat_unit) if solo.beat_unit <= 4 else Fraction(1)
        for offset, duration, pitch in _walking_bass(spans, solo.bar_length, beat):
            element = music21.note.Note(pitch, quarterLength=duration)
            element.volume.velocity = 80
            _add(bass, offset, element)
        for part in (comp, bass):
            filled = part.makeRests(fillGaps=True, inPlace=False, timeRangeFromBarDuration=False)
            score.insert(0, filled)
    return score


MIDI_SUFFIXES = (".mid", ".midi")


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
        raise MusicInputError(f"--out {out}: expected a MIDI file name ending in .mid or .midi "
                              f"(the MusicXML is written beside it as .musicxml)")
    return out, out.with_suffix(".musicxml")


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
        >>> write_solo(solo, "solo.mid")
        (PosixPath('solo.mid'), PosixPath('solo.musicxml'))
    """
    if musicxml_path:
        midi_path, musicxml_path = pathlib.Path(midi_path), pathlib.Path(musicxml_path)
        if midi_path.absolute() == musicxml_path.absolute():
            raise MusicInputError(f"--out {midi_path}: the MIDI and the MusicXML would be the "
                                  f"same file; expected two different names")
    else:
        midi_path, musicxml_path = output_paths(midi_path)
    for path in (midi_path, musicxml_path):
        check_writable(path)
    performed = to_score(solo, swing=swing if swing is not None else Fraction(1, 2))
    written = to_score(solo, swing=None)
    mode = 0o666 & ~_umask()  # like a file the user's shell would create
    # Both renames happen only after both files were rendered: no partial file, no half pair.
    with atomic_file(midi_path, mode=mode) as midi_temporary, \
            atomic_file(musicxml_path, mode=mode) as xml_temporary, \
            contextlib.redirect_stderr(io.StringIO()):  # music21's beaming chatter
        with naming(midi_path):  # an error names the user's file, not the temporary one
            performed.write("midi", fp=midi_temporary)
        with naming(musicxml_path):
            written.write("musicxml", fp=xml_temporary)
    return midi_path, musicxml_path


__all__ = ["to_score", "write_solo", "swing_notes", "check_writable", "output_paths",
           "chord_symbol", "SWING"]
