"""Every field of an improviser folder is checked on load (issue 25, item 8).

Each case copies the shipped model folder, changes one field of its `encoding.json` or
`config.json` (wrong type, out of range, reversed, inconsistent, missing, unknown version) and
expects the exact one-line refusal naming the file and the field. Most refusals come before
the Keras model loads; the cases that need the model's layers load it.
"""

import json
import os
import shutil
import subprocess
import sys

import pytest

from music.encoding.features import feature_blocks
from music.errors import MusicInputError
from music.model.artifact import (
    MUSIC_METRICS,
    PRETRAINED_DIR,
    SOURCES,
    TRAINING_FIELDS,
    load_artifact,
)
from zoo.artifacts.lm_fields import TRAINING_METRICS

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHIPPED = ("config.json", "encoding.json", "model.keras")
DURATIONS = [1, 2, 3, 4, 6, 8, 9, 12, 16, 18, 24, 32, 36, 48, 72, 96]
FIXED = "(fixed in encoding version 3)"
BLOCKS = [list(b) for b in feature_blocks(3, 20)]  # the shipped model's conditioning
NUMBER = "an integer"
DELETE = object()


def _change(document, path, value):
    """Set (or with DELETE remove) the field at a dotted `path` ("data.train_sources")."""
    *parents, last = path.split(".")
    for key in parents:
        document = document[key]
    if value is DELETE:
        del document[last]
    else:
        document[last] = value


@pytest.fixture
def folder(tmp_path):
    """A copy of the shipped model folder (its files only)."""
    copy = tmp_path / "jazz"
    copy.mkdir()
    for name in SHIPPED:
        shutil.copyfile(PRETRAINED_DIR / name, copy / name)
    return copy


def _mutate(folder, file, changes):
    document = json.loads((folder / file).read_text())
    if any(path.startswith("hparams") for path, _ in changes) and "hparams" not in document:
        # The layout before format 2 kept the factory call twice, with the parameter count.
        document["hparams"] = {
            **document["arguments"],
            "parameters": document["metrics"]["parameters"],
        }
    for path, value in changes:
        _change(document, path, value)
    (folder / file).write_text(json.dumps(document))


ENCODING_CASES = [
    # (changes, the message after "--model DIR: encoding.json: field ")
    (
        [("pitch_range", [99, 36])],  # the silent "0 notes" of the issue
        "pitch_range must be [low, high] MIDI pitches (0..127) with low < high, at least an "
        "octave apart; got [99, 36]",
    ),
    (
        [("pitch_range", [60, 65])],
        "pitch_range must be [low, high] MIDI pitches (0..127) with low < high, at least an "
        "octave apart; got [60, 65]",
    ),
    (
        [("pitch_range", [36, 128])],
        "pitch_range must be [low, high] MIDI pitches (0..127) with low < high, at least an "
        "octave apart; got [36, 128]",
    ),
    (
        [("pitch_range", "36-99")],
        "pitch_range must be [low, high] MIDI pitches (0..127) with low < high, at least an "
        'octave apart; got "36-99"',
    ),
    (
        [("pitch_range", DELETE)],
        "pitch_range is missing; expected [low, high] MIDI pitches (0..127) with low < high, at "
        "least an octave apart",
    ),
    (
        [("durations", DURATIONS[::-1])],
        "durations must be a strictly increasing list of integer ticks starting at 1; "
        "got [96, 72, 48, 36, 32, 24, 18, 16, 12, 9, 8, 6, 4, 3, 2, 1]",
    ),
    (
        [("durations", DURATIONS[1:]), ("vocab_size", 1126)],
        "durations must be a strictly increasing list of integer ticks starting at 1; "
        "got [2, 3, 4, 6, 8, 9, 12, 16, 18, 24, 32, 36, 48, 72, 96]",
    ),
    (
        [("durations", [1, 2, 2.5])],
        "durations must be a strictly increasing list of integer ticks starting at 1; "
        "got [1, 2, 2.5]",
    ),
    ([("interval_range", 0)], f"interval_range must be {NUMBER} in [1, 127]; got 0"),
    ([("interval_range", "36")], f'interval_range must be {NUMBER} in [1, 127]; got "36"'),
    (
        [("interval_range", 35)],
        "vocab_size is 1201, but durations and interval_range make 1169 tokens "
        "(1 + (2 * interval_range + 3) * len(durations))",
    ),
    (
        [("vocab_size", 1200)],
        "vocab_size is 1200, but durations and interval_range make 1201 tokens "
        "(1 + (2 * interval_range + 3) * len(durations))",
    ),
    ([("vocab_size", 1201.0)], f"vocab_size must be {NUMBER} >= 2; got 1201.0"),
    ([("vocab_size", DELETE)], f"vocab_size is missing; expected {NUMBER} >= 2"),
    ([("version", "2")], f'version must be {NUMBER}; got "2"'),
    (
        [("name", "interval-events-v2")],
        f'name must be "interval-events-v3" {FIXED}; got "interval-events-v2"',
    ),
    ([("ticks_per_quarter", 12)], f"ticks_per_quarter must be 24 {FIXED}; got 12"),
    ([("reference_pitch", 60)], f"reference_pitch must be 67 {FIXED}; got 60"),
    ([("breath_ticks", 48)], f"breath_ticks must be 24 {FIXED}; got 48"),
    ([("feature_dim", 127)], f"feature_dim must be 160 {FIXED}; got 127"),
    (
        [("feature_blocks", BLOCKS[::-1])],
        f"feature_blocks must be the 20 [name, width] pairs of feature_blocks(3, 20) {FIXED}; "
        'got [["style", 20], ["recent_from_prev", 12], ["tempo", 1], [...',
    ),
    ([("style_dim", -1)], f"style_dim must be {NUMBER} in [0, 4096]; got -1"),
    ([("style_dim", 8)], f"feature_dim must be 148 {FIXED}; got 160"),
    ([("bos", 1)], f"bos must be 0 {FIXED}; got 1"),
    ([("token_layout", 7)], "token_layout must be a string; got 7"),
    (
        [("swing", 0.6)],
        "swing is not a field of encoding version 3; expected only name, version, "
        "ticks_per_quarter, durations, pitch_range, interval_range, reference_pitch, "
        "breath_ticks, vocab_size, feature_dim, feature_blocks, style_dim, bos, token_layout",
    ),
]


@pytest.mark.parametrize(
    "changes, message",
    ENCODING_CASES,
    ids=[f"{c[0][0]}-{i}" for i, (c, _) in enumerate(ENCODING_CASES)],
)
def test_each_field_of_encoding_json_is_checked(folder, changes, message):
    _mutate(folder, "encoding.json", changes)
    with pytest.raises(MusicInputError) as error:
        load_artifact(folder)
    assert str(error.value) == f"--model {folder}: encoding.json: field {message}"


def test_an_unknown_encoding_version_is_refused_naming_the_file_and_both_versions(folder):
    _mutate(folder, "encoding.json", [("version", 4)])
    with pytest.raises(MusicInputError) as error:
        load_artifact(folder)
    assert str(error.value) == (
        f"--model {folder}: the model was trained with encoding version 4 "
        f"('interval-events-v3'), but this seqzoo reads encoding version 3 "
        f"('interval-events-v3') and 2 (without a style) (encoding.json field version); "
        f"retrain it with python -m music train"
    )


def test_a_file_that_is_not_an_object_is_refused(folder):
    (folder / "encoding.json").write_text("[36, 99]")
    with pytest.raises(MusicInputError) as error:
        load_artifact(folder)
    assert str(error.value) == (
        f"--model {folder}: encoding.json: the file must be an object {{...}}; got [36, 99]"
    )


BOTH = ("arguments", "hparams")  # the factory call and its copy with the parameter count
ONE_WHOLE = f"{NUMBER} >= 1"
CONFIG_CASES = [
    # (changes, the message after "--model DIR: config.json: ")
    (
        [("format", "seqzoo.model")],
        'field format must be one of "seqzoo.artifact", "seqzoo.text.generator"; got '
        '"seqzoo.model"',
    ),
    ([("version", 1)], "field version is 1, an unknown artifact format version; expected 2"),
    ([("version", "2")], f'field version must be {NUMBER}; got "2"'),
    ([("version", DELETE)], f"field version is missing; expected {NUMBER}"),
    ([("kind", ["music.improviser"])], 'field kind must be a string; got ["music.improviser"]'),
    (
        [("factory", "zoo.build_many_to_one")],
        'field factory must be "zoo.build_lm" (the improviser\'s model); got '
        '"zoo.build_many_to_one"',
    ),
    ([("factory", DELETE)], "field factory is missing; expected a string, or null"),
    ([("arguments", None)], "field arguments must be an object {...}; got null"),
    (
        [("preprocessing", ["encoding", "encoding"])],
        "field preprocessing must be a list of file names without .json; got "
        '["encoding", "encoding"]',
    ),
    ([("preprocessing", [])], 'field preprocessing must be ["encoding"] (its encoding); got []'),
    ([("metrics", [])], "field metrics must be an object {...}; got []"),
    # The styles of a model with a style block.
    ([("style", DELETE)], "field style is missing; expected an object {...}"),
    (
        [("style.scale", [1.0] * 19 + [0.0])],
        "field style.scale must be a list of 20 numbers > 0; got [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, "
        "1.0, 1.0, 1.0, 1.0, 1.0, 1...",
    ),
    (
        [("style.solos", {"a.xml": [0.0] * 19})],
        "field style.solos must be a non-empty object: solo file name -> a list of 20 finite "
        'numbers; got {"a.xml": [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0...',
    ),
    (
        [("style.figures", ["mean_pitch"])],
        'field style.figures must be ["mean_pitch", "pitch_range", "notes_per_bar", "rest_shar... '
        '(this seqzoo\'s style figures); got ["mean_pitch"]',
    ),
    # The recorded zoo.build_lm call: every argument, closed.
    ([("arguments.units", "384")], f'field arguments.units must be {ONE_WHOLE}; got "384"'),
    (
        [("arguments.cell", "transformer")],
        'field arguments.cell must be one of "rnn", "gru", "lstm"; got "transformer"',
    ),
    ([("arguments.num_layers", 0)], f"field arguments.num_layers must be {ONE_WHOLE}; got 0"),
    (
        [("arguments.embedding_dim", True)],
        f"field arguments.embedding_dim must be {ONE_WHOLE}; got true",
    ),
    (
        [("arguments.dropout", 1.0)],
        "field arguments.dropout must be a finite number in [0, 1); got 1.0",
    ),
    (
        [("arguments.bidirectional", True)],
        "field arguments.bidirectional must be false (a causal model cannot look ahead); got true",
    ),
    ([("arguments.name", None)], "field arguments.name must be a string; got null"),
    (
        [("arguments.vocab_size", DELETE)],
        f"field arguments.vocab_size is missing; expected {NUMBER} >= 2",
    ),
    (
        [("arguments.heads", 4)],
        "field arguments.heads is not a field of zoo.build_lm's arguments; expected only "
        "vocab_size, cell, units, num_layers, embedding_dim, dropout, conditioning_dim, "
        "bidirectional, name",
    ),
    (
        [(f"{key}.conditioning_dim", 64) for key in BOTH],
        "field arguments.conditioning_dim is 64, but encoding.json's feature_dim is 160; "
        "expected the same number",
    ),
    (
        [(f"{key}.vocab_size", 1000) for key in BOTH],
        "field arguments.vocab_size is 1000, but encoding.json's vocab_size is 1201; expected "
        "the same number",
    ),
    (
        [("hparams.units", 256)],
        "field hparams.units is 256, but arguments.units is 384; expected the same value",
    ),
    ([("hparams.parameters", 0)], f"field hparams.parameters must be {ONE_WHOLE}; got 0"),
    (
        [("hparams.layers", 1)],
        "field hparams.layers is not a field of the model's hyperparameters; expected only "
        "vocab_size, cell, units, num_layers, embedding_dim, dropout, conditioning_dim, "
        "bidirectional, name, parameters",
    ),
    ([("hparams", "lstm")], 'field hparams must be an object {...}; got "lstm"'),
    # Training settings.
    ([("training.epochs", 0)], f"field training.epochs must be {ONE_WHOLE}; got 0"),
    ([("training.seq_len", "128")], f'field training.seq_len must be {ONE_WHOLE}; got "128"'),
    ([("training.batch_size", -32)], f"field training.batch_size must be {ONE_WHOLE}; got -32"),
    (
        [("training.learning_rate", 0)],
        "field training.learning_rate must be a finite number > 0; got 0",
    ),
    (
        [("training.final_learning_rate", 2)],
        "field training.final_learning_rate must be a finite number in [0, 1]; got 2",
    ),
    (
        [("training.clipnorm", -1.0)],
        "field training.clipnorm must be a finite number > 0, or null; got -1.0",
    ),
    ([("training.patience", -1)], f"field training.patience must be {NUMBER} >= 0; got -1"),
    (
        [("training.holdout_every", 0.5)],
        f"field training.holdout_every must be {NUMBER} >= 0; got 0.5",
    ),
    (
        [("training.val_fraction", 1)],
        "field training.val_fraction must be a finite number in [0, 1); got 1",
    ),
    (
        [("training.max_minutes", 0)],
        "field training.max_minutes must be a finite number > 0, or null; got 0",
    ),
    ([("training.seed", "0")], f'field training.seed must be {NUMBER}; got "0"'),
    (
        [("training.precision", "float8")],
        'field training.precision must be one of "auto", "float32", "mixed_float16", '
        '"mixed_bfloat16"; got "float8"',
    ),
    ([("training.augmentation", 12)], "field training.augmentation must be a string; got 12"),
    ([("training.checkpoints", None)], "field training.checkpoints must be a string; got null"),
    (
        [("training.early_stopping", 4)],
        "field training.early_stopping must be an object {...}; got 4",
    ),
    (
        [("training.early_stopping.monitor", "accuracy")],
        'field training.early_stopping.monitor must be one of "val_loss", "loss"; got "accuracy"',
    ),
    (
        [("training.early_stopping.patience", 3)],
        "field training.early_stopping.patience is 3, but patience is 4; expected the same number",
    ),
    ([("training", [])], "field training must be an object {...}; got []"),
    # The data split: no solo in two lists.
    (
        [("data.heldout_sources", ["ArtPepper_Desafinado_Solo.xml"])],
        'field data.heldout_sources holds "ArtPepper_Desafinado_Solo.xml", which is also in '
        "train_sources; expected each solo in one list only",
    ),
    (
        [("data.validation_sources", ["a.xml", "a.xml"])],
        "field data.validation_sources must be a list of file names, each once; got "
        '["a.xml", "a.xml"]',
    ),
    (
        [("data.train_sources", "all")],
        'field data.train_sources must be a list of file names, each once; got "all"',
    ),
    ([("data.train_events", -1)], f"field data.train_events must be {NUMBER} >= 0; got -1"),
    ([("license", ["ODbL"])], 'field license must be a string; got ["ODbL"]'),
    ([("command", 1)], "field command must be a string, or null; got 1"),
    # Measured numbers.
    ([("metrics.best_epoch", 0)], f"field metrics.best_epoch must be {ONE_WHOLE}, or null; got 0"),
    (
        [("metrics.best_epoch", 31)],
        "field metrics.best_epoch is 31, but epochs_run is 30; expected best_epoch <= epochs_run",
    ),
    ([("metrics.epochs_run", -1)], f"field metrics.epochs_run must be {NUMBER} >= 0; got -1"),
    (
        [("metrics.train_seconds", "35 min")],
        'field metrics.train_seconds must be a finite number >= 0; got "35 min"',
    ),
    (
        [("metrics.stopped_reason", "bored")],
        'field metrics.stopped_reason must be one of "finished", "early_stopping", '
        '"time_budget", "non_finite_loss", "diverged", or null; got "bored"',
    ),
    (
        [("metrics.history", {"epoch": 1})],
        'field metrics.history must be a list of per-epoch objects {"epoch": ..., ...}; got '
        '{"epoch": 1}',
    ),
    (
        [("metrics.history", [{"loss": 3.5}])],
        f"field metrics.history[0].epoch is missing; expected {ONE_WHOLE}",
    ),
    (
        [("metrics.best_val_loss", float("nan"))],
        "field metrics.best_val_loss must be a finite number, or null; got NaN",
    ),
    (
        [("metrics.stopped_early", "no")],
        'field metrics.stopped_early must be true or false; got "no"',
    ),
    ([("metrics.message", 3)], "field metrics.message must be a string, or null; got 3"),
]


@pytest.mark.parametrize(
    "changes, message",
    CONFIG_CASES,
    ids=[f"{c[0][0]}-{i}" for i, (c, _) in enumerate(CONFIG_CASES)],
)
def test_each_field_of_config_json_is_checked(folder, changes, message):
    _mutate(folder, "config.json", changes)
    with pytest.raises(MusicInputError) as error:
        load_artifact(folder)
    assert str(error.value) == f"--model {folder}: config.json: {message}"


MODEL_CASES = [
    # Consistent JSON that does not describe model.keras: the model's layers decide.
    (
        [(f"{key}.units", 256) for key in BOTH],
        "field arguments.units is 256, but model.keras has recurrent layers of 384 units",
    ),
    (
        [(f"{key}.cell", "gru") for key in BOTH],
        'field arguments.cell is "gru", but model.keras has lstm recurrent layers',
    ),
    (
        [(f"{key}.num_layers", 2) for key in BOTH],
        "field arguments.num_layers is 2, but model.keras has 1 recurrent layers",
    ),
    (
        [(f"{key}.embedding_dim", 32) for key in BOTH],
        "field arguments.embedding_dim is 32, but model.keras has an embedding of size 64",
    ),
    (
        [(f"{key}.dropout", 0.1) for key in BOTH],
        "field arguments.dropout is 0.1, but model.keras has dropout rates 0.2",
    ),
    (
        [(f"{key}.name", "soloist") for key in BOTH],
        'field arguments.name is "soloist", but model.keras is named "improviser"',
    ),
    (
        [("hparams.parameters", 1474672)],
        "field hparams.parameters is 1474672, but model.keras holds 1474673 parameters; "
        "expected the same number",
    ),
]


@pytest.mark.parametrize("changes, message", MODEL_CASES, ids=[c[0][0] for c, _ in MODEL_CASES])
def test_config_json_must_describe_the_models_layers(folder, changes, message):
    _mutate(folder, "config.json", changes)
    with pytest.raises(MusicInputError) as error:
        load_artifact(folder)
    assert str(error.value) == f"--model {folder}: config.json: {message}"


def test_a_vocabulary_that_agrees_everywhere_but_in_the_model_is_refused(folder):
    """One interval less on both sides: encoding.json and config.json agree (1169 tokens),
    the model's embedding and logits hold 1201 (the calibration, one bias per token, too)."""
    _mutate(folder, "encoding.json", [("interval_range", 35), ("vocab_size", 1169)])
    bias = json.loads((folder / "config.json").read_text())["calibration"]["bias"]
    _mutate(
        folder,
        "config.json",
        [(f"{key}.vocab_size", 1169) for key in BOTH] + [("calibration.bias", bias[:1169])],
    )
    with pytest.raises(MusicInputError) as error:
        load_artifact(folder)
    assert str(error.value) == (
        f"--model {folder}: config.json: field arguments.vocab_size is "
        f"1169, but model.keras has an embedding of 1201 tokens and 1201 "
        f"logits"
    )


def test_every_field_the_shipped_model_holds_has_a_rule():
    """What `music train` writes is what the checks know (a new setting needs its rule)."""
    config = json.loads((PRETRAINED_DIR / "config.json").read_text())
    assert set(config["training"]) == set(TRAINING_FIELDS)
    assert set(config["metrics"]) <= set(MUSIC_METRICS) | set(TRAINING_METRICS)
    assert set(config["data"]) == {*SOURCES, "train_events"}


def test_the_untouched_shipped_model_loads_and_stays_byte_identical(folder):
    before = {name: (PRETRAINED_DIR / name).read_bytes() for name in SHIPPED}
    shipped = load_artifact()
    copied = load_artifact(folder)
    assert shipped.encoding.vocab_size == copied.encoding.vocab_size == 1201
    assert copied.encoding.pitch_range == (36, 99)
    assert copied.metrics["parameters"] == shipped.model.count_params()
    assert {name: (PRETRAINED_DIR / name).read_bytes() for name in SHIPPED} == before
    recorded = json.loads((PRETRAINED_DIR / "config.json").read_text())
    assert shipped.arguments == recorded["arguments"] and "hparams" not in recorded
    assert copied.style.solos == shipped.style.solos and len(shipped.style.solos) == 287


def test_a_saved_improviser_writes_its_factory_call_once(tmp_path):
    """config.json holds `arguments` only (no `hparams` copy); the parameter count goes in
    the metrics and is checked against the model on load."""
    from music.encoding.events import Encoding
    from music.model.artifact import build_model, save_artifact

    encoding = Encoding()
    model = build_model(encoding, units=4, embedding_dim=3)
    count = model.count_params()
    folder = save_artifact(tmp_path / "new", model, encoding, {}, {"parameters": count})
    config = json.loads((folder / "config.json").read_text())
    assert "hparams" not in config and config["arguments"]["units"] == 4
    assert load_artifact(folder).arguments["units"] == 4
    _mutate(folder, "config.json", [("metrics.parameters", count - 1)])
    with pytest.raises(MusicInputError) as error:
        load_artifact(folder)
    assert str(error.value) == (
        f"--model {folder}: config.json: field metrics.parameters is "
        f"{count - 1}, but model.keras holds {count} parameters; "
        f"expected the same number"
    )


def test_an_improviser_written_by_the_layout_before_the_move_still_loads():
    folder = os.path.join(REPO, "tests", "fixtures", "layout_v0", "music_improviser")
    artifact = load_artifact(folder)
    assert "hparams" in artifact.config  # read and checked against the model, never written
    assert artifact.arguments["units"] == 4 == artifact.config["hparams"]["units"]


@pytest.mark.slow
def test_the_cli_refuses_a_reversed_pitch_range_in_one_line_and_writes_nothing(folder, tmp_path):
    """The issue's case: it used to exit 0 and write "0 notes, 12 bars"."""
    _mutate(folder, "encoding.json", [("pitch_range", [99, 36])])
    out = tmp_path / "out"
    out.mkdir()
    done = subprocess.run(
        [sys.executable, "-m", "music", "generate", "--model", str(folder), "--out", "solo.mid"],
        cwd=out,
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=REPO),
        timeout=300,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: --model {folder}: encoding.json: field pitch_range must be [low, high] MIDI "
        f"pitches (0..127) with low < high, at least an octave apart; got [99, 36]"
    ]
    assert os.listdir(out) == []
