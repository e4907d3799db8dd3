"""`python -m text`: train, generate and score from the command line; one-line errors, exit 2."""

import json
import subprocess
import sys

import pytest

from text.cli import main

NAMES = (
    "\n".join(
        [
            "aurasaurus",
            "brontosaurus",
            "ceratops",
            "dilong",
            "eoraptor",
            "fukuiraptor",
            "gallimimus",
            "herrerasaurus",
            "iguanodon",
            "jobaria",
        ]
        * 8
    )
    + "\n"
)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    corpus = folder / "names.txt"
    corpus.write_text(NAMES, encoding="utf-8")
    out = folder / "model"
    assert (
        main(
            [
                "train",
                str(corpus),
                "--out",
                str(out),
                "--lines",
                "--units",
                "32",
                "--epochs",
                "15",
                "--batch-size",
                "16",
                "--seq-len",
                "20",
                "--learning-rate",
                "0.01",
                "--quiet",
            ]
        )
        == 0
    )
    return folder, out


@pytest.mark.slow
def test_train_prints_final_validation_loss_and_writes_artifact(trained, capsys):
    folder, out = trained
    assert sorted(p.name for p in out.iterdir()) == [
        "config.json",
        "model.keras",
        "training",
        "vocab.json",
    ]
    state = json.loads(
        (out / "training" / "state.json").read_text()
    )  # the training engine's run folder
    assert state["finished"] and state["stopped_reason"] == "finished"
    config = json.loads((out / "config.json").read_text())
    assert config["mode"] == "lines" and config["arguments"]["units"] == 32
    assert config["metrics"]["val_loss"] > 0
    # The best epoch was checkpointed to --out while training (what an interrupted run keeps),
    # and the artifact holds that epoch, not the last one.
    metrics = config["metrics"]
    assert 1 <= metrics["checkpoint_epoch"] <= metrics["epochs_run"] == 15
    assert metrics["best_epoch"] == metrics["checkpoint_epoch"]
    assert metrics["val_loss"] == min(h["val_loss"] for h in state["history"])


@pytest.mark.slow
def test_train_again_is_a_no_op_other_settings_are_refused_and_fresh_starts_over(tmp_path, capsys):
    corpus = tmp_path / "names.txt"
    corpus.write_text(NAMES, encoding="utf-8")
    out = tmp_path / "model"
    argv = [
        "train",
        str(corpus),
        "--out",
        str(out),
        "--lines",
        "--units",
        "8",
        "--epochs",
        "2",
        "--batch-size",
        "16",
        "--seq-len",
        "20",
        "--quiet",
    ]
    assert main(argv) == 0
    model_bytes = (out / "model.keras").read_bytes()
    capsys.readouterr()
    assert main(argv) == 0
    assert "already holds this finished run; nothing to train" in capsys.readouterr().out
    assert (out / "model.keras").read_bytes() == model_bytes
    assert main(argv + ["--learning-rate", "0.05"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "learning_rate 0.002 (recorded) vs 0.05 (now)" in err and "--fresh" in err
    assert main(argv + ["--learning-rate", "0.05", "--fresh"]) == 0
    state = json.loads((out / "training" / "state.json").read_text())
    assert state["finished"] and len(state["history"]) == 2


@pytest.mark.slow
def test_a_diverging_run_exits_1_with_one_line(tmp_path, capsys):
    corpus = tmp_path / "names.txt"
    corpus.write_text(NAMES, encoding="utf-8")
    code = main(
        [
            "train",
            str(corpus),
            "--out",
            str(tmp_path / "model"),
            "--lines",
            "--units",
            "8",
            "--epochs",
            "3",
            "--batch-size",
            "16",
            "--seq-len",
            "20",
            "--quiet",
            "--learning-rate",
            "1e30",
            "--clipnorm",
            "1e30",
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 1, err
    assert len(err.splitlines()) == 1 and err.startswith("error: training stopped: the ")


@pytest.mark.slow
def test_train_output_line(tmp_path, capsys):
    corpus = tmp_path / "c.txt"
    corpus.write_text("abcabcabd" * 40, encoding="utf-8")
    assert (
        main(
            [
                "train",
                str(corpus),
                "--out",
                str(tmp_path / "m"),
                "--units",
                "8",
                "--epochs",
                "1",
                "--seq-len",
                "16",
                "--batch-size",
                "8",
                "--quiet",
                "--weight-decay",
                "0.05",
            ]
        )
        == 0
    )
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert (
        line.startswith("final validation loss ")
        and "nats/token" in line
        and "uniform baseline" in line
    )
    from text.generator import TextGenerator

    config = TextGenerator.load(tmp_path / "m").training_config
    assert config["weight_decay"] == 0.05 and config["decay_over"] == "steps"
    assert (
        main(
            [
                "train",
                str(corpus),
                "--out",
                str(tmp_path / "t"),
                "--units",
                "8",
                "--epochs",
                "1",
                "--seq-len",
                "16",
                "--batch-size",
                "8",
                "--quiet",
                "--minutes",
                "5",
            ]
        )
        == 0
    )
    assert TextGenerator.load(tmp_path / "t").training_config["decay_over"] == "time"


@pytest.mark.slow
def test_generate_is_reproducible_and_lists_n_samples(trained, capsys):
    _, out = trained
    args = [
        "generate",
        str(out),
        "-n",
        "5",
        "--seed",
        "3",
        "--temperature",
        "0.8",
        "--top-k",
        "5",
        "--top-p",
        "0.9",
    ]
    assert main(args) == 0
    first = capsys.readouterr().out
    assert main(args) == 0
    assert capsys.readouterr().out == first
    assert len(first.strip().split("\n")) == 5
    assert (
        main(["generate", str(out), "--prefix", "bro", "-n", "2", "--seed", "1", "--length", "12"])
        == 0
    )
    assert all(line.startswith("bro") for line in capsys.readouterr().out.strip().split("\n"))
    assert main(["generate", str(out), "--beam", "3", "--length", "15"]) == 0
    beams = capsys.readouterr().out.strip().split("\n")
    assert len(beams) == 3 and all(float(b.split("\t")[0]) < 0 for b in beams)


@pytest.mark.slow
def test_score_prints_json_lines(trained, capsys):
    _, out = trained
    assert main(["score", str(out), "iguanodon", "nodonaugi"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.strip().split("\n")]
    assert [r["text"] for r in rows] == ["iguanodon", "nodonaugi"]
    assert rows[0]["log_prob"] > rows[1]["log_prob"]
    assert rows[0]["num_tokens"] == 10 and rows[0]["perplexity"] > 1


@pytest.mark.slow
@pytest.mark.parametrize(
    "argv, message",
    [
        (["generate", "{out}", "--temperature", "0"], "--temperature must be in (0.0, inf), got 0"),
        (
            ["generate", "{out}", "--temperature", "-1"],
            "--temperature must be in (0.0, inf), got -1",
        ),
        (["generate", "{out}", "--top-p", "1.5"], "--top-p must be in (0.0, 1.0], got 1.5"),
        (["generate", "{out}", "--top-p", "0"], "--top-p must be in (0.0, 1.0], got 0"),
        (["generate", "{out}", "--top-k", "0"], "--top-k must be an integer >= 1; got 0"),
        (["generate", "{out}", "--length", "-5"], "--length must be an integer >= 0; got -5"),
        (
            ["generate", "{folder}/missing"],
            "error: model folder {folder}/missing: does not exist; expected a text.generator artifact folder",
        ),
        (["generate", "{folder}"], "not a seqzoo artifact (no readable config.json)"),
        (
            ["score", "{folder}/names.txt", "hi"],
            "names.txt: is a file; expected a text.generator artifact folder",
        ),
        (
            ["train", "{folder}/nope.txt", "--out", "{folder}/x"],
            "corpus file '{folder}/nope.txt' does not exist",
        ),
        (["train", "{folder}/names.txt"], "the following arguments are required: --out"),
        (
            ["train", "{folder}/names.txt", "--out", "{folder}/x", "--level", "byte"],
            "invalid choice: 'byte'",
        ),
        (
            ["train", "{folder}/names.txt", "--out", "{folder}/x", "--weight-decay", "-0.1"],
            "--weight-decay must be in [0.0, inf), got -0.1",
        ),
        (
            ["train", "{folder}/names.txt", "--out", "{folder}/x", "--decay-over", "wall"],
            "invalid choice: 'wall'",
        ),
        (
            ["train", "{folder}/names.txt", "--out", "{folder}/x", "--decay-over", "time"],
            "--decay-over time needs --minutes: the learning rate's cosine ends when they are spent",
        ),
    ],
)
def test_mistakes_print_one_line_and_exit_2(trained, capsys, argv, message):
    folder, out = trained
    argv = [a.format(out=out, folder=folder) for a in argv]
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().split("\n")
    assert len(lines) == 1, captured.err
    assert message.format(folder=folder) in lines[0]


def test_bad_corpora_exit_2_and_write_nothing(tmp_path, capsys):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n\n")
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"na\xefve")
    short = tmp_path / "short.txt"
    short.write_text("hello")
    for path, message in [
        (empty, "is empty or only whitespace"),
        (latin, "is not UTF-8 text: invalid byte 0xef at byte offset 2"),
        (short, "shorter than one training window"),
    ]:
        assert main(["train", str(path), "--out", str(tmp_path / "m"), "--quiet"]) == 2
        err = capsys.readouterr().err.strip().split("\n")
        assert len(err) == 1 and message in err[0]
    assert not (tmp_path / "m").exists()


@pytest.mark.slow
def test_unknown_prefix_characters_are_reported(trained, capsys):
    _, out = trained
    assert main(["generate", str(out), "--prefix", "Q9", "--length", "3", "--seed", "0"]) == 0
    err = capsys.readouterr().err
    assert (
        "warning: prefix has 2 token(s) the vocabulary has never seen, mapped to <UNK>: '9', 'Q'"
        in err
    )


def test_python_dash_m_entry_point_exits_2_with_one_line():
    result = subprocess.run(
        [sys.executable, "-m", "text", "generate", "x", "--top-k", "zero"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == "error: python -m text generate: --top-k must be an integer >= 1; got 'zero'"
    )


@pytest.mark.slow
def test_errors_found_after_tensorflow_starts_are_still_one_line(tmp_path):
    # TensorFlow's native start-up lines (oneDNN, CUDA probing) must not reach the terminal.
    result = subprocess.run(
        [sys.executable, "-m", "text", "generate", str(tmp_path / "missing")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"error: model folder {tmp_path / 'missing'}: does not exist; expected a text.generator "
        f"artifact folder (written by python -m text train)"
    )


def test_precision_flag_and_its_deprecated_alias():
    from text.cli import build_parser

    parse = build_parser().parse_args
    assert parse(["train", "c.txt", "--out", "m"]).precision == "float32"
    assert parse(["train", "c.txt", "--out", "m", "--precision", "auto"]).precision == "auto"
    assert (
        parse(["train", "c.txt", "--out", "m", "--mixed-precision"]).precision == "mixed_bfloat16"
    )
