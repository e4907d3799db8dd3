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


@pytest.mark.parametrize("cell,bidirectional", itertools.product(["rnn", "gru", "lstm"],
                                                                 [False, True]))
def test_many_to_one_ignores_padding(cell, bidirectional):
    rng = np.random.default_rng(0)
    model = zoo.build_many_to_one(vocab_size=12, output_dim=3, cell=cell, units=8,
                                  num_layers=2, bidirectional=bidirectional)
    batch = _padded_batch(rng)
    padded = np.asarray(model(batch))
    for i, n in enumerate(LENGTHS):
        alone = np.asarray(model(batch[i:i + 1, :n]))
        np.testing.assert_allclose(padded[i], alone[0], atol=1e-5)


@pytest.mark.parametrize("cell,bidirectional", itertools.product(["rnn", "gru", "lstm"],
                                                                 [False, True]))
def test_many_to_many_ignores_padding(cell, bidirectional):
    rng = np.random.default_rng(1)
    model = zoo.build_many_to_many(vocab_size=12, output_dim=4, cell=cell, units=8,
                                   bidirectional=bidirectional)
    batch = _padded_batch(rng)
    padded = np.asarray(model(batch))
    for i, n in enumerate(LENGTHS):
        alone = np.asarray(model(batch[i:i + 1, :n]))
        np.testing.assert_allclose(padded[i, :n], alone[0], atol=1e-5)


def test_feature_vectors_all_zero_steps_are_padding():
    rng = np.random.default_rng(2)
    model = zoo.build_many_to_one(input_dim=5, output_dim=2, cell="gru", units=8,
                                  bidirectional=True)
    features = rng.normal(size=(1, 4, 5)).astype("float32")
    padded = np.concatenate([features, np.zeros((1, 3, 5), "float32")], axis=1)
    np.testing.assert_allclose(np.asarray(model(padded)), np.asarray(model(features)),
                               atol=1e-5)
