"""Reading solos from MusicXML, MIDI and ABC files with music21.

`read_solo` turns one file into a `Solo`: a monophonic, gap-free melody on a fixed time grid,
the chord spans it is played over, the time signature and the tempo. `read_corpus` reads files
and folders, with a JSON cache keyed by each file's sha256 (`music.corpus`).

How a file becomes a solo:

1. music21 parses it. Every part is reduced to note events (onset, end, pitches, velocity) with
   tied notes merged, grace notes dropped; percussion parts (unpitched notes or a percussion
   instrument) are set aside.
2. The melody part is chosen by content (`choose_melody`), never by position.
3. Bars are laid out on a uniform grid of the time signature, measure by measure: a pickup bar
   is right-aligned to the first bar line (a rest fills its start); an underfull bar is filled with
   rest; an overfull bar (WJazzD has some 5/4 bars in 4/4 solos, their extra beat a rest) loses
   its overflow when nothing sounds there, else is extended with rest to whole bars. So every bar
   line of the file falls on a multiple of the bar length.
4. Onsets and ends are snapped to `grid` (default 1/24 quarter: keeps 16ths, dotted 16ths, 8th
   and 16th triplets; the encoding's grid). Where notes overlap, the top voice wins: a note starting under a higher note
   still sounding is dropped (so of a chord only the top note is kept), and a note is cut where
   the next kept one starts. Silences become rests, so the notes tile the time from 0 to the end
   of the last bar exactly.
5. Harmony (`harmony=`): ``"symbols"`` uses the chord symbols written in the file (each lasts
   until the next; N.C. before the first; figures re-spelled in jazz spelling, music21's ``E-7``
   becomes ``Eb7``); ``"accompaniment"`` infers a chord every half bar
   (every bar in odd meters) from the other pitched parts (`infer_chords`); ``"melody"`` infers
   one chord a bar from the melody itself; ``"none"`` leaves `chords` empty. ``"auto"`` (the
   default) takes symbols if the file has any, else the accompaniment if there is one, else none.
"""

import bisect
import os
import pathlib
from fractions import Fraction

from music import chords as chord_lib
from music import corpus
from music.errors import ChordError, MusicInputError
from music.types import Chord, Note, Solo

DEFAULT_GRID = Fraction(1, 24)
HARMONY_MODES = ("auto", "symbols", "accompaniment", "melody", "none")
SUFFIXES = (".xml", ".musicxml", ".mxl", ".mid", ".midi", ".abc")
_EXPECTED_FILE = "expected a MusicXML (.xml, .musicxml, .mxl), MIDI (.mid, .midi) or ABC (.abc) file"
_MELODY_HINTS = ("melody", "melodie", "lead", "solo", "vocal", "voice", "voc", "sax", "trumpet",
                 "flute", "clarinet", "violin", "tune", "theme")
_BACKING_HINTS = ("bass", "drum", "perc", "pad", "string", "choir", "comp", "chord", "rhythm",
                  "organ")
# Chord templates for inference, simplest first (ties go to the simpler chord).
_TEMPLATES = ("maj", "m", "7", "m7", "maj7", "m7b5", "dim7", "6", "m6", "7sus4")


class PartEvents:
    """One part of a file as plain note events.

    Args:
        name: the part name (or instrument name), "" when none.
        events: list of ``(onset, end, pitches, velocity)`` with exact `Fraction` times in
            quarter notes and a tuple of MIDI pitches (several for a chord).
        percussion: bool, True for drum parts.
    """

    def __init__(self, name, events, percussion=False):
        self.name, self.events, self.percussion = name, events, percussion

    @property
    def note_count(self):
        return sum(len(e[2]) for e in self.events)

    def __repr__(self):
        return f"PartEvents({self.name!r}, {len(self.events)} events, percussion={self.percussion})"


def _frac(value):
    return value if isinstance(value, Fraction) else Fraction(value).limit_denominator(1 << 16)


def _snap(value, grid):
    return Fraction(round(_frac(value) / grid)) * grid


def _reason(error):
    """A short, printable reason from a music21 exception (no raw bytes, one line)."""
    text = str(error).split(", got")[0].splitlines()[0] if str(error) else ""
    text = "".join(c for c in text if c.isprintable())[:100].strip()
    return text or type(error).__name__


def _parse_score(path):
    import music21

    suffix = pathlib.Path(path).suffix.lower()
    options = {"quantizePost": False} if suffix in (".mid", ".midi") else {}
    try:
        parsed = music21.converter.parse(str(path), forceSource=True, storePickle=False,
                                         **options)
    except Exception as error:  # music21 raises many types for a corrupt file
        raise MusicInputError(f"{path}: cannot be read by music21 ({_reason(error)}); "
                              f"{_EXPECTED_FILE}") from None
    if isinstance(parsed, music21.stream.Opus):  # an ABC book: take its first tune
        scores = list(parsed.scores)
        if not scores:
            raise MusicInputError(f"{path}: contains no tunes; {_EXPECTED_FILE}")
        parsed = scores[0]
    return parsed


def read_midi_parts(path):
    """Read a MIDI file with `music21.midi` directly (tens of times faster than building a score).

    Returns:
        ``(parts, (beats, unit), tempo, end)``: one `PartEvents` per track and channel
        (channel 10 is percussion), the time signatures found, the first tempo, the last time.
    """
    from music21 import instrument, midi

    midi_file = midi.MidiFile()
    try:
        midi_file.open(str(path))
        try:
            midi_file.read()
        finally:
            midi_file.close()
        ppq = midi_file.ticksPerQuarterNote
        if not ppq or ppq <= 0:
            raise ValueError("no ticks per quarter note")
    except Exception as error:  # music21 raises many types for a corrupt file
        raise MusicInputError(f"{path}: cannot be read as MIDI ({_reason(error)}); "
                              f"{_EXPECTED_FILE}") from None
    note_on, note_off = midi.ChannelVoiceMessages.NOTE_ON, midi.ChannelVoiceMessages.NOTE_OFF
    program_change = midi.ChannelVoiceMessages.PROGRAM_CHANGE
    meta = midi.MetaEvents
    parts, signatures, tempo, end = [], [], None, Fraction(0)
    for track in midi_file.tracks:
        ticks, name, programs, sounding, by_channel = 0, "", {}, {}, {}
        for event in track.events:
            if isinstance(event, midi.DeltaTime):
                ticks += event.time
                continue
            time = Fraction(ticks, ppq)
            if event.type == meta.SEQUENCE_TRACK_NAME and not name:
                name = event.data.decode("latin-1", "replace").strip("\x00 ").strip()
            elif event.type == meta.TIME_SIGNATURE and len(event.data) >= 2:
                signatures.append(((event.data[0], 2 ** event.data[1]), time))
            elif event.type == meta.SET_TEMPO and tempo is None and len(event.data) >= 3:
                micros = int.from_bytes(event.data[:3], "big")
                tempo = round(60_000_000 / micros, 3) if micros else None
            elif event.type == program_change:
                programs.setdefault(event.channel, event.data)
            elif event.type in (note_on, note_off):
                key = (event.channel, event.pitch)
                if event.type == note_on and event.velocity > 0:
                    sounding.setdefault(key, []).append((time, event.velocity))
                elif sounding.get(key):
                    start, velocity = sounding[key].pop(0)
                    if time > start:
                        by_channel.setdefault(event.channel, []).append(
                            (start, time, (event.pitch,), velocity))
                    end = max(end, time)
        for channel, events in sorted(by_channel.items()):
            label = name
            if not label and channel in programs:
                try:
                    label = instrument.instrumentFromMidiProgram(programs[channel]).instrumentName
                except Exception:  # an unknown program number
                    label = ""
            events.sort(key=lambda e: (e[0], -e[2][0]))
            parts.append(PartEvents(label or "", events, percussion=channel == 10))
    return parts, signatures, tempo or 120.0, end


def _is_percussion(part, notes):
    from music21 import instrument, note

    for inst in part.recurse().getElementsByClass(instrument.Instrument):
        if isinstance(inst, instrument.UnpitchedPercussion) or inst.midiChannel == 9:
            return True
    return bool(notes) and all(isinstance(n, (note.Unpitched,)) or
                               type(n).__name__ == "PercussionChord" for n in notes)


def part_events(part):
    """Reduce a music21 part to a `PartEvents` (ties merged, grace notes and chord symbols dropped).

    Args:
        part: a `music21.stream.Part`.

    Returns:
        PartEvents.
    """
    from music21 import harmony, note

    flat = part.flatten()
    notes = [n for n in flat.notes if not isinstance(n, harmony.Harmony)]
    inst = part.getInstrument(returnDefault=False)
    name = (part.partName or (inst.instrumentName if inst else "") or "").strip()
    percussion = _is_percussion(part, notes)
    events, open_ties = [], {}
    for n in notes:
        if isinstance(n, note.Unpitched) or not hasattr(n, "pitches"):
            continue
        length = _frac(n.quarterLength)
        if length <= 0:  # grace note
            continue
        onset = _frac(n.offset)
        pitches = tuple(sorted({p.midi for p in n.pitches if 0 <= p.midi <= 127}))
        if not pitches:
            continue
        velocity = n.volume.velocity if n.volume.velocity else 90
        tie = n.tie.type if n.tie is not None else None
        if tie in ("stop", "continue") and pitches in open_ties:
            index = open_ties[pitches]
            start, _, ps, vel = events[index]
            events[index] = (start, onset + length, ps, vel)
            if tie == "stop":
                del open_ties[pitches]
            continue
        events.append((onset, onset + length, pitches, int(min(127, max(1, velocity)))))
        if tie == "start":
            open_ties[pitches] = len(events) - 1
    events.sort(key=lambda e: (e[0], -e[2][-1]))
    return PartEvents(name, events, percussion)


def choose_melody(parts, *, name=None):
    """Pick the melody among pitched parts, by content.

    Score of a part = number of onsets x share of onsets that start a single pitch (how
    monophonic it is) x name hint (1.5 for names such as melody/lead/solo/vocal/sax/trumpet,
    0.5 for bass/drums/pad/strings/comping) x register (0.5 when the mean pitch is below C3,
    MIDI 48). The highest score wins. Percussion parts never qualify.

    Args:
        parts: list of `PartEvents`.
        name: str or None, a part name to prefer (case-insensitive substring); chosen when
            exactly one pitched part matches.

    Returns:
        the chosen `PartEvents`, or None when no part has a pitched note.

    Example:

    >>> lead = PartEvents("Lead", [(Fraction(0), Fraction(1), (60,), 90)])
    >>> pad = PartEvents("Pad", [(Fraction(0), Fraction(4), (48, 52, 55), 60)])
    >>> choose_melody([pad, lead]).name
    'Lead'
    """
    pitched = [p for p in parts if not p.percussion and p.events]
    if name:
        matching = [p for p in pitched if name.lower() in p.name.lower()]
        if len(matching) == 1:
            return matching[0]
    best, best_score = None, -1.0
    for part in pitched:
        onsets = {}
        for onset, _, pitches, _ in part.events:
            onsets.setdefault(onset, set()).update(pitches)
        single = sum(1 for ps in onsets.values() if len(ps) == 1) / len(onsets)
        lowered = part.name.lower()
        hint = 1.5 if any(h in lowered for h in _MELODY_HINTS) else 1.0
        if any(h in lowered for h in _BACKING_HINTS):
            hint *= 0.5
        mean_pitch = sum(sum(e[2]) for e in part.events) / part.note_count
        register = 0.5 if mean_pitch < 48 else 1.0
        score = len(onsets) * single * hint * register
        if score > best_score:
            best, best_score = part, score
    return best


def monophonic_notes(events, *, grid=DEFAULT_GRID, end=None):
    """Turn possibly overlapping note events into gap-free monophonic `Note`s on a grid.

    Onsets and ends are snapped to `grid`; at one onset the highest pitch wins; a note that
    starts while a higher note still sounds is dropped; a note is cut where the next starts and
    lasts at least one grid step; silences become rests from 0 to `end`.

    Args:
        events: iterable of ``(onset, end, pitches, velocity)`` (see `PartEvents`).
        grid: Fraction, the time grid in quarter notes (default 1/24).
        end: Fraction or None, where the last rest ends (default the end of the last note).

    Returns:
        list of `Note`, starting at 0, each starting where the previous ends.

    Example:

    >>> ev = [(Fraction(0), Fraction(1), (60, 64), 90), (Fraction(1, 2), Fraction(1), (55,), 90),
    ...       (Fraction(2), Fraction(3), (62,), 90)]
    >>> [(str(n.offset), str(n.duration), n.pitch) for n in monophonic_notes(ev)]
    [('0', '1', 64), ('1', '1', None), ('2', '1', 62)]
    """
    by_onset = {}
    for onset, stop, pitches, velocity in events:
        start, stop = _snap(onset, grid), _snap(stop, grid)
        top = max(pitches)
        held = by_onset.get(start)
        if held is None or top > held[1] or (top == held[1] and stop > held[0]):
            by_onset[start] = (stop, top, velocity)
    kept = []  # [onset, end, pitch, velocity]
    for start in sorted(by_onset):
        stop, pitch, velocity = by_onset[start]
        if kept and kept[-1][1] > start:
            if kept[-1][2] > pitch:
                continue  # a lower voice under a sounding melody note
            kept[-1][1] = start
        kept.append([start, max(stop, start + grid), pitch, velocity])
    for i in range(len(kept) - 1):
        kept[i][1] = min(kept[i][1], kept[i + 1][0])
    notes, time = [], Fraction(0)
    for start, stop, pitch, velocity in kept:
        if start < 0:
            continue
        if start > time:
            notes.append(Note(time, start - time, None))
        notes.append(Note(start, stop - start, pitch, velocity))
        time = stop
    if end is not None and end > time:
        notes.append(Note(time, end - time, None))
    return notes


def infer_chords(events, *, start, end, step):
    """Infer chord spans from note events by matching pitch-class profiles with chord templates.

    For every window of length `step`, each pitch class is weighted by how long it sounds in
    the window; the profile is compared by cosine similarity with the templates maj, m, 7, m7,
    maj7, m7b5, dim7, 6, m6, 7sus4 on all 12 roots, plus 0.1 when the root is the lowest note
    sounding in the window; the best wins (ties to the simpler chord). Silent windows give N.C.
    Equal neighbours in the same bar-sized window pair are merged.

    Args:
        events: iterable of ``(onset, end, pitches, velocity)``.
        start: Fraction, where the first window starts.
        end: Fraction, where the last window ends.
        step: Fraction, the window length in quarter notes (e.g. half a bar).

    Returns:
        list of `Chord` spans tiling ``[start, end)``.
    """
    import numpy as np

    templates = []
    for quality in _TEMPLATES:
        intervals = chord_lib.parse_chord("C" + ("" if quality == "maj" else quality)).pitch_classes
        for root in range(12):
            vector = np.zeros(12)
            vector[[(root + i) % 12 for i in intervals]] = 1.0
            templates.append((root, quality, vector / np.linalg.norm(vector)))
    flat = [(float(on), float(off), pitch) for on, off, pitches, _ in events for pitch in pitches]
    onsets = np.array([e[0] for e in flat], dtype=float)
    ends = np.array([e[1] for e in flat], dtype=float)
    pitch_array = np.array([e[2] for e in flat], dtype=int)
    spans, time = [], start
    while time < end:
        window_end = min(time + step, end)
        overlap = np.clip(np.minimum(ends, float(window_end)) - np.maximum(onsets, float(time)),
                          0.0, None)
        sounding = overlap > 0
        profile = np.bincount(pitch_array[sounding] % 12, weights=overlap[sounding], minlength=12)
        lowest = int(pitch_array[sounding].min()) if sounding.any() else None
        if profile.sum() == 0:
            chord = Chord(time, window_end - time, None, chord_lib.NO_CHORD, (), chord_lib.NO_CHORD)
        else:
            profile /= np.linalg.norm(profile)
            scores = [float(profile @ v) + (0.1 if lowest % 12 == r else 0.0)
                      for r, q, v in templates]
            root, quality, _ = templates[int(np.argmax(scores))]
            chord = chord_lib.parse_chord(chord_lib.chord_symbol(root, quality),
                                          offset=time, duration=window_end - time)
        previous = spans[-1] if spans else None
        if (previous is not None and previous.figure == chord.figure
                and int(previous.offset // (2 * step)) == int(time // (2 * step))):
            spans[-1] = Chord(previous.offset, previous.duration + chord.duration, previous.root,
                              previous.quality, previous.pitch_classes, previous.figure,
                              previous.bass)
        else:
            spans.append(chord)
        time = window_end
    return spans


class TimeMap:
    """Maps times in the file to times on a uniform bar grid, measure by measure.

    Args:
        measures: list of ``(start, length)`` of the file's measures in quarter notes.
        bar_length: Fraction, the bar length of the time signature.
        sounding: list of ``(onset, end)`` of every pitched note (to tell silent overflow).

    Example:

    >>> m = TimeMap([(Fraction(0), Fraction(2)), (Fraction(2), Fraction(5)),
    ...              (Fraction(7), Fraction(4))], Fraction(4), [])
    >>> m.start(Fraction(0)), m.start(Fraction(2)), m.start(Fraction(7)), m.start(Fraction(6))
    (Fraction(2, 1), Fraction(4, 1), Fraction(8, 1), None)
    """

    def __init__(self, measures, bar_length, sounding):
        self.starts, self.rows = [], []  # rows: (source start, kept length, target start)
        target, previous_end = None, None
        for start, length in measures:
            if length <= 0 or (previous_end is not None and start < previous_end):
                continue
            previous_end = start + length
            if target is None:  # the first measure: a pickup is right-aligned to bar 1
                target = bar_length - length if length < bar_length else Fraction(0)
            kept, advance = length, max(length, bar_length)
            if length > bar_length:
                low, high = start + bar_length, start + length
                if any(on < high and off > low for on, off in sounding):
                    advance = -(-length // bar_length) * bar_length
                else:
                    kept, advance = bar_length, bar_length
            elif target % bar_length:
                advance = length  # the pickup ends at the first bar line
            self.starts.append(start)
            self.rows.append((start, kept, target))
            target += advance
        self.end = target if target is not None else Fraction(0)

    def start(self, time):
        """Map a start time; None when it falls in a dropped (silent) overflow."""
        i = bisect.bisect_right(self.starts, time) - 1
        if i < 0:
            return time
        source, kept, target = self.rows[i]
        if time - source < kept or i == len(self.rows) - 1:
            return target + (time - source)
        return None

    def stop(self, time, onset):
        """Map an end time, given the mapped start; clipped to the end of its measure."""
        i = bisect.bisect_left(self.starts, time) - 1
        if i < 0:
            return max(time, onset)
        source, kept, target = self.rows[i]
        if i < len(self.rows) - 1:
            return max(target + min(time - source, kept), onset)
        return max(target + (time - source), onset)


def _time_map(score, bar_length, parts):
    from music21 import stream

    best = []
    for part in (list(score.parts) or [score]):
        measures = [(_frac(m.offset), _frac(m.duration.quarterLength))
                    for m in part.getElementsByClass(stream.Measure)]
        if len(measures) > len(best):
            best = measures
    sounding = [(e[0], e[1]) for p in parts if not p.percussion for e in p.events]
    return TimeMap(best, bar_length, sounding)


def _score_signatures(score):
    from music21 import meter

    return [((int(ts.numerator), int(ts.denominator)),
             ts.measureNumber if ts.measureNumber is not None
             else _frac(ts.getOffsetInHierarchy(score)))
            for ts in score.recurse().getElementsByClass(meter.TimeSignature)]


def _meter(signatures, path, *, midi_times=False):
    """One (beats, unit) from ``[((beats, unit), bar or time), ...]``, or a clear refusal."""
    changes = []
    for value, where in signatures:
        if not changes or changes[-1][0] != value:
            changes.append((value, where))
    if not changes:
        return 4, 4
    beats, unit = changes[0][0]
    if beats < 1 or unit not in (1, 2, 4, 8, 16, 32):
        raise MusicInputError(f"{path}: time signature {beats}/{unit} is not supported; expected "
                              "a positive numerator over 1, 2, 4, 8, 16 or 32 (e.g. 4/4, 3/4, 6/8)")
    if len(changes) > 1:
        (c, d), where = changes[1]
        if midi_times or isinstance(where, Fraction):  # a time: count bars of the first meter
            where = int(where // Fraction(beats * 4, unit)) + 1
        raise MusicInputError(f"{path}: the meter changes from {beats}/{unit} to {c}/{d} at bar "
                              f"{where}; expected one time signature for the whole piece")
    return beats, unit


def _tempo(score):
    from music21 import tempo

    for mark in score.recurse().getElementsByClass(tempo.MetronomeMark):
        bpm = mark.getQuarterBPM()
        if bpm:
            return round(float(bpm), 3)
    return 120.0


def _symbol_chords(score, path, time_map, grid, total):
    from music21 import harmony

    found = {}
    for symbol in score.recurse().getElementsByClass(harmony.Harmony):
        onset = time_map.start(_frac(symbol.getOffsetInHierarchy(score)))
        if onset is None:
            continue
        onset = _snap(onset, grid)
        bar = symbol.measureNumber
        if isinstance(symbol, harmony.NoChord):
            figure = chord_lib.NO_CHORD
        elif symbol.chordKind in ("other", "", None):  # music21 keeps only the root: use the text
            figure = symbol.root().name + (symbol.chordKindStr or "?")
        else:
            figure = symbol.figure
        try:
            chord = chord_lib.parse_chord(figure, bar=bar, music21_flats=True)
        except ChordError as error:
            raise ChordError(f"{path}: {error}") from None
        if chord.root is not None:  # re-spell unambiguously: music21's "E-7" is Eb7, not Em7
            figure = chord_lib.chord_symbol(chord.root, chord.quality, chord.bass,
                                            sharps="#" in symbol.figure)
            chord = Chord(chord.offset, chord.duration, chord.root, chord.quality,
                          chord.pitch_classes, figure, chord.bass)
        found[onset] = chord
    onsets = sorted(t for t in found if t < total)
    if not onsets:
        return []
    spans = []
    if onsets[0] > 0:
        spans.append(Chord(Fraction(0), onsets[0], None, chord_lib.NO_CHORD, (),
                           chord_lib.NO_CHORD))
    for i, onset in enumerate(onsets):
        stop = onsets[i + 1] if i + 1 < len(onsets) else total
        c = found[onset]
        spans.append(Chord(onset, stop - onset, c.root, c.quality, c.pitch_classes, c.figure,
                           c.bass))
    return spans


def read_solo(path, *, harmony="auto", grid=DEFAULT_GRID, melody_part=None):
    """Read one MusicXML, MIDI or ABC file as a `Solo` (see the module docstring for how).

    Args:
        path: str or path-like, the file.
        harmony: str, where chords come from: ``"auto"`` (default), ``"symbols"``,
            ``"accompaniment"``, ``"melody"`` or ``"none"`` (see the module docstring).
        grid: Fraction, the time grid in quarter notes (default 1/24: dotted 16ths and triplets).
        melody_part: str or None, a part name to use as the melody when several parts match
            by content poorly (case-insensitive substring; default: chosen by content).

    Returns:
        Solo, with `source` set to `path` as given.

    Raises:
        MusicInputError: naming the file, for a missing, empty, corrupt or unsupported file, a
            file with no pitched notes (or percussion only), a meter change, or a harmony mode
            the file cannot give.
        ChordError: naming the file, bar and symbol, for a chord symbol that cannot be read.

    Example:

    >>> solo = read_solo("../shared/data/music/wjazzd/ArtPepper_BluesForBlanche_Solo.xml")  # doctest: +SKIP
    >>> solo.chords[0].figure, solo.beats_per_bar, solo.tempo  # doctest: +SKIP
    ('E-7', 4, 199.0)
    """
    source = os.fspath(path)
    if harmony not in HARMONY_MODES:
        raise MusicInputError(f"harmony={harmony!r} is not supported; expected one of "
                              f"{', '.join(HARMONY_MODES)}")
    grid = Fraction(grid)
    if grid <= 0 or grid > 1:
        raise MusicInputError(f"grid={grid} is not supported; expected a fraction of a quarter "
                              "note in (0, 1], e.g. 1/12")
    if not os.path.isfile(source):
        raise MusicInputError(f"{source}: no such file; {_EXPECTED_FILE}")
    if pathlib.Path(source).suffix.lower() not in SUFFIXES:
        raise MusicInputError(f"{source}: unsupported file type; {_EXPECTED_FILE}")
    if os.path.getsize(source) == 0:
        raise MusicInputError(f"{source}: file is empty; {_EXPECTED_FILE}")
    if pathlib.Path(source).suffix.lower() in (".mid", ".midi"):
        score = None
        parts, signatures, tempo, last_time = read_midi_parts(source)
        beats, unit = _meter(signatures, source, midi_times=True)
        time_map = TimeMap([], Fraction(beats * 4, unit), [])
    else:
        score = _parse_score(source)
        beats, unit = _meter(_score_signatures(score), source)
        parts = [part_events(p) for p in (list(score.parts) or [score])]
        tempo, last_time = _tempo(score), None
    bar_length = Fraction(beats * 4, unit)
    if not any(p.events for p in parts):
        kind = "percussion only" if any(p.percussion for p in parts) else "no pitched notes"
        raise MusicInputError(f"{source}: {kind}; expected a melody with pitched notes")
    melody = choose_melody(parts, name=melody_part)
    if melody is None:
        raise MusicInputError(f"{source}: percussion only; expected a melody with pitched notes")
    if score is not None:
        time_map = _time_map(score, bar_length, parts)
        last_time = time_map.end

    def remap(event_list):
        out = []
        for onset, stop, pitches, velocity in event_list:
            start = time_map.start(onset)
            if start is not None:
                out.append((start, time_map.stop(stop, start), pitches, velocity))
        return out

    events = remap(melody.events)
    last = max([_snap(e[1], grid) for e in events] + [_snap(last_time, grid)])
    total = -(-last // bar_length) * bar_length  # up to the end of the last bar
    notes = monophonic_notes(events, grid=grid, end=total)
    others = [e for p in parts if p is not melody and not p.percussion for e in p.events]
    others = remap(others)
    step = bar_length / 2 if beats % 2 == 0 else bar_length
    chords = []
    if harmony in ("auto", "symbols") and score is not None:
        chords = _symbol_chords(score, source, time_map, grid, total)
    if harmony == "symbols" and not chords:
        raise MusicInputError(f"{source}: no chord symbols; expected a lead sheet with chord "
                              "symbols (or use harmony='accompaniment', 'melody' or 'none')")
    if (harmony == "auto" and not chords and others) or harmony == "accompaniment":
        if not others:
            raise MusicInputError(f"{source}: no accompaniment parts besides the melody "
                                  f"{melody.name!r}; expected a multi-part file (or use "
                                  "harmony='melody' or 'none')")
        chords = infer_chords(others, start=Fraction(0), end=total, step=step)
    if harmony == "melody":
        chords = infer_chords(events, start=Fraction(0), end=total, step=bar_length)
    return Solo(notes, chords, beats, unit, tempo, source)


def list_music_files(paths_or_folders):
    """Expand files and folders (searched recursively) into a sorted list of music files.

    Args:
        paths_or_folders: a path, or a list of paths; folders contribute every file ending in
            .xml, .musicxml, .mxl, .mid, .midi or .abc.

    Returns:
        list of str, files in the order given, each folder's files sorted.

    Raises:
        MusicInputError: for a path that does not exist or a folder with no music files.
    """
    if isinstance(paths_or_folders, (str, os.PathLike)):
        paths_or_folders = [paths_or_folders]
    files = []
    for item in paths_or_folders:
        item = os.fspath(item)
        if os.path.isdir(item):
            found = sorted(str(p) for p in pathlib.Path(item).rglob("*")
                           if p.is_file() and p.suffix.lower() in SUFFIXES)
            if not found:
                raise MusicInputError(f"{item}: folder has no music files; {_EXPECTED_FILE}")
            files.extend(found)
        elif os.path.isfile(item):
            files.append(item)
        else:
            raise MusicInputError(f"{item}: no such file or folder; {_EXPECTED_FILE}")
    return files


def _read_one(path, harmony, grid):
    """Worker for `read_corpus`: a `Solo`, or the `MusicInputError` it raised."""
    try:
        return read_solo(path, harmony=harmony, grid=grid)
    except MusicInputError as error:
        return error


def read_corpus(paths_or_folders, cache_dir=None, *, harmony="auto", grid=DEFAULT_GRID,
                use_cache=True, skip_errors=False, workers=1):
    """Read many files (and folders) as solos, through the sha256-keyed JSON cache.

    Args:
        paths_or_folders: a path or a list of files and folders (see `list_music_files`).
        cache_dir: str, path or None; the cache folder (default `music.corpus.default_cache_dir`,
            e.g. ``~/.cache/seqzoo/music``).
        harmony: str, as for `read_solo` (default ``"auto"``).
        grid: Fraction, as for `read_solo` (default 1/24).
        use_cache: bool, read and write the cache (default True).
        skip_errors: bool, leave out files that raise `MusicInputError` instead of raising
            (default False).
        workers: int, processes that parse the files missing from the cache (default 1: in
            this process).

    Returns:
        list of `Solo`, in file order, each with `source` set to its path.

    Raises:
        MusicInputError: as for `read_solo` and `list_music_files` (the first bad file).

    Example:

    >>> solos = read_corpus("../shared/data/music/wjazzd")  # doctest: +SKIP
    >>> len(solos)  # doctest: +SKIP
    354
    """
    files = list_music_files(paths_or_folders)
    folder = pathlib.Path(cache_dir) if cache_dir is not None else corpus.default_cache_dir()
    grid = Fraction(grid)
    options = {"harmony": harmony, "grid": str(grid)}
    results, keys, missing = [None] * len(files), [None] * len(files), []
    for i, path in enumerate(files):
        if use_cache:
            keys[i] = corpus.cache_key(corpus.file_sha256(path), options)
            cached = corpus.load_cached(folder, keys[i])
            if cached is not None:
                cached.source = path
                results[i] = cached
                continue
        missing.append(i)
    if workers > 1 and len(missing) > 1:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers) as pool:
            parsed = list(pool.map(_read_one, [files[i] for i in missing],
                                   [harmony] * len(missing), [grid] * len(missing)))
    else:
        parsed = (_read_one(files[i], harmony, grid) for i in missing)
    for i, solo in zip(missing, parsed):
        if isinstance(solo, MusicInputError):
            if skip_errors:
                continue
            raise solo
        if keys[i] is not None:
            corpus.store_cached(folder, keys[i], solo)
        results[i] = solo
    return [solo for solo in results if solo is not None]


__all__ = ["DEFAULT_GRID", "HARMONY_MODES", "PartEvents", "TimeMap", "read_midi_parts", "read_solo", "read_corpus",
           "list_music_files", "part_events", "choose_melody", "monophonic_notes", "infer_chords"]
