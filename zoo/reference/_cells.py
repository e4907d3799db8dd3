"""One interface over the three numpy cells, so the char model and the gradient study are generic.

A parameter dict says which cell it belongs to: `Wax` -> "rnn", `Wf` -> "lstm", `Wu` -> "gru"
(and `bca` -> the GRU's reset_after=True variant). The output layer is `Wya`/`by` for the RNN,
`Wy`/`by` for the gated cells, as in the course.
"""

from collections.abc import Mapping

import numpy as np

from zoo.reference import gru, lstm, rnn
from zoo.reference._checks import check_parameters, get_matrix

CELLS = ("rnn", "lstm", "gru")
_MARKERS = {"Wax": "rnn", "Wf": "lstm", "Wu": "gru"}


def cell_of(parameters):
    """Return `(cell, reset_after)` for a parameter dict; reset_after is None except for GRUs."""
    if not isinstance(parameters, Mapping):
        raise ValueError(f"parameters: expected a dict of arrays, got {type(parameters).__name__}")
    for key, cell in _MARKERS.items():
        if key in parameters:
            return cell, ("bca" in parameters) if cell == "gru" else None
    raise ValueError(
        "parameters: cannot tell the cell: expected key 'Wax' (RNN), 'Wf' (LSTM) or 'Wu' (GRU), "
        f"got keys {', '.join(map(str, parameters)) or 'none'}"
    )


def check_cell(cell):
    """Raise a ValueError unless `cell` is one of CELLS; return it lower-cased."""
    name = str(cell).lower()
    if name not in CELLS:
        raise ValueError(f"cell: expected one of {', '.join(CELLS)}, got {cell!r}")
    return name


def output_key(cell):
    """The key of the output weight matrix: "Wya" for the RNN, "Wy" for LSTM and GRU."""
    return "Wya" if cell == "rnn" else "Wy"


def validate(parameters, n_x, where):
    """Check a full parameter dict (cell + output layer) for inputs of size n_x.

    Returns:
        `(cell, reset_after, checked)` where `checked` maps every key to an ndarray.
    """
    cell, reset_after = cell_of(parameters)
    wy = get_matrix(parameters, output_key(cell), "(n_y, n_a)", where)
    n_y, n_a = wy.shape
    if cell == "rnn":
        spec = rnn.rnn_spec(n_x, n_a, n_y)
    elif cell == "lstm":
        spec = lstm.lstm_spec(n_x, n_a, n_y)
    else:
        spec = gru.gru_spec(n_x, n_a, n_y, reset_after)
    return cell, reset_after, check_parameters(parameters, spec, where)


def initial_state(cell, n_a, m=1, dtype=np.float64):
    """Zero state: an (n_a, m) array, or the pair (a, c) for the LSTM."""
    a = np.zeros((n_a, m), dtype=dtype)
    return (a, np.zeros_like(a)) if cell == "lstm" else a


def hidden(state):
    """The hidden state `a` of a state (the LSTM's state is the pair (a, c))."""
    return state[0] if isinstance(state, tuple) else state


def forward(x, state, parameters):
    """Run any cell over x (n_x, m, T_x) from `state`.

    Returns:
        `(a, y, final_state, caches)` with a (n_a, m, T_x), y (n_y, m, T_x) and the state after
        the last step (the pair (a, c) for the LSTM).
    """
    cell, reset_after = cell_of(parameters)
    if cell == "lstm":
        a0, c0 = state if isinstance(state, tuple) else (state, None)
        a, y, c, caches = lstm.lstm_forward(x, a0, parameters, c0=c0)
        return a, y, (a[:, :, -1], c[:, :, -1]), caches
    if cell == "gru":
        a, y, caches = gru.gru_forward(x, hidden(state), parameters, reset_after=reset_after)
    else:
        a, y, caches = rnn.rnn_forward(x, hidden(state), parameters)
    return a, y, a[:, :, -1], caches


def backward(da, caches, parameters):
    """Backpropagation through time for any cell (dispatches on the parameter keys)."""
    cell, _ = cell_of(parameters)
    return {"rnn": rnn.rnn_backward, "lstm": lstm.lstm_backward, "gru": gru.gru_backward}[cell](
        da, caches
    )


def step_forward(xt, state, parameters):
    """One step of any cell on already-validated parameters: returns `(new_state, yt)`."""
    cell, reset_after = cell_of(parameters)
    if cell == "lstm":
        a, c, yt, _ = lstm.raw_step_forward(xt, state[0], state[1], parameters)
        return (a, c), yt
    if cell == "gru":
        a, yt, _ = gru.raw_step_forward(xt, state, parameters, reset_after)
        return a, yt
    a, yt, _ = rnn.raw_step_forward(xt, state, parameters)
    return a, yt


def step_backward(da_next, dc_next, cache, parameters):
    """One backward step of any cell: returns `(da_prev, dc_prev or None)`."""
    cell, _ = cell_of(parameters)
    if cell == "lstm":
        grads = lstm.raw_step_backward(da_next, dc_next, cache)
        return grads["da_prev"], grads["dc_prev"]
    module = gru if cell == "gru" else rnn
    return module.raw_step_backward(da_next, cache)["da_prev"], None
