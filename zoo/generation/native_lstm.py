"""The generation engine's native path for LSTM language models (`SeqzooLstmSample`).

`zoo.Sampler` runs every generator as one XLA-compiled loop. For the most common one, a
`zoo.build_lm_step` twin of a float32 stacked-LSTM language model sampled (or greedy) with
temperature, top-k and top-p and no hooks, at any batch, `Sampler.generate` hands the whole
loop to one C++ op instead (`zoo/native/csrc/lstm_sample.cc`, built with the other native kernels
by `zoo.native.library`): the prime is fed, then every token costs its matrix products and a little
element-wise math, on two threads when the machine has two CPUs and the step is big enough.

It draws the same tokens as the XLA loop: the op picks the argmax of
`logits - log(-log(u))`, the rule XLA's `stateless_categorical` uses, over the uniforms XLA's
`stateless_uniform` draws for `(seed, step)` (the op computes them with the same Philox
generator), so a seed gives the XLA loop's text (float rounding can change a token only at a
near-tie). Since the op copies TensorFlow's generator rather than calling it, a plan checks
itself before its first use for a model (`LstmPlan.agrees`): a few sampled tokens with
temperature, top-k and top-p, drawn by the op and by the XLA loop's pick
(`zoo.generation.choice.choose_tokens` under XLA) for one seed, must be the same, and the states
close; otherwise the XLA loop runs that model and one `RuntimeWarning` says so.

The first layer's input term: a run that feeds at least `vocab` tokens (batch x length) is
given the token table `embedding @ kernel_0 + bias_0` `(vocab, 4 units)`, built once per
weights and kept in the plan (rebuilt only when the embedding, kernel or bias changed,
compared bit for bit before each such run); a shorter one is given the embedding and
`kernel_0` and projects each fed token's row, so a short generation from a large vocabulary
packs nothing vocabulary-sized.
"""

import os
import threading
import warnings
import weakref

import keras
import numpy as np
import tensorflow as tf

from zoo.generation.choice import choose_tokens
from zoo.runtime.precision import is_mixed

__all__ = ["BUILD_TOKENS", "CHECK", "MIN_VECTOR_BITS", "LstmPlan", "plan"]

BUILD_TOKENS = 1_000_000
"""A generation of at least this many tokens (batch x length) builds the native library when
it is not built yet (about 20 s, once per machine: about what the XLA loop would spend on
such a generation at batch 1); smaller ones use it only once it is built (by bfloat16
training, by such a generation, or by calling `zoo.native.library.lstm_ops()`)."""

MIN_VECTOR_BITS = 512
"""The op samples only where the kernels are compiled for vector registers at least this wide
(`zoo.native.library.vector_bits()`): its register blocks are sized for AVX-512's 32 registers, and
on an AVX2 CPU (Zen 3, 2 cores) they spill and ran at 0.5x the XLA loop at batch 1 and 0.16x
at batch 64, so the XLA loop samples there. Set it to 0 to run the op anyway (benchmarks)."""

CHECK = {"length": 8, "temperature": 1.5, "top_k": 0.5, "top_p": 0.95, "seed": 1}
"""The self-check's sampled run (`LstmPlan.agrees`): 2 rows, 8 tokens drawn at a high
temperature so that most draws depend on the uniforms, through both filters (`top_k` is a
fraction of the vocabulary here)."""

_plans = weakref.WeakKeyDictionary()  # step model -> LstmPlan or None
_plans_lock = threading.Lock()


def _threads(step_bytes):
    """Two threads when two CPUs are usable and a step's work is big enough to pay for them:
    `step_bytes` (the batch times the recurrent and dense kernels' bytes) from 256 KB
    (measured on 2 cores: at 32-128 units one thread is as fast below it, two up to 1.6x
    faster above; with a large vocabulary the threads split the dense layer)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return 2 if cpus >= 2 and step_bytes >= 256 * 1024 else 1


@tf.function(jit_compile=True, reduce_retracing=True, autograph=False)
def _xla_choose(logits, seed, step, temperature, top_k, top_p):
    """The XLA loop's pick (`Sampler`'s loop body: `choose_tokens` keyed by `(seed, step)`)."""
    return choose_tokens(
        logits, tf.stack([seed, step]), temperature=temperature, top_k=top_k, top_p=top_p
    )


class LstmPlan:
    """How one step model runs on `SeqzooLstmSample`: its layers, read at every call.

    Build it with `plan(step_model)` (one plan per step model); `run` generates like
    `Sampler.generate` without hooks.

    Args:
        embedding: the step model's `keras.layers.Embedding`.
        cells: its `keras.layers.LSTMCell`s, bottom first.
        dense: its output `keras.layers.Dense`.
    """

    def __init__(self, embedding, cells, dense):
        self.embedding, self.cells, self.dense = embedding, cells, dense
        self.vocab = int(dense.units)
        self.checked = None  # None: not yet checked against the XLA loop
        self._table = None  # (the weights it was built from, the table)
        self._lock = threading.Lock()

    def uses_table(self, batch, length):
        """Whether a run of `batch` rows and `length` tokens is given the token table.

        It is when the run feeds at least `vocab` tokens: then the table's upkeep (comparing
        the embedding and packing the table in the op) costs less than projecting each fed
        token (`embedding_dim x 4 units` per token).

        Returns:
            bool.
        """
        return batch * length >= self.vocab

    def table(self):
        """The first layer's token table `embedding @ kernel_0 + bias_0`, `(vocab, 4 units)`.

        Built once per weights: the plan keeps it with a copy of the three weights it came
        from, and rebuilds it when any of them differs bit for bit (after training,
        `set_weights`, `assign`), so it is never stale.

        Returns:
            A float32 tensor.
        """
        first = self.cells[0]
        current = [
            v.numpy() for v in (self.embedding.embeddings, first.kernel, first.bias)
        ]  # copies
        with self._lock:
            if self._table is not None and all(
                np.array_equal(a.view(np.int32), b.view(np.int32))
                for a, b in zip(current, self._table[0])
            ):
                return self._table[1]
            embedding, kernel, bias = current
            self._table = (current, tf.matmul(embedding, kernel) + bias)
            return self._table[1]

    def weights(self, table=True):
        """The op's weight inputs, the first layer's input term given as a table or not.

        Args:
            table: bool: the token table (`table()`) and the deeper layers' kernels and biases;
                False: the embedding and every layer's kernel and bias. Defaults to True.

        Returns:
            `(table or embedding, recurrent kernels, kernels, biases, dense kernel, dense
            bias)`, tensors and lists of them.
        """
        recurrent = [c.recurrent_kernel for c in self.cells]
        rest = (self.dense.kernel, self.dense.bias)
        if table:
            return (
                self.table(),
                recurrent,
                [c.kernel for c in self.cells[1:]],
                [c.bias for c in self.cells[1:]],
                *rest,
            )
        return (
            self.embedding.embeddings,
            recurrent,
            [c.kernel for c in self.cells],
            [c.bias for c in self.cells],
            *rest,
        )

    def run(
        self,
        ops,
        prime,
        length,
        states,
        *,
        greedy=False,
        temperature=1.0,
        top_k=None,
        top_p=None,
        seed=0,
        eos_id=-1,
        pad_id=0,
        scored=False,
        table=None,
    ):
        """Generate `length` tokens after `prime` (what `Sampler.generate` computes).

        Args:
            ops: the loaded native op library (`zoo.native.library.lstm_ops()`).
            prime: int32 numpy `(batch, prime_len >= 1)`, ids in `[0, vocab)`.
            length: int >= 1.
            states: float32 arrays `[h_0, c_0, h_1, c_1, ...]`, each `(batch, units)`.
            greedy, temperature, top_k, top_p: as `Sampler.generate` (checked there).
            seed: int, the 32-bit seed (`(seed, step)` keys each draw).
            eos_id: int, -1 for none. pad_id: int in `[0, vocab)`.
            scored: bool, sum the chosen tokens' log-probabilities.
            table: bool or None: give the op the token table (see `weights`); None decides
                by `uses_table`. Defaults to None.

        Returns:
            `(tokens (batch, length), lengths (batch,), log_probs (batch,), states)`, numpy.
        """
        batch = prime.shape[0]
        table = self.uses_table(batch, length) if table is None else table
        first, recurrent, kernels, biases, dense_kernel, dense_bias = self.weights(table)
        threads = _threads(
            4 * batch * sum(int(np.prod(w.shape)) for w in [*recurrent, dense_kernel])
        )
        out = ops.seqzoo_lstm_sample(
            table=first,
            recurrent=recurrent,
            kernels=kernels,
            biases=biases,
            dense_kernel=dense_kernel,
            dense_bias=dense_bias,
            h=[tf.constant(s, tf.float32) for s in states[0::2]],
            c=[tf.constant(s, tf.float32) for s in states[1::2]],
            prime=tf.constant(prime, tf.int32),
            seed=int(seed),
            length=length,
            temperature=float(temperature),
            top_k=int(top_k or 1),
            top_p=float(top_p or 1.0),
            eos_id=int(eos_id),
            pad_id=int(pad_id),
            greedy=bool(greedy),
            use_top_k=top_k is not None and not greedy,
            use_top_p=top_p is not None and not greedy,
            scored=bool(scored),
            threads=threads,
        )
        tokens, lengths, log_probs, h, c = out
        new_states = [s.numpy() for pair in zip(h, c) for s in pair]
        return tokens.numpy(), lengths.numpy(), log_probs.numpy(), new_states

    def expected(
        self, step_model, prime, length, states, *, temperature=1.0, top_k=None, top_p=None, seed=0
    ):
        """What the XLA loop draws: the step model (eager) and the loop's pick under XLA.

        Args:
            step_model: the step model this plan was made from.
            prime, length, states, temperature, top_k, top_p, seed: as `run` (no end token).

        Returns:
            `(tokens (batch, length), states)`, numpy.
        """
        feed = [tf.constant(s, tf.float32) for s in states]
        for token in prime[:, :-1].T:
            _, *feed = step_model([tf.constant(token, tf.int32), *feed], training=False)
        token, tokens = tf.constant(prime[:, -1], tf.int32), []
        for t in range(length):
            logits, *feed = step_model([token, *feed], training=False)
            token = _xla_choose(
                tf.cast(logits, tf.float32),
                tf.constant(seed, tf.int32),
                tf.constant(t, tf.int32),
                tf.constant(temperature, tf.float32),
                None if top_k is None else tf.constant(top_k, tf.int32),
                None if top_p is None else tf.constant(top_p, tf.float32),
            )
            tokens.append(token.numpy())
        return np.stack(tokens, axis=1), [np.asarray(s) for s in feed]

    def agrees(self, ops, step_model):
        """Whether the op draws what the XLA loop draws for this model; asked once.

        Runs `CHECK` (2 rows, a 3-token prime, random states) through the op and through
        `expected`: the tokens must be equal and the states within 1e-4. A
        mismatch warns once (a `RuntimeWarning`) and the XLA loop runs this model.

        Args:
            ops: the loaded native op library.
            step_model: the step model this plan was made from.

        Returns:
            bool, kept after the first call.
        """
        with self._lock:
            if self.checked is not None:
                return self.checked
        rng = np.random.default_rng(0)
        states = [
            rng.normal(0, 0.5, (2, c.units)).astype(np.float32) for c in self.cells for _ in (0, 1)
        ]
        prime = rng.integers(0, self.vocab, (2, 3)).astype(np.int32)
        settings = dict(CHECK, top_k=max(1, round(self.vocab * CHECK["top_k"])))
        length = settings.pop("length")
        tokens, _, _, native = self.run(ops, prime, length, states, table=False, **settings)
        want, expected = self.expected(step_model, prime, length, states, **settings)
        same = np.array_equal(tokens, want) and all(
            np.allclose(a, b, atol=1e-4) for a, b in zip(native, expected)
        )
        with self._lock:
            if self.checked is None:
                self.checked = bool(same)
                if not same:
                    warnings.warn(
                        f"zoo.generation.native_lstm: the native sampling op drew other tokens than the XLA "
                        f"loop for step model {step_model.name!r} (TensorFlow {tf.__version__}); "
                        "that model samples on the XLA loop",
                        RuntimeWarning,
                        stacklevel=4,
                    )
            return self.checked


def plan(step_model):
    """The `LstmPlan` of a `zoo.build_lm_step` twin of a float32 LSTM language model, or None.

    The step model must take exactly `token` and `state_h_i`, `state_c_i` per layer, and hold
    only an `Embedding` named `embedding`, `LSTMCell`s named `lstm_i_cell` (tanh and sigmoid,
    with bias) and a linear `Dense` named `logits` with bias, all computing in float32. One
    plan is kept per step model (with its token table and its self-check's answer).

    Args:
        step_model: a Keras single-step model.

    Returns:
        An `LstmPlan`, or None when the model is anything else (conditioning, GRU, mixed
        precision, ...): the XLA loop runs it.

    Example:

    >>> import zoo
    >>> plan(zoo.build_lm_step(zoo.build_lm(12, units=8))) is not None
    True
    >>> plan(zoo.build_lm_step(zoo.build_lm(12, cell="gru", units=8))) is None
    True
    """
    with _plans_lock:
        try:
            if step_model in _plans:
                return _plans[step_model]
        except TypeError:  # not weakly referenceable: not kept
            return _make(step_model)
        made = _plans[step_model] = _make(step_model)
        return made


def _make(step_model):
    try:
        names = [t.name for t in step_model.inputs]
        layers = [
            layer for layer in step_model.layers if not isinstance(layer, keras.layers.InputLayer)
        ]
    except (AttributeError, ValueError):
        return None
    if not layers or len(layers) < 3:
        return None
    embedding, cells, dense = layers[0], layers[1:-1], layers[-1]
    expected_names = ["token"] + [f"state_{s}_{i}" for i in range(len(cells)) for s in "hc"]
    if names != expected_names or len(step_model.outputs) != 1 + 2 * len(cells):
        return None
    if not (
        type(embedding) is keras.layers.Embedding
        and embedding.name == "embedding"
        and type(dense) is keras.layers.Dense
        and dense.name == "logits"
        and dense.activation is keras.activations.linear
        and dense.use_bias
    ):
        return None
    for i, cell in enumerate(cells):
        if not (
            type(cell) is keras.layers.LSTMCell
            and cell.name == f"lstm_{i}_cell"
            and cell.activation is keras.activations.tanh
            and cell.recurrent_activation is keras.activations.sigmoid
            and cell.use_bias
        ):
            return None
    if is_mixed(step_model):  # the kernel computes in float32 only
        return None
    if embedding.input_dim != dense.units:
        return None
    return LstmPlan(embedding, cells, dense)
