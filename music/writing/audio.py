"""Hear a solo: render a MIDI file (or a `Solo`) to a WAV file.

Two renderers, chosen by `to_audio(..., renderer="auto")`:

- **FluidSynth** with a General MIDI SoundFont, through `pretty_midi` and `pyfluidsynth`
  (`pip install "seqzoo[audio]"`, plus the system packages `fluidsynth` and
  `fluid-soundfont-gm`: `apt-get install fluidsynth fluid-soundfont-gm` in Colab). This is
  what a real instrument sounds like.
- **A plain numpy synthesiser** when those are missing: every note is a few harmonics of its
  pitch under an attack/decay/release envelope, written with the standard library's `wave`
  module. It needs nothing beyond the package and is enough to hear the melody and the
  harmony.

Either way the WAV is mono 16-bit PCM and lasts the MIDI file's duration (the end of its last
note, `midi_duration`) plus `tail` seconds of release, cut at `max_seconds` when given. In a
notebook, play it with `IPython.display.Audio(filename=wav_path)`.
"""

import contextlib
import dataclasses
import importlib.util
import io
import os
import pathlib
import shutil
import tempfile
import wave

import numpy as np

from music.errors import MusicInputError
from zoo.io.atomic import atomic_file

SOUNDFONT_PATHS = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",  # Debian/Ubuntu fluid-soundfont-gm
    "/usr/share/soundfonts/FluidR3_GM.sf2",
    "/usr/share/sounds/sf2/default-GM.sf2",
    "/usr/share/soundfonts/default.sf2",
)
RENDERERS = ("auto", "fluidsynth", "synth")


@dataclasses.dataclass(frozen=True)
class NoteEvent:
    """One sounding note of a MIDI file, in seconds.

    Args:
        start: onset in seconds.
        end: release in seconds (> start).
        pitch: MIDI pitch 0..127.
        velocity: MIDI velocity 1..127.
        channel: MIDI channel 1..16 (10 is percussion).
        program: General MIDI program 0..127 in force on that channel at the onset.
        track: index of the MIDI track.
    """

    start: float
    end: float
    pitch: int
    velocity: int
    channel: int
    program: int
    track: int


def _midi_file(path):
    from music21 import midi

    path = pathlib.Path(path)
    if not path.is_file():
        raise MusicInputError(f"midi_path {str(path)!r}: no such file; expected a MIDI file (.mid)")
    midi_file = midi.MidiFile()
    try:
        midi_file.open(str(path))
        try:
            midi_file.read()
        finally:
            midi_file.close()
    except Exception as error:  # music21 raises several kinds on a corrupt file
        raise MusicInputError(
            f"midi_path {str(path)!r}: not a readable MIDI file ({error})"
        ) from None
    return midi_file


def note_events(midi_path):
    """Read every note of a MIDI file with its time in seconds (the tempo map applied).

    Args:
        midi_path: str or path-like, a Standard MIDI File.

    Returns:
        list of `NoteEvent`, sorted by onset.

    Raises:
        MusicInputError: the file is missing or is not a MIDI file.

    Example:

    >>> events = note_events("solo.mid")  # doctest: +SKIP
    >>> events[0].pitch, round(events[0].end - events[0].start, 3)  # doctest: +SKIP
    (62, 0.4)
    """
    from music21 import midi

    midi_file = _midi_file(midi_path)
    ticks_per_quarter = midi_file.ticksPerQuarterNote or 480
    note_on, note_off = midi.ChannelVoiceMessages.NOTE_ON, midi.ChannelVoiceMessages.NOTE_OFF
    program_change, set_tempo = midi.ChannelVoiceMessages.PROGRAM_CHANGE, midi.MetaEvents.SET_TEMPO
    # Pass 1: absolute ticks of every event, and the tempo map (tempo events may sit in any track).
    timed, tempos = [], []
    for track_index, track in enumerate(midi_file.tracks):
        tick = 0
        for event in track.events:
            if isinstance(event, midi.DeltaTime):
                tick += event.time or 0
                continue
            if event.type == set_tempo and event.data and len(event.data) >= 3:
                tempos.append((tick, int.from_bytes(bytes(event.data[:3]), "big")))
            timed.append((tick, track_index, event))
    tempos.sort()
    changes = [(0, 500000)] + tempos  # 120 bpm until the first tempo event
    # Seconds at each tempo change, so any tick converts in O(log n).
    change_ticks = np.array([t for t, _ in changes], dtype=np.int64)
    change_tempo = np.array([m for _, m in changes], dtype=np.float64) / 1e6 / ticks_per_quarter
    change_seconds = np.concatenate([[0.0], np.cumsum(np.diff(change_ticks) * change_tempo[:-1])])

    def seconds(tick):
        i = int(np.searchsorted(change_ticks, tick, side="right")) - 1
        return float(change_seconds[i] + (tick - change_ticks[i]) * change_tempo[i])

    # Pass 2: pair note-ons with note-offs per (track, channel, pitch).
    timed.sort(key=lambda item: (item[0], item[1]))
    programs, sounding, events = {}, {}, []
    for tick, track_index, event in timed:
        channel = getattr(event, "channel", None) or 1
        if event.type == program_change:
            programs[(track_index, channel)] = (
                int(event.data or 0)
                if isinstance(event.data, int)
                else int(bytes(event.data or b"\0")[0])
            )
        elif event.type in (note_on, note_off) and event.pitch is not None:
            key = (track_index, channel, event.pitch)
            if key in sounding:
                start_tick, velocity = sounding.pop(key)
                if tick > start_tick:
                    events.append(
                        NoteEvent(
                            seconds(start_tick),
                            seconds(tick),
                            int(event.pitch),
                            int(velocity),
                            int(channel),
                            programs.get((track_index, channel), 0),
                            track_index,
                        )
                    )
            if event.type == note_on and (event.velocity or 0) > 0:
                sounding[key] = (tick, event.velocity)
    events.sort(key=lambda e: (e.start, e.pitch))
    return events


def midi_duration(midi_path):
    """The duration of a MIDI file in seconds: the end of its last note.

    Args:
        midi_path: str or path-like, a Standard MIDI File.

    Returns:
        float, 0.0 for a file without notes.

    Example:

    >>> round(midi_duration("solo.mid"), 2)  # doctest: +SKIP
    25.6
    """
    events = note_events(midi_path)
    return max((e.end for e in events), default=0.0)


def find_soundfont():
    """The first General MIDI SoundFont installed in a usual place, or None.

    `$SOUNDFONT` (a path to a .sf2 file) wins when set.

    Returns:
        `pathlib.Path` or None.

    Example:

    >>> find_soundfont()  # doctest: +SKIP
    PosixPath('/usr/share/sounds/sf2/FluidR3_GM.sf2')
    """
    candidates = [os.environ["SOUNDFONT"]] if os.environ.get("SOUNDFONT") else []
    for path in candidates + list(SOUNDFONT_PATHS):
        if pathlib.Path(path).is_file():
            return pathlib.Path(path)
    return None


def fluidsynth_problem(soundfont=None):
    """Why FluidSynth rendering cannot run here, or None when it can.

    FluidSynth rendering needs the `pretty_midi` and `pyfluidsynth` packages (the `audio`
    extra), the FluidSynth library they load, and a General MIDI SoundFont.

    Args:
        soundfont: optional path of a .sf2 file; defaults to `find_soundfont()`.

    Returns:
        None, or a str naming what is missing and how to install it.

    Example:

    >>> fluidsynth_problem("missing.sf2")
    "soundfont 'missing.sf2': no such file; expected a General MIDI SoundFont (.sf2)"
    """
    if soundfont is not None and not pathlib.Path(soundfont).is_file():
        return (
            f"soundfont {str(soundfont)!r}: no such file; expected a General MIDI SoundFont (.sf2)"
        )
    if soundfont is None and find_soundfont() is None:
        return (
            "no General MIDI SoundFont found (apt-get install fluid-soundfont-gm, or set "
            "$SOUNDFONT to a .sf2 file)"
        )
    for module, package in (("pretty_midi", "pretty_midi"), ("fluidsynth", "pyfluidsynth")):
        if importlib.util.find_spec(module) is None:
            return f"{package} is not installed (pip install 'seqzoo[audio]')"
    try:
        import fluidsynth  # noqa: F401  (pyfluidsynth loads the system library on import)
        import pretty_midi  # noqa: F401
    except Exception as error:  # ImportError or OSError: the FluidSynth library is missing
        return f"the FluidSynth library cannot be loaded ({error}; apt-get install fluidsynth)"
    return None


def fluidsynth_available(soundfont=None):
    """Whether FluidSynth rendering can run here (see `fluidsynth_problem` for why not).

    Args:
        soundfont: optional path of a .sf2 file; defaults to `find_soundfont()`.

    Returns:
        bool.

    Example:

    >>> isinstance(fluidsynth_available(), bool)
    True
    """
    return fluidsynth_problem(soundfont) is None


def _envelope(n, sample_rate, release):
    """Attack 10 ms, exponential decay towards a sustain level, linear release at the end."""
    t = np.arange(n) / sample_rate
    attack = np.minimum(1.0, t / 0.01)
    decay = 0.35 + 0.65 * np.exp(-t / 0.25)
    release_n = min(n, int(release * sample_rate))
    tail = np.ones(n)
    if release_n:
        tail[n - release_n :] = np.linspace(1.0, 0.0, release_n)
    return attack * decay * tail


def synthesize(events, *, sample_rate=22050, duration=None):
    """Render note events with additive synthesis (no SoundFont needed).

    Each note is its fundamental plus three quieter harmonics under an envelope, scaled by
    velocity; percussion (channel 10) is a short burst of filtered noise. The mix is
    normalised to a peak of 0.9.

    Args:
        events: list of `NoteEvent` (from `note_events`).
        sample_rate: int, samples per second. Defaults to 22050.
        duration: float seconds of audio, or None for the end of the last note plus 0.5 s.

    Returns:
        float32 array `(samples,)` in [-1, 1].

    Example:

    >>> audio = synthesize([NoteEvent(0.0, 0.5, 69, 100, 1, 0, 0)], sample_rate=8000)
    >>> audio.shape, float(abs(audio).max()) > 0.5
    ((8000,), True)
    """
    if duration is None:
        duration = max((e.end for e in events), default=0.0) + 0.5
    total = int(round(duration * sample_rate))
    mix = np.zeros(total, dtype=np.float64)
    release = 0.08
    rng = np.random.default_rng(0)
    for event in events:
        start = int(round(event.start * sample_rate))
        if start >= total:
            continue
        length = event.end - event.start + release
        if event.channel == 10:
            length = 0.12
        n = min(int(round(length * sample_rate)), total - start)
        if n <= 0:
            continue
        gain = (event.velocity / 127.0) ** 1.5
        if event.channel == 10:
            tone = rng.standard_normal(n) * np.exp(-np.arange(n) / (0.03 * sample_rate)) * 0.3
        else:
            frequency = 440.0 * 2.0 ** ((event.pitch - 69) / 12.0)
            t = np.arange(n) / sample_rate
            tone = np.zeros(n)
            for harmonic, amplitude in ((1, 1.0), (2, 0.4), (3, 0.2), (4, 0.1)):
                if harmonic * frequency < sample_rate / 2:  # no aliasing
                    tone += amplitude * np.sin(2 * np.pi * harmonic * frequency * t)
            tone *= _envelope(n, sample_rate, release)
        mix[start : start + n] += gain * tone
    peak = np.abs(mix).max() if total else 0.0
    if peak > 0:
        mix *= 0.9 / peak
    return mix.astype(np.float32)


def _fluidsynth_audio(midi_path, sample_rate, soundfont):
    import pretty_midi

    with contextlib.redirect_stderr(io.StringIO()):
        performance = pretty_midi.PrettyMIDI(str(midi_path))
        audio = performance.fluidsynth(fs=sample_rate, sf2_path=str(soundfont))
    audio = np.asarray(audio, dtype=np.float64)
    peak = np.abs(audio).max() if audio.size else 0.0
    return (audio * (0.9 / peak) if peak > 0 else audio).astype(np.float32)


def write_wav(audio, wav_path, *, sample_rate=22050):
    """Write float audio in [-1, 1] as a mono 16-bit PCM WAV file (atomically).

    Args:
        audio: 1-D float array.
        wav_path: str or path-like.
        sample_rate: int. Defaults to 22050.

    Returns:
        The path, as a `pathlib.Path`.

    Example:

    >>> import tempfile
    >>> path = write_wav(np.zeros(100), pathlib.Path(tempfile.mkdtemp()) / "quiet.wav")
    >>> path.stat().st_size > 100
    True
    """
    wav_path = pathlib.Path(wav_path)
    samples = (np.clip(np.asarray(audio, dtype=np.float64), -1.0, 1.0) * 32767).astype("<i2")
    with atomic_file(wav_path) as temporary, wave.open(str(temporary), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(int(sample_rate))
        out.writeframes(samples.tobytes())
    return wav_path


def to_audio(
    midi_path_or_solo,
    wav_path,
    *,
    sample_rate=22050,
    max_seconds=None,
    tail=0.5,
    renderer="auto",
    soundfont=None,
):
    """Render a MIDI file or a `Solo` to a WAV file you can play.

    A `Solo` is first written as MIDI with `music.writing.render.write_solo` (swing, piano comping and
    walking bass), so it sounds like the `.mid` file the improviser writes. FluidSynth with a
    General MIDI SoundFont renders it when `pretty_midi`, `pyfluidsynth` and a SoundFont are
    installed (see the module docstring); otherwise the numpy synthesiser does.

    Args:
        midi_path_or_solo: str or path-like of a MIDI file, or a `music.types.Solo`.
        wav_path: str or path-like, the WAV file to write (replaced atomically).
        sample_rate: int in [4000, 96000], samples per second. Defaults to 22050.
        max_seconds: optional float > 0: keep only the first seconds (short clips for
            notebooks). Defaults to None (everything).
        tail: float >= 0, seconds of release after the last note. Defaults to 0.5.
        renderer: `"auto"`, `"fluidsynth"` (fail when unavailable) or `"synth"`.
            Defaults to `"auto"`.
        soundfont: optional path of a .sf2 file; defaults to `find_soundfont()`.

    Returns:
        `pathlib.Path` of the WAV: mono, 16-bit, `round((midi_duration + tail) * sample_rate)`
        samples (or `max_seconds` worth, when shorter).

    Raises:
        MusicInputError: a missing or unreadable MIDI file, a bad argument, a `soundfont`
            that is not a file, or `renderer="fluidsynth"` without FluidSynth (the message
            says what is missing: `fluidsynth_problem`).

    Example:

    >>> to_audio("solo.mid", "solo.wav")  # doctest: +SKIP
    PosixPath('solo.wav')
    >>> from IPython.display import Audio  # doctest: +SKIP
    >>> Audio(filename="solo.wav")  # doctest: +SKIP
    """
    from music.types import Solo

    if renderer not in RENDERERS:
        raise MusicInputError(f"renderer {renderer!r}: expected one of {', '.join(RENDERERS)}")
    if (
        isinstance(sample_rate, bool)
        or not isinstance(sample_rate, int)
        or not 4000 <= sample_rate <= 96000
    ):
        raise MusicInputError(f"sample_rate {sample_rate!r}: expected an int in [4000, 96000]")
    if max_seconds is not None and not (isinstance(max_seconds, (int, float)) and max_seconds > 0):
        raise MusicInputError(f"max_seconds {max_seconds!r}: expected a number > 0 or None")
    if not (isinstance(tail, (int, float)) and tail >= 0):
        raise MusicInputError(f"tail {tail!r}: expected a number >= 0")
    problem = fluidsynth_problem(soundfont)
    if soundfont is not None and problem and problem.startswith("soundfont "):
        raise MusicInputError(problem)  # a SoundFont named by the user must exist
    if renderer == "fluidsynth" and problem:
        raise MusicInputError(f"renderer 'fluidsynth': {problem}")
    use_fluidsynth = renderer == "fluidsynth" or (renderer == "auto" and problem is None)
    soundfont = pathlib.Path(soundfont) if soundfont is not None else find_soundfont()
    folder = None
    try:
        if isinstance(midi_path_or_solo, Solo):
            from music.writing.render import write_solo

            folder = tempfile.mkdtemp(prefix="seqzoo-audio-")
            midi_path, _ = write_solo(midi_path_or_solo, pathlib.Path(folder) / "solo.mid")
        elif isinstance(midi_path_or_solo, (str, os.PathLike)):
            midi_path = pathlib.Path(midi_path_or_solo)
        else:
            raise MusicInputError(
                f"midi_path_or_solo: expected a MIDI file path or a Solo, got "
                f"{type(midi_path_or_solo).__name__}"
            )
        events = note_events(midi_path)
        if not events:
            raise MusicInputError(f"midi_path {str(midi_path)!r}: holds no notes; nothing to play")
        duration = max(e.end for e in events) + tail
        if max_seconds is not None:
            duration = min(duration, float(max_seconds))
        total = int(round(duration * sample_rate))
        if use_fluidsynth:
            audio = _fluidsynth_audio(midi_path, sample_rate, soundfont)
            audio = np.pad(audio[:total], (0, max(0, total - len(audio))))
        else:
            audio = synthesize(
                [e for e in events if e.start < duration],
                sample_rate=sample_rate,
                duration=duration,
            )
        return write_wav(audio, wav_path, sample_rate=sample_rate)
    finally:
        if folder:
            shutil.rmtree(folder, ignore_errors=True)


__all__ = [
    "to_audio",
    "note_events",
    "midi_duration",
    "synthesize",
    "write_wav",
    "find_soundfont",
    "fluidsynth_available",
    "fluidsynth_problem",
    "NoteEvent",
]
