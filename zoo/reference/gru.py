"""A gated recurrent unit (GRU) in numpy, in both of Keras's variants, forward and backward.

Course layout and notation: x (n_x, m, T_x), a0 (n_a, m); the gates read [a<t-1>; x<t>]
(hidden state first); the update gate `u` weighs the candidate, as in the lectures:

    u = sigmoid(Wu [a; x] + bu)                 update gate
    r = sigmoid(Wr [a; x] + br)                 relevance (reset) gate
    reset_after=False (textbook form):
        cc = tanh(Wc [r * a; x] + bc)
    reset_after=True (Keras's default, the cuDNN form):
        cc = tanh(Wc[:, n_a:] x + bc + r * (Wc[:, :n_a] a + bca))
    a<t> = u * cc + (1 - u) * a<t-1>
    y<t> = softmax(Wy a<t> + by)

Keras writes h = z * h_prev + (1 - z) * hh, so its `z` is `1 - u`: the bridge negates the
update gate's weights and bias (sigmoid(-s) = 1 - sigmoid(s)). `bca` is the bias Keras keeps
on the recurrent side of the candidate when reset_after=True; it exists only in that variant.
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

GATES = ("u", "r", "c")


def gru_spec(n_x, n_a, n_y=None, reset_after=True):
    """Expected parameter shapes: key -> (shape, layout). `n_y=None` leaves out Wy and by."""
    spec = {}
    for gate in GATES:
        spec["W" + gate] = ((n_a, n_a + n_x), "(n_a, n_a + n_x)")
        spec["b" + gate] = ((n_a, 1), "(n_a, 1)")
    if reset_after:
        spec["bca"] = ((n_a, 1), "(n_a, 1)")
    if n_y is not None:
        spec["Wy"] = ((n_y, n_a), "(n_y, n_a)")
        spec["by"] = ((n_y, 1), "(n_y, 1)")
    return spec


def _check(parameters, n_x, n_a, reset_after, where, inputs):
    n_y = get_matrix(parameters, "Wy", "(n_y, n_a)", where).shape[0]
    if not reset_after and "bca" in parameters:
        raise ValueError(
            f"parameters: key 'bca' belongs to the reset_after=True GRU, but {where} was called "
            "with reset_after=False (pass reset_after=True or drop the key)"
        )
    return check_parameters(
        parameters,
        gru_spec(n_x, n_a, n_y, reset_after),
        where,
        sizes=f"n_x = {n_x} from {inputs[0]}, n_a = {n_a} from {inputs[1]}",
    )


def gru_cell_forward(xt, a_prev, parameters, reset_after=True):
    """One time step of the GRU.

    Args:
        xt: input at step t, shape (n_x, m).
        a_prev: hidden state at step t-1, shape (n_a, m).
        parameters: dict with Wu, Wr, Wc (n_a, n_a + n_x), bu, br, bc (n_a, 1), Wy (n_y, n_a),
            by (n_y, 1) and, when `reset_after` is True, bca (n_a, 1).
        reset_after: bool, default True (Keras's default). True applies the relevance gate
            after the candidate's recurrent matrix product; False is the textbook form.

    Returns:
        Tuple `(a_next, yt_pred, cache)`: hidden state (n_a, m), softmax prediction (n_y, m)
        and the cache for `gru_cell_backward`.

    Example:

    >>> rng = np.random.default_rng(0)
    >>> p = {k: rng.normal(size=(5, 8)) for k in ("Wu", "Wr", "Wc")}
    >>> p.update({k: np.zeros((5, 1)) for k in ("bu", "br", "bc", "bca")})
    >>> p.update(Wy=rng.normal(size=(2, 5)), by=np.zeros((2, 1)))
    >>> a, y, cache = gru_cell_forward(np.ones((3, 4)), np.zeros((5, 4)), p)
    >>> a.shape, y.shape
    ((5, 4), (2, 4))
    """
    xt = as_array("xt", xt, 2, "(n_x, m)")
    a_prev = as_array("a_prev", a_prev, 2, "(n_a, m)")
    (n_x, m), n_a = xt.shape, a_prev.shape[0]
    check_shape("a_prev", a_prev, (n_a, m), "(n_a, m) with m from xt")
    p = _check(parameters, n_x, n_a, reset_after, "gru_cell_forward", ("xt", "a_prev"))
    return raw_step_forward(xt, a_prev, p, bool(reset_after))


def raw_step_forward(xt, a_prev, p, reset_after):
    """One GRU step on arrays already checked by `gru_cell_forward` (no checks).

    Args:
        xt: input at this step, `(n_x, m)`.
        a_prev: hidden state, `(n_a, m)`.
        p: dict of the checked parameters (see `gru_cell_forward`).
        reset_after: bool, Keras's `reset_after` convention.

    Returns:
        `(a_next, yt_pred, cache)`: the new state `(n_a, m)`, the softmax output `(n_y, m)` and
        the cache for `raw_step_backward`.

    Example:

    >>> import zoo.reference as ref
    >>> p = ref.initialize_parameters(n_a=2, n_x=3, n_y=4, cell="gru")
    >>> a, y, _ = raw_step_forward(np.ones((3, 5)), np.zeros((2, 5)), p, True)
    >>> a.shape, y.shape
    ((2, 5), (4, 5))
    """
    n_a = a_prev.shape[0]
    concat = np.concatenate([a_prev, xt], axis=0)  # (n_a + n_x, m)
    ut = sigmoid(p["Wu"] @ concat + p["bu"])  # (n_a, m)
    rt = sigmoid(p["Wr"] @ concat + p["br"])  # (n_a, m)
    if reset_after:
        ha = p["Wc"][:, :n_a] @ a_prev + p["bca"]  # (n_a, m): recurrent part of the candidate
        cct = np.tanh(p["Wc"][:, n_a:] @ xt + p["bc"] + rt * ha)
    else:
        ha = None
        cct = np.tanh(p["Wc"] @ np.concatenate([rt * a_prev, xt], axis=0) + p["bc"])
    a_next = ut * cct + (1.0 - ut) * a_prev  # (n_a, m)
    yt_pred = softmax(p["Wy"] @ a_next + p["by"])  # (n_y, m)
    cache = (a_next, a_prev, ut, rt, cct, ha, xt, p, reset_after)
    return a_next, yt_pred, cache


def gru_forward(x, a0, parameters, reset_after=True):
    """Run the GRU over a whole sequence.

    Args:
        x: inputs, shape (n_x, m, T_x).
        a0: initial hidden state, shape (n_a, m).
        parameters: dict as for `gru_cell_forward`.
        reset_after: bool, default True; see `gru_cell_forward`.

    Returns:
        Tuple `(a, y_pred, caches)`: hidden states (n_a, m, T_x), softmax predictions
        (n_y, m, T_x) and `(list of step caches, x)` for `gru_backward`.

    Example:

    >>> rng = np.random.default_rng(0)
    >>> p = {k: rng.normal(size=(5, 8)) for k in ("Wu", "Wr", "Wc")}
    >>> p.update({k: np.zeros((5, 1)) for k in ("bu", "br", "bc")})
    >>> p.update(Wy=rng.normal(size=(2, 5)), by=np.zeros((2, 1)))
    >>> a, y, caches = gru_forward(rng.normal(size=(3, 4, 6)), np.zeros((5, 4)), p,
    ...                            reset_after=False)
    >>> a.shape, y.shape
    ((5, 4, 6), (2, 4, 6))
    """
    x = as_array("x", x, 3, "(n_x, m, T_x)")
    a0 = as_array("a0", a0, 2, "(n_a, m)")
    n_x, m, T_x = x.shape
    n_a = a0.shape[0]
    check_shape("a0", a0, (n_a, m), "(n_a, m) with m from x")
    p = _check(parameters, n_x, n_a, reset_after, "gru_forward", ("x", "a0"))

    dtype = np.result_type(x, a0, p["Wu"])
    a = np.zeros((n_a, m, T_x), dtype=dtype)  # (n_a, m, T_x)
    y = np.zeros((p["Wy"].shape[0], m, T_x), dtype=dtype)  # (n_y, m, T_x)
    caches = []
    a_next = a0
    for t in range(T_x):
        a_next, yt, cache = raw_step_forward(x[:, :, t], a_next, p, bool(reset_after))
        a[:, :, t], y[:, :, t] = a_next, yt
        caches.append(cache)
    return a, y, (caches, x)


def gru_cell_backward(da_next, cache):
    """Backward pass through one GRU step.

    Args:
        da_next: gradient of the loss with respect to `a_next`, shape (n_a, m).
        cache: the cache that `gru_cell_forward` returned for this step.

    Returns:
        Dict with `dxt` (n_x, m), `da_prev` (n_a, m), `dWu`, `dWr`, `dWc` (n_a, n_a + n_x),
        `dbu`, `dbr`, `dbc` (n_a, 1) and, for reset_after=True, `dbca` (n_a, 1).

    Example:

    >>> rng = np.random.default_rng(0)
    >>> p = {k: rng.normal(size=(5, 8)) for k in ("Wu", "Wr", "Wc")}
    >>> p.update({k: np.zeros((5, 1)) for k in ("bu", "br", "bc", "bca")})
    >>> p.update(Wy=rng.normal(size=(2, 5)), by=np.zeros((2, 1)))
    >>> _, _, cache = gru_cell_forward(np.ones((3, 4)), np.zeros((5, 4)), p)
    >>> sorted(gru_cell_backward(np.ones((5, 4)), cache))[:4]
    ['dWc', 'dWr', 'dWu', 'da_prev']
    """
    check_cache(cache, 9, "gru_cell_backward")
    da_next = as_array("da_next", da_next, 2, "(n_a, m)")
    check_shape("da_next", da_next, cache[0].shape, "(n_a, m)")
    return raw_step_backward(da_next, cache)


def raw_step_backward(da_next, cache):
    """The backward pass of one GRU step, on a cache from `raw_step_forward` (no checks).

    Args:
        da_next: gradient of the loss with respect to the step's new state, `(n_a, m)`.
        cache: the third value `raw_step_forward` returned.

    Returns:
        dict of gradients, with `dxt`, `da_prev` and one entry per parameter.

    Example:

    >>> import zoo.reference as ref
    >>> p = ref.initialize_parameters(n_a=2, n_x=3, n_y=4, cell="gru")
    >>> _, _, cache = raw_step_forward(np.ones((3, 5)), np.zeros((2, 5)), p, True)
    >>> raw_step_backward(np.ones((2, 5)), cache)["da_prev"].shape
    (2, 5)
    """
    a_next, a_prev, ut, rt, cct, ha, xt, p, reset_after = cache
    n_a = a_prev.shape[0]
    dz_c = da_next * ut * (1.0 - cct**2)  # (n_a, m): before the candidate's tanh
    dz_u = da_next * (cct - a_prev) * ut * (1.0 - ut)  # before the update gate's sigmoid
    da_prev = da_next * (1.0 - ut)  # the direct path a<t-1> -> a<t>
    grads = {"dbc": np.sum(dz_c, axis=1, keepdims=True)}
    if reset_after:
        dha = dz_c * rt  # (n_a, m)
        drt = dz_c * ha
        grads["dWc"] = np.concatenate([dha @ a_prev.T, dz_c @ xt.T], axis=1)
        grads["dbca"] = np.sum(dha, axis=1, keepdims=True)
        da_prev = da_prev + p["Wc"][:, :n_a].T @ dha
        dxt = p["Wc"][:, n_a:].T @ dz_c  # (n_x, m)
    else:
        inner = np.concatenate([rt * a_prev, xt], axis=0)  # (n_a + n_x, m)
        grads["dWc"] = dz_c @ inner.T
        dinner = p["Wc"].T @ dz_c  # (n_a + n_x, m)
        drt = dinner[:n_a] * a_prev
        da_prev = da_prev + dinner[:n_a] * rt
        dxt = dinner[n_a:]
    dz_r = drt * rt * (1.0 - rt)
    concat = np.concatenate([a_prev, xt], axis=0)  # (n_a + n_x, m)
    for gate, dz in (("u", dz_u), ("r", dz_r)):
        grads["dW" + gate] = dz @ concat.T
        grads["db" + gate] = np.sum(dz, axis=1, keepdims=True)
    dconcat = p["Wu"].T @ dz_u + p["Wr"].T @ dz_r  # (n_a + n_x, m)
    grads["da_prev"] = da_prev + dconcat[:n_a]
    grads["dxt"] = dxt + dconcat[n_a:]
    return grads


def gru_backward(da, caches):
    """Backpropagation through time for the whole GRU sequence.

    Args:
        da: gradient of the loss with respect to every hidden state, shape (n_a, m, T_x).
        caches: the `caches` that `gru_forward` returned (the variant is read from them).

    Returns:
        Dict with `dx` (n_x, m, T_x), `da0` (n_a, m), `dWu`, `dWr`, `dWc`, `dbu`, `dbr`,
        `dbc` and, for reset_after=True, `dbca`.

    Example:

    >>> rng = np.random.default_rng(0)
    >>> p = {k: rng.normal(size=(5, 8)) for k in ("Wu", "Wr", "Wc")}
    >>> p.update({k: np.zeros((5, 1)) for k in ("bu", "br", "bc", "bca")})
    >>> p.update(Wy=rng.normal(size=(2, 5)), by=np.zeros((2, 1)))
    >>> a, y, caches = gru_forward(rng.normal(size=(3, 4, 6)), np.zeros((5, 4)), p)
    >>> gru_backward(np.ones_like(a), caches)["dbca"].shape
    (5, 1)
    """
    check_cache(caches, 2, "gru_backward")
    step_caches, x = caches
    n_x, m, T_x = x.shape
    n_a = step_caches[0][0].shape[0]
    da = as_array("da", da, 3, "(n_a, m, T_x)")
    check_shape("da", da, (n_a, m, T_x), "(n_a, m, T_x)")

    p, reset_after = step_caches[0][7], step_caches[0][8]
    keys = [prefix + gate for gate in GATES for prefix in ("W", "b")]
    keys += ["bca"] if reset_after else []
    grads = {key: np.zeros_like(p[key], dtype=da.dtype) for key in keys}
    dx = np.zeros((n_x, m, T_x), dtype=np.result_type(x, da))
    da_prev = np.zeros((n_a, m), dtype=da.dtype)
    for t in reversed(range(T_x)):
        step = raw_step_backward(da[:, :, t] + da_prev, step_caches[t])
        dx[:, :, t] = step["dxt"]
        da_prev = step["da_prev"]
        for key in keys:
            grads[key] = grads[key] + step["d" + key]
    out = {"dx": dx, "da0": da_prev}
    out.update({"d" + key: grads[key] for key in keys})
    return out
