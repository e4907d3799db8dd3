"""Move weights between the course's parameter dicts and Keras's recurrent layers, both ways.

Keras stores a recurrent layer as `[kernel, recurrent_kernel, bias]`:

    kernel            (n_x, k * n_a)  acts on x<t>:   the x-columns of the course's W, transposed
    recurrent_kernel  (n_a, k * n_a)  acts on a<t-1>: the a-columns of the course's W, transposed
    bias              (k * n_a,)       or (2, 3 * n_a) for GRU(reset_after=True): [input; recurrent]

with the gates side by side in Keras's order: LSTM [i, f, c, o], GRU [z, r, h]; the course
concatenates [a<t-1>; x<t>] (hidden state first) and keeps one matrix per gate. Keras's GRU
update gate `z` keeps the old state (h = z * h_prev + (1 - z) * hh) while the course's `u`
weighs the candidate, so u = 1 - z and the bridge negates that gate's weights and bias.
The output layer is a `Dense(n_y, activation="softmax")` with kernel Wy.T and bias by.

The array converters are pure numpy; the functions that touch Keras layers import keras inside
themselves, so `import zoo.reference` never loads TensorFlow.
"""

import numpy as np

from zoo.reference import gru, lstm, rnn
from zoo.reference._cells import cell_of, check_cell, output_key
from zoo.reference._checks import as_array, check_parameters, check_shape, get_matrix

_KERAS_ORDER = {"lstm": ("i", "f", "c", "o"), "gru": ("u", "r", "c")}
_LAYER_NAMES = {"rnn": "SimpleRNN", "lstm": "LSTM", "gru": "GRU"}


def _sizes(parameters, cell, where):
    """Read (n_x, n_a) from the recurrent weights and check every recurrent key's shape."""
    if cell == "rnn":
        n_a, n_x = get_matrix(parameters, "Wax", "(n_a, n_x)", where).shape
        spec = rnn.rnn_spec(n_x, n_a)
    else:
        key = "Wf" if cell == "lstm" else "Wu"
        n_a, width = get_matrix(parameters, key, "(n_a, n_a + n_x)", where).shape
        n_x = width - n_a
        if n_x < 1:
            raise ValueError(
                f"parameters[{key!r}]: expected shape (n_a, n_a + n_x) with n_x >= 1, "
                f"got {(n_a, width)}"
            )
        if cell == "lstm":
            spec = lstm.lstm_spec(n_x, n_a)
        else:
            spec = gru.gru_spec(n_x, n_a, reset_after="bca" in parameters)
    return n_x, n_a, check_parameters(parameters, spec, where)


def to_keras_weights(parameters):
    """Convert a course parameter dict to the `get_weights()` list of the matching Keras layer.

    The cell is read from the keys (`Wax` RNN, `Wf` LSTM, `Wu` GRU; `bca` marks the GRU's
    reset_after=True variant). Output-layer keys are ignored (see `dense_to_keras`).

    Args:
        parameters: dict of numpy arrays in the course's layout.

    Returns:
        List `[kernel (n_x, k*n_a), recurrent_kernel (n_a, k*n_a), bias]` with k = 1, 4 or 3.

    Example:

    >>> p = {"Wax": np.ones((4, 3)), "Waa": np.eye(4), "ba": np.zeros((4, 1))}
    >>> [w.shape for w in to_keras_weights(p)]
    [(3, 4), (4, 4), (4,)]
    """
    cell, reset_after = cell_of(parameters)
    n_x, n_a, p = _sizes(parameters, cell, "to_keras_weights")
    if cell == "rnn":
        return [p["Wax"].T.copy(), p["Waa"].T.copy(), p["ba"][:, 0].copy()]
    sign = {"u": -1.0}  # Keras's z = 1 - u
    gates = _KERAS_ORDER[cell]
    kernel = np.concatenate([sign.get(g, 1.0) * p["W" + g][:, n_a:].T for g in gates], axis=1)
    recurrent = np.concatenate([sign.get(g, 1.0) * p["W" + g][:, :n_a].T for g in gates], axis=1)
    bias = np.concatenate([sign.get(g, 1.0) * p["b" + g][:, 0] for g in gates])  # (k * n_a,)
    if cell == "gru" and reset_after:
        recurrent_bias = np.zeros_like(bias)  # z and r need only one bias; h keeps bca
        recurrent_bias[2 * n_a :] = p["bca"][:, 0]
        bias = np.stack([bias, recurrent_bias])  # (2, 3 * n_a)
    return [kernel, recurrent, bias]


def from_keras_weights(weights, cell, *, reset_after=True):
    """Convert a Keras layer's `get_weights()` list to a course parameter dict.

    Args:
        weights: `[kernel, recurrent_kernel, bias]` as numpy arrays.
        cell: "rnn" (SimpleRNN), "lstm" or "gru".
        reset_after: bool, default True; for "gru" only, the layer's `reset_after`.

    Returns:
        Dict with the course's keys (RNN: Wax, Waa, ba; LSTM: Wf, bf, Wi, bi, Wc, bc, Wo, bo;
        GRU: Wu, bu, Wr, br, Wc, bc and, for reset_after=True, bca), no output layer.
        For GRU(reset_after=True) the input and recurrent biases of the z and r gates only
        ever appear summed, so they become one course bias: course -> Keras -> course is
        exact, Keras -> course -> Keras computes the same function.

    Example:

    >>> w = [np.ones((3, 8)), np.ones((2, 8)), np.zeros(8)]
    >>> sorted(from_keras_weights(w, "lstm"))
    ['Wc', 'Wf', 'Wi', 'Wo', 'bc', 'bf', 'bi', 'bo']
    """
    cell = check_cell(cell)
    if not isinstance(weights, (list, tuple)) or len(weights) != 3:
        raise ValueError(
            "weights: expected [kernel, recurrent_kernel, bias] (3 arrays), got "
            f"{len(weights) if isinstance(weights, (list, tuple)) else type(weights).__name__}"
        )
    k = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    kernel = as_array("kernel", weights[0], 2, f"(n_x, {k} * n_a)")
    recurrent = as_array("recurrent_kernel", weights[1], 2, f"(n_a, {k} * n_a)")
    n_x, n_a = kernel.shape[0], recurrent.shape[0]
    check_shape("kernel", kernel, (n_x, k * n_a), f"(n_x, {k} * n_a)")
    check_shape("recurrent_kernel", recurrent, (n_a, k * n_a), f"(n_a, {k} * n_a)")
    split = cell == "gru" and reset_after
    bias_dims = f"(2, {k} * n_a)" if split else f"({k} * n_a,)"
    bias = np.asarray(weights[2])
    check_shape("bias", bias, (2, k * n_a) if split else (k * n_a,), bias_dims)
    if cell == "rnn":
        return {"Wax": kernel.T.copy(), "Waa": recurrent.T.copy(), "ba": bias[:, None].copy()}

    if split:
        input_bias, recurrent_bias = bias[0], bias[1]
        # z and r: the two biases only ever appear summed.
        bias = np.concatenate(
            [input_bias[: 2 * n_a] + recurrent_bias[: 2 * n_a], input_bias[2 * n_a :]]
        )
    out = {}
    for j, gate in enumerate(_KERAS_ORDER[cell]):
        cols = slice(j * n_a, (j + 1) * n_a)
        sign = -1.0 if gate == "u" else 1.0
        out["W" + gate] = sign * np.concatenate([recurrent[:, cols].T, kernel[:, cols].T], axis=1)
        out["b" + gate] = sign * bias[cols][:, None]
    if split:
        out["bca"] = recurrent_bias[2 * n_a :][:, None].copy()
    order = ("f", "i", "c", "o") if cell == "lstm" else ("u", "r", "c")
    keys = [prefix + g for g in order for prefix in ("W", "b")] + (["bca"] if split else [])
    return {key: out[key] for key in keys}


def dense_to_keras(parameters):
    """The output layer's weights as a Keras `Dense` `get_weights()` list.

    Args:
        parameters: course dict with Wya (RNN) or Wy (LSTM, GRU) of shape (n_y, n_a) and
            by (n_y, 1).

    Returns:
        `[kernel (n_a, n_y), bias (n_y,)]`.

    Example:

    >>> [w.shape for w in dense_to_keras({"Wya": np.ones((2, 5)), "by": np.zeros((2, 1))})]
    [(5, 2), (2,)]
    """
    key = "Wya" if isinstance(parameters, dict) and "Wya" in parameters else "Wy"
    n_y, n_a = get_matrix(parameters, key, "(n_y, n_a)", "dense_to_keras").shape
    p = check_parameters(
        parameters,
        {key: ((n_y, n_a), "(n_y, n_a)"), "by": ((n_y, 1), "(n_y, 1)")},
        "dense_to_keras",
    )
    return [p[key].T.copy(), p["by"][:, 0].copy()]


def dense_from_keras(weights, cell):
    """A Keras `Dense` `[kernel, bias]` as the course's output keys ({Wya or Wy, by}).

    Args:
        weights: `[kernel (n_a, n_y), bias (n_y,)]`.
        cell: "rnn" (keys Wya, by) or "lstm" / "gru" (keys Wy, by).

    Returns:
        Dict with the output weight (n_y, n_a) and `by` (n_y, 1).

    Example:

    >>> sorted(dense_from_keras([np.ones((5, 2)), np.zeros(2)], "gru"))
    ['Wy', 'by']
    """
    cell = check_cell(cell)
    if not isinstance(weights, (list, tuple)) or len(weights) != 2:
        raise ValueError("weights: expected [kernel, bias] of a Dense layer with use_bias=True")
    kernel = as_array("kernel", weights[0], 2, "(n_a, n_y)")
    bias = as_array("bias", weights[1], 1, "(n_y,)")
    check_shape("bias", bias, (kernel.shape[1],), "(n_y,)")
    return {output_key(cell): kernel.T.copy(), "by": bias[:, None].copy()}


def _layer_cell(layer):
    import keras  # lazy: TensorFlow (the reference itself is numpy only)

    for cell, cls in (  # noqa: B007  (cell is read after the loop breaks)
        ("lstm", keras.layers.LSTM),
        ("gru", keras.layers.GRU),
        ("rnn", keras.layers.SimpleRNN),
    ):
        if isinstance(layer, cls):
            break
    else:
        raise ValueError(
            f"layer: expected keras.layers.SimpleRNN, LSTM or GRU, got {type(layer).__name__}"
        )
    activation = getattr(layer.activation, "__name__", str(layer.activation))
    if activation != "tanh" or not layer.use_bias:
        raise ValueError(
            f"layer {layer.name!r}: the numpy cells need activation='tanh' and "
            f"use_bias=True, got activation={activation!r}, use_bias={layer.use_bias}"
        )
    if cell != "rnn":
        gate = getattr(layer.recurrent_activation, "__name__", str(layer.recurrent_activation))
        if gate != "sigmoid":
            raise ValueError(
                f"layer {layer.name!r}: the numpy cells need "
                f"recurrent_activation='sigmoid', got {gate!r}"
            )
    return cell


def set_keras_weights(layer, parameters, dense=None):
    """Load a course parameter dict into a Keras recurrent layer (and its output Dense).

    Args:
        layer: a `keras.layers.SimpleRNN`, `LSTM` or `GRU` with tanh/sigmoid activations and
            `units == n_a`; built here for input size n_x if it is not built yet.
        parameters: the course dict (the cell must match the layer type; for a GRU, `bca`
            must be present exactly when `layer.reset_after` is True).
        dense: optional `keras.layers.Dense(n_y)` that receives Wya/Wy and by.

    Returns:
        None. The layers' variables are assigned in place.

    Example:

    >>> import keras
    >>> p = {"Wax": np.ones((4, 3)), "Waa": np.eye(4), "ba": np.zeros((4, 1))}
    >>> layer = keras.layers.SimpleRNN(4)
    >>> set_keras_weights(layer, p)
    >>> layer.get_weights()[0].shape
    (3, 4)
    """
    cell = _layer_cell(layer)
    p_cell, reset_after = cell_of(parameters)
    if p_cell != cell:
        raise ValueError(
            f"parameters: the keys are those of a {p_cell.upper()}, but layer "
            f"{layer.name!r} is a {_LAYER_NAMES[cell]}"
        )
    if cell == "gru" and reset_after != layer.reset_after:
        raise ValueError(
            f"parameters: {'has' if reset_after else 'lacks'} key 'bca' but layer "
            f"{layer.name!r} has reset_after={layer.reset_after}"
        )
    n_x, n_a, _ = _sizes(parameters, cell, "set_keras_weights")
    if layer.units != n_a:
        raise ValueError(
            f"layer {layer.name!r}: units={layer.units}, but the parameters have n_a={n_a}"
        )
    if not layer.built:
        layer.build((None, None, n_x))
    weights = to_keras_weights(parameters)
    for w, variable in zip(weights, layer.weights):
        check_shape(
            f"layer {layer.name!r} variable {variable.path}",
            w,
            tuple(variable.shape),
            "(the Keras variable's shape; is n_x right?)",
        )
    layer.set_weights([np.asarray(w, dtype=v.dtype) for w, v in zip(weights, layer.weights)])
    if dense is not None:
        kernel, bias = dense_to_keras(parameters)
        if not dense.built:
            dense.build((None, n_a))
        dense.set_weights(
            [np.asarray(kernel, dtype=dense.kernel.dtype), np.asarray(bias, dtype=dense.bias.dtype)]
        )


def get_keras_weights(layer, dense=None):
    """Read a Keras recurrent layer (and output Dense) into a course parameter dict.

    Args:
        layer: a built `keras.layers.SimpleRNN`, `LSTM` or `GRU` (tanh/sigmoid).
        dense: optional built `keras.layers.Dense` whose weights become Wya/Wy and by.

    Returns:
        The course dict (see `from_keras_weights`), plus the output keys when `dense` is given.

    Example:

    >>> import keras
    >>> layer = keras.layers.GRU(4)
    >>> layer.build((None, None, 3))
    >>> sorted(get_keras_weights(layer))
    ['Wc', 'Wr', 'Wu', 'bc', 'bca', 'br', 'bu']
    """
    cell = _layer_cell(layer)
    if not layer.built:
        raise ValueError(f"layer {layer.name!r}: not built yet; call it once or build it first")
    parameters = from_keras_weights(
        layer.get_weights(), cell, reset_after=getattr(layer, "reset_after", True)
    )
    if dense is not None:
        parameters.update(dense_from_keras(dense.get_weights(), cell))
    return parameters
