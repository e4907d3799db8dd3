"""Every model a command writes, the other commands load: train through each application's CLI,
then load the artifact in a fresh process (where only the loading module's imports have run)
through every CLI that consumes it."""

import os
import subprocess
import sys

import pytest

from tests.helpers import write_lead_sheets

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def fresh_process(*argv, cwd):
    env = dict(os.environ, PYTHONPATH=REPO)
    return subprocess.run(
        [sys.executable, "-m", *map(str, argv)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_music_train_then_generate_in_a_fresh_process(tmp_path, capsys):
    from music.__main__ import main

    data = tmp_path / "data"
    data.mkdir()
    write_lead_sheets(data)
    code = main(
        [
            "train",
            str(data),
            "--out",
            str(tmp_path / "model"),
            "--epochs",
            "1",
            "--units",
            "8",
            "--holdout-every",
            "0",
            "--seq-len",
            "16",
            "--cache-dir",
            str(tmp_path / "cache"),
        ]
    )
    assert code == 0, capsys.readouterr().err
    done = fresh_process(
        "music",
        "generate",
        "--model",
        tmp_path / "model",
        "--chords",
        "Dm7 G7 | Cmaj7 |",
        "--seed",
        1,
        "--out",
        "solo.mid",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "wrote solo.mid" in done.stdout
    assert (tmp_path / "solo.mid").stat().st_size > 0


@pytest.mark.slow
def test_text_train_then_generate_and_score_in_fresh_processes(tmp_path, capsys):
    from text.cli import main

    corpus = tmp_path / "names.txt"
    corpus.write_text("alosaurus\nbrachiosaurus\ncompsognathus\ndiplodocus\n" * 20)
    code = main(
        [
            "train",
            str(corpus),
            "--lines",
            "--out",
            str(tmp_path / "model"),
            "--units",
            "8",
            "--embedding-dim",
            "4",
            "--epochs",
            "1",
            "--quiet",
        ]
    )
    assert code == 0, capsys.readouterr().err
    done = fresh_process("text", "generate", tmp_path / "model", "-n", 3, "--seed", 1, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(done.stdout.strip().splitlines()) >= 1
    done = fresh_process("text", "score", tmp_path / "model", "diplodocus", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert '"perplexity"' in done.stdout
