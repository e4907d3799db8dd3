"""One-to-many: one input (a context vector or a start token) -> Ty outputs fed back as inputs.

The course's jazz inference model unrolls one shared LSTM cell Ty times and feeds each
output back as the next input. Here the same pattern gets a teacher-forced training twin
(`build_one_to_many`), a single-step twin (`build_one_to_many_step`) and an unrolled
generator whose sampling happens inside the graph (`build_one_to_many_generator`), all
sharing one set of weights.
"""

import keras

from zoo.layers import TokenSampler, ZeroState
from zoo.lm import build_lm_step
from zoo.recurrent import build_stack, find_stack, run_stack, state_suffixes, step_stack
from zoo.validation import check_int, check_optional_int, refuse_bidirectional


def build_one_to_many(vocab_size, *, context_dim=None, cell="lstm", units=64, num_layers=1,
                      embedding_dim=32, dropout=0.0, bidirectional=False, name="one_to_many"):
    """Build the teacher-forced training twin of a one-to-many generator.

    With `context_dim`, a context vector sets every layer's initial state through a
    `tanh` `Dense` (`init_h_{i}`, and `init_c_{i}` for LSTM); without it, generation starts
    from zero states and a start token. During training the model reads the target
    sequence shifted right by one (start token first) and predicts every next token;
    `build_one_to_many_generator` then feeds its own outputs back.

    Args:
        vocab_size: int >= 2, number of output tokens (including the start token).
        context_dim: optional int >= 1, size of the context vector. Defaults to None.
        cell: `"rnn"`, `"gru"` or `"lstm"`. Defaults to `"lstm"`.
        units: int >= 1, hidden size. Defaults to 64.
        num_layers: int >= 1, stacked recurrent layers. Defaults to 1.
        embedding_dim: int >= 1, size of the fed-back token embeddings. Defaults to 32.
        dropout: float in [0, 1) after each recurrent layer (training only). Defaults to 0.
        bidirectional: must be False: a generator that feeds its outputs back cannot look
            ahead. Present so that a shared configuration dict fails loudly instead of
            silently.
        name: the model's name. Defaults to `"one_to_many"`.

    Returns:
        An uncompiled Functional `keras.Model`. Inputs: `"context"` `(batch, context_dim)`
        when given, and `"tokens"` int32 `(batch, Ty)` (start token, then the targets but
        the last). Output: logits `(batch, Ty, vocab_size)`.

    Example:

    >>> import numpy as np, zoo
    >>> model = zoo.build_one_to_many(12, context_dim=3, units=8)
    >>> model([np.ones((2, 3), "float32"), np.zeros((2, 5), "int32")]).shape
    TensorShape([2, 5, 12])
    """
    check_int("vocab_size", vocab_size, 2)
    check_int("embedding_dim", embedding_dim, 1)
    context_dim = check_optional_int("context_dim", context_dim, 1)
    refuse_bidirectional(bidirectional, "a one-to-many generator",
                         "it feeds each output back as the next input, so it cannot look ahead")
    stack = build_stack(cell, units, num_layers, dropout=dropout)
    tokens = keras.Input((None,), dtype="int32", name="tokens")  # (batch, Ty)
    x = keras.layers.Embedding(vocab_size, embedding_dim, name="embedding")(tokens)
    inputs, initial_states = [tokens], None
    if context_dim:
        context = keras.Input((context_dim,), name="context")  # (batch, context_dim)
        inputs.insert(0, context)
        initial_states = [
            [keras.layers.Dense(units, activation="tanh", name=f"init_{s}_{i}")(context)
             for s in state_suffixes(cell)]
            for i in range(num_layers)
        ]
    x, _ = run_stack(x, stack, initial_states)  # (batch, Ty, units)
    logits = keras.layers.Dense(vocab_size, name="logits")(x)
    return keras.Model(inputs if context_dim else tokens, logits, name=name)


def _initial_states(model, cell, stack, context, reference):
    names = {layer.name for layer in model.layers}
    states = []
    for i, (layer, _) in enumerate(stack):
        for suffix in state_suffixes(cell):
            if context is not None:
                states.append(model.get_layer(f"init_{suffix}_{i}")(context))
            else:
                states.append(ZeroState(layer.cell.units, name=f"zero_{suffix}_{i}")(reference))
    if context is not None and f"init_h_0" not in names:
        raise ValueError(f"model {model.name!r} has no context layers; build it with context_dim")
    return states


def _context_input(model):
    names = [t.name for t in model.inputs]
    if "context" not in names:
        return None
    return keras.Input((model.inputs[names.index("context")].shape[-1],), name="context")


def build_one_to_many_initializer(model):
    """Build the model that turns a context vector into the initial states of the step twin.

    Args:
        model: a model from `build_one_to_many` built with `context_dim`.

    Returns:
        A Functional `keras.Model`: `"context"` `(batch, context_dim)` -> the flat initial
        states, in the order `build_one_to_many_step` takes them.

    Example:

    >>> import numpy as np, zoo
    >>> model = zoo.build_one_to_many(12, context_dim=3, cell="lstm", units=8)
    >>> h, c = zoo.build_one_to_many_initializer(model)(np.ones((2, 3), "float32"))
    >>> h.shape
    TensorShape([2, 8])
    """
    context = _context_input(model)
    if context is None:
        raise ValueError(f"model {model.name!r} was built without context_dim: its initial "
                         "states are zeros (use zoo.zero_states)")
    cell, stack = find_stack(model)
    states = _initial_states(model, cell, stack, context, None)
    return keras.Model(context, states, name=f"{model.name}_initializer")


def build_one_to_many_step(model):
    """Build the single-step twin of a one-to-many model (token + states -> logits + states).

    Args:
        model: a model from `build_one_to_many`.

    Returns:
        A Functional `keras.Model` with the same signature as `build_lm_step`'s.

    Example:

    >>> import numpy as np, zoo
    >>> step = zoo.build_one_to_many_step(zoo.build_one_to_many(12, units=8))
    >>> step([np.zeros((2,), "int32")] + zoo.zero_states(step, 2))[0].shape
    TensorShape([2, 12])
    """
    return build_lm_step(model)


def build_one_to_many_generator(model, *, steps, mode="argmax", temperature=1.0, seed=None):
    """Build a generator that unrolls `steps` steps and feeds each chosen token back.

    The token at every step is chosen inside the graph by a `TokenSampler` (argmax or a
    seeded sample at a temperature), so one call returns a whole sequence, and the model can
    be saved and loaded in safe mode like any other.

    Args:
        model: a model from `build_one_to_many` (trained or loaded).
        steps: int >= 1, Ty, how many tokens to generate.
        mode: `"argmax"` or `"sample"`. Defaults to `"argmax"`.
        temperature: float > 0 for `"sample"`. Defaults to 1.0.
        seed: optional int for reproducible sampling.

    Returns:
        A Functional `keras.Model`. Inputs: `"context"` `(batch, context_dim)` when the model
        has one, and `"start_token"` int32 `(batch,)`. Output: int32 tokens `(batch, steps)`.

    Example:

    >>> import numpy as np, zoo
    >>> model = zoo.build_one_to_many(12, context_dim=3, units=8)
    >>> generate = zoo.build_one_to_many_generator(model, steps=6)
    >>> generate([np.ones((2, 3), "float32"), np.zeros((2,), "int32")]).shape
    TensorShape([2, 6])
    """
    steps = check_int("steps", steps, 1)
    cell, stack = find_stack(model)
    sampler = TokenSampler(mode, temperature, seed, name="token_sampler")
    start = keras.Input((), dtype="int32", name="start_token")  # (batch,)
    context = _context_input(model)
    states = _initial_states(model, cell, stack, context, start)
    embedding, to_logits = model.get_layer("embedding"), model.get_layer("logits")
    token, chosen = start, []
    for t in range(steps):
        h, states = step_stack(embedding(token), stack, states)  # (batch, units)
        token = sampler(to_logits(h))  # (batch,)
        chosen.append(keras.layers.Reshape((1,), name=f"step_{t}")(token))
    tokens = chosen[0] if steps == 1 else keras.layers.Concatenate(name="tokens")(chosen)
    inputs = [context, start] if context is not None else start
    return keras.Model(inputs, tokens, name=f"{model.name}_generator")
