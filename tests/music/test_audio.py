"""music.audio: a WAV of the MIDI's length that is not silent, from a file or a Solo."""

import doctest
import wave
from fractions import Fraction

import numpy as np
import pytest

from music import audio
from music.errors import MusicInputError
from music.types import Chord, Note, Solo
from tests.midi import midi_bytes


def read_wav(path):
    with wave.open(str(path)) as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        rate = wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    return samples, rate


@pytest.fixture
def midi_file(tmp_path):
    # 120 bpm (no tempo event), 1 tick a quarter note: C4 for 1 s, a 0.5 s gap, E4 for 1.5 s.
    path = tmp_path / "two.mid"
    path.write_bytes(midi_bytes([(0, 2, 60), (1, 3, 64)]))
    return path


def test_note_events_in_seconds(midi_file):
    events = audio.note_events(midi_file)
    assert [(e.pitch, e.start, e.end) for e in events] == [(60, 0.0, 1.0), (64, 1.5, 3.0)]
    assert audio.midi_duration(midi_file) == 3.0


def test_synth_wav_has_the_midi_length_and_sound(midi_file, tmp_path):
    wav = audio.to_audio(midi_file, tmp_path / "two.wav", sample_rate=8000, renderer="synth")
    samples, rate = read_wav(wav)
    assert rate == 8000
    assert len(samples) == round((3.0 + 0.5) * 8000)
    assert np.abs(samples).max() > 10000                       # loud enough to hear
    assert np.abs(samples[int(0.2 * rate):int(0.8 * rate)]).mean() > 500  # the first note sounds
    assert np.abs(samples[int(1.2 * rate):int(1.45 * rate)]).max() < 100   # the gap is quiet


def test_max_seconds_cuts_the_clip(midi_file, tmp_path):
    samples, rate = read_wav(audio.to_audio(midi_file, tmp_path / "a.wav", sample_rate=8000,
                                            max_seconds=1.25, renderer="synth"))
    assert len(samples) == 10000


def test_tempo_events_are_applied(tmp_path):
    import struct

    # One track at 60 bpm (1,000,000 us a quarter): a 2-quarter note lasts 2 s.
    track = b"\x00\xff\x51\x03" + (1000000).to_bytes(3, "big")
    track += b"\x00\x90\x45\x64" + b"\x02\x80\x45\x00" + b"\x00\xff\x2f\x00"
    path = tmp_path / "slow.mid"
    path.write_bytes(b"MThd" + struct.pack(">IHHH", 6, 0, 1, 1) + b"MTrk"
                     + struct.pack(">I", len(track)) + track)
    assert audio.midi_duration(path) == 2.0


def test_a_solo_is_rendered_with_its_band(tmp_path):
    solo = Solo(notes=[Note(Fraction(i), Fraction(1), 60 + 2 * i) for i in range(8)],
                chords=[Chord(Fraction(0), Fraction(8), 0, "maj7", (0, 4, 7, 11), "Cmaj7")],
                tempo=120.0)
    samples, rate = read_wav(audio.to_audio(solo, tmp_path / "solo.wav", sample_rate=8000,
                                            renderer="synth"))
    # Eight quarter notes at 120 bpm: about 4 s (comping may ring to the end of the bar) + tail.
    assert 4.0 * rate <= len(samples) <= 5.0 * rate
    assert np.abs(samples).max() > 10000


def test_bad_input_names_the_argument(tmp_path, midi_file):
    with pytest.raises(MusicInputError, match="no such file"):
        audio.to_audio(tmp_path / "missing.mid", tmp_path / "x.wav")
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"not midi at all")
    with pytest.raises(MusicInputError, match="not a readable MIDI"):
        audio.to_audio(bad, tmp_path / "x.wav")
    with pytest.raises(MusicInputError, match="renderer"):
        audio.to_audio(midi_file, tmp_path / "x.wav", renderer="piano")
    with pytest.raises(MusicInputError, match="sample_rate"):
        audio.to_audio(midi_file, tmp_path / "x.wav", sample_rate=10)
    assert not (tmp_path / "x.wav").exists()


@pytest.mark.skipif(not audio.fluidsynth_available(),
                    reason="FluidSynth rendering needs pretty_midi, pyfluidsynth and a SoundFont")
def test_fluidsynth_renders_the_same_length(midi_file, tmp_path):
    samples, rate = read_wav(audio.to_audio(midi_file, tmp_path / "fs.wav", renderer="fluidsynth"))
    assert len(samples) == round(3.5 * rate)
    assert np.abs(samples).max() > 10000


def test_docstring_examples():
    result = doctest.testmod(audio, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
