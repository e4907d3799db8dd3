"""The examples in the music package's docstrings run and print what they say.

Every module of `music` (but `__main__`, tested by test_cli.py) is found by walking the
package, so a new module's examples run without editing a list. Examples that need the shared
WJazzD data are marked ``# doctest: +SKIP``; the model's examples build a tiny untrained model,
train one for an epoch, or use the shipped one.
"""

import doctest
import importlib
import pkgutil

import pytest

import music

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(music.__path__, "music.")
    if not info.name.endswith("__main__")
)


@pytest.mark.slow
@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example that writes a file writes it here
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert list(tmp_path.iterdir()) == [], "an example left a file behind"
