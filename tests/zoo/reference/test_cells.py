"""The numpy cells: the course's published values, shapes, gradient checks and bad input."""

import numpy as np
import pytest

from tests.zoo.reference.params import (
    VARIANTS,
    backward,
    forward,
    random_parameters,
    relative_error,
)
from zoo import reference as ref


def _course_rnn_parameters():
    # Draw order of the course's rnn_cell_forward test: Waa, Wax, Wya, ba, by.
    return {
        key: np.random.randn(*shape)
        for key, shape in (
            ("Waa", (5, 5)),
            ("Wax", (5, 3)),
            ("Wya", (2, 5)),
            ("ba", (5, 1)),
            ("by", (2, 1)),
        )
    }


def test_rnn_matches_the_course_published_values():
    np.random.seed(1)
    xt, a_prev = np.random.randn(3, 10), np.random.randn(5, 10)
    a_next, yt, _ = ref.rnn_cell_forward(xt, a_prev, _course_rnn_parameters())
    np.testing.assert_allclose(
        a_next[4],
        [
            0.59584544,
            0.18141802,
            0.61311866,
            0.99808218,
            0.85016201,
            0.99980978,
            -0.18887155,
            0.99815551,
            0.6531151,
            0.82872037,
        ],
        atol=1e-8,
    )
    np.testing.assert_allclose(
        yt[1],
        [
            0.9888161,
            0.01682021,
            0.21140899,
            0.36817467,
            0.98988387,
            0.88945212,
            0.36920224,
            0.9966312,
            0.9982559,
            0.17746526,
        ],
        atol=1e-8,
    )
    np.random.seed(1)
    x, a0 = np.random.randn(3, 10, 4), np.random.randn(5, 10)
    a, y_pred, caches = ref.rnn_forward(x, a0, _course_rnn_parameters())
    np.testing.assert_allclose(
        a[4][1], [-0.99999375, 0.77911235, -0.99861469, -0.99833267], atol=1e-8
    )
    np.testing.assert_allclose(
        y_pred[1][3], [0.79560373, 0.86224861, 0.11118257, 0.81515947], atol=1e-8
    )
    assert len(caches[0]) == 4 and caches[1] is x


def test_lstm_matches_the_course_published_values():
    np.random.seed(1)
    xt, a_prev, c_prev = np.random.randn(3, 10), np.random.randn(5, 10), np.random.randn(5, 10)
    p = {}
    for gate in "fioc":  # the course draws Wf, bf, Wi, bi, Wo, bo, Wc, bc, Wy, by
        p["W" + gate], p["b" + gate] = np.random.randn(5, 8), np.random.randn(5, 1)
    p["Wy"], p["by"] = np.random.randn(2, 5), np.random.randn(2, 1)
    a_next, c_next, yt, cache = ref.lstm_cell_forward(xt, a_prev, c_prev, p)
    np.testing.assert_allclose(
        a_next[4],
        [
            -0.66408471,
            0.0036921,
            0.02088357,
            0.22834167,
            -0.85575339,
            0.00138482,
            0.76566531,
            0.34631421,
            -0.00215674,
            0.43827275,
        ],
        atol=1e-8,
    )
    np.testing.assert_allclose(
        c_next[2][:4], [0.63267805, 1.00570849, 0.35504474, 0.20690913], atol=1e-8
    )
    np.testing.assert_allclose(
        yt[1][:4], [0.79913913, 0.15986619, 0.22412122, 0.15606108], atol=1e-8
    )
    grads = ref.lstm_cell_backward(np.random.randn(5, 10), np.random.randn(5, 10), cache)
    assert grads["dxt"][1][2] == pytest.approx(3.23055911511, abs=1e-9)
    assert grads["da_prev"][2][3] == pytest.approx(-0.0639621419711, abs=1e-9)
    assert grads["dc_prev"][2][3] == pytest.approx(0.797522038797, abs=1e-9)
    assert grads["dWf"][3][1] == pytest.approx(-0.147954838164, abs=1e-9)
    assert grads["dbf"][4, 0] == pytest.approx(0.18864637, abs=1e-8)


@pytest.mark.parametrize("variant", VARIANTS)
def test_forward_shapes_and_steps_agree_with_the_cell(variant):
    rng = np.random.default_rng(1)
    n_x, n_a, n_y, m, T = 3, 5, 4, 6, 7
    p = random_parameters(variant, n_x, n_a, n_y, rng)
    x, a0 = rng.normal(size=(n_x, m, T)), rng.normal(size=(n_a, m))
    a, y, caches = forward(variant, x, a0, p)
    assert a.shape == (n_a, m, T) and y.shape == (n_y, m, T)
    np.testing.assert_allclose(y.sum(axis=0), 1.0, atol=1e-12)  # softmax over classes
    # Stepping the cell by hand gives the same states.
    state = a0 if variant != "lstm" else (a0, np.zeros_like(a0))
    for t in range(T):
        if variant == "rnn":
            state, yt, _ = ref.rnn_cell_forward(x[:, :, t], state, p)
            at = state
        elif variant == "lstm":
            at, ct, yt, _ = ref.lstm_cell_forward(x[:, :, t], *state, p)
            state = (at, ct)
        else:
            state, yt, _ = ref.gru_cell_forward(
                x[:, :, t], state, p, reset_after=variant == "gru_reset_after"
            )
            at = state
        np.testing.assert_allclose(at, a[:, :, t], atol=1e-14)
        np.testing.assert_allclose(yt, y[:, :, t], atol=1e-14)


@pytest.mark.parametrize("variant", VARIANTS)
def test_bptt_passes_the_finite_difference_check(variant):
    rng = np.random.default_rng(2)
    n_x, n_a, n_y, m, T = 3, 4, 2, 2, 4
    p = random_parameters(variant, n_x, n_a, n_y, rng)
    x, a0, c0 = rng.normal(size=(n_x, m, T)), rng.normal(size=(n_a, m)), rng.normal(size=(n_a, m))
    weight = rng.normal(size=(n_a, m, T))  # loss L = sum(weight * a)
    c0 = c0 if variant == "lstm" else None

    def loss():
        return float(np.sum(weight * forward(variant, x, a0, p, c0=c0)[0]))

    grads = backward(variant, weight, forward(variant, x, a0, p, c0=c0)[2])
    arrays = {
        "x": x,
        "a0": a0,
        **({"c0": c0} if c0 is not None else {}),
        **{k: v for k, v in p.items() if k not in ("Wya", "Wy", "by")},
    }
    assert set(grads) == {"d" + key for key in arrays}
    analytic, numeric, eps = [], [], 1e-5
    for key, array in arrays.items():
        for index in np.ndindex(array.shape):
            old = array[index]
            array[index] = old + eps
            plus = loss()
            array[index] = old - eps
            minus = loss()
            array[index] = old
            numeric.append((plus - minus) / (2 * eps))
            analytic.append(grads["d" + key][index])
    assert relative_error(analytic, numeric) <= 1e-6


def test_gru_variants_differ_and_reject_the_other_variants_keys():
    rng = np.random.default_rng(3)
    p = random_parameters("gru_reset_after", 3, 4, 2, rng)
    x, a0 = rng.normal(size=(3, 2, 5)), rng.normal(size=(4, 2))
    with pytest.raises(ValueError, match=r"key 'bca' belongs to the reset_after=True GRU"):
        ref.gru_forward(x, a0, p, reset_after=False)
    textbook = {k: v for k, v in p.items() if k != "bca"}
    with pytest.raises(ValueError, match=r"parameters: missing key 'bca' \(gru_forward needs"):
        ref.gru_forward(x, a0, textbook, reset_after=True)
    p["bca"][:] = 0.0  # even with a zero recurrent bias the two forms are different functions
    a_after = ref.gru_forward(x, a0, p, reset_after=True)[0]
    a_before = ref.gru_forward(x, a0, textbook, reset_after=False)[0]
    assert np.abs(a_after - a_before).max() > 1e-3


def test_wrong_shapes_and_keys_raise_value_errors_naming_them():
    rng = np.random.default_rng(4)
    p = random_parameters("rnn", 3, 5, 2, rng)
    x, a0 = rng.normal(size=(3, 10, 4)), rng.normal(size=(5, 10))
    with pytest.raises(
        ValueError,
        match=r"^a0: expected shape \(5, 10\) \(n_a, m\) with m from x, "
        r"got \(5, 3\)$",
    ):
        ref.rnn_forward(x, a0[:, :3], p)
    with pytest.raises(
        ValueError,
        match=r"^x: expected a 3-D array of shape \(n_x, m, T_x\), "
        r"got shape \(3, 10\)$",
    ):
        ref.rnn_forward(x[:, :, 0], a0, p)
    with pytest.raises(
        ValueError,
        match=r"^parameters\['Waa'\]: expected shape \(5, 5\) "
        r"\(n_a, n_a\), got \(5, 4\) \(n_x = 3 from x, n_a = 5 from a0; "
        r"if the parameters are right, fix those arrays\)$",
    ):
        ref.rnn_forward(x, a0, {**p, "Waa": p["Waa"][:, :4]})
    # An a0 of the wrong height: the message says where n_a = 4 came from.
    with pytest.raises(
        ValueError,
        match=r"^parameters\['Wax'\]: expected shape \(4, 3\) .*"
        r"n_a = 4 from a0; if the parameters are right",
    ):
        ref.rnn_forward(x, a0[:4], p)
    with pytest.raises(ValueError, match=r"n_x = 2 from x, n_a = 5 from a0;"):
        ref.gru_forward(x[:2], a0, random_parameters("gru_reset_after", 3, 5, 2, rng))
    with pytest.raises(
        ValueError, match=r"^parameters: missing key 'Waa' \(rnn_forward needs keys"
    ):
        ref.rnn_forward(x, a0, {k: v for k, v in p.items() if k != "Waa"})
    with pytest.raises(ValueError, match=r"^parameters\['Wax'\]: expected shape \(5, 2\)"):
        ref.rnn_cell_forward(x[:2, :, 0], a0, p)  # xt with n_x = 2 against Wax (5, 3)
    a, _, caches = ref.rnn_forward(x, a0, p)
    with pytest.raises(
        ValueError,
        match=r"^da: expected shape \(5, 10, 4\) \(n_a, m, T_x\), "
        r"got \(5, 10, 3\)$",
    ):
        ref.rnn_backward(a[:, :, :3], caches)
    lp = random_parameters("lstm", 3, 5, 2, rng)
    with pytest.raises(ValueError, match=r"^parameters: missing key 'Wo' \(lstm_forward needs"):
        ref.lstm_forward(x, a0, {k: v for k, v in lp.items() if k != "Wo"})
    with pytest.raises(
        ValueError,
        match=r"^c_prev: expected shape \(5, 10\) \(n_a, m\) "
        r"like a_prev, got \(4, 10\)$",
    ):
        ref.lstm_cell_forward(x[:, :, 0], a0, a0[:4], lp)
    with pytest.raises(
        ValueError,
        match=r"^parameters\['Wf'\]: expected shape \(5, 8\) "
        r"\(n_a, n_a \+ n_x\), got \(5, 7\) \(n_x = 3 from x",
    ):
        ref.lstm_forward(x, a0, {**lp, "Wf": lp["Wf"][:, :7]})
    with pytest.raises(ValueError, match=r"^cache: expected the 10-tuple"):
        ref.lstm_cell_backward(a0, a0, (1, 2))
