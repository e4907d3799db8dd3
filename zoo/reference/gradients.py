"""How far back does a gradient reach? Norms of d(loss at the last step) / d(a<t>) over t.

For a loss that depends only on the last time step T, backpropagation multiplies the gradient
by one step Jacobian per step back. In a plain RNN that Jacobian is Waa.T * (1 - a**2), so the
norm shrinks (or grows) geometrically with the distance T - t: vanishing (exploding)
gradients. An LSTM's memory cell passes gradient back through `c<t-1> -> c<t>` scaled only by
the forget gate, so with forget gates near 1 the gradient survives many steps.
"""

import numpy as np

from zoo.reference import _cells
from zoo.reference._checks import as_array, check_shape


def gradient_norms_over_time(x, a0, parameters, *, target=None, da_last=None):
    """Norm of the gradient of a last-step loss with respect to every hidden state.

    The loss lives at the last step T_x - 1 only: by default L = sum(a<T>) (an upstream
    gradient of ones); with `target`, the cross-entropy of the model's softmax output at the
    last step against `target`; with `da_last`, L = sum(da_last * a<T>).

    Args:
        x: inputs, shape (n_x, m, T_x).
        a0: initial state (n_a, m), or the pair (a0, c0) for an LSTM.
        parameters: course dict of an RNN, LSTM or GRU with its output layer.
        target: optional int or int array of shape (m,): the class at the last step.
        da_last: optional array (n_a, m): the upstream gradient at the last step.

    Returns:
        float64 array of shape (T_x,): entry t is the Frobenius norm of dL/da<t> over
        (n_a, m). Entry T_x - 1 is the norm of the upstream gradient itself.

    Example:

    >>> rng = np.random.default_rng(0)
    >>> p = {"Wax": rng.normal(size=(4, 2)), "Waa": 0.1 * rng.normal(size=(4, 4)),
    ...      "ba": np.zeros((4, 1)), "Wya": np.ones((3, 4)), "by": np.zeros((3, 1))}
    >>> norms = gradient_norms_over_time(rng.normal(size=(2, 1, 10)), np.zeros((4, 1)), p)
    >>> norms.shape, bool(norms[0] < 1e-5 * norms[-1])
    ((10,), True)
    """
    if target is not None and da_last is not None:
        raise ValueError("target, da_last: expected at most one of them, got both")
    x = as_array("x", x, 3, "(n_x, m, T_x)")
    a, y, _, (caches, _) = _cells.forward(x, a0, parameters)
    n_a, m, T_x = a.shape
    cell, _ = _cells.cell_of(parameters)
    if target is not None:
        labels = np.broadcast_to(np.asarray(target), (m,))
        n_y = y.shape[0]
        if not np.issubdtype(labels.dtype, np.integer) or labels.min() < 0 or labels.max() >= n_y:
            raise ValueError(
                f"target: expected class indices in [0, {n_y}) for {m} examples, got {target!r}"
            )
        dz = y[:, :, -1].copy()  # (n_y, m): softmax minus one-hot
        dz[labels, np.arange(m)] -= 1.0
        da_next = np.asarray(parameters[_cells.output_key(cell)]).T @ dz  # (n_a, m)
    elif da_last is not None:
        da_next = as_array("da_last", da_last, 2, "(n_a, m)")
        check_shape("da_last", da_next, (n_a, m), "(n_a, m)")
    else:
        da_next = np.ones((n_a, m))
    dc_next = np.zeros((n_a, m))
    norms = np.zeros(T_x)
    norms[-1] = np.linalg.norm(da_next)
    for t in range(T_x - 1, 0, -1):
        da_next, dc_next = _cells.step_backward(da_next, dc_next, caches[t], parameters)
        norms[t - 1] = np.linalg.norm(da_next)
    return norms
