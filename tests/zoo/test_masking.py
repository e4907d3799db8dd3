"""A padded batch gives the same outputs on the real positions as the unpadded sequences."""

import itertools

import numpy as np
import pytest

import zoo

LENGTHS = [3, 7, 5]


def _padded_batch(rng, vocab=12, max_len=7):
    batch = np.zeros((len(LENGTHS), max_len), "int32")
    for i, n in enumerate(LENGTHS):
        batch[i, :n] = rng.integers(1, vocab, size=n)
    return batch


@pytest.mark.parametrize(
    "cell,bidirectional", itertools.product(["rnn", "gru", "lstm"], [False, True])
)
def test_many_to_one_ignores_padding(cell, bidirectional):
    rng = np.random.default_rng(0)
    model = zoo.build_many_to_one(
        vocab_size=12, output_dim=3, cell=cell, units=8, num_layers=2, bidirectional=bidirectional
    )
    batch = _padded_batch(rng)
    padded = np.asarray(model(batch))
    for i, n in enumerate(LENGTHS):
        alone = np.asarray(model(batch[i : i + 1, :n]))
        np.testing.assert_allclose(padded[i], alone[0], atol=1e-5)


@pytest.mark.parametrize(
    "cell,bidirectional", itertools.product(["rnn", "gru", "lstm"], [False, True])
)
def test_many_to_many_ignores_padding(cell, bidirectional):
    rng = np.random.default_rng(1)
    model = zoo.build_many_to_many(
        vocab_size=12, output_dim=4, cell=cell, units=8, bidirectional=bidirectional
    )
    batch = _padded_batch(rng)
    padded = np.asarray(model(batch))
    for i, n in enumerate(LENGTHS):
        alone = np.asarray(model(batch[i : i + 1, :n]))
        np.testing.assert_allclose(padded[i, :n], alone[0], atol=1e-5)


def test_feature_vectors_all_zero_steps_are_padding():
    rng = np.random.default_rng(2)
    model = zoo.build_many_to_one(
        input_dim=5, output_dim=2, cell="gru", units=8, bidirectional=True
    )
    features = rng.normal(size=(1, 4, 5)).astype("float32")
    padded = np.concatenate([features, np.zeros((1, 3, 5), "float32")], axis=1)
    np.testing.assert_allclose(np.asarray(model(padded)), np.asarray(model(features)), atol=1e-5)


@pytest.mark.parametrize(
    "factory, kwargs",
    [
        (zoo.build_many_to_one, dict(vocab_size=12, output_dim=2)),
        (zoo.build_many_to_many, dict(vocab_size=12, output_dim=2, bidirectional=True)),
        (zoo.build_many_to_one, dict(input_dim=3, output_dim=2)),
    ],
)
def test_left_padding_and_empty_rows_are_refused_on_every_device(factory, kwargs):
    """cuDNN (GPU) accepts only right-padded masks without empty rows; the zoo says so everywhere."""
    import tensorflow as tf

    model = factory(units=4, **kwargs)
    layer_names = [layer.name for layer in model.layers]
    assert "padding_check" in layer_names
    if "input_dim" in kwargs:
        real = np.ones((1, 2, 3), "float32")
        pad = np.zeros((1, 1, 3), "float32")
        right, left = np.concatenate([real, pad], 1), np.concatenate([pad, real], 1)
        empty = np.concatenate([right, np.zeros((1, 3, 3), "float32")], 0)
    else:
        right, left = np.array([[3, 4, 0]], "int32"), np.array([[0, 3, 4]], "int32")
        empty = np.array([[3, 4, 0], [0, 0, 0]], "int32")
    model(right)
    for bad in (left, empty):
        with pytest.raises(tf.errors.InvalidArgumentError, match="right-padded"):
            model(bad)


def test_the_encoder_decoder_source_must_be_right_padded():
    import tensorflow as tf

    model = zoo.build_encoder_decoder(source_vocab_size=9, target_vocab_size=7, units=4)
    encoder, _ = zoo.build_encoder_decoder_inference(model)
    encoder(np.array([[3, 4, 0]], "int32"))
    with pytest.raises(tf.errors.InvalidArgumentError, match="padding='post'"):
        encoder(np.array([[0, 3, 4]], "int32"))
