"""Causal language models: `build_lm` for training and its single-step twin for generation."""

import keras

from zoo.core.checks import check_int, check_optional_int, refuse_bidirectional
from zoo.models.layers import JoinConditioning
from zoo.models.recording import records_call
from zoo.models.recurrent import build_stack, find_stack, run_stack, step_stack
from zoo.models.states import state_inputs


@records_call
def build_lm(
    vocab_size,
    *,
    cell="lstm",
    units=256,
    num_layers=1,
    embedding_dim=64,
    dropout=0.0,
    conditioning_dim=None,
    bidirectional=False,
    name="lm",
):
    """Build a causal recurrent language model: token ids -> next-token logits.

    The model embeds token ids, optionally joins per-step conditioning features to the
    embeddings (for example the current chord of a jazz solo), runs a stack of recurrent
    layers and projects every step to logits over the vocabulary. Train it with teacher
    forcing (targets = inputs shifted by one) and
    `keras.losses.SparseCategoricalCrossentropy(from_logits=True)`; generate with the
    single-step twin from `build_lm_step`.

    Args:
        vocab_size: int >= 2, number of token ids.
        cell: `"rnn"`, `"gru"` or `"lstm"`. Defaults to `"lstm"`.
        units: int >= 1, hidden size of every recurrent layer. Defaults to 256.
        num_layers: int >= 1, stacked recurrent layers (a deep RNN). Defaults to 1.
        embedding_dim: int >= 1, size of the token embeddings. Defaults to 64.
        dropout: float in [0, 1), dropout after each recurrent layer. Defaults to 0.
        conditioning_dim: optional int >= 1. When given, the model takes a second input
            `"conditioning"` of shape `(batch, time, conditioning_dim)` that is concatenated
            to the embeddings at every step. Defaults to None.
        bidirectional: must be False: a causal model cannot look ahead. Present so that a
            shared configuration dict fails loudly instead of silently.
        name: the model's name. Defaults to `"lm"`.

    Returns:
        An uncompiled Functional `keras.Model`. Inputs: `"tokens"` int32 `(batch, time)` and,
        with conditioning, `"conditioning"` float32 `(batch, time, conditioning_dim)`.
        Output: logits `(batch, time, vocab_size)`.

    Example:

    >>> import numpy as np, zoo
    >>> lm = zoo.build_lm(30, cell="gru", units=16, num_layers=2)
    >>> lm(np.zeros((2, 7), "int32")).shape
    TensorShape([2, 7, 30])
    """
    vocab_size = check_int("vocab_size", vocab_size, 2)
    embedding_dim = check_int("embedding_dim", embedding_dim, 1)
    conditioning_dim = check_optional_int("conditioning_dim", conditioning_dim, 1)
    refuse_bidirectional(
        bidirectional,
        "a causal language model",
        "it would see the tokens it must predict",
        "bidirectional=False (or build_many_to_many for tagging)",
    )
    stack = build_stack(cell, units, num_layers, dropout=dropout)
    tokens = keras.Input((None,), dtype="int32", name="tokens")  # (batch, time)
    inputs = [tokens]
    x = keras.layers.Embedding(vocab_size, embedding_dim, name="embedding")(tokens)
    if conditioning_dim:
        conditioning = keras.Input((None, conditioning_dim), name="conditioning")
        inputs.append(conditioning)
        x = JoinConditioning(name="join_conditioning")([x, conditioning])
    x, _ = run_stack(x, stack)  # (batch, time, units)
    logits = keras.layers.Dense(vocab_size, name="logits")(x)  # (batch, time, vocab)
    return keras.Model(inputs if len(inputs) > 1 else tokens, logits, name=name)


def build_lm_step(lm):
    """Build the single-step twin of a model from `build_lm`, sharing its layers and weights.

    The twin advances every recurrent layer by one token with explicit states, so generating
    `n` tokens costs `n` steps instead of re-running a growing prefix. It works on a freshly
    built, a trained or a reloaded language model.

    Args:
        lm: a `keras.Model` built by `build_lm` (or loaded from one).

    Returns:
        A Functional `keras.Model`. Inputs, in order: `"token"` int32 `(batch,)`;
        `"conditioning"` `(batch, conditioning_dim)` when the LM has conditioning; then the
        states `state_h_0`, (`state_c_0` for LSTM), `state_h_1`, ... each `(batch, units)`.
        Outputs: `[logits (batch, vocab_size), *new_states]` in the same state order.

    Example:

    >>> import numpy as np, zoo
    >>> lm = zoo.build_lm(30, cell="lstm", units=16)
    >>> step = zoo.build_lm_step(lm)
    >>> logits, h, c = step([np.zeros((2,), "int32")] + zoo.zero_states(step, 2))
    >>> logits.shape, h.shape
    (TensorShape([2, 30]), TensorShape([2, 16]))
    """
    if not isinstance(lm, keras.Model):
        raise ValueError(f"build_lm_step expects a keras.Model from build_lm; got {type(lm)!r}")
    cell, stack = find_stack(lm)
    names = {layer.name for layer in lm.layers}
    for required in ("embedding", "logits"):
        if required not in names:
            raise ValueError(f"model {lm.name!r} has no layer {required!r}; build it with build_lm")
    token = keras.Input((), dtype="int32", name="token")  # (batch,)
    inputs = [token]
    x = lm.get_layer("embedding")(token)  # (batch, embedding_dim)
    if "join_conditioning" in names:
        conditioning_dim = lm.get_layer("join_conditioning").input[1].shape[-1]
        conditioning = keras.Input((conditioning_dim,), name="conditioning")
        inputs.append(conditioning)
        x = lm.get_layer("join_conditioning")([x, conditioning])
    states = state_inputs(keras, cell, [layer.cell.units for layer, _ in stack])
    x, new_states = step_stack(x, stack, states)  # (batch, units)
    logits = lm.get_layer("logits")(x)  # (batch, vocab)
    return keras.Model(inputs + states, [logits] + new_states, name=f"{lm.name}_step")
