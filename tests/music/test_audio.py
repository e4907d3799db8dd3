"""music.writing.audio: a WAV of the MIDI's length that is not silent, from a file or a Solo."""

import doctest
import wave
from fractions import Fraction

import numpy as np
import pytest

from music.errors import MusicInputError
from music.types import Chord, Note, Solo
from music.writing import audio
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
    assert np.abs(samples).max() > 10000  # loud enough to hear
    assert np.abs(samples[int(0.2 * rate) : int(0.8 * rate)]).mean() > 500  # the first note sounds
    assert np.abs(samples[int(1.2 * rate) : int(1.45 * rate)]).max() < 100  # the gap is quiet


def test_max_seconds_cuts_the_clip(midi_file, tmp_path):
    samples, rate = read_wav(
        audio.to_audio(
            midi_file, tmp_path / "a.wav", sample_rate=8000, max_seconds=1.25, renderer="synth"
        )
    )
    assert len(samples) == 10000


def test_tempo_events_are_applied(tmp_path):
    import struct

    # One track at 60 bpm (1,000,000 us a quarter): a 2-quarter note lasts 2 s.
    track = b"\x00\xff\x51\x03" + (1000000).to_bytes(3, "big")
    track += b"\x00\x90\x45\x64" + b"\x02\x80\x45\x00" + b"\x00\xff\x2f\x00"
    path = tmp_path / "slow.mid"
    path.write_bytes(
        b"MThd" + struct.pack(">IHHH", 6, 0, 1, 1) + b"MTrk" + struct.pack(">I", len(track)) + track
    )
    assert audio.midi_duration(path) == 2.0


def test_a_solo_is_rendered_with_its_band(tmp_path):
    solo = Solo(
        notes=[Note(Fraction(i), Fraction(1), 60 + 2 * i) for i in range(8)],
        chords=[Chord(Fraction(0), Fraction(8), 0, "maj7", (0, 4, 7, 11), "Cmaj7")],
        tempo=120.0,
    )
    samples, rate = read_wav(
        audio.to_audio(solo, tmp_path / "solo.wav", sample_rate=8000, renderer="synth")
    )
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


def test_a_named_soundfont_must_exist(midi_file, tmp_path):
    missing = tmp_path / "missing.sf2"
    expected = f"soundfont {str(missing)!r}: no such file; expected a General MIDI SoundFont (.sf2)"
    for renderer in ("auto", "fluidsynth"):
        with pytest.raises(MusicInputError) as caught:
            audio.to_audio(midi_file, tmp_path / "x.wav", renderer=renderer, soundfont=missing)
        assert str(caught.value) == expected
    assert audio.fluidsynth_problem(missing) == expected
    assert not (tmp_path / "x.wav").exists()


FLUIDSYNTH_PROBLEM = audio.fluidsynth_problem()
needs_fluidsynth = pytest.mark.skipif(
    FLUIDSYNTH_PROBLEM is not None, reason=f"FluidSynth rendering: {FLUIDSYNTH_PROBLEM}"
)


@needs_fluidsynth
def test_fluidsynth_renders_the_same_length(midi_file, tmp_path):
    samples, rate = read_wav(audio.to_audio(midi_file, tmp_path / "fs.wav", renderer="fluidsynth"))
    assert len(samples) == round(3.5 * rate)
    assert np.abs(samples).max() > 10000


def solo_share(samples, rate, events):
    """Per solo note, the share of the window's energy (40 Hz-5 kHz) that lies within 50 cents
    of the note's first three harmonics. Scale-free: each render is normalised on its own."""
    shares = []
    for event in events:
        start = int((event.start + 0.03) * rate)  # past the attack
        stop = int(min(event.end, event.start + 0.3) * rate)
        if stop - start < 0.05 * rate:
            continue
        window = samples[start:stop].astype(np.float64) * np.hanning(stop - start)
        power = np.abs(np.fft.rfft(window, 8 * (stop - start))) ** 2
        frequency = np.fft.rfftfreq(8 * (stop - start), 1 / rate)
        f0 = 440.0 * 2.0 ** ((event.pitch - 69) / 12)
        cents = [np.abs(1200 * np.log2(np.maximum(frequency, 1.0) / (h * f0))) for h in (1, 2, 3)]
        near = np.min(cents, axis=0) < 50
        heard = (frequency > 40) & (frequency < 5000)
        shares.append(power[near & heard].sum() / power[heard].sum())
    return np.array(shares)


@pytest.fixture(scope="module")
def shipped_solo(tmp_path_factory):
    """A 12-bar blues from the shipped model, its MIDI (tenor sax, piano, bass), and its length."""
    from music.model.improvise import generate

    solo, midi, _ = generate(
        tmp_path_factory.mktemp("solo") / "solo.mid", chords="blues:F", choruses=1, seed=7
    )
    return solo, midi, float(solo.duration) * 60 / solo.tempo


@pytest.mark.slow
@needs_fluidsynth
def test_fluidsynth_plays_the_shipped_models_solo_over_its_band(shipped_solo, tmp_path):
    import dataclasses

    solo, midi, seconds = shipped_solo
    samples, rate = read_wav(audio.to_audio(midi, tmp_path / "solo.wav", renderer="fluidsynth"))
    # As long as the solo, and at most 2 s more (the release tail).
    assert seconds * rate <= len(samples) <= (seconds + 2) * rate
    # Never silent while the band plays: every second has sound.
    rms = [
        np.sqrt(np.mean((samples[i : i + rate] / 32768.0) ** 2))
        for i in range(0, int(seconds) * rate, rate)
    ]
    assert min(rms) > 0.02, rms
    # Loud, and below clipping.
    peak = np.abs(samples.astype(np.int32)).max()
    assert 0.5 * 32767 < peak < 0.99 * 32767
    # The saxophone is heard over the comping: at each solo note, its harmonics hold a large
    # share of the sound, which the band alone (the same MIDI with the solo's notes made rests)
    # does not have.
    events = [e for e in audio.note_events(midi) if e.program == 66]  # General MIDI tenor sax
    assert len(events) >= 20
    band = dataclasses.replace(solo, notes=[dataclasses.replace(n, pitch=None) for n in solo.notes])
    band_samples, _ = read_wav(audio.to_audio(band, tmp_path / "band.wav", renderer="fluidsynth"))
    with_solo, band_only = solo_share(samples, rate, events), solo_share(band_samples, rate, events)
    assert np.median(with_solo) > 0.2, np.median(with_solo)
    assert np.median(with_solo) > 10 * np.median(band_only), (
        np.median(with_solo),
        np.median(band_only),
    )
    assert np.mean(with_solo > 2 * band_only) > 0.9


def test_docstring_examples():
    result = doctest.testmod(audio, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
