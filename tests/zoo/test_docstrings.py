"""The examples in the zoo's docstrings run and print what they say.

Only modules with public examples are listed (zoo.recurrent and zoo.inputs are internal
helpers without any).
"""

import doctest
import importlib

import pytest

MODULES = ["zoo.validation", "zoo.lm", "zoo.states", "zoo.classifiers", "zoo.one_to_many", "zoo.seq2seq",
           "zoo.layers", "zoo.artifacts", "zoo.artifact_fields", "zoo.atomic", "zoo.recording", "zoo.sampling", "zoo.logits",
           "zoo.beam", "zoo.decoding", "zoo.console", "zoo.training", "zoo.hardware", "zoo.workers", "zoo.run_folder",
           "zoo.training_callback", "zoo.threads", "zoo.schedules", "zoo.native", "zoo.native_trust", "zoo.fused_lstm", "zoo.lstm_sampling",
           "zoo.reference.rnn", "zoo.reference.lstm", "zoo.reference.gru",
           "zoo.reference.char_model", "zoo.reference.char_trainer", "zoo.reference.gradients",
           "zoo.reference.keras_bridge", "zoo.reference.keras_parity"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
    assert result.attempted > 0, f"{name} has no docstring examples to run"
