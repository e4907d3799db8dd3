"""Gradient norms over time: checked against plain BPTT, and they show vanishing gradients."""

import numpy as np
import pytest

from tests.zoo.reference.params import random_parameters
from zoo import reference as ref


def _scaled(variant, n_x, n_a, rng):
    """Weights with unit-variance pre-activations (std 1/sqrt(fan_in)), zero biases."""
    p = random_parameters(variant, n_x, n_a, n_x, rng)
    for key in p:
        p[key] = p[key] / 0.7 / np.sqrt(p[key].shape[1]) if key.startswith("W") else 0 * p[key]
    return p


@pytest.mark.parametrize("variant", ["rnn", "lstm", "gru_reset_after"])
def test_norms_equal_the_initial_state_gradient_of_each_suffix(variant):
    rng = np.random.default_rng(30)
    n_x, n_a, m, T = 3, 5, 2, 6
    p = _scaled(variant, n_x, n_a, rng)
    x, a0 = rng.normal(size=(n_x, m, T)), rng.normal(size=(n_a, m))
    norms = ref.gradient_norms_over_time(x, a0, p)
    assert norms.shape == (T,) and norms[-1] == pytest.approx(np.sqrt(n_a * m))
    if variant == "lstm":
        a, _, c, _ = ref.lstm_forward(x, a0, p)
    else:
        a = (ref.rnn_forward(x, a0, p) if variant == "rnn" else ref.gru_forward(x, a0, p))[0]
    for t in range(T - 1):  # restart from a<t> and backpropagate a unit gradient at the end
        suffix = x[:, :, t + 1 :]
        da = np.zeros((n_a, m, T - t - 1))
        da[:, :, -1] = 1.0
        if variant == "lstm":
            caches = ref.lstm_forward(suffix, a[:, :, t], p, c0=c[:, :, t])[3]
            da_t = ref.lstm_backward(da, caches)["da0"]
        elif variant == "rnn":
            da_t = ref.rnn_backward(da, ref.rnn_forward(suffix, a[:, :, t], p)[2])["da0"]
        else:
            da_t = ref.gru_backward(da, ref.gru_forward(suffix, a[:, :, t], p)[2])["da0"]
        assert norms[t] == pytest.approx(np.linalg.norm(da_t), rel=1e-12)


def test_rnn_gradients_vanish_where_lstm_gradients_survive():
    rng = np.random.default_rng(31)
    x = rng.normal(size=(3, 2, 30))
    rnn = _scaled("rnn", 3, 16, rng)
    lstm = _scaled("lstm", 3, 16, rng)
    lstm["bf"][:] = 3.0  # forget gates near 1: the memory cell keeps its gradient
    rnn_norms = ref.gradient_norms_over_time(x, np.zeros((16, 2)), rnn)
    lstm_norms = ref.gradient_norms_over_time(x, (np.zeros((16, 2)), np.zeros((16, 2))), lstm)
    assert rnn_norms[0] < 1e-3 * rnn_norms[-1]
    assert lstm_norms[0] > 0.1 * lstm_norms[-1]
    exploding = dict(rnn, Waa=8.0 * np.eye(16), Wax=0.0 * rnn["Wax"])  # linear regime, gain 8
    big = ref.gradient_norms_over_time(x, np.zeros((16, 2)), exploding)
    assert big[0] > 1e6 * big[-1]


def test_target_loss_uses_the_output_layer():
    rng = np.random.default_rng(32)
    p = _scaled("gru_textbook", 4, 5, rng)
    x = rng.normal(size=(4, 3, 5))
    a, y, _ = ref.gru_forward(x, np.zeros((5, 3)), p, reset_after=False)
    target = np.array([0, 2, 3])
    dz = y[:, :, -1].copy()
    dz[target, np.arange(3)] -= 1.0
    by_target = ref.gradient_norms_over_time(x, np.zeros((5, 3)), p, target=target)
    by_da = ref.gradient_norms_over_time(x, np.zeros((5, 3)), p, da_last=p["Wy"].T @ dz)
    np.testing.assert_allclose(by_target, by_da, rtol=1e-12)
    with pytest.raises(ValueError, match=r"^target: expected class indices in \[0, 4\)"):
        ref.gradient_norms_over_time(x, np.zeros((5, 3)), p, target=9)
