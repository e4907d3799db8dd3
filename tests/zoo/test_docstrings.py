"""The examples in the zoo's docstrings run and print what they say.

Every module of `zoo` (but `zoo.tasks`, tested in tests/zoo/tasks) is found by walking the
package, so a new module's examples run without editing a list.
"""

import doctest
import importlib
import pkgutil

import pytest

import zoo

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(zoo.__path__, "zoo.")
    if not info.name.startswith("zoo.tasks") and not info.name.endswith("__main__")
)


@pytest.mark.slow
@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_the_walk_finds_every_layer():
    assert {name.split(".")[1] for name in MODULES} >= {
        "core",
        "runtime",
        "io",
        "native",
        "notebook",
        "generation",
        "training",
        "models",
        "artifacts",
        "reference",
    }
