"""Single-step twins run token by token equal the full-sequence models (max abs diff <= 1e-5)."""

import itertools

import keras
import numpy as np
import pytest

import zoo

CELLS = ["rnn", "gru", "lstm"]


def _run_steps(step, per_step_inputs, states):
    outputs = []
    for inputs in per_step_inputs:
        result = step(list(inputs) + [np.asarray(s) for s in states], training=False)
        outputs.append(np.asarray(result[0]))
        states = result[1 : 1 + len(states)]  # a decoder with attention also outputs its weights
    return np.stack(outputs, axis=1)


@pytest.mark.parametrize("cell,num_layers", itertools.product(CELLS, [1, 2]))
def test_lm_step_equals_full_sequence(cell, num_layers, tmp_path):
    rng = np.random.default_rng(0)
    lm = zoo.build_lm(
        13,
        cell=cell,
        units=16,
        num_layers=num_layers,
        embedding_dim=8,
        conditioning_dim=4,
        dropout=0.3,
    )
    tokens = rng.integers(0, 13, size=(3, 9)).astype("int32")
    conditioning = rng.normal(size=(3, 9, 4)).astype("float32")
    full = np.asarray(lm([tokens, conditioning], training=False))
    # The twin of a reloaded model works too: it finds the layers by name.
    lm.save(tmp_path / "lm.keras")
    step = zoo.build_lm_step(keras.saving.load_model(tmp_path / "lm.keras"))
    per_layer = ["h", "c"] if cell == "lstm" else ["h"]
    assert zoo.state_names(step) == [f"state_{s}_{i}" for i in range(num_layers) for s in per_layer]
    stepped = _run_steps(
        step, [(tokens[:, t], conditioning[:, t]) for t in range(9)], zoo.zero_states(step, 3)
    )
    assert np.abs(stepped - full).max() <= 1e-5


@pytest.mark.parametrize("cell", CELLS)
def test_lm_step_shares_weights(cell):
    lm = zoo.build_lm(7, cell=cell, units=4)
    step = zoo.build_lm_step(lm)
    lm.get_layer("logits").bias.assign(np.arange(7, dtype="float32"))
    logits = np.asarray(step([np.zeros((1,), "int32")] + zoo.zero_states(step, 1))[0])
    # Changing the training model's weights changes the twin: they are the same variables.
    assert np.argmax(logits) == 6


@pytest.mark.parametrize("cell", CELLS)
def test_one_to_many_step_and_generator_equal_training_model(cell):
    rng = np.random.default_rng(1)
    model = zoo.build_one_to_many(10, context_dim=3, cell=cell, units=8, num_layers=2)
    context = rng.normal(size=(2, 3)).astype("float32")
    generator = zoo.build_one_to_many_generator(model, steps=6, mode="argmax")
    start = np.zeros((2,), "int32")
    produced = np.asarray(generator([context, start]))
    # Teacher-force the training model on its own greedy output: the same argmax path.
    teacher = np.concatenate([start[:, None], produced[:, :-1]], axis=1)
    full = np.asarray(model([context, teacher], training=False))
    np.testing.assert_array_equal(np.argmax(full, axis=-1), produced)
    # The step twin from the initializer's states gives the same logits.
    step = zoo.build_one_to_many_step(model)
    states = zoo.build_one_to_many_initializer(model)(context)
    stepped = _run_steps(step, [(teacher[:, t],) for t in range(6)], states)
    assert np.abs(stepped - full).max() <= 1e-5


@pytest.mark.parametrize(
    "cell,bidirectional,attention",
    [
        ("lstm", False, None),
        ("gru", True, None),
        ("rnn", False, "dot"),
        ("lstm", True, "additive"),
        ("gru", False, "additive"),
        ("lstm", True, "dot"),
    ],
)
def test_encoder_decoder_inference_equals_training_model(cell, bidirectional, attention):
    rng = np.random.default_rng(2)
    model = zoo.build_encoder_decoder(
        source_vocab_size=10,
        target_vocab_size=12,
        cell=cell,
        units=8,
        num_layers=2,
        bidirectional=bidirectional,
        attention=attention,
    )
    source = rng.integers(1, 10, size=(3, 7)).astype("int32")
    source[0, 4:] = 0  # a padded source: attention and final states must ignore the padding
    target = rng.integers(1, 12, size=(3, 5)).astype("int32")
    full = np.asarray(model([source, target], training=False))
    encoder, step = zoo.build_encoder_decoder_inference(model)
    encoded = [np.asarray(e) for e in encoder(source)]
    extra = [encoded[0], source != 0] if attention else []
    states = encoded[1:] if attention else encoded
    stepped = _run_steps(step, [[target[:, t]] + extra for t in range(5)], states)
    assert np.abs(stepped - full).max() <= 1e-5
