"""Recurrent networks from scratch in numpy, proven to be the same math as the Keras layers.

The cells follow the "Sequence Models" course's conventions: x (n_x, m, T_x), a0 (n_a, m),
one weight matrix per gate acting on [a<t-1>; x<t>], softmax outputs, caches for the backward
pass. `keras_bridge` moves the weights to and from `keras.layers.SimpleRNN`, `LSTM` and `GRU`
(keras is imported only inside the functions that need it: importing this package loads numpy
alone).

Example:

>>> import numpy as np
>>> from zoo import reference as ref
>>> p = ref.initialize_parameters(n_a=8, n_x=5, n_y=5, cell="lstm")
>>> a, y, c, caches = ref.lstm_forward(np.zeros((5, 2, 3)), np.zeros((8, 2)), p)
>>> ref.lstm_backward(np.ones_like(a), caches)["dWf"].shape
(8, 13)
"""

from zoo.reference._cells import CELLS
from zoo.reference.char_model import (
    char_backward,
    char_forward,
    clip,
    one_hot,
    optimize,
    sample,
    update_parameters,
)
from zoo.reference.char_trainer import (
    CharModelResult,
    build_vocabulary,
    indices_to_name,
    initialize_parameters,
    load_names,
    train_char_model,
)
from zoo.reference.gradients import gradient_norms_over_time
from zoo.reference.gru import (
    gru_backward,
    gru_cell_backward,
    gru_cell_forward,
    gru_forward,
)
from zoo.reference.keras_bridge import (
    dense_from_keras,
    dense_to_keras,
    from_keras_weights,
    get_keras_weights,
    set_keras_weights,
    to_keras_weights,
)
from zoo.reference.keras_parity import build_keras_layers, keras_forward
from zoo.reference.lstm import (
    lstm_backward,
    lstm_cell_backward,
    lstm_cell_forward,
    lstm_forward,
)
from zoo.reference.rnn import (
    rnn_backward,
    rnn_cell_backward,
    rnn_cell_forward,
    rnn_forward,
)

__all__ = [
    "CELLS",
    "CharModelResult",
    "build_keras_layers",
    "build_vocabulary",
    "char_backward",
    "char_forward",
    "clip",
    "dense_from_keras",
    "dense_to_keras",
    "from_keras_weights",
    "get_keras_weights",
    "gradient_norms_over_time",
    "gru_backward",
    "gru_cell_backward",
    "gru_cell_forward",
    "gru_forward",
    "indices_to_name",
    "initialize_parameters",
    "keras_forward",
    "load_names",
    "lstm_backward",
    "lstm_cell_backward",
    "lstm_cell_forward",
    "lstm_forward",
    "one_hot",
    "optimize",
    "rnn_backward",
    "rnn_cell_backward",
    "rnn_cell_forward",
    "rnn_forward",
    "sample",
    "set_keras_weights",
    "to_keras_weights",
    "train_char_model",
    "update_parameters",
]
