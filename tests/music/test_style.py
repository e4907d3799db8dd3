"""Solo-level style: the figures, the table, the encoding's style block, the improviser and the CLI."""

import json
from fractions import Fraction as F

import numpy as np
import pytest

from music.encoding.events import Encoding, EncodingVersionError
from music.encoding.features import FEATURE_DIM, STYLE_REGISTER_SPAN
from music.errors import MusicInputError
from music.evaluation.features import phrase_features
from music.model.artifact import Artifact, build_model, load_artifact, save_artifact
from music.model.improvise import Improviser
from music.model.style import STYLE_DIM, STYLE_FIGURES, StyleTable, style_figures
from music.reading.leadsheet import progression_from_spec
from music.reading.performers import performer_of
from music.theory.progressions import parse_progression
from music.types import Note, Solo
from tests.music.helpers import assert_user_error, replay_conditioning, run
from zoo.artifacts.fields import FieldError, Fields


def line(pitches, step=F(1, 2), bars=16, chords="C7 | F7 |", source="x.xml"):
    """A solo of `bars` 4/4 bars cycling through `pitches` in notes of `step` quarters."""
    count = int(bars * 4 / step)
    notes = [Note(i * step, step, pitches[i % len(pitches)]) for i in range(count)]
    progression = parse_progression(chords)
    spans = [
        type(c)(c.offset + k * 8, c.duration, c.root, c.quality, c.pitch_classes, c.figure, c.bass)
        for k in range(bars // 2)
        for c in progression
    ]
    return Solo(notes, spans, source=source)


def column(name):
    return STYLE_FIGURES.index(name)


def test_performer_of_splits_the_wjazzd_file_name():
    assert performer_of("SonnyRollins_BlueSeven-1_Solo.xml") == "Sonny Rollins"
    assert performer_of("data/JJJohnson_Yesterdays_Solo.xml") == "JJ Johnson"
    assert performer_of("DizzyGillespie_Be_Bop_Solo.xml") == "Dizzy Gillespie"
    assert performer_of("solo.musicxml") == ""


def test_style_figures_are_the_mean_over_phrases():
    low = line([60, 62, 64, 65], bars=8)
    high = line([72, 74, 76, 77], step=F(1, 4), bars=8)
    joined = Solo(
        low.notes + [Note(n.offset + 32, n.duration, n.pitch) for n in high.notes],
        line([60], bars=16).chords,
    )
    figures = style_figures(joined)
    # One phrase per half: the mean of their own figures, computed independently.
    expected = [
        (phrase_features(low)[name] + phrase_features(high)[name]) / 2 for name in STYLE_FIGURES
    ]
    np.testing.assert_allclose(figures, expected)
    assert figures[column("mean_pitch")] == pytest.approx((62.75 + 74.75) / 2)
    assert figures[column("notes_per_bar")] == pytest.approx((8 + 16) / 2)


def test_a_short_solo_is_one_phrase_and_an_empty_one_is_refused():
    short = line([60, 64, 67], bars=2)
    assert style_figures(short)[column("notes_per_bar")] == 8
    with pytest.raises(MusicInputError, match=r"empty.xml has no 1-bar phrase of 4 notes or more"):
        style_figures(Solo([Note(F(0), F(4), None)], [], source="empty.xml"))


def players():
    """Six solos of two performers: Low plays low and slow, High plays high and fast."""
    solos = []
    for k in range(3):
        solos.append(line([55 + k, 57, 59, 60], step=F(1), source=f"LowPlayer_T{k}_Solo.xml"))
        solos.append(line([76 + k, 79, 81, 83], step=F(1, 4), source=f"HighPlayer_T{k}_Solo.xml"))
    return solos


@pytest.fixture(scope="module")
def table():
    return StyleTable.fit(players())


def test_the_table_standardises_with_the_training_solos(table):
    vectors = np.array(list(table.solos.values()))
    assert vectors.shape == (6, STYLE_DIM)
    density = vectors[:, column("notes_per_bar")]
    assert density.mean() == pytest.approx(0, abs=1e-3)
    assert density.std() == pytest.approx(1, abs=1e-3)
    # Column 0 is the register on a fixed scale.
    low = table.solos["LowPlayer_T0_Solo.xml"]
    assert low[0] == pytest.approx((np.mean([55, 57, 59, 60]) - 67) / STYLE_REGISTER_SPAN, abs=1e-4)
    assert table.register(low) == pytest.approx(57.75, abs=1e-3)


def test_performers_and_their_mean_style(table):
    assert table.performers() == {"High Player": 3, "Low Player": 3}
    name, vector = table.for_performer("high player")
    assert name == "High Player"
    rows = [table.solos[f"HighPlayer_T{k}_Solo.xml"] for k in range(3)]
    np.testing.assert_allclose(vector, np.mean(rows, axis=0), rtol=1e-6)
    assert table.for_performer("HighPlayer")[0] == "High Player"


def test_an_unknown_performer_names_the_closest(table):
    with pytest.raises(MusicInputError) as error:
        table.for_performer("Hihg Player")
    message = str(error.value)
    assert message.startswith(
        "unknown style 'Hihg Player': the closest of the model's 2 performers"
    )
    assert message.index("High Player") < message.index("Low Player")
    with pytest.raises(MusicInputError, match="style must be a performer's name; got ''"):
        table.for_performer("")


def test_draw_is_seeded_and_covers_the_training_solos(table):
    assert table.draw(5)[0] == table.draw(5)[0]
    drawn = {table.draw(seed)[0] for seed in range(60)}
    assert drawn == set(table.solos)


def test_the_table_round_trips_and_bad_fields_are_named(table):
    config = json.loads(json.dumps(table.to_config()))
    back = StyleTable.from_config(Fields(config, "config.json", "style."))
    assert back.solos == table.solos
    np.testing.assert_allclose(back.scale, table.scale, rtol=1e-5)
    for field, value, fragment in [
        ("scale", [0.0] * STYLE_DIM, f"style.scale must be a list of {STYLE_DIM} numbers > 0"),
        ("centre", [1.0] * 3, f"style.centre must be a list of {STYLE_DIM} finite numbers"),
        ("figures", ["mean_pitch"], "style.figures must be"),
        ("solos", {}, "style.solos must be a non-empty object"),
    ]:
        with pytest.raises(FieldError, match=fragment.replace("[", r"\[")):
            StyleTable.from_config(Fields({**config, field: value}, "config.json", "style."))


def test_the_encoding_writes_the_style_block_and_reads_both_versions():
    encoding = Encoding(version=3, style_dim=STYLE_DIM)
    solo = line([60, 64, 67, 70], bars=2)
    style = np.arange(STYLE_DIM, dtype=np.float32) / 10
    encoded = encoding.encode(solo, style)
    start = FEATURE_DIM + 12  # after the recent pitch classes
    assert encoding.style_start == start
    assert encoded.features.shape == (len(encoded.tokens), start + STYLE_DIM)
    np.testing.assert_array_equal(encoded.features[:, start:], np.tile(style, (16, 1)))
    plain = Encoding().encode(solo)
    np.testing.assert_array_equal(encoded.features[:, :FEATURE_DIM], plain.features)
    config = encoding.get_config()
    assert config["version"] == 3 and config["style_dim"] == STYLE_DIM
    assert config["feature_blocks"][-1] == ["style", STYLE_DIM]
    assert Encoding.from_config(config).feature_dim == start + STYLE_DIM
    assert Encoding().get_config()["version"] == 2
    assert Encoding.from_config(Encoding().get_config()).style_dim == 0
    with pytest.raises(FieldError, match="field style_dim must be an integer in"):
        Encoding.from_config({**config, "style_dim": -1})
    with pytest.raises(
        FieldError, match="field feature_dim must be 140 .fixed in encoding version 3.; got 160"
    ):
        Encoding.from_config({**config, "style_dim": 0})
    with pytest.raises(EncodingVersionError, match="reads encoding version 3 .* and 2"):
        Encoding.from_config({**config, "version": 4})
    with pytest.raises(ValueError, match=rf"style must have shape \({STYLE_DIM},\); got \(3,\)"):
        encoding.encode(solo, [1.0, 2.0, 3.0])


def test_transposition_moves_the_style_register():
    encoding = Encoding(version=3, style_dim=STYLE_DIM)
    encoded = encoding.encode(line([60, 64, 67, 70], bars=2), np.zeros(STYLE_DIM))
    _, moved = encoding.transpose(encoded.tokens, encoded.features, 3)
    start = encoding.style_start
    np.testing.assert_allclose(moved[:, start], 3 / STYLE_REGISTER_SPAN)
    np.testing.assert_array_equal(moved[:, start + 1 :], 0)


@pytest.fixture(scope="module")
def style_model(tmp_path_factory, table):
    import keras

    keras.utils.set_random_seed(0)
    folder = tmp_path_factory.mktemp("style") / "tiny"
    encoding = Encoding(version=3, style_dim=STYLE_DIM)
    model = build_model(encoding, units=8, embedding_dim=4)
    save_artifact(folder, model, encoding, {"style": table.to_config()}, {})
    return folder


def test_the_artifact_carries_its_styles(style_model, table, tmp_path):
    artifact = load_artifact(style_model)
    assert artifact.style.solos == table.solos
    assert artifact.model.inputs[1].shape[-1] == FEATURE_DIM + 12 + STYLE_DIM
    broken = tmp_path / "broken"
    broken.mkdir()
    for name in ("model.keras", "encoding.json"):
        (broken / name).write_bytes((style_model / name).read_bytes())
    config = json.loads((style_model / "config.json").read_text())
    (broken / "config.json").write_text(
        json.dumps({k: v for k, v in config.items() if k != "style"})
    )
    with pytest.raises(MusicInputError, match="config.json: field style is missing"):
        load_artifact(broken)


def test_the_style_steers_the_solo_and_the_seed_repeats_it(style_model):
    improviser = Improviser(load_artifact(style_model))
    chords = progression_from_spec("Dm7 G7 | Cmaj7 |")
    low = improviser.improvise(chords, seed=4, style="Low Player")
    again = improviser.improvise(chords, seed=4, style="low player")
    high = improviser.improvise(chords, seed=4, style="High Player")
    assert low.notes == again.notes
    assert low.notes != high.notes
    assert low.source == "generated, style Low Player"
    # The register guard follows the style's register.
    artifact_style = improviser.artifact.style
    assert improviser.solo_register(4, artifact_style.for_performer("Low Player")[1]) == (42, 74)
    assert improviser.solo_register(4, artifact_style.for_performer("High Player")[1]) == (64, 96)
    drawn = {improviser.improvise(chords, seed=s).source for s in range(12)}
    assert len(drawn) > 1 and all(s.startswith("generated, style drawn: ") for s in drawn)
    like = improviser.improvise(chords, seed=4, style=players()[0])
    assert like.source == "generated, style like LowPlayer_T0_Solo.xml"
    with pytest.raises(MusicInputError, match="style must be a performer's name, a Solo or 20"):
        improviser.improvise(chords, seed=4, style=[1.0, 2.0])


def test_a_model_without_styles_refuses_one():
    encoding = Encoding()
    improviser = Improviser(
        Artifact(build_model(encoding, units=4, embedding_dim=4), encoding, {}, {})
    )
    with pytest.raises(MusicInputError, match="this model has no style block"):
        improviser.improvise(progression_from_spec("C |"), style="Sonny Rollins")


@pytest.mark.slow
def test_cli_style_and_like(tmp_path, style_model, capsys):
    from music.writing.render import write_solo

    out = tmp_path / "out"
    out.mkdir()
    base = ["generate", "--model", style_model, "--chords", "C7 | F7 |"]
    code, _, err = run(capsys, *base, "--style", "Hihg Player", "--out", out / "s.mid")
    assert_user_error(code, err, "unknown style 'Hihg Player'", "High Player")
    code, _, err = run(capsys, *base, "--like", tmp_path / "missing.xml", "--out", out / "s.mid")
    assert_user_error(code, err, "missing.xml")
    code, _, err = run(
        capsys, *base, "--style", "Low Player", "--like", "x.xml", "--out", out / "s.mid"
    )
    assert_user_error(code, err, "--style or --like), not both")
    three = Solo([Note(F(0), F(1), 60), Note(F(1), F(1), 62), Note(F(2), F(2), 64)], [])
    write_solo(three, tmp_path / "three.mid")
    code, _, err = run(capsys, *base, "--like", tmp_path / "three.musicxml", "--out", out / "s.mid")
    assert_user_error(
        code, err, "three.musicxml has no 1-bar phrase of 4 notes", "a style needs one"
    )
    assert list(out.iterdir()) == []
    code, printed, err = run(capsys, *base, "--style", "high player", "--out", out / "s.mid")
    assert code == 0, err
    assert printed.strip().endswith("2 bars; style High Player")
    write_solo(players()[1], tmp_path / "like.mid")
    code, printed, err = run(
        capsys, *base, "--like", tmp_path / "like.musicxml", "--out", out / "t.mid"
    )
    assert code == 0, err
    assert printed.strip().endswith("style like like.musicxml")


def test_the_loop_hears_what_the_encoding_writes_in_version_3(style_model):
    """The carry update of the generation loop (recent pitch classes included) follows
    `Encoding.advance`, and what the network hears from it is what `Encoding.encode` writes
    for the solo it generated, style block included."""
    import tensorflow as tf

    from zoo.generation.loop import Step

    improviser = Improviser(load_artifact(style_model))
    chords = parse_progression("Dm7 G7 | Cmaj7 | N.C. | F7 . . Bb7 |")
    _, style = improviser.artifact.style.for_performer("High Player")
    solo = improviser.improvise(chords, seed=2, tempo=200, style="High Player")
    enc = improviser.encoding
    encoded = enc.encode(solo, style)
    heard, carry, carries, state, context = replay_conditioning(
        improviser, solo, encoded, 200, style=style
    )
    np.testing.assert_allclose(heard, encoded.features, atol=1e-6)
    recent = encoded.features[:, FEATURE_DIM : FEATURE_DIM + 12]
    assert recent.max() > 0.5 and recent[0].max() == 0  # heard, and silent before any note
    # One step of the loop's own update from each state gives the next state.
    names = ("pitch", "started", "phrase_start", "rest", "recent", "tick")
    loop = {k: v for k, v in carry.items() if k in names}
    loop.update(
        sounding=tf.zeros_like(carry["started"]),
        centre=tf.zeros(len(carries)),
        cache=tf.zeros((len(carries), 12)),
    )
    tokens = tf.constant(encoded.tokens, tf.int32)
    moved = improviser.sampler.update_fn(Step(0, 0, tokens, loop, context), tokens)
    for name in ("pitch", "started", "rest", "recent"):
        expected = [c[name] for c in carries[1:]] + [state[name]]
        np.testing.assert_allclose(moved[name].numpy(), np.array(expected), atol=1e-6)


def test_the_default_draw_and_a_performer_lean_on_solos_near_the_tempo():
    from music.model.style import NEAR_SOLOS, TEMPO_BANDWIDTH

    tempos = {f"P{k % 2}_T{k}_Solo.xml": 60.0 * 2 ** (k / 20) for k in range(60)}  # 60..480
    solos = {name: [float(k)] + [0.0] * (STYLE_DIM - 1) for k, name in enumerate(tempos)}
    table = StyleTable(np.zeros(STYLE_DIM), np.ones(STYLE_DIM), solos, tempos)
    near = sorted(tempos, key=lambda n: abs(np.log2(tempos[n] / 120)))[:NEAR_SOLOS]
    drawn = {table.draw(seed, tempo=120)[0] for seed in range(200)}
    assert drawn == set(near)
    assert {table.draw(seed)[0] for seed in range(400)} > set(near)  # no tempo: any solo
    # P0's solos are k = 0, 2, ..., 58; at 120 BPM (k = 20) the weights are a Gaussian in
    # octaves of tempo around it, so the mean of column 0 is near 20.
    _, vector = table.for_performer("P0", tempo=120)
    even = np.arange(0, 60, 2)
    weights = np.exp(-0.5 * ((even - 20) / 20 / TEMPO_BANDWIDTH) ** 2)
    assert vector[0] == pytest.approx(np.sum(weights * even) / np.sum(weights), rel=1e-5)
    assert table.for_performer("P0")[1][0] == pytest.approx(29.0)  # no tempo: the plain mean
    back = StyleTable.from_config(Fields(table.to_config(), "config.json", "style."))
    assert back.tempos == tempos
    with pytest.raises(FieldError, match="field style.tempos names 'x.xml', which is not in solos"):
        StyleTable.from_config(
            Fields({**table.to_config(), "tempos": {"x.xml": 100}}, "config.json", "style.")
        )


def test_the_chord_tone_lean_follows_the_styles_chord_tone_figure():
    """A note on a tone of the current chord gains lean x the style's chord-tone figure (in
    standard deviations): an untrained network, close to uniform over the 12 pitch classes,
    then lands on chord tones far more often for a style of +3 sd than for one of -3 sd, and
    without the lean the figure changes nothing of the kind."""
    import keras

    from music.evaluation.spread import solo_figures
    from music.model.improvise import CHORD_TONE_COLUMN

    keras.utils.set_random_seed(2)
    encoding = Encoding(version=3, style_dim=STYLE_DIM)
    artifact = Artifact(build_model(encoding, units=8, embedding_dim=4), encoding, {}, {})
    chords = progression_from_spec("Dm7 G7 | Cmaj7 | Fmaj7 | E7 | Am7 |" * 2)

    def chord_tone_ratio(lean, figure):
        style = np.zeros(STYLE_DIM, np.float32)
        style[CHORD_TONE_COLUMN] = figure
        improviser = Improviser(artifact, chord_tone_lean=lean, register=None)
        solos = [improviser.improvise(chords, seed=k, style=style) for k in range(4)]
        return np.mean([solo_figures(solo)["chord_tone_ratio"] for solo in solos])

    high, low = chord_tone_ratio(1.0, 3.0), chord_tone_ratio(1.0, -3.0)
    assert high > 0.8 and low < 0.1, (high, low)
    plain_high, plain_low = chord_tone_ratio(0.0, 3.0), chord_tone_ratio(0.0, -3.0)
    assert abs(plain_high - plain_low) < 0.15 and 0.15 < plain_high < 0.6
    with pytest.raises(MusicInputError, match="chord_tone_lean"):
        Improviser(artifact, chord_tone_lean=-1)
