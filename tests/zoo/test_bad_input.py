"""Bad hyperparameters fail in the factory with a message naming the parameter and the value."""

import re

import keras
import numpy as np
import pytest

import zoo

CASES = [
    (
        lambda: zoo.build_lm(10, cell="lstn"),
        "cell='lstn' is not supported; expected one of 'rnn', 'gru', 'lstm'",
    ),
    (lambda: zoo.build_lm(10, units=0), "units must be an integer >= 1; got 0"),
    (lambda: zoo.build_lm(10, units=-3), "units must be an integer >= 1; got -3"),
    (lambda: zoo.build_lm(10, units=2.5), "units must be an integer >= 1; got 2.5"),
    (lambda: zoo.build_lm(10, num_layers=0), "num_layers must be an integer >= 1; got 0"),
    (lambda: zoo.build_lm(1), "vocab_size must be an integer >= 2; got 1"),
    (lambda: zoo.build_lm(10, dropout=1.0), "dropout must be a number in [0, 1); got 1.0"),
    (
        lambda: zoo.build_lm(10, bidirectional=True),
        "bidirectional=True is not allowed for a causal language model",
    ),
    (
        lambda: zoo.build_lm(10, conditioning_dim=0),
        "conditioning_dim must be an integer >= 1; got 0",
    ),
    (
        lambda: zoo.build_many_to_one(output_dim=2),
        "give exactly one of vocab_size (token ids) or input_dim (feature vectors); "
        "got vocab_size=None, input_dim=None",
    ),
    (
        lambda: zoo.build_many_to_one(output_dim=2, vocab_size=5, input_dim=3),
        "give exactly one of vocab_size",
    ),
    (
        lambda: zoo.build_many_to_many(vocab_size=5, output_dim=0),
        "output_dim must be an integer >= 1; got 0",
    ),
    (
        lambda: zoo.build_one_to_many(10, num_layers=-1),
        "num_layers must be an integer >= 1; got -1",
    ),
    (
        lambda: zoo.build_one_to_many(10, bidirectional=True),
        "bidirectional=True is not allowed for a one-to-many generator: it feeds each output back "
        "as the next input, so it cannot look ahead; use bidirectional=False",
    ),
    (
        lambda: zoo.build_encoder_decoder(
            source_vocab_size=5, target_vocab_size=5, attention="luong"
        ),
        "attention='luong' is not supported; expected one of None, 'dot', 'additive'",
    ),
    (
        lambda: zoo.build_encoder_decoder(source_vocab_size=5, target_vocab_size=1),
        "target_vocab_size must be an integer >= 2; got 1",
    ),
    (
        lambda: zoo.TokenSampler(mode="beam"),
        "mode='beam' is not supported; expected one of 'argmax', 'sample'",
    ),
    (lambda: zoo.TokenSampler(mode="sample", temperature=0), "temperature must be > 0; got 0"),
    (
        lambda: zoo.build_one_to_many_generator(zoo.build_one_to_many(5, units=4), steps=0),
        "steps must be an integer >= 1; got 0",
    ),
    (
        lambda: zoo.build_one_to_many_initializer(zoo.build_one_to_many(5, units=4)),
        "was built without context_dim",
    ),
    (
        lambda: zoo.build_lm_step(zoo.build_many_to_one(vocab_size=5, output_dim=2, units=4)),
        "has no layer 'logits'",
    ),
    (lambda: zoo.build_lm_step("lm.keras"), "build_lm_step expects a keras.Model"),
]


@pytest.mark.parametrize("make,message", CASES, ids=[m[:40] for _, m in CASES])
def test_bad_hyperparameters_raise_clear_value_errors(make, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make()


CONDITIONING_CASES = [
    (
        (2, 6, 3),
        "conditioning has shape (2, 6, 3) but tokens have shape (2, 5): the "
        "conditioning input must be (batch, time, conditioning_dim) = (2, 5, 3)",
    ),
    (
        (3, 5, 3),
        "conditioning has shape (3, 5, 3) but tokens have shape (2, 5): the "
        "conditioning input must be (batch, time, conditioning_dim) = (2, 5, 3)",
    ),
    # A wrong feature size is caught by Keras's own input check, which says as much.
    (
        (2, 5, 4),
        "Input 1 with name 'conditioning' of layer 'lm' is incompatible with the "
        "layer: expected shape=(None, None, 3), found shape=(2, 5, 4)",
    ),
]


@pytest.mark.parametrize("shape,message", CONDITIONING_CASES, ids=["time", "batch", "features"])
def test_conditioning_shape_mismatch_names_the_input(shape, message):
    lm = zoo.build_lm(10, units=4, conditioning_dim=3)
    with pytest.raises(ValueError, match=re.escape(message)):
        lm([np.zeros((2, 5), "int32"), np.zeros(shape, "float32")])


def test_step_twin_conditioning_mismatch_names_the_input():
    step = zoo.build_lm_step(zoo.build_lm(10, cell="gru", units=4, conditioning_dim=3))
    message = (
        "conditioning has shape (3, 3) but token has shape (2,): the conditioning input "
        "must be (batch, conditioning_dim) = (2, 3)"
    )
    with pytest.raises(ValueError, match=re.escape(message)):
        step([np.zeros((2,), "int32"), np.zeros((3, 3), "float32")] + zoo.zero_states(step, 2))


def test_conditioning_mismatch_is_caught_in_fit_too():
    lm = zoo.build_lm(10, units=4, conditioning_dim=3)
    lm.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    with pytest.raises(ValueError, match=re.escape("conditioning has shape (None, 6, 3)")):
        lm.fit(
            [np.zeros((4, 5), "int32"), np.zeros((4, 6, 3), "float32")],
            np.zeros((4, 5), "int32"),
            verbose=0,
        )


def test_step_model_of_a_model_without_recurrent_layers_is_refused():
    inputs = keras.Input((None,), dtype="int32", name="tokens")
    plain = keras.Model(inputs, keras.layers.Embedding(5, 3, name="embedding")(inputs))
    with pytest.raises(ValueError, match="has no recurrent layer"):
        zoo.build_lm_step(plain)
