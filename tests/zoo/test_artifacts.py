"""Artifact folders are replaced atomically: an interrupted save keeps the previous one."""

import os

import pytest

from zoo.artifacts import recover_folder, replace_folder_atomically


def _write(folder, text):
    with replace_folder_atomically(folder, carry_over=["README"]) as staging:
        (staging / "model.txt").write_text(text)


def test_save_then_replace(tmp_path):
    target = tmp_path / "run"
    _write(target, "first")
    (target / "README").write_text("kept")
    _write(target, "second")
    assert (target / "model.txt").read_text() == "second"
    assert (target / "README").read_text() == "kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no staging left behind


def test_interrupted_save_keeps_previous_artifact(tmp_path):
    target = tmp_path / "run"
    _write(target, "first")
    with pytest.raises(KeyboardInterrupt):
        with replace_folder_atomically(target) as staging:
            (staging / "model.txt").write_text("half")
            raise KeyboardInterrupt
    assert (target / "model.txt").read_text() == "first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_crash_between_renames_is_recovered(tmp_path):
    target = tmp_path / "run"
    _write(target, "first")
    os.replace(target, tmp_path / ".run.previous-abc123")  # the state after the first rename
    assert recover_folder(target) is True
    assert (target / "model.txt").read_text() == "first"
    assert recover_folder(target) is False


def test_a_file_in_the_way_is_refused(tmp_path):
    (tmp_path / "run").write_text("not a folder")
    with pytest.raises(ValueError, match="exists and is not a folder"):
        _write(tmp_path / "run", "x")
    assert (tmp_path / "run").read_text() == "not a folder"
