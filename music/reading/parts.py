"""Parts of a music file as plain note events, and what is done with them before a `Solo` exists.

- `read_midi_parts`: a MIDI file's tracks/channels as `PartEvents`, read with `music21.midi`.
- `part_events`: a music21 part as `PartEvents` (ties merged, grace notes and chord symbols out).
- `choose_melody`: the melody part, by content.
- `monophonic_notes`: overlapping events to gap-free monophonic notes on a grid (top voice wins).

`music.reading.solos` puts these together in `read_solo`, with `music.reading.timemap.TimeMap` (the file's bars on
a uniform grid) and `music.reading.chord_inference.infer_chords` (chords from the other parts).
"""

from fractions import Fraction

from music.errors import MusicInputError
from music.reading.files import EXPECTED_FILE, SIZE_HINT, short_reason
from music.reading.limits import read_limits
from music.types import Note
from zoo.io.files import read_regular_file

DEFAULT_GRID = Fraction(1, 24)
_MELODY_HINTS = (
    "melody",
    "melodie",
    "lead",
    "solo",
    "vocal",
    "voice",
    "voc",
    "sax",
    "trumpet",
    "flute",
    "clarinet",
    "violin",
    "tune",
    "theme",
)
_BACKING_HINTS = (
    "bass",
    "drum",
    "perc",
    "pad",
    "string",
    "choir",
    "comp",
    "chord",
    "rhythm",
    "organ",
)


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


def to_fraction(value):
    """An exact `Fraction` for a music21 offset (a binary float or a Fraction)."""
    return value if isinstance(value, Fraction) else Fraction(value).limit_denominator(1 << 16)


def snap(value, grid):
    """The multiple of `grid` nearest to `value` (halves to even), as a `Fraction`."""
    return Fraction(round(to_fraction(value) / grid)) * grid


def read_midi_parts(path, *, limits=None):
    """Read a MIDI file with `music21.midi` directly (tens of times faster than building a score).

    The limits are checked while reading: the file size before its bytes are parsed, the time
    and number of notes at every event (a note far past `max_quarters` stops the reader there).

    Args:
        path: str or path-like, a MIDI file.
        limits: `music.reading.limits.ReadLimits`, a dict of its fields or None (the defaults, with
            environment overrides; see `music.reading.limits`).

    Returns:
        tuple ``(parts, signatures, tempo, end)``: one `PartEvents` per track and channel
        (channel 10 is percussion), named after the track (or its General MIDI program);
        the time signatures as ``[((beats, unit), time), ...]``; the first tempo in quarter
        notes per minute (120 when none); the time the last note ends. Times are exact
        `Fraction`s of a quarter note.

    Raises:
        MusicInputError: naming the file when it is not a readable MIDI file, not a regular
            file, or past a limit.

    Example:

    A blues chorus of quarter notes as `music.writing.render.write_solo` performs it, with comping
    and bass tracks:

    >>> import pathlib, tempfile
    >>> from music.theory.progressions import named_form
    >>> from music.writing.render import write_solo
    >>> from music.types import Solo
    >>> blues = Solo([Note(Fraction(k), Fraction(1), 60 + k % 12) for k in range(48)],
    ...              named_form("blues:F"), tempo=200)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     parts, _, tempo, end = read_midi_parts(write_solo(blues, f"{folder}/blues.mid")[0])
    >>> [p.name for p in parts], choose_melody(parts).name, tempo, end
    (['Solo', 'Comping', 'Bass'], 'Solo', 200.0, Fraction(48, 1))
    """
    from music21 import instrument, midi

    limits = read_limits(limits)
    data = read_regular_file(
        path, max_bytes=limits.max_bytes, error=MusicInputError, what="music file", hint=SIZE_HINT
    )
    midi_file = midi.MidiFile()
    try:
        midi_file.readstr(data)
        ppq = midi_file.ticksPerQuarterNote
        if not ppq or ppq <= 0:
            raise ValueError("no ticks per quarter note")
    except Exception as error:  # music21 raises many types for a corrupt file
        raise MusicInputError(
            f"{path}: cannot be read as MIDI ({short_reason(error)}); {EXPECTED_FILE}"
        ) from None
    note_on, note_off = midi.ChannelVoiceMessages.NOTE_ON, midi.ChannelVoiceMessages.NOTE_OFF
    program_change = midi.ChannelVoiceMessages.PROGRAM_CHANGE
    meta = midi.MetaEvents
    parts, signatures, tempo, end = [], [], None, Fraction(0)
    max_ticks, notes = limits.max_quarters * ppq, 0
    for track in midi_file.tracks:
        ticks, name, programs, sounding, by_channel = 0, "", {}, {}, {}
        for event in track.events:
            if isinstance(event, midi.DeltaTime):
                ticks += event.time
                continue
            time = Fraction(ticks, ppq)
            if ticks > max_ticks and event.type in (note_on, note_off):
                limits.check(path, "max_quarters", time)
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
                    notes += 1
                    limits.check(path, "max_notes", notes)
                    sounding.setdefault(key, []).append((time, event.velocity))
                elif sounding.get(key):
                    start, velocity = sounding[key].pop(0)
                    if time > start:
                        by_channel.setdefault(event.channel, []).append(
                            (start, time, (event.pitch,), velocity)
                        )
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
    return bool(notes) and all(
        isinstance(n, (note.Unpitched,)) or type(n).__name__ == "PercussionChord" for n in notes
    )


def part_events(part, *, limits=None, path="music file", counted=0):
    """Reduce a music21 part to a `PartEvents` (ties merged, grace notes and chord symbols dropped).

    Args:
        part: a `music21.stream.Part`.
        limits: `music.reading.limits.ReadLimits`, a dict or None (defaults); checked at every note.
        path: the file, named in a limit's message.
        counted: int, notes already met in the file's other parts (for `max_notes`).

    Returns:
        PartEvents.

    Raises:
        MusicInputError: when a note ends past `max_quarters` or the notes pass `max_notes`.
    """
    limits = read_limits(limits)
    from music21 import harmony, note

    flat = part.flatten()
    notes = [n for n in flat.notes if not isinstance(n, harmony.Harmony)]
    inst = part.getInstrument(returnDefault=False)
    name = (
        getattr(part, "partName", None) or (inst.instrumentName if inst else "") or ""
    ).strip()  # a score without parts stands in for its only part
    percussion = _is_percussion(part, notes)
    events, open_ties = [], {}
    for n in notes:
        if isinstance(n, note.Unpitched) or not hasattr(n, "pitches"):
            continue
        length = to_fraction(n.quarterLength)
        if length <= 0:  # grace note
            continue
        onset = to_fraction(n.offset)
        pitches = tuple(sorted({p.midi for p in n.pitches if 0 <= p.midi <= 127}))
        if not pitches:
            continue
        counted += len(pitches)
        limits.check(path, "max_notes", counted)
        limits.check(path, "max_quarters", onset + length)
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
        start, stop = snap(onset, grid), snap(stop, grid)
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


__all__ = [
    "DEFAULT_GRID",
    "PartEvents",
    "read_midi_parts",
    "part_events",
    "choose_melody",
    "monophonic_notes",
    "to_fraction",
    "snap",
]
