"""The music face: every public name loads lazily from the module that defines it."""

import importlib
import subprocess
import sys

import pytest

import music


@pytest.mark.parametrize("name", music.__all__)
def test_each_face_name_is_the_defining_modules_object(name):
    value = getattr(music, name)
    assert value.__module__.startswith("music.")
    assert getattr(importlib.import_module(value.__module__), name) is value
    assert name in dir(music)


def test_an_unknown_name_is_an_attribute_error():
    with pytest.raises(AttributeError, match="no_such_name"):
        music.no_such_name  # noqa: B018


def test_importing_the_types_does_not_import_tensorflow():
    code = "import music, music.types, sys; print('tensorflow' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
