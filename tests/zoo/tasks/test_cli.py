"""`python -m zoo.tasks`: JSON out, one line on stderr and status 2 for a user mistake."""

import json
import zipfile

import pytest

from zoo.tasks import dates
from zoo.tasks.__main__ import main


def one_error_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["train", "poetry", "--out", "runs/x"], "invalid choice: 'poetry'"),
        (["train", "dates"], "--out"),
        (["train", "dates", "--out", "runs/x", "--epochs", "0"], "expected a number > 0"),
        (["predict"], "required"),
    ],
)
def test_bad_arguments(argv, expected, capsys):
    assert main(argv) == 2
    assert expected in one_error_line(capsys)


def test_a_folder_that_is_not_a_task_artifact(tmp_path, capsys):
    assert main(["predict", str(tmp_path / "none"), "hello"]) == 2
    assert "does not exist" in one_error_line(capsys)
    (tmp_path / "mine.txt").write_text("keep")
    assert main(["evaluate", str(tmp_path)]) == 2
    assert "is not a task artifact" in one_error_line(capsys)
    assert main(["train", "dates", "--out", str(tmp_path)]) == 2  # never replaced
    assert "not a tasks.dates artifact" in one_error_line(capsys)
    assert (tmp_path / "mine.txt").read_text() == "keep"


def test_a_data_file_with_the_wrong_sha256(tmp_path, capsys):
    fake = tmp_path / "sentence_polarity.zip"
    with zipfile.ZipFile(fake, "w") as zf:
        zf.writestr("sentence_polarity/rt-polarity.pos", "good\n")
    out = tmp_path / "run"
    assert main(["train", "sentiment", "--out", str(out), "--data", str(fake)]) == 2
    assert "sha256" in one_error_line(capsys)
    assert not out.exists()


@pytest.mark.slow
def test_predict_and_evaluate_a_dates_artifact_without_attention(tmp_path, capsys):
    run = tmp_path / "dates"
    dates.train(n_train=64, n_val=8, epochs=1, units=4, attention=None, out=str(run))
    assert main(["predict", str(run), "3 may 1979", "09/04/19"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["text"] for r in rows] == ["3 may 1979", "09/04/19"]
    png = tmp_path / "att.png"
    assert main(["predict", str(run), "3 may 1979", "--heatmap", str(png)]) == 2
    assert "trained without attention" in one_error_line(capsys)
    assert not png.exists()
    assert main(["predict", str(run), "3 may 1979 #"]) == 2
    assert "'#' are not in the model's alphabet" in one_error_line(capsys)
    assert main(["evaluate", str(run), "--n", "20"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 20


@pytest.mark.slow
def test_train_resumes_refuses_other_settings_and_starts_fresh(tmp_path, capsys):
    run = str(tmp_path / "add")
    assert main(["train", "addition", "--digits", "1", "--epochs", "1", "--out", run]) == 0
    first = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert first["task"] == "addition" and first["epochs_run"] == 1
    assert main(["train", "addition", "--digits", "1", "--epochs", "2", "--out", run]) == 2
    assert "epochs" in one_error_line(capsys)
    assert (
        main(["train", "addition", "--digits", "1", "--epochs", "2", "--out", run, "--fresh"]) == 0
    )
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["epochs_run"] == 2
    assert main(["predict", run, "3+4"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["text"] == "3+4"
