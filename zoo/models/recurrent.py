"""The one place that turns `cell`, `units`, `num_layers`, `bidirectional`, `dropout` into layers.

A stack is a list of recurrent layers (named `{prefix}{cell}_{i}`) with a `Dropout` after each
(named `{prefix}dropout_{i}`) when `dropout > 0`. The same layer objects are run two ways: over
whole sequences (`run_stack`, for training) and one step at a time through their cells
(`step_stack`, for generation), so both graphs share one set of weights.
"""

import contextlib

import keras

from zoo.core.checks import check_choice, check_int, check_rate
from zoo.models.fast_rnn import LSTM, FastGRU, FastLSTM, fast_layers_enabled

CELLS = ("rnn", "gru", "lstm")

_LAYER_CLASSES = {
    "rnn": keras.layers.SimpleRNN,
    "gru": keras.layers.GRU,
    "lstm": keras.layers.LSTM,
}
_FAST = {"enabled": None}  # None: the default (see fast_layers)


@contextlib.contextmanager
def fast_layers(enabled=True):
    """Choose the LSTM and GRU layer classes the factories build inside the block.

    By default (outside any block) every LSTM is `zoo.models.fast_rnn.LSTM`: the stock layer with
    `zoo.native.fused_lstm`'s whole-sequence loop on CPUs (the stock code, cuDNN included, on a GPU),
    under the stock class name, so checkpoints resume across machines and versions; every GRU
    is the stock layer. `fast_layers()` builds `FastLSTM` (the same loop under its own name)
    and `FastGRU` (the input projection hoisted) on machines without a GPU, the defaults on a
    GPU; `fast_layers(False)` builds the stock `keras.layers.LSTM` and `GRU`. All of them are
    the same layers (weights, config, outputs, gradients), but Keras keys a weights file by
    layer class name, so a run started with `FastLSTM`/`FastGRU` resumes only with them.

    Args:
        enabled: bool: True builds both fast layers, False both stock layers, for factories
            called inside the block. Defaults to True.

    Example:

    >>> import zoo
    >>> type(zoo.build_lm(10, units=4).get_layer("lstm_0")).__module__
    'zoo.models.fast_rnn'
    >>> with fast_layers():
    ...     lm = zoo.build_lm(10, units=4)
    >>> type(lm.get_layer("lstm_0")).__name__
    'FastLSTM'
    >>> with fast_layers(False):
    ...     lm = zoo.build_lm(10, units=4)
    >>> type(lm.get_layer("lstm_0")).__module__.startswith("keras.")
    True
    """
    before = _FAST["enabled"]
    _FAST["enabled"] = bool(enabled)
    try:
        yield
    finally:
        _FAST["enabled"] = before


def _layer_class(cell):
    """The layer class `build_stack` uses for `cell` (see `fast_layers`)."""
    wanted = _FAST["enabled"]
    if wanted is False:
        return _LAYER_CLASSES[cell]
    if wanted and cell in ("lstm", "gru") and fast_layers_enabled():
        return {"lstm": FastLSTM, "gru": FastGRU}[cell]
    return LSTM if cell == "lstm" else _LAYER_CLASSES[cell]


def check_recurrent_args(cell, units, num_layers, dropout):
    """Validate the common recurrent knobs; raise `ValueError` naming the bad one.

    Args:
        cell: `"rnn"`, `"gru"` or `"lstm"`.
        units: hidden size, an integer >= 1.
        num_layers: stacked recurrent layers, an integer >= 1.
        dropout: rate in [0, 1) applied after each recurrent layer.

    Returns:
        `(units, num_layers, dropout)` as Python `int`, `int` and `float` (numpy numbers
        are accepted).
    """
    check_choice("cell", cell, CELLS)
    return (
        check_int("units", units, 1),
        check_int("num_layers", num_layers, 1),
        check_rate("dropout", dropout),
    )


def num_states(cell):
    """Number of state tensors a cell carries: 2 for LSTM (h, c), else 1 (h)."""
    return 2 if cell == "lstm" else 1


def state_suffixes(cell):
    """Names of a cell's states, in Keras's order: `["h", "c"]` for LSTM, else `["h"]`."""
    return ["h", "c"] if cell == "lstm" else ["h"]


def layer_name(prefix, cell, index):
    """The name of recurrent layer `index` in a stack, e.g. `encoder_lstm_0`."""
    return f"{prefix}{cell}_{index}"


def build_stack(
    cell,
    units,
    num_layers,
    *,
    prefix="",
    bidirectional=False,
    dropout=0.0,
    last_returns_sequences=True,
    return_state=False,
):
    """Create (but do not call) the layers of a recurrent stack.

    Args:
        cell: `"rnn"`, `"gru"` or `"lstm"`.
        units: hidden size of each layer (per direction when bidirectional).
        num_layers: how many recurrent layers are stacked.
        prefix: prepended to every layer name (e.g. `"encoder_"`).
        bidirectional: wrap each layer in `keras.layers.Bidirectional` (concatenated outputs).
        dropout: rate of the `Dropout` layer after each recurrent layer; 0 adds none.
        last_returns_sequences: whether the top layer returns the whole sequence (`True`) or
            only its last output (`False`, many-to-one).
        return_state: whether every layer also returns its final states.

    Returns:
        A list of `(recurrent_layer, dropout_layer_or_None)` pairs, bottom first.
    """
    units, num_layers, dropout = check_recurrent_args(cell, units, num_layers, dropout)
    layer_class = _layer_class(cell)
    stack = []
    for i in range(num_layers):
        name = layer_name(prefix, cell, i)
        sequences = last_returns_sequences or i < num_layers - 1
        layer = layer_class(units, return_sequences=sequences, return_state=return_state, name=name)
        if bidirectional:
            layer = keras.layers.Bidirectional(layer, name=name)
        drop = keras.layers.Dropout(dropout, name=f"{prefix}dropout_{i}") if dropout else None
        stack.append((layer, drop))
    return stack


def find_stack(model, prefix=""):
    """Find a stack's layers in a built model by name, bottom first.

    Args:
        model: a model built from `build_stack` layers.
        prefix: the prefix the stack was built with.

    Returns:
        `(cell, stack)` where `stack` is a list of `(recurrent_layer, dropout_or_None)`.
    """
    names = {layer.name for layer in model.layers}
    for cell in CELLS:
        if layer_name(prefix, cell, 0) in names:
            stack, i = [], 0
            while layer_name(prefix, cell, i) in names:
                drop_name = f"{prefix}dropout_{i}"
                drop = model.get_layer(drop_name) if drop_name in names else None
                stack.append((model.get_layer(layer_name(prefix, cell, i)), drop))
                i += 1
            return cell, stack
    raise ValueError(
        f"model {model.name!r} has no recurrent layer named {prefix!r} + one of "
        f"{[layer_name('', c, 0) for c in CELLS]}; was it built by a seqzoo factory?"
    )


def run_stack(x, stack, initial_states=None):
    """Run a stack over whole sequences (the training graph).

    Args:
        x: input tensor `(batch, time, features)`.
        stack: layers from `build_stack`.
        initial_states: optional list (one entry per layer) of state lists, or None.

    Returns:
        `(outputs, final_states)`: the top layer's output and, when the layers return states,
        a list per layer of its final states (bidirectional: forward states then backward).
    """
    final_states = []
    for i, (layer, drop) in enumerate(stack):
        kwargs = {}
        if initial_states is not None and initial_states[i] is not None:
            kwargs["initial_state"] = initial_states[i]
        result = layer(x, **kwargs)
        if isinstance(result, (list, tuple)):
            x, states = result[0], list(result[1:])
            final_states.append(states)
        else:
            x = result
        if drop is not None:
            x = drop(x)
    return x, final_states


def step_stack(x, stack, states):
    """Advance a unidirectional stack by one time step through its cells.

    Args:
        x: input for this step, `(batch, features)`.
        stack: layers from `build_stack` (already built by the training graph).
        states: flat list of state tensors, per layer in Keras's order
            (`[h_0, c_0, h_1, c_1, ...]` for LSTM, `[h_0, h_1, ...]` otherwise).

    Returns:
        `(output, new_states)`: the top layer's output `(batch, units)` and the flat new states.
    """
    new_states = []
    per_layer = len(states) // len(stack)
    for i, (layer, _) in enumerate(stack):
        layer_states = list(states[i * per_layer : (i + 1) * per_layer])
        # Keras names every cell of a class alike ("lstm_cell"); a graph needs unique names.
        layer.cell.name = f"{layer.name}_cell"
        # One step has no time axis to mask: let a padding mask pass through unused rather
        # than have Keras warn at every call that the cell drops it.
        layer.cell.supports_masking = True
        x, updated = layer.cell(x, layer_states)
        new_states.extend(updated if isinstance(updated, (list, tuple)) else [updated])
    return x, new_states
