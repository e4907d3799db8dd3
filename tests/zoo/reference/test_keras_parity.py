"""Proof that the numpy cells are the Keras layers' math: forward, gradients and the bridge."""

import numpy as np
import pytest

from tests.zoo.reference.params import VARIANTS, backward, forward, random_parameters
from zoo import reference as ref

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

N_X, N_A, N_Y, M, T = 3, 4, 5, 3, 4
CELL = {"rnn": "rnn", "lstm": "lstm", "gru_reset_after": "gru", "gru_textbook": "gru"}


@pytest.mark.parametrize("variant", VARIANTS)
def test_forward_parity_float32(variant):
    rng = np.random.default_rng(10)
    p = random_parameters(variant, N_X, N_A, N_Y, rng)
    x, a0, c0 = (rng.normal(size=s) for s in ((N_X, M, T), (N_A, M), (N_A, M)))
    c0 = c0 if variant == "lstm" else None
    a, y, _ = forward(variant, x, a0, p, c0=c0)
    keras_a, keras_y = ref.keras_forward(x, a0, p, c0=c0, dtype="float32")
    assert keras_a.dtype == np.float32 and keras_a.shape == a.shape and keras_y.shape == y.shape
    assert np.abs(keras_a - a).max() <= 1e-5
    assert np.abs(keras_y - y).max() <= 1e-5


def _keras_gradients(variant, p, x, a0, c0, weight):
    """d sum(weight * a) / d (x, states, kernel, recurrent_kernel, bias), by tf.GradientTape."""
    layer, _ = ref.build_keras_layers(p, dtype="float64")
    xs = tf.constant(np.transpose(x, (1, 2, 0)))  # (m, T, n_x)
    states = [tf.constant(a0.T)] + ([tf.constant(c0.T)] if variant == "lstm" else [])
    w = tf.constant(np.transpose(weight, (1, 2, 0)))  # (m, T, n_a)
    with tf.GradientTape() as tape:
        tape.watch([xs, *states])
        a_seq = layer(xs, initial_state=states)[0]
        loss = tf.reduce_sum(w * a_seq)
    variables = [layer.cell.kernel, layer.cell.recurrent_kernel, layer.cell.bias]
    grads = [np.asarray(g) for g in tape.gradient(loss, [xs, *states, *variables])]
    return grads[0], grads[1 : 1 + len(states)], grads[1 + len(states) :]


@pytest.mark.parametrize("variant", VARIANTS)
def test_backward_parity_with_gradient_tape_float64(variant):
    rng = np.random.default_rng(11)
    p = random_parameters(variant, N_X, N_A, N_Y, rng)
    x, a0, c0, weight = (rng.normal(size=s) for s in ((N_X, M, T), (N_A, M), (N_A, M), (N_A, M, T)))
    c0 = c0 if variant == "lstm" else None
    ours = backward(variant, weight, forward(variant, x, a0, p, c0=c0)[2])

    dxs, dstates, dweights = _keras_gradients(variant, p, x, a0, c0, weight)
    np.testing.assert_allclose(ours["dx"], np.transpose(dxs, (2, 0, 1)), rtol=0, atol=1e-8)
    np.testing.assert_allclose(ours["da0"], dstates[0].T, rtol=0, atol=1e-8)
    if variant == "lstm":
        np.testing.assert_allclose(ours["dc0"], dstates[1].T, rtol=0, atol=1e-8)
    if variant == "gru_reset_after":
        # z and r have an input and a recurrent bias that always appear summed: equal gradients.
        np.testing.assert_allclose(dweights[2][1, : 2 * N_A], dweights[2][0, : 2 * N_A], atol=1e-12)
        dweights[2] = dweights[2].copy()
        dweights[2][1, : 2 * N_A] = 0.0  # so the bridge's sum counts them once
    # The bridge is a signed permutation, so it maps Keras gradients onto course gradients.
    theirs = ref.from_keras_weights(
        dweights, CELL[variant], reset_after=variant == "gru_reset_after"
    )
    assert {"d" + key for key in theirs} <= set(ours)
    for key, value in theirs.items():
        np.testing.assert_allclose(ours["d" + key], value, rtol=0, atol=1e-8, err_msg=key)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_char_model_gradients_match_gradient_tape_through_the_softmax_dense(cell):
    rng = np.random.default_rng(12)
    p = random_parameters({"gru": "gru_reset_after"}.get(cell, cell), 6, N_A, 6, rng, scale=0.5)
    X, Y = [None, 3, 1, 4], [3, 1, 4, 0]
    a0 = rng.normal(size=(N_A, 1))
    loss, cache = ref.char_forward(X, Y, a0, p)
    ours, _ = ref.char_backward(X, Y, p, cache)

    layer, dense = ref.build_keras_layers(p, dtype="float64")
    xs = tf.constant(np.transpose(ref.one_hot(X, 6), (1, 2, 0)))  # (1, T, vocab)
    states = [tf.constant(a0.T)] + ([tf.zeros((1, N_A), tf.float64)] if cell == "lstm" else [])
    with tf.GradientTape() as tape:
        probs = dense(layer(xs, initial_state=states)[0])[0]  # (T, vocab)
        keras_loss = -tf.reduce_sum(tf.math.log(tf.gather_nd(probs, list(enumerate(Y)))))
    d_kernel, d_bias = tape.gradient(keras_loss, [dense.kernel, dense.bias])
    assert float(keras_loss) == pytest.approx(loss, abs=1e-10)
    output = ref.dense_from_keras([np.asarray(d_kernel), np.asarray(d_bias)], cell)
    for key, value in output.items():
        np.testing.assert_allclose(ours["d" + key], value, rtol=0, atol=1e-8, err_msg=key)


@pytest.mark.parametrize("variant", VARIANTS)
def test_weights_round_trip_both_ways(variant):
    rng = np.random.default_rng(13)
    p = random_parameters(variant, N_X, N_A, N_Y, rng, dtype=np.float32)
    layer, dense = ref.build_keras_layers(p)
    back = ref.get_keras_weights(layer, dense)
    assert list(back) == [k for k in back] and set(back) == set(p)
    for key in p:
        np.testing.assert_array_equal(back[key], p[key], err_msg=key)
    # Keras -> course -> Keras: a freshly initialised layer (random biases too) computes the same.
    cls = {"rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM}.get(variant, keras.layers.GRU)
    kwargs = {"reset_after": variant == "gru_reset_after"} if CELL[variant] == "gru" else {}
    source = cls(N_A, return_sequences=True, bias_initializer="random_normal", **kwargs)
    xs = rng.normal(size=(M, T, N_X)).astype("float32")
    expected = np.asarray(source(xs))
    target = cls(N_A, return_sequences=True, **kwargs)
    ref.set_keras_weights(target, ref.get_keras_weights(source))
    np.testing.assert_allclose(np.asarray(target(xs)), expected, atol=1e-6)
    if variant != "gru_reset_after":  # there, z/r biases are folded into one row
        for w_source, w_target in zip(source.get_weights(), target.get_weights()):
            np.testing.assert_array_equal(w_source, w_target)


def test_bridge_rejects_mismatched_layers():
    rng = np.random.default_rng(14)
    lstm_p = random_parameters("lstm", N_X, N_A, N_Y, rng)
    with pytest.raises(ValueError, match=r"keys are those of a LSTM, but layer 'g' is a GRU"):
        ref.set_keras_weights(keras.layers.GRU(N_A, name="g"), lstm_p)
    with pytest.raises(ValueError, match=r"layer 'l': units=7, but the parameters have n_a=4"):
        ref.set_keras_weights(keras.layers.LSTM(7, name="l"), lstm_p)
    gru_p = random_parameters("gru_textbook", N_X, N_A, N_Y, rng)
    with pytest.raises(ValueError, match=r"lacks key 'bca' but layer 'g2' has reset_after=True"):
        ref.set_keras_weights(keras.layers.GRU(N_A, name="g2"), gru_p)
    with pytest.raises(ValueError, match=r"need activation='tanh'.*got activation='relu'"):
        ref.set_keras_weights(keras.layers.LSTM(N_A, activation="relu"), lstm_p)
    with pytest.raises(
        ValueError,
        match=r"^layer: expected keras.layers.SimpleRNN, LSTM or GRU, "
        r"got Dense$",
    ):
        ref.get_keras_weights(keras.layers.Dense(3))
    with pytest.raises(
        ValueError,
        match=r"^bias: expected shape \(2, 12\) \(2, 3 \* n_a\), "
        r"got \(12,\)$",
    ):
        ref.from_keras_weights([np.ones((3, 12)), np.ones((4, 12)), np.ones(12)], "gru")
    with pytest.raises(ValueError, match=r"^cell: expected one of rnn, lstm, gru, got 'tcn'$"):
        ref.from_keras_weights([np.ones((3, 4)), np.ones((4, 4)), np.ones(4)], "tcn")
