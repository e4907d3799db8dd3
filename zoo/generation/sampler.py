"""THE generation engine: one compiled loop over any single-step model.

Every generator in seqzoo runs here: text sampling and beam search, the jazz improviser,
encoder-decoder decoding (`zoo.generation.seq2seq`) and the one-to-many generator. The whole
loop runs inside one `tf.function` (a `tf.while_loop` over the step model, XLA-compiled by
default): the prime tokens are fed to build the state, then each step calls the step model,
applies an optional logits mask, picks the next token (greedy, or a stateless draw keyed by
`(seed, step)` after temperature / top-k / top-p) and feeds it back, for a whole batch at once.
Nothing returns to Python until the batch is done. The loop's pieces (`Step`, the step call,
the hooks) live in `zoo.generation.loop`, shared with beam search (`zoo.generation.beam`).

A step model is any Keras model whose first input is the token `(batch,)`, whose inputs named
`state_*` are recurrent states and whose outputs are `[logits, *new_states, *extra_outputs]`
(`zoo.build_lm_step`, `zoo.build_one_to_many_step`, the decoder step of
`zoo.build_encoder_decoder_inference`). Any other input (the chord at each step, the encoder
outputs) is fed each step from a tensor given at call time, `(batch, steps, ...)` per step or
`(batch, ...)` for every step, or computed in the graph by an `inputs_fn` hook. Hooks see a
`Step` (position, previous token, a `carry` dict of per-row loop state that `update_fn`
advances, and a `context` dict of call-time tensors), so rules such as "fill the bar" become a
`mask_fn` with its own carried state. States travel in float32 whatever the dtype policy;
logits are cast to float32 before any filtering.
"""

from typing import NamedTuple

import numpy as np
import tensorflow as tf

from zoo.core.checks import check_int, map_seed
from zoo.generation.beam import beam_search
from zoo.generation.choice import check_sampling_args, choose_tokens, filter_logits
from zoo.generation.loop import (
    NO_TOKEN,
    Step,
    StepLoop,
    batch_first,
    check_prime,
    rows,
    token_tensor,
)

# check_sampling_args, filter_logits, NO_TOKEN and Step are public here too (zoo.Step).
__all__ = [
    "Sampler",
    "Step",
    "Generation",
    "check_sampling_args",
    "filter_logits",
    "choose_tokens",
    "NO_TOKEN",
]


class Generation(NamedTuple):
    """The result of `Sampler.generate` (numpy arrays).

    Attributes:
        tokens: int32 `(batch, length)`, `pad_id` after a row's end.
        lengths: int32 `(batch,)`, tokens before the padding (the end token included).
        log_probs: float32 `(batch,)`, summed natural-log probabilities of the chosen tokens
            under the masked model distribution (temperature 1, no top-k/top-p).
        outputs: dict name -> `(batch, length, ...)`, the step model's extra outputs at every
            step (e.g. attention weights), zeros after a row's end.
        states: the final states, a list of float32 `(batch, size)` (to continue later; a row
            that ended before the others has run on pad tokens since).
        carry: the final carry dict.
    """

    tokens: np.ndarray
    lengths: np.ndarray
    log_probs: np.ndarray
    outputs: dict
    states: list
    carry: dict


class Sampler(StepLoop):
    """The compiled generation loop over any single-step model (sampling, greedy, beam search).

    Greedy decoding is a flag of the same compiled loop (`choose_tokens` takes the argmax), and
    beam search (`zoo.generation.beam`) runs on the same `zoo.generation.loop.StepLoop`
    pieces. Traces are cached per (length, method, filters used); XLA compiles each new shape.

    Args:
        step_model: a step model (see the module docstring): inputs `[token, *extra, *state_*]`
            in any order, outputs `[logits, *new_states, *extra_outputs]`.
        inputs_fn: optional `fn(step) -> dict` of extra step inputs `(batch, ...)` computed in
            the graph from a `Step` (e.g. the chord at the tick the carry has reached); called
            only when some extra input was not given as a tensor (given tensors win).
        mask_fn: optional `fn(step, logits) -> mask`: a bool `(batch, vocab)` (True = allowed)
            or new float logits; applied before temperature and filters.
        update_fn: optional `fn(step, token) -> carry` advancing the hooks' carry after the
            token `(batch,)` was chosen (rows already finished keep their carry).
        done_fn: optional `fn(step) -> bool (batch,)`, rows that are finished, asked with the
            updated carry before each step (e.g. "the form is filled").
        jit_compile: bool, compile with XLA. Defaults to True. XLA and plain TensorFlow draw
            different (equally valid) samples for one seed.

    With `jit_compile=True`, no hooks and no extra inputs, a `zoo.build_lm_step` twin of a
    float32 LSTM language model is sampled by one native op instead
    (`zoo.generation.native_lstm`) on CPUs with AVX-512; on AVX2 CPUs the XLA loop runs (see
    `zoo.generation.native_lstm.MIN_VECTOR_BITS`). How fast each path runs, and on which
    machine, is measured by `benchmarks/generation.py` and reported in
    docs/results/generation.md. The op gives the same tokens for the same seed, since it draws
    XLA's random numbers; a self-check on a few sampled tokens confirms it before a model's
    first native run (`zoo.generation.native_lstm.LstmPlan.agrees`), and the XLA loop runs if
    it disagrees. It is used once `zoo.native.library` has the library built (bfloat16
    training or `zoo.native.library.lstm_ops()` builds it; so does a generation of at least
    `zoo.generation.native_lstm.BUILD_TOKENS` tokens); `SEQZOO_NATIVE=0` turns it off. With a
    GPU (not measured there) the XLA loop runs. `native_plan` says whether a call would use it.

    Hooks are traced once into the graph (AutoGraph off): write them with TensorFlow ops
    (`tf.where`, `tf.gather`), not Python `if` on tensors.

    Example:

    >>> import zoo
    >>> step = zoo.build_lm_step(zoo.build_lm(12, units=8))
    >>> Sampler(step)(np.full((3, 1), 2), length=5, seed=1).shape
    (3, 5)
    >>> never_7 = Sampler(step, mask_fn=lambda step, logits: tf.range(12)[None, :] != 7)
    >>> bool((never_7(np.full((3, 1), 2), length=20, seed=0) == 7).any())
    False
    """

    # ------------------------------------------------------------------ sampling
    def _build_sample(self, static_length, greedy, use_top_k, use_top_p, scored):
        def sample(
            prime,
            length,
            given,
            states,
            carry,
            context,
            temperature,
            top_k,
            top_p,
            seed,
            eos_id,
            pad_id,
        ):
            length = length if static_length is None else static_length
            batch, fed = tf.shape(prime)[0], tf.shape(prime)[1] - 1
            if prime.shape[1] != 1:  # a single start token feeds nothing
                states = self.feed(prime, fed, given, states, carry, context)
            zeros = self.template(prime, given, states, carry, context)
            tokens = tf.TensorArray(tf.int32, size=length, element_shape=tf.TensorShape([None]))
            extras = [tf.TensorArray(z.dtype, size=length, element_shape=z.shape) for z in zeros]
            first = Step(fed, tf.constant(0), prime[:, -1], carry, context)

            # logp is () when unscored
            def body(t, token, done, count, logp, carry, states, tokens, extras):
                step = Step(fed + t, t, token, carry, context)
                logits, states, extra = self.call(token, step, given, states)
                logits = self.mask(step, logits)
                nxt = choose_tokens(
                    logits,
                    tf.stack([seed, t]),
                    greedy=greedy,
                    temperature=temperature,
                    top_k=top_k if use_top_k else None,
                    top_p=top_p if use_top_p else None,
                )
                nxt = tf.where(done, pad_id, nxt)
                if scored:
                    chosen = tf.gather(tf.nn.log_softmax(logits), nxt, batch_dims=1)
                    logp = logp + tf.where(done, 0.0, chosen)
                tokens = tokens.write(t, nxt)
                extras = [
                    a.write(t, tf.where(rows(done, e), z, e))
                    for a, e, z in zip(extras, extra, zeros)
                ]
                count += tf.cast(~done, tf.int32)
                carry = self.update(step, nxt, done)
                done = (
                    done
                    | tf.equal(nxt, eos_id)
                    | self.done(Step(fed + t + 1, t + 1, nxt, carry, context))
                )
                return t + 1, nxt, done, count, logp, carry, states, tokens, extras

            init = (
                tf.constant(0),
                prime[:, -1],
                self.done(first),
                tf.zeros([batch], tf.int32),
                tf.zeros([batch], tf.float32) if scored else (),
                carry,
                states,
                tokens,
                extras,
            )
            t, _, _, count, logp, carry, states, tokens, extras = tf.while_loop(
                lambda t, token, done, *_: tf.logical_and(t < length, ~tf.reduce_all(done)),
                body,
                init,
            )
            tokens = tf.transpose(self.stack(tokens, t, length, tf.fill([batch], pad_id)))
            extras = [batch_first(self.stack(a, t, length, z)) for a, z in zip(extras, zeros)]
            return tokens, count, logp if scored else tf.zeros([batch]), extras, states, carry

        return tf.function(
            sample, jit_compile=self.jit_compile, reduce_retracing=True, autograph=False
        )

    def generate(
        self,
        prime,
        length,
        *,
        greedy=False,
        temperature=1.0,
        top_k=None,
        top_p=None,
        seed=0,
        eos_id=None,
        pad_id=0,
        states=None,
        inputs=None,
        carry=None,
        context=None,
        log_probs=True,
    ):
        """Generate `length` tokens after `prime` for every row; return a `Generation`.

        Args:
            prime: int array `(batch, prime_len)`, prime_len >= 1: the tokens each row starts
                from (at least a start token). The last one is the first input.
            length: int >= 0, the most tokens to add per row.
            greedy: bool, take the most likely token (no draw). Defaults to False.
            temperature, top_k, top_p: see `check_sampling_args`.
            seed: int of any size (numpy integers too), the random seed, mapped by
                `zoo.core.checks.map_seed`; the same seed, prime and settings give the
                same tokens. Defaults to 0.
            eos_id: int or None: a row that emits this token stops; later positions hold
                `pad_id`. Defaults to None.
            pad_id: int written after a row's end. Defaults to 0.
            states: optional list of initial states `(batch, size)` (e.g. from an encoder or
                a previous `Generation`); zeros by default.
            inputs: optional dict of extra step inputs: `(batch, steps, ...)` gives position
                `i` of the fed sequence (prime, then generated tokens) at step `i`;
                `(batch, ...)` is the same at every step.
            carry: optional dict of per-row tensors `(batch, ...)` for the hooks.
            context: optional dict of tensors for the hooks, the same at every step.
            log_probs: bool, sum the chosen tokens' log-probabilities (a log-softmax per
                step); False leaves `Generation.log_probs` at 0. Defaults to True.

        Returns:
            A `Generation` (numpy arrays).

        Example:

        >>> import zoo
        >>> step = zoo.build_lm_step(zoo.build_lm(12, units=8))
        >>> Sampler(step).generate(np.full((2, 1), 2), 4, greedy=True).lengths.tolist()
        [4, 4]
        """
        temperature, top_k, top_p = check_sampling_args(temperature, top_k, top_p)
        length = check_int("length", length, 0)
        seed = map_seed(seed)
        args = self.prepare_args(prime, states, inputs, carry, context, length)
        if length == 0:
            batch = args[0].shape[0]
            return Generation(
                np.zeros((batch, 0), np.int32),
                np.zeros(batch, np.int32),
                np.zeros(batch, np.float32),
                {},
                [s.numpy() for s in args[2]],
                {k: v.numpy() for k, v in args[3].items()},
            )
        ids = args[0].numpy()
        native = self._native_plan(ids, args[1], length, pad_id)
        if native is not None:
            plan, ops = native
            tokens, count, logp, states = plan.run(
                ops,
                ids,
                length,
                [s.numpy() for s in args[2]],
                greedy=greedy,
                temperature=temperature,
                top_k=top_k,
                top_p=top_p,
                seed=seed,
                eos_id=NO_TOKEN if eos_id is None else int(eos_id),
                pad_id=int(pad_id),
                scored=bool(log_probs),
            )
            return Generation(
                tokens, count, logp, {}, states, {k: v.numpy() for k, v in args[3].items()}
            )
        key = (
            "sample",
            length if self.jit_compile else None,
            bool(greedy),
            top_k is not None and not greedy,
            top_p is not None and not greedy,
            bool(log_probs),
        )
        sample = self.cached(key, lambda: self._build_sample(*key[1:]))
        tokens, count, logp, extras, states, carry = sample(
            args[0],
            tf.constant(length),
            *args[1:],
            tf.constant(temperature, tf.float32),
            tf.constant(top_k or 1, tf.int32),
            tf.constant(top_p or 1.0, tf.float32),
            tf.constant(seed, tf.int32),
            token_tensor(eos_id),
            token_tensor(pad_id),
        )
        return Generation(
            tokens.numpy(),
            count.numpy(),
            logp.numpy(),
            {n: e.numpy() for n, e in zip(self.output_names, extras)},
            [s.numpy() for s in states],
            {k: v.numpy() for k, v in carry.items()},
        )

    def native_plan(self, prime, length, *, pad_id=0):
        """How the native LSTM op would sample `length` tokens after `prime`, if it would.

        The op (`zoo.generation.native_lstm`) runs a call when the loop is XLA-compiled, has
        no hooks and no extra inputs, the step model is a float32 LSTM language model twin,
        the CPU has AVX-512, no GPU is visible, the library is built (or the call is long
        enough to build it) and the op passed its self-check on this model
        (`zoo.generation.native_lstm.LstmPlan.agrees`). Otherwise the XLA loop runs.

        Args:
            prime: int array `(batch, prime_len)`, as in `generate`.
            length: int >= 0, the tokens to add per row.
            pad_id: int, the padding token of the call. Defaults to 0.

        Returns:
            `(plan, ops)`: the `zoo.generation.native_lstm.LstmPlan` and the loaded ops
            library, when the native op would run this call (without extra inputs), else None.

        Raises:
            ValueError: if `prime` or `length` is not valid.

        Example:

        >>> import zoo
        >>> step = zoo.build_lm_step(zoo.build_lm(12, units=8))
        >>> Sampler(step, jit_compile=False).native_plan(np.full((2, 1), 3), 5) is None
        True
        """
        length = check_int("length", length, 0)
        return self._native_plan(check_prime(prime), {}, length, pad_id)

    def _native_plan(self, prime, given, length, pad_id):
        """`(LstmPlan, ops)` when `zoo.generation.native_lstm` can run this call, else None.

        `prime` is the int numpy array `(batch, prime_len)`, `given` the extra inputs."""
        # lazy: the native path and its library load only when a call may use them
        import zoo.generation.native_lstm as lstm_sampling
        import zoo.native.library as native

        batch = prime.shape[0]
        if (
            not self.jit_compile
            or given
            or any(
                hook is not None
                for hook in (self.inputs_fn, self.mask_fn, self.update_fn, self.done_fn)
            )
        ):
            return None
        plan = self.cached("native_plan", lambda: lstm_sampling.plan(self.step_model))
        if plan is None or not 0 <= int(pad_id) < plan.vocab:
            return None
        if tf.config.list_logical_devices("GPU"):  # not measured there: the XLA loop runs
            return None
        if prime.min() < 0 or prime.max() >= plan.vocab:
            return None
        if native.vector_bits() < lstm_sampling.MIN_VECTOR_BITS:  # slower than XLA there
            return None
        ops = native.lstm_ops(build_missing=batch * length >= lstm_sampling.BUILD_TOKENS)
        if ops is None or not hasattr(ops, "seqzoo_lstm_sample"):
            return None
        return (plan, ops) if plan.agrees(ops, self.step_model) else None

    def __call__(self, prime, length, **kwargs):
        """Sample `length` tokens after `prime`: `generate(...).tokens` (same arguments).

        Returns:
            A numpy int32 array `(batch, length)`.
        """
        kwargs.setdefault("log_probs", False)
        return self.generate(prime, length, **kwargs).tokens

    def warm_up(self, tokens, *, states=None, inputs=None, carry=None, context=None):
        """Feed every token of `tokens` (teacher forcing, compiled) and return the states after.

        Args:
            tokens: int array `(batch, n)`, n >= 1.
            states, inputs, carry, context: as in `generate` (per-step inputs give position
                `i` with `tokens[:, i]`).

        Returns:
            A list of float32 numpy states `(batch, size)`.

        Example:

        >>> import zoo
        >>> step = zoo.build_lm_step(zoo.build_lm(12, units=8))
        >>> [s.shape for s in Sampler(step).warm_up(np.ones((2, 5), "int32"))]
        [(2, 8), (2, 8)]
        """
        args = self.prepare_args(tokens, states, inputs, carry, context, length=1)
        warm_up = self.cached(
            "warm_up",
            lambda: tf.function(
                lambda t, *a: self.feed(t, tf.shape(t)[1], *a),
                reduce_retracing=True,
                autograph=False,
            ),
        )
        return [s.numpy() for s in warm_up(*args)]

    def beam_search(self, prime, length, *, width=5, eos_id=None, pad_id=0, **kwargs):
        """The `width` most likely continuations of each prime, by batched beam search.

        Args:
            prime: int array `(batch, prime_len)`, or `(prime_len,)` for a single prime.
            length: int >= 0, the most tokens to add.
            width: int >= 1, beams kept per prime at every step (1 is greedy decoding).
            eos_id: int or None: a beam that emits it is finished (its score stays fixed).
            pad_id: int written after a beam's end. Defaults to 0.
            **kwargs: `states`, `inputs`, `carry`, `context` as in `generate`, and
                `return_outputs=True` to also get the extra outputs.

        Returns:
            `(tokens, log_probs)`: int32 `(batch, width, length)` best first and float32
            `(batch, width)`, each the summed natural-log probability of the tokens up to and
            including the end token (-inf marks unused beams of tiny vocabularies); with a
            1-D prime the batch axis is dropped. With `return_outputs`, a third item: dict
            name -> `(batch, width, length, ...)`.

        Example:

        >>> import zoo
        >>> step = zoo.build_lm_step(zoo.build_lm(12, units=8))
        >>> tokens, scores = Sampler(step).beam_search(np.full((2, 1), 3), 4, width=3)
        >>> tokens.shape, scores.shape
        ((2, 3, 4), (2, 3))
        """
        return beam_search(self, prime, length, width=width, eos_id=eos_id, pad_id=pad_id, **kwargs)
