"""Helpers for the explicit states of single-step models."""

import numpy as np

from zoo.models.recurrent import state_suffixes


def state_names(step_model):
    """Names of a step model's state inputs, in the order it takes them.

    Args:
        step_model: a model from `build_lm_step`, `build_one_to_many_step` or the decoder of
            `build_encoder_decoder_inference`; its state inputs are named `state_*`.

    Returns:
        A list of names such as `["state_h_0", "state_c_0"]`.

    Example:

    >>> import zoo
    >>> step = zoo.build_lm_step(zoo.build_lm(10, cell="lstm", units=4))
    >>> zoo.state_names(step)
    ['state_h_0', 'state_c_0']
    """
    return [t.name for t in step_model.inputs if t.name.startswith("state_")]


def zero_states(step_model, batch_size):
    """Zero initial states for a step model, one float32 array `(batch_size, size)` each.

    Args:
        step_model: a single-step model whose state inputs are named `state_*`.
        batch_size: how many sequences are generated at once.

    Returns:
        A list of numpy arrays in the order of `state_names(step_model)`.

    Example:

    >>> import zoo
    >>> step = zoo.build_lm_step(zoo.build_lm(10, cell="gru", units=4, num_layers=2))
    >>> [s.shape for s in zoo.zero_states(step, batch_size=3)]
    [(3, 4), (3, 4)]
    """
    return [
        np.zeros((batch_size, t.shape[-1]), dtype="float32")
        for t in step_model.inputs
        if t.name.startswith("state_")
    ]


def state_inputs(keras, cell, sizes, prefix="state"):
    """Create named `keras.Input`s for the flat states of a stack.

    Args:
        keras: the keras module.
        cell: `"rnn"`, `"gru"` or `"lstm"`.
        sizes: the hidden size of each layer, bottom first.
        prefix: name prefix of the inputs.

    Returns:
        A flat list `[h_0, (c_0,) h_1, ...]` of `keras.Input` tensors `(batch, size)`.
    """
    inputs = []
    for i, size in enumerate(sizes):
        for suffix in state_suffixes(cell):
            inputs.append(keras.Input((size,), name=f"{prefix}_{suffix}_{i}"))
    return inputs
