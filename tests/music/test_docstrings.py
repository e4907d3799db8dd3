"""The examples in the music package's docstrings run and print what they say.

Every module of `music` with public examples is listed. Left out: music.encoding, music.model,
music.train, music.improvise and music.discriminator (the melodic model, tested by their own
test files; examples there need a trained model), music.audio and music.plot, and
music.__main__ (the command line, tested by test_cli.py). Examples that need the shared WJazzD
data are marked ``# doctest: +SKIP``.
"""

import doctest
import importlib

import pytest

MODULES = ["music.chords", "music.theory", "music.progressions", "music.leadsheet",
           "music.symbols", "music.files", "music.parts", "music.timemap",
           "music.chord_inference", "music.scores", "music.io", "music.corpus", "music.limits",
           "music.validation", "music.paths", "music.errors", "music.accompaniment",
           "music.render", "music.metrics"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0, f"{name} has no docstring examples to run"
    assert list(tmp_path.iterdir()) == [], "an example left a file behind"
