"""Every field of a text generator folder is checked on load (issue 25, item 8).

A generator is trained for two epochs and saved once per module (`config.json`, `vocab.json`,
`model.keras`); each case copies the folder, changes one field (wrong type, out of range,
inconsistent, missing, unknown version) and expects the exact one-line refusal naming the
file and the field.
"""

import inspect
import json
import os
import shutil
import subprocess
import sys

import pytest

import zoo
from text.generator import TEXT_METRICS, TRAINING_FIELDS, TextGenerator
from zoo.artifacts import ArtifactError
from zoo.artifacts.lm_fields import LM_ARGUMENTS, TRAINING_METRICS

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NAMES = "abc\nabd\nbad\ncab\n" * 40
NUMBER = "an integer"
ONE_WHOLE = f"{NUMBER} >= 1"
DELETE = object()
OLD_MODEL = {"cell": "lstm", "units": 8, "num_layers": 1, "embedding_dim": 4, "dropout": 0.0}


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A real artifact: two epochs of a tiny LSTM on names, saved by `TextGenerator.save`."""
    gen = TextGenerator.from_corpus(NAMES, lines=True, units=8, embedding_dim=4)
    gen.fit(NAMES, epochs=2, batch_size=16, seq_len=8, warmup_steps=1, verbose=0, seed=3)
    folder = tmp_path_factory.mktemp("text") / "names"
    gen.save(folder)
    return folder


@pytest.fixture
def folder(saved, tmp_path):
    copy = tmp_path / "names"
    shutil.copytree(saved, copy)
    return copy


def _mutate(folder, file, changes):
    document = json.loads((folder / file).read_text())
    for path, value in changes:
        *parents, last = path.split(".")
        target = document
        for key in parents:
            target = target[key]
        if value is DELETE:
            del target[last]
        else:
            target[last] = value
    (folder / file).write_text(json.dumps(document))


def _tokens(folder):
    return json.loads((folder / "vocab.json").read_text())["tokens"]


CONFIG_CASES = [
    # (changes, the message after "path DIR: config.json: ")
    (
        [("format", "seqzoo.text")],
        'field format must be one of "seqzoo.artifact", "seqzoo.text.generator"; got "seqzoo.text"',
    ),
    ([("version", 0)], "field version is 0, an unknown artifact format version; expected 2"),
    ([("version", 2.0)], f"field version must be {NUMBER}; got 2.0"),
    ([("kind", None)], "field kind must be a string; got null"),
    (
        [("factory", "zoo.build_many_to_one")],
        'field factory must be "zoo.build_lm" (the text generator\'s model); got '
        '"zoo.build_many_to_one"',
    ),
    ([("arguments", DELETE)], "field arguments is missing; expected an object {...}"),
    ([("arguments.units", "8")], f'field arguments.units must be {ONE_WHOLE}; got "8"'),
    (
        [("arguments.conditioning_dim", 0)],
        f"field arguments.conditioning_dim must be {ONE_WHOLE}, or null; got 0",
    ),
    (
        [("arguments.cell", "LSTM")],
        'field arguments.cell must be one of "rnn", "gru", "lstm"; got "LSTM"',
    ),
    ([("preprocessing", [])], 'field preprocessing must be ["vocab"] (its vocabulary); got []'),
    (
        [("preprocessing", "vocab")],
        'field preprocessing must be a list of file names without .json; got "vocab"',
    ),
    ([("mode", "poem")], 'field mode must be one of "stream", "lines"; got "poem"'),
    ([("mode", DELETE)], 'field mode is missing; expected one of "stream", "lines"'),
    # `model` is written only by seqzoo before issue 26; still checked when present.
    (
        [("model", OLD_MODEL), ("model.units", 16)],
        "field model.units is 16, but arguments.units is 8; expected the same value",
    ),
    (
        [("model", OLD_MODEL), ("model.dropout", -0.1)],
        "field model.dropout must be a finite number in [0, 1); got -0.1",
    ),
    (
        [("model", OLD_MODEL), ("model.heads", 2)],
        "field model.heads is not a field of the model settings; expected only cell, units, "
        "num_layers, embedding_dim, dropout",
    ),
    ([("training", [])], "field training must be an object {...}; got []"),
    ([("training.epochs", 0)], f"field training.epochs must be {ONE_WHOLE}; got 0"),
    ([("training.seq_len", "8")], f'field training.seq_len must be {ONE_WHOLE}; got "8"'),
    ([("training.batch_size", None)], f"field training.batch_size must be {ONE_WHOLE}; got null"),
    (
        [("training.learning_rate", -0.01)],
        "field training.learning_rate must be a finite number > 0; got -0.01",
    ),
    (
        [("training.clipnorm", 0)],
        "field training.clipnorm must be a finite number > 0, or null; got 0",
    ),
    (
        [("training.validation_split", 1)],
        "field training.validation_split must be a finite number in [0, 1); got 1",
    ),
    ([("training.warmup_steps", -1)], f"field training.warmup_steps must be {NUMBER} >= 0; got -1"),
    (
        [("training.steps_per_epoch", 0)],
        f"field training.steps_per_epoch must be {ONE_WHOLE}, or null; got 0",
    ),
    (
        [("training.time_budget", 0)],
        "field training.time_budget must be a finite number > 0, or null; got 0",
    ),
    (
        [("training.decay_steps", 2.5)],
        f"field training.decay_steps must be {ONE_WHOLE}, or null; got 2.5",
    ),
    (
        [("training.decay_over", "epochs")],
        'field training.decay_over must be one of "steps", "time"; got "epochs"',
    ),
    (
        [("training.final_learning_rate", 1.5)],
        "field training.final_learning_rate must be a finite number in [0, 1]; got 1.5",
    ),
    (
        [("training.weight_decay", -1e-4)],
        "field training.weight_decay must be a finite number >= 0; got -0.0001",
    ),
    (
        [("training.precision", "fp8")],
        'field training.precision must be one of "auto", "float32", "mixed_float16", '
        '"mixed_bfloat16"; got "fp8"',
    ),
    ([("training.seed", "3")], f'field training.seed must be {NUMBER}; got "3"'),
    ([("metrics", None)], "field metrics must be an object {...}; got null"),
    (
        [("metrics.val_loss", "low")],
        'field metrics.val_loss must be a finite number, or null; got "low"',
    ),
    (
        [("metrics.train_loss", float("inf"))],
        "field metrics.train_loss must be a finite number, or null; got Infinity",
    ),
    (
        [("metrics.uniform_loss", -1)],
        "field metrics.uniform_loss must be a finite number >= 0; got -1",
    ),
    (
        [("metrics.best_epoch", 3)],
        "field metrics.best_epoch is 3, but epochs_run is 2; expected best_epoch <= epochs_run",
    ),
    ([("metrics.epochs_run", "2")], f'field metrics.epochs_run must be {NUMBER} >= 0; got "2"'),
    (
        [("metrics.train_seconds", -1)],
        "field metrics.train_seconds must be a finite number >= 0; got -1",
    ),
    (
        [("metrics.stopped_reason", "done")],
        'field metrics.stopped_reason must be one of "finished", "early_stopping", '
        '"time_budget", "non_finite_loss", "diverged", or null; got "done"',
    ),
    (
        [("metrics.checkpoint_epoch", 0)],
        f"field metrics.checkpoint_epoch must be {ONE_WHOLE}; got 0",
    ),
    (
        [("metrics.history", [{"epoch": 0}])],
        f"field metrics.history[0].epoch must be {ONE_WHOLE}; got 0",
    ),
]


@pytest.mark.parametrize(
    "changes, message",
    CONFIG_CASES,
    ids=[f"{c[0][0]}-{i}" for i, (c, _) in enumerate(CONFIG_CASES)],
)
@pytest.mark.slow
def test_each_field_of_config_json_is_checked(folder, changes, message):
    _mutate(folder, "config.json", changes)
    with pytest.raises(ArtifactError) as error:
        TextGenerator.load(folder)
    assert str(error.value) == f"path {folder}: config.json: {message}"


VOCAB_CASES = [
    # (changes, the message after "path DIR: vocab.json: field ")
    (
        [("format", "seqzoo.vocabulary")],
        'format must be "seqzoo.text.vocabulary" (a seqzoo vocabulary); got "seqzoo.vocabulary"',
    ),
    ([("version", 2)], "version is 2, an unknown vocabulary version; expected 1"),
    ([("version", "1")], f'version must be {NUMBER}; got "1"'),
    ([("level", "byte")], 'level must be one of "char", "word"; got "byte"'),
    ([("level", DELETE)], 'level is missing; expected one of "char", "word"'),
    ([("lower", "no")], 'lower must be true or false; got "no"'),
    ([("tokens", DELETE)], "tokens is missing; expected a list, each item a string, no repeats"),
    (
        [("tokens", ["<PAD>", "<UNK>"])],
        'tokens must be a list, each item a string, no repeats; got ["<PAD>", "<UNK>"]',
    ),
    (
        [("tokens", ["<UNK>", "<PAD>", "<EOS>", "a"])],
        'tokens must start with ["<PAD>", "<UNK>", "<EOS>"] and hold them once; got '
        '["<UNK>", "<PAD>", "<EOS>"] first',
    ),
    (
        [("tokens", ["<PAD>", "<UNK>", "<EOS>", "a", "a"])],
        'tokens must be a list, each item a string, no repeats; got ["<PAD>", "<UNK>", '
        '"<EOS>", "a", "a"]',
    ),
    (
        [("tokens", ["<PAD>", "<UNK>", "<EOS>", "ab"])],
        'tokens holds "ab"; expected one character per token at level "char"',
    ),
    (
        [("merges", [])],
        "merges is not a field of vocabulary version 1; expected only format, version, level, "
        "lower, tokens",
    ),
]


@pytest.mark.parametrize(
    "changes, message", VOCAB_CASES, ids=[f"{c[0][0]}-{i}" for i, (c, _) in enumerate(VOCAB_CASES)]
)
def test_each_field_of_vocab_json_is_checked(folder, changes, message):
    _mutate(folder, "vocab.json", changes)
    with pytest.raises(ArtifactError) as error:
        TextGenerator.load(folder)
    assert str(error.value) == f"path {folder}: vocab.json: field {message}"


def test_the_vocabulary_size_must_be_the_recorded_one(folder):
    tokens = _tokens(folder)
    _mutate(folder, "vocab.json", [("tokens", [*tokens, "z"])])
    with pytest.raises(ArtifactError) as error:
        TextGenerator.load(folder)
    assert str(error.value) == (
        f"path {folder}: vocab.json: field tokens holds {len(tokens) + 1} tokens, but "
        f"config.json's arguments.vocab_size is {len(tokens)}; expected the same number"
    )


def test_a_folder_that_agrees_with_itself_but_not_with_its_model_is_refused(folder):
    """vocab.json and config.json agree on one more token (and on 16 units); model.keras
    holds neither."""
    tokens = _tokens(folder)
    _mutate(folder, "vocab.json", [("tokens", [*tokens, "z"])])
    _mutate(folder, "config.json", [("arguments.vocab_size", len(tokens) + 1)])
    with pytest.raises(ArtifactError) as error:
        TextGenerator.load(folder)
    assert str(error.value) == (
        f"path {folder}: config.json: field arguments.vocab_size is {len(tokens) + 1}, but "
        f"model.keras has an embedding of {len(tokens)} tokens and {len(tokens)} logits"
    )
    _mutate(folder, "vocab.json", [("tokens", tokens)])
    _mutate(folder, "config.json", [("arguments.vocab_size", len(tokens)), ("arguments.units", 16)])
    with pytest.raises(ArtifactError) as error:
        TextGenerator.load(folder)
    assert str(error.value) == (
        f"path {folder}: config.json: field arguments.units is 16, but "
        f"model.keras has recurrent layers of 8 units"
    )


def test_a_freshly_saved_artifact_loads_and_generates(folder):
    gen = TextGenerator.load(folder)
    assert gen.mode == "lines" and gen.model_config["units"] == 8
    assert gen.metrics["epochs_run"] == 2 and gen.training_config["seq_len"] == 8
    assert len(gen.generate(2, seed=1, length=5)) == 2


def test_every_field_written_has_a_rule(folder):
    """What `build_lm`, `fit` and `save` write is what the checks know: a new argument,
    setting or metric needs its rule (a changed record would otherwise be refused or
    unchecked)."""
    config = json.loads((folder / "config.json").read_text())
    assert set(LM_ARGUMENTS) == set(inspect.signature(zoo.build_lm).parameters)
    assert set(config["arguments"]) == set(LM_ARGUMENTS)
    assert set(config["training"]) == set(TRAINING_FIELDS)
    assert set(config["metrics"]) <= set(TEXT_METRICS) | set(TRAINING_METRICS)


@pytest.mark.slow
def test_the_cli_refuses_a_bad_field_in_one_line_and_prints_no_sample(folder):
    _mutate(folder, "vocab.json", [("level", "byte")])
    done = subprocess.run(
        [sys.executable, "-m", "text", "generate", str(folder), "-n", "2"],
        capture_output=True,
        text=True,
        env=dict(os.environ, PYTHONPATH=REPO),
        timeout=300,
    )
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f'error: model folder {folder}: vocab.json: field level must be one of "char", '
        f'"word"; got "byte"'
    ]
    assert done.stdout == ""
