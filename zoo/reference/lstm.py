"""A long short-term memory (LSTM) network in numpy: forward and backpropagation through time.

Course layout: x (n_x, m, T_x), a0 (n_a, m); every gate reads the concatenation
[a<t-1>; x<t>] of shape (n_a + n_x, m), hidden state first.

    f = sigmoid(Wf [a; x] + bf)         forget gate
    i = sigmoid(Wi [a; x] + bi)         update (input) gate
    cc = tanh(Wc [a; x] + bc)           candidate memory
    o = sigmoid(Wo [a; x] + bo)         output gate
    c<t> = f * c<t-1> + i * cc
    a<t> = o * tanh(c<t>)
    y<t> = softmax(Wy a<t> + by)

This is `keras.layers.LSTM` (tanh / sigmoid) followed by a softmax `Dense`.
"""

import numpy as np

from zoo.reference._checks import (
    as_array,
    check_cache,
    check_parameters,
    check_shape,
    get_matrix,
    sigmoid,
    softmax,
)

GATES = ("f", "i", "c", "o")


def lstm_spec(n_x, n_a, n_y=None):
    """Expected parameter shapes: key -> (shape, layout). `n_y=None` leaves out Wy and by."""
    spec = {}
    for gate in GATES:
        spec["W" + gate] = ((n_a, n_a + n_x), "(n_a, n_a + n_x)")
        spec["b" + gate] = ((n_a, 1), "(n_a, 1)")
    if n_y is not None:
        spec["Wy"] = ((n_y, n_a), "(n_y, n_a)")
        spec["by"] = ((n_y, 1), "(n_y, 1)")
    return spec


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    """One time step of the LSTM.

    Args:
        xt: input at step t, shape (n_x, m).
        a_prev: hidden state at step t-1, shape (n_a, m).
        c_prev: memory cell at step t-1, shape (n_a, m).
        parameters: dict with Wf, Wi, Wc, Wo of shape (n_a, n_a + n_x), bf, bi, bc, bo of
            shape (n_a, 1), Wy (n_y, n_a) and by (n_y, 1).

    Returns:
        Tuple `(a_next, c_next, yt_pred, cache)`: hidden state (n_a, m), memory cell (n_a, m),
        softmax prediction (n_y, m) and
        `(a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)`.

    Example:

    >>> rng = np.random.default_rng(0)
    >>> p = {k: rng.normal(size=(5, 8)) for k in ("Wf", "Wi", "Wc", "Wo")}
    >>> p.update({k: np.zeros((5, 1)) for k in ("bf", "bi", "bc", "bo")})
    >>> p.update(Wy=rng.normal(size=(2, 5)), by=np.zeros((2, 1)))
    >>> a, c, y, cache = lstm_cell_forward(np.ones((3, 4)), np.zeros((5, 4)), np.zeros((5, 4)), p)
    >>> a.shape, c.shape, y.shape
    ((5, 4), (5, 4), (2, 4))
    """
    xt = as_array("xt", xt, 2, "(n_x, m)")
    a_prev = as_array("a_prev", a_prev, 2, "(n_a, m)")
    c_prev = as_array("c_prev", c_prev, 2, "(n_a, m)")
    (n_x, m), n_a = xt.shape, a_prev.shape[0]
    check_shape("a_prev", a_prev, (n_a, m), "(n_a, m) with m from xt")
    check_shape("c_prev", c_prev, (n_a, m), "(n_a, m) like a_prev")
    n_y = get_matrix(parameters, "Wy", "(n_y, n_a)", "lstm_cell_forward").shape[0]
    p = check_parameters(
        parameters,
        lstm_spec(n_x, n_a, n_y),
        "lstm_cell_forward",
        sizes=f"n_x = {n_x} from xt, n_a = {n_a} from a_prev",
    )
    return raw_step_forward(xt, a_prev, c_prev, p)


def raw_step_forward(xt, a_prev, c_prev, p):
    """One LSTM step on arrays already checked by `lstm_cell_forward` (no checks).

    Args:
        xt: input at this step, `(n_x, m)`.
        a_prev: hidden state, `(n_a, m)`.
        c_prev: memory cell, `(n_a, m)`.
        p: dict of the checked parameters (see `lstm_cell_forward`).

    Returns:
        `(a_next, c_next, yt_pred, cache)`: the new hidden state and memory cell `(n_a, m)`,
        the softmax output `(n_y, m)` and the cache for `raw_step_backward`.

    Example:

    >>> import zoo.reference as ref
    >>> p = ref.initialize_parameters(n_a=2, n_x=3, n_y=4, cell="lstm")
    >>> a, c, y, _ = raw_step_forward(np.ones((3, 5)), np.zeros((2, 5)), np.zeros((2, 5)), p)
    >>> a.shape, c.shape, y.shape
    ((2, 5), (2, 5), (4, 5))
    """
    concat = np.concatenate([a_prev, xt], axis=0)  # (n_a + n_x, m)
    ft = sigmoid(p["Wf"] @ concat + p["bf"])  # (n_a, m)
    it = sigmoid(p["Wi"] @ concat + p["bi"])
    cct = np.tanh(p["Wc"] @ concat + p["bc"])
    ot = sigmoid(p["Wo"] @ concat + p["bo"])
    c_next = ft * c_prev + it * cct
    a_next = ot * np.tanh(c_next)
    yt_pred = softmax(p["Wy"] @ a_next + p["by"])  # (n_y, m)
    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p)
    return a_next, c_next, yt_pred, cache


def lstm_forward(x, a0, parameters, c0=None):
    """Run the LSTM over a whole sequence.

    Args:
        x: inputs, shape (n_x, m, T_x).
        a0: initial hidden state, shape (n_a, m).
        parameters: dict as for `lstm_cell_forward`.
        c0: initial memory cell (n_a, m); defaults to zeros, as in the course.

    Returns:
        Tuple `(a, y, c, caches)`: hidden states (n_a, m, T_x), softmax predictions
        (n_y, m, T_x), memory cells (n_a, m, T_x) and `(list of step caches, x)`.

    Example:

    >>> rng = np.random.default_rng(0)
    >>> p = {k: rng.normal(size=(5, 8)) for k in ("Wf", "Wi", "Wc", "Wo")}
    >>> p.update({k: np.zeros((5, 1)) for k in ("bf", "bi", "bc", "bo")})
    >>> p.update(Wy=rng.normal(size=(2, 5)), by=np.zeros((2, 1)))
    >>> a, y, c, caches = lstm_forward(rng.normal(size=(3, 4, 7)), np.zeros((5, 4)), p)
    >>> a.shape, y.shape, c.shape
    ((5, 4, 7), (2, 4, 7), (5, 4, 7))
    """
    x = as_array("x", x, 3, "(n_x, m, T_x)")
    a0 = as_array("a0", a0, 2, "(n_a, m)")
    n_x, m, T_x = x.shape
    n_a = a0.shape[0]
    check_shape("a0", a0, (n_a, m), "(n_a, m) with m from x")
    if c0 is None:
        c0 = np.zeros_like(a0)
    c0 = as_array("c0", c0, 2, "(n_a, m)")
    check_shape("c0", c0, (n_a, m), "(n_a, m) like a0")
    n_y = get_matrix(parameters, "Wy", "(n_y, n_a)", "lstm_forward").shape[0]
    p = check_parameters(
        parameters,
        lstm_spec(n_x, n_a, n_y),
        "lstm_forward",
        sizes=f"n_x = {n_x} from x, n_a = {n_a} from a0",
    )

    dtype = np.result_type(x, a0, p["Wf"])
    a = np.zeros((n_a, m, T_x), dtype=dtype)  # (n_a, m, T_x)
    c = np.zeros((n_a, m, T_x), dtype=dtype)  # (n_a, m, T_x)
    y = np.zeros((n_y, m, T_x), dtype=dtype)  # (n_y, m, T_x)
    caches = []
    a_next, c_next = a0, c0
    for t in range(T_x):
        a_next, c_next, yt, cache = raw_step_forward(x[:, :, t], a_next, c_next, p)
        a[:, :, t], c[:, :, t], y[:, :, t] = a_next, c_next, yt
        caches.append(cache)
    return a, y, c, (caches, x)


def lstm_cell_backward(da_next, dc_next, cache):
    """Backward pass through one LSTM step.

    Args:
        da_next: gradient of the loss with respect to `a_next`, shape (n_a, m).
        dc_next: gradient with respect to `c_next`, shape (n_a, m).
        cache: the cache that `lstm_cell_forward` returned for this step.

    Returns:
        Dict with `dxt` (n_x, m), `da_prev` (n_a, m), `dc_prev` (n_a, m), and the weight
        gradients `dWf`, `dWi`, `dWc`, `dWo` (n_a, n_a + n_x) and `dbf`, `dbi`, `dbc`,
        `dbo` (n_a, 1).

    Example:

    >>> rng = np.random.default_rng(0)
    >>> p = {k: rng.normal(size=(5, 8)) for k in ("Wf", "Wi", "Wc", "Wo")}
    >>> p.update({k: np.zeros((5, 1)) for k in ("bf", "bi", "bc", "bo")})
    >>> p.update(Wy=rng.normal(size=(2, 5)), by=np.zeros((2, 1)))
    >>> *_, cache = lstm_cell_forward(np.ones((3, 4)), np.zeros((5, 4)), np.zeros((5, 4)), p)
    >>> lstm_cell_backward(np.ones((5, 4)), np.zeros((5, 4)), cache)["dWf"].shape
    (5, 8)
    """
    check_cache(cache, 10, "lstm_cell_backward")
    da_next = as_array("da_next", da_next, 2, "(n_a, m)")
    dc_next = as_array("dc_next", dc_next, 2, "(n_a, m)")
    check_shape("da_next", da_next, cache[0].shape, "(n_a, m)")
    check_shape("dc_next", dc_next, cache[0].shape, "(n_a, m)")
    return raw_step_backward(da_next, dc_next, cache)


def raw_step_backward(da_next, dc_next, cache):
    """The backward pass of one LSTM step, on a cache from `raw_step_forward` (no checks).

    Args:
        da_next: gradient of the loss with respect to the new hidden state, `(n_a, m)`.
        dc_next: gradient with respect to the new memory cell, `(n_a, m)`.
        cache: the last value `raw_step_forward` returned.

    Returns:
        dict of gradients, with `dxt`, `da_prev`, `dc_prev` and one entry per parameter.

    Example:

    >>> import zoo.reference as ref
    >>> p = ref.initialize_parameters(n_a=2, n_x=3, n_y=4, cell="lstm")
    >>> *_, cache = raw_step_forward(np.ones((3, 5)), np.zeros((2, 5)), np.zeros((2, 5)), p)
    >>> raw_step_backward(np.ones((2, 5)), np.zeros((2, 5)), cache)["dc_prev"].shape
    (2, 5)
    """
    a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, p = cache
    n_a = a_next.shape[0]
    tanh_c = np.tanh(c_next)
    dc = dc_next + da_next * ot * (1.0 - tanh_c**2)  # total gradient on c<t>, (n_a, m)
    # Gradients before each gate's nonlinearity, all (n_a, m).
    dz = {
        "o": da_next * tanh_c * ot * (1.0 - ot),
        "c": dc * it * (1.0 - cct**2),
        "i": dc * cct * it * (1.0 - it),
        "f": dc * c_prev * ft * (1.0 - ft),
    }
    concat = np.concatenate([a_prev, xt], axis=0)  # (n_a + n_x, m)
    grads = {"dc_prev": dc * ft}
    dconcat = 0.0
    for gate in GATES:
        grads["dW" + gate] = dz[gate] @ concat.T  # (n_a, n_a + n_x)
        grads["db" + gate] = np.sum(dz[gate], axis=1, keepdims=True)  # (n_a, 1)
        dconcat = dconcat + p["W" + gate].T @ dz[gate]  # (n_a + n_x, m)
    grads["da_prev"] = dconcat[:n_a]
    grads["dxt"] = dconcat[n_a:]
    return grads


def lstm_backward(da, caches):
    """Backpropagation through time for the whole LSTM sequence.

    Args:
        da: gradient of the loss with respect to every hidden state, shape (n_a, m, T_x).
        caches: the `caches` that `lstm_forward` returned.

    Returns:
        Dict with `dx` (n_x, m, T_x), `da0` (n_a, m), `dc0` (n_a, m), `dWf`, `dWi`, `dWc`,
        `dWo` (n_a, n_a + n_x) and `dbf`, `dbi`, `dbc`, `dbo` (n_a, 1).

    Example:

    >>> rng = np.random.default_rng(0)
    >>> p = {k: rng.normal(size=(5, 8)) for k in ("Wf", "Wi", "Wc", "Wo")}
    >>> p.update({k: np.zeros((5, 1)) for k in ("bf", "bi", "bc", "bo")})
    >>> p.update(Wy=rng.normal(size=(2, 5)), by=np.zeros((2, 1)))
    >>> a, y, c, caches = lstm_forward(rng.normal(size=(3, 4, 7)), np.zeros((5, 4)), p)
    >>> lstm_backward(np.ones_like(a), caches)["dx"].shape
    (3, 4, 7)
    """
    check_cache(caches, 2, "lstm_backward")
    step_caches, x = caches
    n_x, m, T_x = x.shape
    n_a = step_caches[0][0].shape[0]
    da = as_array("da", da, 3, "(n_a, m, T_x)")
    check_shape("da", da, (n_a, m, T_x), "(n_a, m, T_x)")

    p = step_caches[0][-1]
    keys = [prefix + gate for gate in GATES for prefix in ("W", "b")]
    grads = {key: np.zeros_like(p[key], dtype=da.dtype) for key in keys}
    dx = np.zeros((n_x, m, T_x), dtype=np.result_type(x, da))
    da_prev = np.zeros((n_a, m), dtype=da.dtype)
    dc_prev = np.zeros((n_a, m), dtype=da.dtype)
    for t in reversed(range(T_x)):
        step = raw_step_backward(da[:, :, t] + da_prev, dc_prev, step_caches[t])
        dx[:, :, t] = step["dxt"]
        da_prev, dc_prev = step["da_prev"], step["dc_prev"]
        for key in keys:
            grads[key] = grads[key] + step["d" + key]
    out = {"dx": dx, "da0": da_prev, "dc0": dc_prev}
    out.update({"d" + key: grads[key] for key in keys})
    return out
