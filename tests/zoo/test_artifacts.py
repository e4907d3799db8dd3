"""The artifact format: one atomic writer, folders that are never a user's, marker-based recovery,
safe-mode loading, and old layouts still readable."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import zipfile

import numpy as np
import pytest

import zoo
from zoo.artifacts.folders import check_output_folder
from zoo.artifacts.format import load_artifact, save_artifact
from zoo.artifacts.layout import ArtifactError
from zoo.io.atomic import recover_folder, replace_folder_atomically, write_json_atomically

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def tiny_lm(**kwargs):
    return zoo.build_lm(9, units=4, embedding_dim=3, **kwargs)


def save(folder, model=None, **kwargs):
    kwargs.setdefault("kind", "demo")
    return save_artifact(folder, model=model or tiny_lm(), **kwargs)


def listing(folder):
    return sorted(p.name for p in folder.iterdir())


def test_round_trip_records_the_factory_call_and_outputs(tmp_path):
    model = tiny_lm(conditioning_dim=2)
    folder = save(
        tmp_path / "lm",
        model,
        preprocessing={"vocab": {"tokens": ["a"]}},
        config={"training": {"epochs": 3}},
        metrics={"loss": 1.25},
    )
    assert listing(folder) == ["config.json", "model.keras", "vocab.json"]
    loaded = load_artifact(folder, kind="demo")
    config = loaded.config
    assert (config["format"], config["version"], config["kind"]) == ("seqzoo.artifact", 2, "demo")
    assert config["factory"] == "zoo.build_lm"
    assert config["arguments"]["conditioning_dim"] == 2 and config["arguments"]["units"] == 4
    assert config["training"] == {"epochs": 3} and loaded.metrics == {"loss": 1.25}
    assert loaded.preprocessing == {"vocab": {"tokens": ["a"]}}
    inputs = [np.array([[1, 2, 3]], "int32"), np.ones((1, 3, 2), "float32")]
    np.testing.assert_allclose(loaded.model(inputs), model(inputs), atol=1e-6)
    # The loaded model still knows its factory call (a later save records it again).
    assert zoo.models.recording.factory_call(loaded.model)["factory"] == "zoo.build_lm"


def test_optimizer_state_is_not_saved_and_mixed_models_save_float32(tmp_path):
    import keras

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16")
    try:
        model = tiny_lm()
    finally:
        keras.config.set_dtype_policy(previous)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    folder = save(tmp_path / "mixed", model)
    with zipfile.ZipFile(folder / "model.keras") as archive:
        stored = json.loads(archive.read("config.json"))
        assert "optimizer" not in json.dumps(stored.get("compile_config"))
    assert "bfloat16" not in json.dumps(stored)
    loaded = load_artifact(folder, kind="demo").model
    assert all(w.dtype == "float32" for w in loaded.weights)
    assert loaded(np.zeros((1, 4), "int32")).dtype == "float32"


@pytest.mark.parametrize("contents", [["thesis.tex"], ["a", "b/"]])
def test_a_users_folder_is_refused_and_untouched(tmp_path, contents):
    folder = tmp_path / "work"
    folder.mkdir()
    for name in contents:
        if name.endswith("/"):
            (folder / name).mkdir()
        else:
            (folder / name).write_text("precious")
    before = {p.name: p.stat().st_mtime_ns for p in folder.iterdir()}
    with pytest.raises(ArtifactError, match="exists and is not a demo artifact") as error:
        save(folder)
    assert "nothing was changed" in str(error.value)
    assert {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} == before
    assert listing(tmp_path) == ["work"]


def test_the_current_folder_and_empty_paths_are_refused(tmp_path, monkeypatch):
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    (scratch / "notes.txt").write_text("keep me")
    monkeypatch.chdir(scratch)
    for path in (".", "", str(scratch), "..", "/"):
        with pytest.raises(ArtifactError):
            save(path, option="--out")
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    with pytest.raises(ArtifactError, match="current folder"):
        check_output_folder(".", kind="demo", option="--out")
    assert listing(scratch) == ["notes.txt"] and listing(empty) == []
    assert (scratch / "notes.txt").read_text() == "keep me"


def test_another_kind_a_file_and_an_unwritable_place_are_refused(tmp_path):
    save(tmp_path / "music", kind="music.improviser")
    with pytest.raises(ArtifactError, match="it is a music.improviser artifact"):
        save(tmp_path / "music", kind="text.generator")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ArtifactError, match="it is a file"):
        save(tmp_path / "file")
    with pytest.raises(ArtifactError, match="cannot write in /proc"):
        check_output_folder("/proc/seqzoo-model", kind="demo", option="--out")


def test_other_files_and_the_run_folder_survive_every_save(tmp_path):
    folder = save(tmp_path / "m", preprocessing={"vocab": [1]})
    (folder / "README.md").write_text("my notes")
    (folder / "training").mkdir()
    (folder / "training" / "run.json").write_text("{}")
    save(folder, preprocessing={"encoding": [2]}, metrics={"loss": 0.5})
    assert listing(folder) == [
        "README.md",
        "config.json",
        "encoding.json",
        "model.keras",
        "training",
    ]
    assert (folder / "training" / "run.json").read_text() == "{}"
    assert listing(tmp_path) == ["m"]
    # A folder holding only a run folder of ours (training started, no artifact yet) is ours.
    run_only = tmp_path / "fresh"
    (run_only / "training").mkdir(parents=True)
    (run_only / "training" / "run.json").write_text("{}")
    save(run_only)
    assert listing(run_only) == ["config.json", "model.keras", "training"]


def test_an_interrupted_save_keeps_the_previous_artifact(tmp_path):
    folder = save(tmp_path / "m", metrics={"epoch": 1})
    with pytest.raises(KeyboardInterrupt), replace_folder_atomically(folder) as staging:
        (staging / "config.json").write_text("half")
        raise KeyboardInterrupt
    assert load_artifact(folder, kind="demo").metrics == {"epoch": 1}
    assert listing(tmp_path) == ["m"]


def test_a_swap_cut_short_is_rolled_forward_from_its_journal(tmp_path):
    folder = save(tmp_path / "m", metrics={"epoch": 1})
    (folder / "README.md").write_text("mine")
    newer = save(tmp_path / "newer", metrics={"epoch": 2})
    # The state a kill leaves right after the journal was written (and one after the old
    # folder moved aside): the next load finishes the swap.
    os.replace(newer, tmp_path / ".m.staging-abc")
    write_json_atomically(
        tmp_path / ".m.swap.json",
        {
            "staging": ".m.staging-abc",
            "previous": ".m.previous-abc",
            "replaced": ["config.json", "model.keras"],
        },
    )
    assert load_artifact(folder, kind="demo").metrics == {"epoch": 2}
    assert listing(tmp_path) == ["m"]
    assert (folder / "README.md").read_text() == "mine"


def test_stale_leftovers_are_removed_and_never_restored_by_name(tmp_path):
    folder = save(tmp_path / "m", metrics={"epoch": 5})
    for stale in (".m.staging-zzz", ".m.previous-000"):
        save(tmp_path / stale, metrics={"epoch": 1})  # complete-looking, but no journal names them
    assert recover_folder(folder) is False
    assert listing(tmp_path) == ["m"]
    assert load_artifact(folder, kind="demo").metrics == {"epoch": 5}


SAVE_LOOP = textwrap.dedent("""
    import sys, zoo
    from zoo.artifacts.format import save_artifact
    model = zoo.build_lm(9, units=4, embedding_dim=3)
    print("ready", flush=True)
    epoch = 0
    while True:
        epoch += 1
        save_artifact(sys.argv[1], kind="demo", model=model, metrics={"epoch": epoch},
                      preprocessing={"vocab": list(range(2000))})
""")


def _start_save_loop(folder):
    env = dict(os.environ, PYTHONPATH=REPO)
    process = subprocess.Popen(
        [sys.executable, "-c", SAVE_LOOP, str(folder)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout.readline().strip() == "ready"
    return process


@pytest.mark.slow
def test_sigkill_during_a_save_loop_never_leaves_an_unloadable_artifact(tmp_path):
    folder = tmp_path / "m"
    save(folder, metrics={"epoch": 0}, preprocessing={"vocab": []})
    rng = np.random.default_rng(0)
    epochs = []
    for _ in range(4):
        process = _start_save_loop(folder)
        time.sleep(float(rng.uniform(0.3, 1.5)))
        process.send_signal(signal.SIGKILL)
        process.wait()
        loaded = load_artifact(folder, kind="demo")  # finishes any swap the kill cut short
        epochs.append(loaded.metrics["epoch"])
        assert listing(tmp_path) == ["m"]
        assert len(loaded.preprocessing["vocab"]) in (0, 2000)
    save(folder, metrics={"epoch": -1})
    assert listing(tmp_path) == ["m"]
    assert load_artifact(folder, kind="demo").metrics == {"epoch": -1}


@pytest.mark.slow
def test_two_processes_saving_to_one_folder_both_succeed(tmp_path):
    folder = tmp_path / "m"
    writers = [_start_save_loop(folder) for _ in range(2)]
    time.sleep(3.0)
    for process in writers:
        assert process.poll() is None, "a concurrent save failed"
        process.send_signal(signal.SIGTERM)
        process.wait()
    assert load_artifact(folder, kind="demo").metrics["epoch"] >= 1
    recover_folder(folder)
    assert listing(tmp_path) == ["m"]


def test_a_newer_format_version_and_missing_files_are_named(tmp_path):
    folder = save(tmp_path / "m", preprocessing={"vocab": []})
    config = json.loads((folder / "config.json").read_text())
    (folder / "config.json").write_text(json.dumps({**config, "version": 7}))
    with pytest.raises(
        ArtifactError,
        match="format version 7, but this seqzoo reads versions up to 2; upgrade seqzoo",
    ):
        load_artifact(folder, kind="demo")
    (folder / "config.json").write_text(json.dumps(config))
    (folder / "vocab.json").unlink()
    with pytest.raises(ArtifactError, match="incomplete, vocab.json is missing"):
        load_artifact(folder, kind="demo")
    with pytest.raises(ArtifactError, match="not a seqzoo artifact"):
        load_artifact(tmp_path, kind="demo")


def _lambda_keras_file(path):
    """A `.keras` file holding a Lambda layer (what an attacker would ship)."""
    import keras

    inputs = keras.Input((3,))
    outputs = keras.layers.Lambda(lambda x: x * 2, name="evil")(inputs)
    keras.Model(inputs, outputs).save(path)


def _function_keras_file(path, source):
    """A `.keras` file whose config names an arbitrary Python function as an activation."""
    with zipfile.ZipFile(source) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    config = json.loads(members["config.json"])
    for layer in config["config"]["layers"]:
        if layer["class_name"] == "Dense":
            layer["config"]["activation"] = {
                "module": "os",
                "class_name": "function",
                "config": "system",
                "registered_name": "function",
            }
    members["config.json"] = json.dumps(config).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)


@pytest.mark.slow
@pytest.mark.parametrize("attack", ["lambda", "function"])
def test_every_loader_refuses_unsafe_model_files_in_one_line(tmp_path, attack):
    from music.errors import MusicInputError
    from music.model.artifact import load_artifact as load_improviser
    from text.generator import TextGenerator
    from text.vocab import Vocabulary

    gen_folder = tmp_path / "text"
    TextGenerator(Vocabulary(list("ab")), units=4, embedding_dim=3).save(gen_folder)
    music_folder = tmp_path / "music"
    from music.encoding.events import Encoding
    from music.model.artifact import build_model
    from music.model.artifact import save_artifact as save_improviser

    save_improviser(
        music_folder, build_model(Encoding(), units=4, embedding_dim=3), Encoding(), {}, {}
    )
    for folder in (gen_folder, music_folder):
        if attack == "lambda":
            _lambda_keras_file(folder / "model.keras")
        else:
            _function_keras_file(folder / "model.keras", folder / "model.keras")
    with pytest.raises(ArtifactError) as error:
        TextGenerator.load(gen_folder)
    with pytest.raises(MusicInputError) as music_error:
        load_improviser(music_folder)
    for message in (str(error.value), str(music_error.value)):
        assert "cannot load model.keras" in message and "\n" not in message


def test_the_shipped_model_and_old_text_artifacts_still_load(tmp_path):
    from music.model.artifact import PRETRAINED_DIR
    from music.model.artifact import load_artifact as load_improviser
    from text.generator import TextGenerator
    from text.vocab import Vocabulary

    shipped = load_improviser()
    assert shipped.path == PRETRAINED_DIR and shipped.encoding.vocab_size > 10
    assert shipped.metrics and shipped.config["data"]["heldout_sources"]
    # The layout `python -m text train` wrote before the zoo format (format tag, version 1).
    old = tmp_path / "old"
    old.mkdir()
    model = zoo.build_lm(5, units=4, embedding_dim=3, name="text_lm")
    model.save(old / "model.keras")
    (old / "vocab.json").write_text(Vocabulary(list("ab")).to_json())
    (old / "config.json").write_text(
        json.dumps(
            {
                "format": "seqzoo.text.generator",
                "version": 1,
                "mode": "lines",
                "model": {
                    "cell": "lstm",
                    "units": 4,
                    "num_layers": 1,
                    "embedding_dim": 3,
                    "dropout": 0.0,
                },
                "training": {"epochs": 2},
                "metrics": {"val_loss": 1.0},
            }
        )
    )
    gen = TextGenerator.load(old)
    assert gen.mode == "lines" and gen.metrics == {"val_loss": 1.0}
    assert gen.model_config["units"] == 4
    gen.save(old)  # converted to the zoo format in place
    assert json.loads((old / "config.json").read_text())["format"] == "seqzoo.artifact"
    assert TextGenerator.load(old).metrics == {"val_loss": 1.0}


def test_the_music_layout_before_the_zoo_format_still_loads(tmp_path):
    """model.keras + encoding.json + config.json (no format tag) + metrics.json, as music train
    wrote them before zoo.artifacts.format; the next save converts the folder in place."""
    import shutil

    from music.model.artifact import PRETRAINED_DIR
    from music.model.artifact import load_artifact as load_improviser
    from music.model.artifact import save_artifact as save_improviser

    old = tmp_path / "old"
    old.mkdir()
    for name in ("model.keras", "encoding.json"):
        shutil.copy(PRETRAINED_DIR / name, old / name)
    shipped = json.loads((PRETRAINED_DIR / "config.json").read_text())
    # That layout kept the factory's arguments with the parameter count as `hparams` (and a
    # model with styles keeps them beside).
    hparams = {**shipped["arguments"], "parameters": shipped["metrics"]["parameters"]}
    legacy = {"hparams": hparams, "data": shipped["data"], "style": shipped["style"]}
    (old / "config.json").write_text(json.dumps(legacy))
    (old / "metrics.json").write_text(json.dumps(shipped["metrics"]))
    artifact = load_improviser(old)
    assert artifact.metrics["best_val_loss"] == shipped["metrics"]["best_val_loss"]
    assert artifact.config["hparams"]["units"] == shipped["arguments"]["units"]
    save_improviser(old, artifact.model, artifact.encoding, artifact.config, artifact.metrics)
    assert listing(old) == ["config.json", "encoding.json", "model.keras"]
    assert load_improviser(old).metrics == artifact.metrics
