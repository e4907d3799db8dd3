"""The examples in the task modules' docstrings run and print what they say."""

import doctest
import importlib

import pytest

MODULES = [
    "zoo.tasks.common",
    "zoo.tasks.conll",
    "zoo.tasks.translation",
    "zoo.tasks.dates",
    "zoo.tasks.addition",
    "zoo.tasks.sentiment",
    "zoo.tasks.ner",
    "zoo.tasks.embeddings",
]


@pytest.mark.slow
@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0, f"{name} has no docstring examples to run"
