"""Build the Keras twin of a numpy parameter dict and run it in the course's layout.

These are the two calls the parity proof needs: `build_keras_layers` turns a course dict into
a built `SimpleRNN`/`LSTM`/`GRU` plus its softmax `Dense`, and `keras_forward` runs them on
course-layout arrays (x (n_x, m, T_x), a0 (n_a, m)) and returns course-layout results, so the
outputs can be compared element by element with `rnn_forward`, `lstm_forward`, `gru_forward`.
keras is imported inside the functions only.
"""

import numpy as np

from zoo.reference._cells import cell_of, output_key
from zoo.reference._checks import as_array, check_shape, get_matrix
from zoo.reference.keras_bridge import set_keras_weights


def build_keras_layers(parameters, *, dtype="float32", name="reference"):
    """Create the Keras layers that compute the same function as a course parameter dict.

    Args:
        parameters: the course dict of an RNN, LSTM or GRU, with its output layer (Wya or Wy,
            by). A GRU dict with `bca` becomes `GRU(reset_after=True)`, without it False.
        dtype: str, default "float32". The layers' dtype ("float64" for gradient checks).
        name: str, default "reference". Prefix of the layer names
            (`{name}_{cell}` and `{name}_output`).

    Returns:
        Tuple `(recurrent_layer, dense_layer)`, built and loaded; the recurrent layer has
        `return_sequences=True, return_state=True`, the Dense a softmax activation.

    Example:

    >>> p = {"Wax": np.ones((4, 3)), "Waa": np.eye(4), "ba": np.zeros((4, 1)),
    ...      "Wya": np.ones((2, 4)), "by": np.zeros((2, 1))}
    >>> layer, dense = build_keras_layers(p)
    >>> type(layer).__name__, dense.units
    ('SimpleRNN', 2)
    """
    import keras  # lazy: TensorFlow (the reference itself is numpy only)

    cell, reset_after = cell_of(parameters)
    n_y, n_a = get_matrix(parameters, output_key(cell), "(n_y, n_a)", "build_keras_layers").shape
    common = dict(
        units=n_a, return_sequences=True, return_state=True, dtype=dtype, name=f"{name}_{cell}"
    )
    if cell == "rnn":
        layer = keras.layers.SimpleRNN(activation="tanh", **common)
    elif cell == "lstm":
        layer = keras.layers.LSTM(activation="tanh", recurrent_activation="sigmoid", **common)
    else:
        layer = keras.layers.GRU(
            activation="tanh", recurrent_activation="sigmoid", reset_after=reset_after, **common
        )
    dense = keras.layers.Dense(n_y, activation="softmax", dtype=dtype, name=f"{name}_output")
    set_keras_weights(layer, parameters, dense=dense)
    return layer, dense


def keras_forward(x, a0, parameters, *, c0=None, dtype="float32"):
    """Run the Keras twin of `parameters` on course-layout inputs.

    Args:
        x: inputs, shape (n_x, m, T_x).
        a0: initial hidden state, shape (n_a, m).
        parameters: the course dict (cell and output layer), as for `build_keras_layers`.
        c0: LSTM only: initial memory cell (n_a, m), default zeros.
        dtype: str, default "float32".

    Returns:
        Tuple `(a, y)`: hidden states (n_a, m, T_x) and softmax outputs (n_y, m, T_x) as numpy
        arrays, computed by Keras.

    Example:

    >>> p = {"Wax": np.ones((4, 3)), "Waa": np.eye(4), "ba": np.zeros((4, 1)),
    ...      "Wya": np.ones((2, 4)), "by": np.zeros((2, 1))}
    >>> a, y = keras_forward(np.zeros((3, 2, 5)), np.zeros((4, 2)), p)
    >>> a.shape, y.shape
    ((4, 2, 5), (2, 2, 5))
    """
    x = as_array("x", x, 3, "(n_x, m, T_x)")
    a0 = as_array("a0", a0, 2, "(n_a, m)")
    check_shape("a0", a0, (a0.shape[0], x.shape[1]), "(n_a, m) with m from x")
    layer, dense = build_keras_layers(parameters, dtype=dtype)
    states = [a0.T.astype(dtype)]  # Keras states are (m, n_a)
    if cell_of(parameters)[0] == "lstm":
        c0 = np.zeros_like(a0) if c0 is None else as_array("c0", c0, 2, "(n_a, m)")
        check_shape("c0", c0, a0.shape, "(n_a, m) like a0")
        states.append(c0.T.astype(dtype))
    sequences = np.transpose(x, (1, 2, 0)).astype(dtype)  # (m, T_x, n_x)
    a_seq = layer(sequences, initial_state=states)[0]  # (m, T_x, n_a)
    y_seq = dense(a_seq)  # (m, T_x, n_y)
    to_course = lambda t: np.transpose(np.asarray(t), (2, 0, 1))  # noqa: E731
    return to_course(a_seq), to_course(y_seq)
