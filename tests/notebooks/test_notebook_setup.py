"""zoo.notebook: the notebooks' first cell, outside Colab."""

import doctest
import pathlib

import pytest

from zoo import notebook


def test_setup_in_the_clone(monkeypatch, tmp_path):
    monkeypatch.delenv("SEQZOO_DRIVE", raising=False)
    monkeypatch.delenv("SEQZOO_WORK", raising=False)
    monkeypatch.setenv("SMOKE", "1")
    monkeypatch.setenv("SEQZOO_SHARED_DATA", str(tmp_path))
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "dinos.txt").write_text("aachenosaurus\n")
    info = notebook.setup("unit", work=tmp_path / "work")
    assert info.smoke and not info.colab and not info.drive
    assert info.work.is_dir()
    assert info.data_file("text/dinos.txt") == tmp_path.resolve() / "text" / "dinos.txt"
    assert info.data_file("text/missing.txt") is None
    assert info.size(1, 100) == 1
    assert "accelerator:" in info.describe()


def test_no_shared_data_is_said(monkeypatch, tmp_path):
    monkeypatch.setenv("SEQZOO_SHARED_DATA", str(tmp_path / "absent"))
    monkeypatch.chdir(tmp_path)
    info = notebook.setup("unit", smoke=False)
    assert info.data is None and info.data_file("text/dinos.txt") is None
    assert info.work == (tmp_path / "seqzoo_runs" / "unit").resolve()
    assert "download" in info.describe()
    assert info.size(1, 100) == 100


def test_drive_outside_colab_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("SEQZOO_DRIVE", "1")
    with pytest.raises(ValueError, match="only in Colab"):
        notebook.setup("unit", work=tmp_path)


def test_docstring_examples():
    result = doctest.testmod(notebook, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
