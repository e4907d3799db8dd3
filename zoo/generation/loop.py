"""The machinery of the compiled generation loop, shared by sampling and beam search.

`StepLoop` reads a step model's inputs and outputs and provides the graph pieces every
generation loop is made of: one step-model call (`call`), the hooks (`mask`, `update`,
`done`), feeding a prime (`feed`), the zero template of the extra outputs (`template`),
stacking a `tf.TensorArray` to a static length (`stack`), the checks of a call's arguments
(`prepare_args`) and the cache of compiled functions (`cached`). `zoo.generation.sampler.Sampler`
builds the sampling loop on it and `zoo.generation.beam` the beam search, so both run the same
step, the same hooks and the same checks.

A step model is any Keras model whose first input is the token `(batch,)`, whose inputs named
`state_*` are recurrent states and whose outputs are `[logits, *new_states, *extra_outputs]`
(see `zoo.generation.sampler`).
"""

from typing import NamedTuple

import numpy as np
import tensorflow as tf

__all__ = ["NO_TOKEN", "Step", "StepLoop", "rows", "batch_first", "token_tensor", "check_prime"]

NO_TOKEN = -1  # "no end-of-sequence token": generation runs to the full length


class Step(NamedTuple):
    """What a hook sees at one step of the loop (all tensors, inside the graph).

    Attributes:
        position: scalar int32, index of the fed token in the whole fed sequence (the prime
            is positions 0 .. prime_len - 1).
        index: scalar int32, the generation step (0 when the first new token is chosen).
        token: int32 `(batch,)`, the token fed at this position.
        carry: dict of per-row tensors `(batch, ...)`, the hooks' own loop state.
        context: dict of call-time tensors, the same at every step (tables, lengths).
    """

    position: object
    index: object
    token: object
    carry: dict
    context: dict


class StepLoop:
    """A step model and its hooks, as the graph pieces of a compiled generation loop.

    The base of `zoo.generation.sampler.Sampler`; its methods run inside a traced
    `tf.function` (but `prepare_args` and `cached`, which run in Python before it).

    Args:
        step_model: a step model: inputs `[token, *extra, *state_*]` in any order, outputs
            `[logits, *new_states, *extra_outputs]`.
        inputs_fn: optional `fn(step) -> dict` of extra step inputs `(batch, ...)` computed in
            the graph from a `Step`; called only when some extra input was not given as a
            tensor (given tensors win).
        mask_fn: optional `fn(step, logits) -> mask`: a bool `(batch, vocab)` (True = allowed)
            or new float logits.
        update_fn: optional `fn(step, token) -> carry` advancing the hooks' carry after the
            token `(batch,)` was chosen.
        done_fn: optional `fn(step) -> bool (batch,)`, rows that are finished.
        jit_compile: bool, compile with XLA. Defaults to True.

    Raises:
        ValueError: if the first input of `step_model` is not an integer token, or it has
            fewer outputs than `[logits, *new_states]`.

    Example:

    >>> import zoo
    >>> loop = StepLoop(zoo.build_lm_step(zoo.build_lm(12, units=8)))
    >>> loop.state_names, loop.output_names
    (['state_h_0', 'state_c_0'], [])
    """

    def __init__(
        self,
        step_model,
        *,
        inputs_fn=None,
        mask_fn=None,
        update_fn=None,
        done_fn=None,
        jit_compile=True,
    ):
        specs = list(step_model.inputs)
        if not specs or not str(specs[0].dtype).startswith("int"):
            raise ValueError(
                f"step model {step_model.name!r} must take the token id (int, "
                f"(batch,)) as its first input; it takes {[t.name for t in specs]}"
            )
        self.step_model = step_model
        self.input_names = [t.name for t in specs]
        self.state_names = [n for n in self.input_names[1:] if n.startswith("state_")]
        self.extra_specs = {t.name: t for t in specs[1:] if not t.name.startswith("state_")}
        count = 1 + len(self.state_names)
        if len(step_model.outputs) < count:
            raise ValueError(
                f"step model {step_model.name!r} has {len(self.state_names)} state "
                f"inputs but {len(step_model.outputs)} outputs; expected [logits, "
                f"*new_states, *extra_outputs]"
            )
        names = list(getattr(step_model, "output_names", None) or [])
        self.output_names = [
            names[i] if i < len(names) else f"output_{i}"
            for i in range(count, len(step_model.outputs))
        ]
        self.state_specs = [t for t in specs if t.name.startswith("state_")]
        self.inputs_fn, self.mask_fn = inputs_fn, mask_fn
        self.update_fn, self.done_fn = update_fn, done_fn
        self.jit_compile = bool(jit_compile)
        self.functions = {}  # the compiled functions (and plans), by key; see `cached`

    def cached(self, key, build):
        """The value cached under `key`, made by `build()` on first use.

        Traces are cached per key (length, method, filters used), so XLA compiles each new
        shape once per loop.

        Args:
            key: a hashable key.
            build: a function of no arguments that makes the value (e.g. a `tf.function`).

        Returns:
            The cached value.
        """
        if key not in self.functions:
            self.functions[key] = build()
        return self.functions[key]

    # ------------------------------------------------------------------ graph pieces
    def call(self, token, step, given, states):
        """One step-model call.

        Args:
            token: int32 `(batch,)`, the fed token.
            step: the `Step` the hooks see.
            given: dict of extra inputs given as tensors (`prepare_args`).
            states: list of float32 states `(batch, size)`.

        Returns:
            `(logits, new_states, extra_outputs)`: float32 logits `(batch, vocab)`, the new
            states in the dtype of `states`, and the extra outputs (float ones as float32).
        """
        values = {}
        for name, x in given.items():
            per_step = x.shape.rank == len(self.extra_specs[name].shape) + 1
            values[name] = tf.gather(x, step.position, axis=1) if per_step else x
        if self.inputs_fn is not None and set(self.extra_specs) - set(given):
            values = {**self.inputs_fn(step), **values}  # given inputs win
        it = iter(states)
        feed = [
            token
            if i == 0
            else next(it)
            if name.startswith("state_")
            else tf.cast(values[name], self.extra_specs[name].dtype)
            for i, name in enumerate(self.input_names)
        ]
        out = self.step_model(feed, training=False)
        out = list(out) if isinstance(out, (list, tuple)) else [out]
        k = len(states)
        new_states = [tf.cast(s, old.dtype) for s, old in zip(out[1 : 1 + k], states)]
        extra = [tf.cast(e, tf.float32) if e.dtype.is_floating else e for e in out[1 + k :]]
        return tf.cast(out[0], tf.float32), new_states, extra

    def mask(self, step, logits):
        """The logits after `mask_fn`: disallowed tokens at -inf, or the logits it returns.

        Args:
            step: the `Step`.
            logits: float32 `(batch, vocab)`.

        Returns:
            float32 `(batch, vocab)`; `logits` itself without a `mask_fn`.
        """
        if self.mask_fn is None:
            return logits
        mask = self.mask_fn(step, logits)
        if mask.dtype == tf.bool:
            return tf.where(mask, logits, tf.constant(-np.inf, tf.float32))
        return tf.cast(mask, tf.float32)

    def update(self, step, token, done):
        """The carry after `token` was chosen, by `update_fn`; rows in `done` keep theirs.

        Args:
            step: the `Step` whose carry is advanced.
            token: int32 `(batch,)`, the chosen token.
            done: bool `(batch,)`, rows already finished.

        Returns:
            The new carry dict; `step.carry` without an `update_fn`.
        """
        if self.update_fn is None:
            return step.carry
        new = self.update_fn(step, token)
        return {k: tf.where(rows(done, v), step.carry[k], v) for k, v in new.items()}

    def done(self, step):
        """The rows `done_fn` reports finished at `step`: bool `(batch,)` (none without it).

        Args:
            step: the `Step`, with the updated carry.

        Returns:
            A bool tensor `(batch,)`.
        """
        if self.done_fn is None:
            return tf.zeros_like(step.token, tf.bool)
        return self.done_fn(step)

    def feed(self, tokens, count, given, states, carry, context):
        """Feed `tokens[:, :count]` (positions 0 .. count - 1) through the step model.

        Args:
            tokens: int32 `(batch, n)`, n >= count.
            count: scalar int32, the tokens to feed.
            given, states, carry, context: as `prepare_args` returns them.

        Returns:
            The list of states after the fed tokens.
        """

        def body(i, states):
            step = Step(i, i - count, tokens[:, i], carry, context)
            return i + 1, self.call(tokens[:, i], step, given, states)[1]

        return tf.while_loop(lambda i, s: i < count, body, (tf.constant(0), states))[1]

    def template(self, prime, given, states, carry, context):
        """Zeros shaped like one step's extra outputs (to pad finished positions).

        Args:
            prime: int32 `(batch, prime_len)`; its last token is fed once to find the shapes.
            given, states, carry, context: as `prepare_args` returns them.

        Returns:
            A list of zero tensors, one per extra output (empty without extra outputs).
        """
        if not self.output_names:
            return []
        step = Step(tf.shape(prime)[1] - 1, tf.constant(0), prime[:, -1], carry, context)
        return [tf.zeros_like(e) for e in self.call(prime[:, -1], step, given, states)[2]]

    def stack(self, array, t, length, fill):
        """`(length, batch, ...)` from a `tf.TensorArray` written at 0 .. t - 1, `fill` after.

        Args:
            array: a `tf.TensorArray` of size `length`.
            t: scalar int32, the positions written.
            length: scalar int32, the full length.
            fill: the value of one position after `t`, `(batch, ...)`.

        Returns:
            A tensor `(length, batch, ...)`.
        """
        if self.jit_compile:  # XLA needs static sizes: write the fill, then stack
            array = tf.while_loop(
                lambda i, a: i < length, lambda i, a: (i + 1, a.write(i, fill)), (t, array)
            )[1]
            return array.stack()
        written = array.gather(tf.range(t))
        return tf.concat([written, tf.repeat(fill[None], length - t, axis=0)], axis=0)

    # ------------------------------------------------------------------ Python side
    def prepare_args(self, prime, states, inputs, carry, context, length=0):
        """Check a call's arguments and turn them into the compiled loop's tensors.

        Args:
            prime: int array `(batch, prime_len)`, prime_len >= 1.
            states: list of initial states `(batch, size)`, or None for zeros.
            inputs: dict of extra step inputs, `(batch, steps, ...)` or `(batch, ...)`, or None.
            carry: dict of per-row tensors for the hooks, or None.
            context: dict of tensors for the hooks, or None.
            length: int, the tokens to add (per-step inputs must cover the fed positions).

        Returns:
            `(prime, given, states, carry, context)`: an int32 tensor, a dict of tensors, a list
            of float32 tensors and two dicts of tensors.

        Raises:
            ValueError: naming the argument that does not fit the step model.

        Example:

        >>> import zoo
        >>> loop = StepLoop(zoo.build_lm_step(zoo.build_lm(12, units=8)))
        >>> prime, given, states, carry, context = loop.prepare_args(
        ...     [[1, 2]], None, None, None, None)
        >>> prime.shape, [tuple(s.shape) for s in states]
        (TensorShape([1, 2]), [(1, 8), (1, 8)])
        """
        prime = check_prime(prime)
        steps = prime.shape[1] - 1 + length  # fed: the prime but its last, then each new token
        given = {}
        for name, value in (inputs or {}).items():
            if name not in self.extra_specs:
                raise ValueError(
                    f"inputs has {name!r}, which is not an extra input of step model "
                    f"{self.step_model.name!r}; expected one of "
                    f"{sorted(self.extra_specs)}"
                )
            given[name] = tf.constant(value, dtype=self.extra_specs[name].dtype)
        if self.inputs_fn is None:
            missing = sorted(set(self.extra_specs) - set(given))
            if missing:
                raise ValueError(
                    f"step model {self.step_model.name!r} needs {missing} at every "
                    "step: pass inputs={name: (batch, steps, dim) or (batch, dim)} or "
                    "compute them with inputs_fn"
                )
        batch = prime.shape[0]
        for name, x in given.items():
            rank = len(self.extra_specs[name].shape)
            if x.shape.rank not in (rank, rank + 1) or x.shape[0] != batch:
                raise ValueError(
                    f"inputs[{name!r}] has shape {tuple(x.shape)}; expected "
                    f"(batch={batch}, steps, ...) per step or (batch={batch}, ...) "
                    f"for every step, where the step model takes "
                    f"{tuple(self.extra_specs[name].shape)}"
                )
            if x.shape.rank == rank + 1 and x.shape[1] < steps:
                raise ValueError(
                    f"inputs[{name!r}] gives {x.shape[1]} steps; expected at least "
                    f"{steps} (one per fed token: the prime, then each new token)"
                )
        if states is None:
            states = [np.zeros((batch, t.shape[-1]), np.float32) for t in self.state_specs]
        if len(states) != len(self.state_specs):
            raise ValueError(
                f"states must hold {len(self.state_specs)} arrays "
                f"({self.state_names}), got {len(states)}"
            )
        states = [tf.cast(s, tf.float32) for s in states]
        for name, s, spec in zip(self.state_names, states, self.state_specs):
            if tuple(s.shape) != (batch, spec.shape[-1]):
                raise ValueError(
                    f"states[{name!r}] has shape {tuple(s.shape)}; expected "
                    f"(batch={batch}, {spec.shape[-1]})"
                )
        carry = {k: tf.convert_to_tensor(v) for k, v in (carry or {}).items()}
        context = {k: tf.convert_to_tensor(v) for k, v in (context or {}).items()}
        return tf.constant(prime), given, states, carry, context


def rows(done, like):
    """`done (batch,)` reshaped to broadcast against `like (batch, ...)`.

    Args:
        done: a tensor `(batch,)`.
        like: a tensor `(batch, ...)` of known rank.

    Returns:
        `done` reshaped to `(batch, 1, ...)`, of the rank of `like`.

    Example:

    >>> rows(tf.constant([True, False]), tf.zeros((2, 3, 4))).shape
    TensorShape([2, 1, 1])
    """
    return tf.reshape(done, [-1] + [1] * (like.shape.rank - 1))


def batch_first(stacked):
    """`(length, batch, ...)` -> `(batch, length, ...)`.

    Args:
        stacked: a tensor of rank >= 2.

    Returns:
        The tensor with its first two axes swapped.

    Example:

    >>> batch_first(tf.zeros((5, 2, 3))).shape
    TensorShape([2, 5, 3])
    """
    return tf.transpose(stacked, [1, 0] + list(range(2, stacked.shape.rank)))


def token_tensor(value):
    """A token id as a scalar int32 tensor; None is `NO_TOKEN`.

    Args:
        value: an int, or None for "no such token".

    Returns:
        A scalar int32 tensor.

    Example:

    >>> int(token_tensor(None)), int(token_tensor(4))
    (-1, 4)
    """
    return tf.constant(NO_TOKEN if value is None else int(value), tf.int32)


def check_prime(prime):
    """Check a prime and return it as an int32 numpy array `(batch, prime_len)`.

    Args:
        prime: an array-like of integer token ids, `(batch, prime_len)`, both >= 1.

    Returns:
        An int32 numpy array.

    Raises:
        ValueError: if `prime` is not 2-D, is empty or does not hold integers.

    Example:

    >>> check_prime([[1, 2, 3]]).dtype
    dtype('int32')
    >>> check_prime([1, 2])
    Traceback (most recent call last):
    ...
    ValueError: prime must be an int array (batch >= 1, prime_len >= 1), got shape (2,)
    """
    prime = np.asarray(prime)
    if prime.ndim != 2 or prime.shape[0] < 1 or prime.shape[1] < 1:
        raise ValueError(
            f"prime must be an int array (batch >= 1, prime_len >= 1), got shape {prime.shape}"
        )
    if not np.issubdtype(prime.dtype, np.integer):
        raise ValueError(f"prime must hold integer token ids, got dtype {prime.dtype}")
    return prime.astype(np.int32)
