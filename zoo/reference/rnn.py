"""A basic (Elman) RNN in numpy: forward and backpropagation through time.

Layout follows the "Sequence Models" course: time is the last axis and examples the middle one.

    x: (n_x, m, T_x)    a0: (n_a, m)    a: (n_a, m, T_x)    y_pred: (n_y, m, T_x)

    a<t> = tanh(Wax x<t> + Waa a<t-1> + ba)
    y<t> = softmax(Wya a<t> + by)

This is the math of `keras.layers.SimpleRNN(activation="tanh")` followed by
`keras.layers.Dense(n_y, activation="softmax")`; `zoo.reference.keras_bridge` moves the weights.
"""

import numpy as np

from zoo.reference._checks import (
    as_array,
    check_cache,
    check_parameters,
    check_shape,
    get_matrix,
    softmax,
)


def rnn_spec(n_x, n_a, n_y=None):
    """Expected parameter shapes: key -> (shape, layout). `n_y=None` leaves out Wya and by."""
    spec = {
        "Wax": ((n_a, n_x), "(n_a, n_x)"),
        "Waa": ((n_a, n_a), "(n_a, n_a)"),
        "ba": ((n_a, 1), "(n_a, 1)"),
    }
    if n_y is not None:
        spec["Wya"] = ((n_y, n_a), "(n_y, n_a)")
        spec["by"] = ((n_y, 1), "(n_y, 1)")
    return spec


def rnn_cell_forward(xt, a_prev, parameters):
    """One time step of the RNN.

    Args:
        xt: input at step t, array of shape (n_x, m).
        a_prev: hidden state at step t-1, array of shape (n_a, m).
        parameters: dict with Wax (n_a, n_x), Waa (n_a, n_a), Wya (n_y, n_a),
            ba (n_a, 1), by (n_y, 1).

    Returns:
        Tuple `(a_next, yt_pred, cache)`: the new hidden state (n_a, m), the softmax
        prediction (n_y, m) and `(a_next, a_prev, xt, parameters)` for the backward pass.

    Example:

    >>> rng = np.random.default_rng(0)
    >>> p = {"Wax": rng.normal(size=(5, 3)), "Waa": rng.normal(size=(5, 5)),
    ...      "Wya": rng.normal(size=(2, 5)), "ba": np.zeros((5, 1)), "by": np.zeros((2, 1))}
    >>> a_next, yt, cache = rnn_cell_forward(np.ones((3, 4)), np.zeros((5, 4)), p)
    >>> a_next.shape, yt.shape
    ((5, 4), (2, 4))
    """
    xt = as_array("xt", xt, 2, "(n_x, m)")
    a_prev = as_array("a_prev", a_prev, 2, "(n_a, m)")
    (n_x, m), n_a = xt.shape, a_prev.shape[0]
    check_shape("a_prev", a_prev, (n_a, m), "(n_a, m) with m from xt")
    n_y = get_matrix(parameters, "Wya", "(n_y, n_a)", "rnn_cell_forward").shape[0]
    p = check_parameters(
        parameters,
        rnn_spec(n_x, n_a, n_y),
        "rnn_cell_forward",
        sizes=f"n_x = {n_x} from xt, n_a = {n_a} from a_prev",
    )

    return raw_step_forward(xt, a_prev, p)


def raw_step_forward(xt, a_prev, p):
    """One RNN step on arrays already checked by `rnn_cell_forward` (no checks).

    `rnn_forward` and the reference's cell adapter call this directly, once per time step.

    Args:
        xt: input at this step, `(n_x, m)`.
        a_prev: hidden state, `(n_a, m)`.
        p: dict of the checked parameters `Wax`, `Waa`, `Wya`, `ba`, `by`.

    Returns:
        `(a_next, yt_pred, cache)`: the new state `(n_a, m)`, the softmax output `(n_y, m)` and
        the cache for `raw_step_backward`.

    Example:

    >>> p = {"Wax": np.zeros((2, 3)), "Waa": np.zeros((2, 2)), "Wya": np.zeros((4, 2)),
    ...      "ba": np.zeros((2, 1)), "by": np.zeros((4, 1))}
    >>> a, y, _ = raw_step_forward(np.ones((3, 5)), np.zeros((2, 5)), p)
    >>> a.shape, y.shape
    ((2, 5), (4, 5))
    """
    a_next = np.tanh(p["Wax"] @ xt + p["Waa"] @ a_prev + p["ba"])  # (n_a, m)
    yt_pred = softmax(p["Wya"] @ a_next + p["by"])  # (n_y, m)
    return a_next, yt_pred, (a_next, a_prev, xt, p)


def rnn_forward(x, a0, parameters):
    """Run the RNN over a whole sequence.

    Args:
        x: inputs for every time step, array of shape (n_x, m, T_x).
        a0: initial hidden state, array of shape (n_a, m).
        parameters: dict with Wax, Waa, Wya, ba, by (see `rnn_cell_forward`).

    Returns:
        Tuple `(a, y_pred, caches)`: hidden states (n_a, m, T_x), softmax predictions
        (n_y, m, T_x) and `(list of per-step caches, x)` for `rnn_backward`.

    Example:

    >>> rng = np.random.default_rng(0)
    >>> p = {"Wax": rng.normal(size=(5, 3)), "Waa": rng.normal(size=(5, 5)),
    ...      "Wya": rng.normal(size=(2, 5)), "ba": np.zeros((5, 1)), "by": np.zeros((2, 1))}
    >>> a, y_pred, caches = rnn_forward(rng.normal(size=(3, 4, 6)), np.zeros((5, 4)), p)
    >>> a.shape, y_pred.shape, len(caches[0])
    ((5, 4, 6), (2, 4, 6), 6)
    """
    x = as_array("x", x, 3, "(n_x, m, T_x)")
    a0 = as_array("a0", a0, 2, "(n_a, m)")
    n_x, m, T_x = x.shape
    check_shape("a0", a0, (a0.shape[0], m), "(n_a, m) with m from x")
    n_y = get_matrix(parameters, "Wya", "(n_y, n_a)", "rnn_forward").shape[0]
    p = check_parameters(
        parameters,
        rnn_spec(n_x, a0.shape[0], n_y),
        "rnn_forward",
        sizes=f"n_x = {n_x} from x, n_a = {a0.shape[0]} from a0",
    )

    dtype = np.result_type(x, a0, p["Waa"])
    a = np.zeros((a0.shape[0], m, T_x), dtype=dtype)  # (n_a, m, T_x)
    y_pred = np.zeros((n_y, m, T_x), dtype=dtype)  # (n_y, m, T_x)
    caches = []
    a_next = a0
    for t in range(T_x):
        a_next, yt_pred, cache = raw_step_forward(x[:, :, t], a_next, p)
        a[:, :, t] = a_next
        y_pred[:, :, t] = yt_pred
        caches.append(cache)
    return a, y_pred, (caches, x)


def rnn_cell_backward(da_next, cache):
    """Backward pass through one RNN step.

    Args:
        da_next: gradient of the loss with respect to `a_next`, shape (n_a, m).
        cache: the cache that `rnn_cell_forward` returned for this step.

    Returns:
        Dict with `dxt` (n_x, m), `da_prev` (n_a, m), `dWax` (n_a, n_x), `dWaa` (n_a, n_a)
        and `dba` (n_a, 1).

    Example:

    >>> rng = np.random.default_rng(0)
    >>> p = {"Wax": rng.normal(size=(5, 3)), "Waa": rng.normal(size=(5, 5)),
    ...      "Wya": rng.normal(size=(2, 5)), "ba": np.zeros((5, 1)), "by": np.zeros((2, 1))}
    >>> _, _, cache = rnn_cell_forward(np.ones((3, 4)), np.zeros((5, 4)), p)
    >>> rnn_cell_backward(np.ones((5, 4)), cache)["dWax"].shape
    (5, 3)
    """
    check_cache(cache, 4, "rnn_cell_backward")
    a_next, a_prev, xt, parameters = cache
    da_next = as_array("da_next", da_next, 2, "(n_a, m)")
    check_shape("da_next", da_next, a_next.shape, "(n_a, m)")
    return raw_step_backward(da_next, cache)


def raw_step_backward(da_next, cache):
    """The backward pass of one RNN step, on a cache from `raw_step_forward` (no checks).

    Args:
        da_next: gradient of the loss with respect to the step's new state, `(n_a, m)`.
        cache: the third value `raw_step_forward` returned.

    Returns:
        dict of gradients: `dxt`, `da_prev`, `dWax`, `dWaa`, `dba`.

    Example:

    >>> p = {"Wax": np.ones((2, 3)), "Waa": np.ones((2, 2)), "Wya": np.ones((4, 2)),
    ...      "ba": np.zeros((2, 1)), "by": np.zeros((4, 1))}
    >>> _, _, cache = raw_step_forward(np.ones((3, 5)), np.zeros((2, 5)), p)
    >>> raw_step_backward(np.ones((2, 5)), cache)["da_prev"].shape
    (2, 5)
    """
    a_next, a_prev, xt, parameters = cache
    dz = (1.0 - a_next**2) * da_next  # (n_a, m): gradient before the tanh
    return {
        "dxt": parameters["Wax"].T @ dz,  # (n_x, m)
        "da_prev": parameters["Waa"].T @ dz,  # (n_a, m)
        "dWax": dz @ xt.T,  # (n_a, n_x)
        "dWaa": dz @ a_prev.T,  # (n_a, n_a)
        "dba": np.sum(dz, axis=1, keepdims=True),  # (n_a, 1)
    }


def rnn_backward(da, caches):
    """Backpropagation through time for the whole sequence.

    Args:
        da: gradient of the loss with respect to every hidden state, shape (n_a, m, T_x)
            (the part that flows in from outside the recurrence, e.g. from the output layer).
        caches: the `caches` that `rnn_forward` returned.

    Returns:
        Dict with `dx` (n_x, m, T_x), `da0` (n_a, m), `dWax` (n_a, n_x), `dWaa` (n_a, n_a)
        and `dba` (n_a, 1).

    Example:

    >>> rng = np.random.default_rng(0)
    >>> p = {"Wax": rng.normal(size=(5, 3)), "Waa": rng.normal(size=(5, 5)),
    ...      "Wya": rng.normal(size=(2, 5)), "ba": np.zeros((5, 1)), "by": np.zeros((2, 1))}
    >>> a, _, caches = rnn_forward(rng.normal(size=(3, 4, 6)), np.zeros((5, 4)), p)
    >>> sorted(rnn_backward(np.ones_like(a), caches))
    ['dWaa', 'dWax', 'da0', 'dba', 'dx']
    """
    check_cache(caches, 2, "rnn_backward")
    step_caches, x = caches
    n_x, m, T_x = x.shape
    n_a = step_caches[0][0].shape[0]
    da = as_array("da", da, 3, "(n_a, m, T_x)")
    check_shape("da", da, (n_a, m, T_x), "(n_a, m, T_x)")

    parameters = step_caches[0][3]
    grads = {key: np.zeros_like(parameters[key], dtype=da.dtype) for key in ("Wax", "Waa", "ba")}
    dx = np.zeros((n_x, m, T_x), dtype=np.result_type(x, da))
    da_prev = np.zeros((n_a, m), dtype=da.dtype)  # gradient flowing back through the recurrence
    for t in reversed(range(T_x)):
        step = raw_step_backward(da[:, :, t] + da_prev, step_caches[t])
        dx[:, :, t] = step["dxt"]
        da_prev = step["da_prev"]
        for key in grads:
            grads[key] = grads[key] + step["d" + key]
    return {"dx": dx, "da0": da_prev, **{"d" + key: value for key, value in grads.items()}}
