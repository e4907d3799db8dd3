"""One-to-many: one input (a context vector or a start token) -> Ty outputs fed back as inputs.

The course's jazz inference model unrolls one shared LSTM cell Ty times and feeds each
output back as the next input. Here the same pattern gets a teacher-forced training twin
(`build_one_to_many`), a single-step twin (`build_one_to_many_step`) and a generator
(`build_one_to_many_generator`) that runs the twin in the zoo's compiled generation engine,
all sharing one set of weights.
"""

import os

import keras
import numpy as np

from zoo.core.checks import check_choice, check_int, check_optional_int, refuse_bidirectional
from zoo.generation.choice import check_sampling_args
from zoo.generation.sampler import Sampler
from zoo.models.layers import ZeroState
from zoo.models.lm import build_lm_step
from zoo.models.recording import records_call
from zoo.models.recurrent import build_stack, find_stack, run_stack, state_suffixes


@records_call
def build_one_to_many(
    vocab_size,
    *,
    context_dim=None,
    cell="lstm",
    units=64,
    num_layers=1,
    embedding_dim=32,
    dropout=0.0,
    bidirectional=False,
    name="one_to_many",
):
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
    vocab_size = check_int("vocab_size", vocab_size, 2)
    embedding_dim = check_int("embedding_dim", embedding_dim, 1)
    context_dim = check_optional_int("context_dim", context_dim, 1)
    refuse_bidirectional(
        bidirectional,
        "a one-to-many generator",
        "it feeds each output back as the next input, so it cannot look ahead",
    )
    stack = build_stack(cell, units, num_layers, dropout=dropout)
    tokens = keras.Input((None,), dtype="int32", name="tokens")  # (batch, Ty)
    x = keras.layers.Embedding(vocab_size, embedding_dim, name="embedding")(tokens)
    inputs, initial_states = [tokens], None
    if context_dim:
        context = keras.Input((context_dim,), name="context")  # (batch, context_dim)
        inputs.insert(0, context)
        initial_states = [
            [
                keras.layers.Dense(units, activation="tanh", name=f"init_{s}_{i}")(context)
                for s in state_suffixes(cell)
            ]
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
    if context is not None and "init_h_0" not in names:
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
        raise ValueError(
            f"model {model.name!r} was built without context_dim: its initial "
            "states are zeros (use zoo.zero_states)"
        )
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


class OneToManyGenerator:
    """A thin wrapper over the generation engine for `build_one_to_many` models.

    Calling it sets the initial states from the context (or zeros), then runs the zoo's
    compiled loop (`zoo.Sampler` over `build_one_to_many_step`) for `steps` tokens, each fed
    back as the next input. Built by `build_one_to_many_generator`.

    Args:
        model: a model from `build_one_to_many`.
        steps: int >= 1, tokens to generate.
        mode: `"argmax"` (greedy) or `"sample"`.
        temperature: float > 0 for `"sample"`.
        seed: optional int; with a seed, every call with the same inputs draws the same tokens.
        jit_compile: bool, compile the loop with XLA. Defaults to True.

    Example:

    >>> import numpy as np, zoo
    >>> generate = OneToManyGenerator(zoo.build_one_to_many(9, units=8), steps=5, mode="sample",
    ...                               seed=3)
    >>> tokens = generate(np.zeros((2,), "int32"))
    >>> tokens.shape, bool((tokens == generate(np.zeros((2,), "int32"))).all())
    ((2, 5), True)
    """

    def __init__(
        self, model, *, steps, mode="argmax", temperature=1.0, seed=None, jit_compile=True
    ):
        self.steps = check_int("steps", steps, 1)
        self.mode = check_choice("mode", mode, ("argmax", "sample"))
        self.temperature = check_sampling_args(temperature)[0]
        self.seed = seed
        self.model = model
        self.initializer = (
            build_one_to_many_initializer(model) if _context_input(model) is not None else None
        )
        self.sampler = Sampler(build_one_to_many_step(model), jit_compile=jit_compile)

    def __call__(self, inputs):
        """Generate: `inputs` is `[context (batch, context_dim), start_token (batch,)]`, or
        `start_token` alone for a model without context; returns int32 `(batch, steps)`."""
        if self.initializer is not None:
            if not isinstance(inputs, (list, tuple)) or len(inputs) != 2:
                raise ValueError(
                    "inputs must be [context, start_token] for a model built with context_dim"
                )
            context, start = inputs
            states = self.initializer(np.asarray(context, "float32"), training=False)
            states = [
                np.asarray(s) for s in (states if isinstance(states, (list, tuple)) else [states])
            ]
        else:
            start, states = inputs, None
        start = np.asarray(start, "int32").reshape(-1, 1)  # (batch, 1): the first fed token
        seed = self.seed if self.seed is not None else int.from_bytes(os.urandom(4), "little")
        return self.sampler(
            start,
            self.steps,
            greedy=self.mode == "argmax",
            temperature=self.temperature,
            seed=seed,
            states=states,
        )


def build_one_to_many_generator(model, *, steps, mode="argmax", temperature=1.0, seed=None):
    """Build a generator that runs `steps` steps and feeds each chosen token back.

    A thin wrapper over the zoo's generation engine (`OneToManyGenerator`): the whole
    generation is one compiled loop over the single-step twin, sharing the model's weights.
    To keep a generator, save `model` and build the generator again after loading it.

    Args:
        model: a model from `build_one_to_many` (trained or loaded).
        steps: int >= 1, Ty, how many tokens to generate.
        mode: `"argmax"` or `"sample"`. Defaults to `"argmax"`.
        temperature: float > 0 for `"sample"`. Defaults to 1.0.
        seed: optional int for reproducible sampling (the same seed and inputs give the same
            tokens); None draws a fresh seed per call.

    Returns:
        A callable `OneToManyGenerator`. Inputs: `[context (batch, context_dim), start_token
        (batch,)]` when the model has a context, else `start_token`. Output: an int32 numpy
        array `(batch, steps)`.

    Example:

    >>> import numpy as np, zoo
    >>> model = zoo.build_one_to_many(12, context_dim=3, units=8)
    >>> generate = zoo.build_one_to_many_generator(model, steps=6)
    >>> generate([np.ones((2, 3), "float32"), np.zeros((2,), "int32")]).shape
    (2, 6)
    """
    return OneToManyGenerator(model, steps=steps, mode=mode, temperature=temperature, seed=seed)
