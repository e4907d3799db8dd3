"""The calibration: its bias against the written-out formula, a section recomputed from the
solos it was measured on, sampling that moves toward the players' mix of events, the exact
solos with it off, the folder round trip through the command line, and bad input."""

import json
from fractions import Fraction as F

import numpy as np
import pytest

from music.encoding.events import Encoding
from music.errors import MusicInputError
from music.model.artifact import Artifact, build_model, load_artifact, save_artifact
from music.model.calibration import CLIP, calibrate, calibration_bias, token_counts
from music.model.improvise import Improviser, improvise_over
from music.reading.solos import read_corpus
from music.theory.progressions import parse_progression
from music.types import Note, Solo
from tests.helpers import write_lead_sheets
from tests.music.helpers import assert_user_error, run


def shares(counts):
    return np.asarray(counts, float) / np.sum(counts)


def share_of_played(human, generated):
    """The share of generated events that the players play too."""
    return shares(generated)[np.asarray(human) > 0].sum()


@pytest.fixture(scope="module")
def tiny():
    import keras

    keras.utils.set_random_seed(5)
    enc = Encoding()
    return Artifact(build_model(enc, units=8, embedding_dim=4), enc, {}, {})


@pytest.fixture(scope="module")
def players():
    """Six 4-bar solos that move in eighth notes by steps and thirds, with quarter rests."""
    rng = np.random.default_rng(3)
    solos = []
    for k in range(6):
        notes, t, pitch = [], F(0), 60 + k
        while t < 16:
            if rng.random() < 0.15:
                notes.append(Note(t, F(1), None))
                t += 1
                continue
            pitch += int(rng.choice([-2, -1, 1, 2, 3, -3]))
            notes.append(Note(t, F(1, 2), pitch))
            t += F(1, 2)
        chords = parse_progression("Dm7 G7 | Cmaj7 | Dm7 G7 | Cmaj7 |")
        solos.append(Solo(notes, chords, source=f"player{k}.musicxml"))
    return solos


def test_the_bias_is_the_clipped_log_ratio_of_smoothed_shares():
    human = np.array([50.0, 0, 10, 3, 0, 400])
    generated = np.array([10.0, 40, 10, 0, 0, 5])
    bias = calibration_bias(human, generated, smoothing=0.5, clip=1.0)
    for e in range(6):
        h = (human[e] + 0.5) / (human.sum() + 6 * 0.5)
        g = (generated[e] + 0.5) / (generated.sum() + 6 * 0.5)
        assert bias[e] == pytest.approx(min(max(np.log(h / g), -1.0), 1.0), abs=1e-6)
    assert bias.dtype == np.float32
    assert bias[1] == pytest.approx(-1.0) and bias[5] == pytest.approx(1.0)  # clipped


@pytest.mark.parametrize(
    "human, generated, settings, fragment",
    [
        ([1, 2], [1, 2, 3], {}, "two vectors of one length"),
        ([1, -2], [1, 2], {}, "human counts must be finite, >= 0 and not all 0"),
        ([1, 2], [0, 0], {}, "generated counts must be finite, >= 0 and not all 0"),
        ([1, 2], [1, np.nan], {}, "generated counts must be finite"),
        ([1, 2], [1, 2], {"smoothing": 0}, "smoothing and clip must be > 0"),
        ([1, 2], [1, 2], {"clip": -1}, "smoothing and clip must be > 0"),
    ],
)
def test_bad_counts_are_refused_naming_what_was_expected(human, generated, settings, fragment):
    with pytest.raises(MusicInputError, match=fragment):
        calibration_bias(human, generated, **settings)


def test_first_bars_cuts_notes_and_chords_at_the_end():
    solo = Solo(
        [Note(F(0), F(3), 60), Note(F(3), F(3), 62), Note(F(6), F(4), None)],
        parse_progression("C7 | F7 | C7 |"),
        source="x.musicxml",
    )
    cut = solo.first_bars(1)
    assert [(n.offset, n.duration) for n in cut.notes] == [(F(0), F(3)), (F(3), F(1))]
    assert [(c.offset, c.duration) for c in cut.chords] == [(F(0), F(4))]
    assert cut.source == "x.musicxml" and cut.tempo == solo.tempo
    assert solo.first_bars(99).duration == F(10)  # never longer than the solo


def test_the_section_is_recomputed_from_the_solos_it_was_measured_on(tiny, players):
    section = calibrate(Improviser(tiny, register=None), players, bars=3, seed=40)
    improviser = Improviser(tiny, register=None)
    humans = [solo.first_bars(3) for solo in players]
    generated = [improvise_over(improviser, h, 40 + k) for k, h in enumerate(humans)]
    expected = calibration_bias(
        token_counts(tiny.encoding, humans), token_counts(tiny.encoding, generated)
    )
    np.testing.assert_allclose(section["bias"], expected, atol=1e-4)
    assert section["solos"] == 6 and section["bars"] == 3 and section["seed"] == 40
    assert section["events"]["human"] == sum(len(tiny.encoding.encode(h).tokens) for h in humans)
    assert max(map(abs, section["bias"])) <= CLIP


def test_a_calibrated_sampler_plays_the_players_mix_more_closely(tiny, players):
    section = calibrate(Improviser(tiny, register=None), players, seed=0)
    calibrated = Artifact(tiny.model, tiny.encoding, {}, {}, calibration=np.array(section["bias"]))
    human = token_counts(tiny.encoding, players)
    before, after = (
        token_counts(
            tiny.encoding,
            [
                improvise_over(Improviser(artifact, register=None), solo, 100 + k)
                for k, solo in enumerate(players)
            ],
        )
        for artifact in (tiny, calibrated)
    )
    # The untrained network spreads over all 1201 events; the players use a few dozen.
    assert share_of_played(human, after) > 2 * share_of_played(human, before)


def test_with_the_weight_at_zero_the_solos_are_the_uncalibrated_ones(tiny, players):
    bias = np.zeros(tiny.encoding.vocab_size, np.float32)
    bias[::7] = 1.2
    calibrated = Artifact(tiny.model, tiny.encoding, {}, {}, calibration=bias)
    chords = parse_progression("Dm7 G7 | Cmaj7 |")
    plain = Improviser(tiny).improvise(chords, seed=9).notes
    assert Improviser(calibrated, calibration_weight=0).improvise(chords, seed=9).notes == plain
    assert Improviser(calibrated).improvise(chords, seed=9).notes != plain
    with pytest.raises(MusicInputError, match="calibration_weight"):
        Improviser(calibrated, calibration_weight=-0.5)
    with pytest.raises(MusicInputError, match="calibrate an improviser with calibration_weight=0"):
        calibrate(Improviser(calibrated), players)


@pytest.mark.slow
def test_the_command_line_calibrates_a_folder_and_refuses_bad_input(tmp_path, capsys):
    import keras

    keras.utils.set_random_seed(1)
    data = tmp_path / "data"
    data.mkdir()
    write_lead_sheets(data)
    enc = Encoding()
    folder = tmp_path / "model"
    names = sorted(p.name for p in data.iterdir())
    config = {"data": {"train_sources": names[:2], "heldout_sources": names[2:]}}
    save_artifact(folder, build_model(enc, units=8, embedding_dim=4), enc, config, {})
    cache = tmp_path / "cache"

    code, out, err = run(capsys, "calibrate", data, "--model", folder, "--cache-dir", cache)
    assert code == 0, err
    assert out.startswith(f"calibrated {folder}: 2 solos")
    artifact = load_artifact(folder)
    trained_on = [
        s for s in read_corpus(data, cache_dir=cache) if s.source.endswith(tuple(names[:2]))
    ]
    expected = calibrate(Improviser(artifact, calibration_weight=0), trained_on)
    np.testing.assert_allclose(artifact.calibration, expected["bias"], atol=1e-4)

    config_file = folder / "config.json"
    document = json.loads(config_file.read_text())
    document["calibration"]["bias"] = document["calibration"]["bias"][:-1]
    config_file.write_text(json.dumps(document))
    with pytest.raises(MusicInputError, match=r"config.json: field calibration.bias"):
        load_artifact(folder)
    document["calibration"]["bias"] = [2.0] * enc.vocab_size
    config_file.write_text(json.dumps(document))
    with pytest.raises(MusicInputError, match="reaches 2, beyond clip 1.5"):
        load_artifact(folder)

    other = tmp_path / "other"
    other.mkdir()
    (other / "elsewhere.musicxml").write_bytes((data / names[0]).read_bytes())
    document["calibration"]["bias"] = expected["bias"]
    config_file.write_text(json.dumps(document))
    before = config_file.read_bytes()
    code, out, err = run(capsys, "calibrate", other, "--model", folder, "--cache-dir", cache)
    assert_user_error(code, err, "none of the 2 training solos", "data.train_sources")
    code, out, err = run(capsys, "calibrate", data, "--model", tmp_path / "missing")
    assert_user_error(code, err, "missing")
    code, out, err = run(capsys, "calibrate", data, "--model", folder, "--bars", "0")
    assert_user_error(code, err, "--bars")
    assert config_file.read_bytes() == before  # nothing the user had is touched
