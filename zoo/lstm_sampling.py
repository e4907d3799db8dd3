"""The generation engine's native path for LSTM language models (`SeqzooLstmSample`).

`zoo.Sampler` runs every generator as one XLA-compiled loop. For the most common one, a
`zoo.build_lm_step` twin of a float32 stacked-LSTM language model sampled (or greedy) with
temperature, top-k and top-p and no hooks, at any batch, `Sampler.generate` hands the whole
loop to one C++ op instead (`zoo/csrc/lstm_sample.cc`, built with the other native kernels
by `zoo.native`): the prime is fed, then every token costs its matrix products and a little
element-wise math, on two threads when the machine has two CPUs and the step is big enough.

It draws the same tokens as the XLA loop: the op picks the argmax of
`logits - log(-log(u))`, the rule XLA's `stateless_categorical` uses, over the uniforms XLA's
`stateless_uniform` draws for `(seed, step)` (the op computes them with the same Philox
generator), so a seed gives the XLA loop's text (float rounding can change a token only at a
near-tie). Before its first use for a model the path checks itself against one step of the
step model (states and greedy token) and stays off for that model if they differ.
"""

import os

import keras
import numpy as np
import tensorflow as tf

__all__ = ["LstmPlan", "plan", "BUILD_TOKENS"]

BUILD_TOKENS = 1_000_000
"""A generation of at least this many tokens (batch x length) builds the native library when
it is not built yet (about 20 s, once per machine: about what the XLA loop would spend on
such a generation at batch 1); smaller ones use it only once it is built (by bfloat16
training, by such a generation, or by calling `zoo.native.lstm_ops()`)."""


def _threads(step_bytes):
    """Two threads when two CPUs are usable and a step's work is big enough to pay for them:
    `step_bytes` (the batch times the recurrent weights' bytes) from 256 KB (measured on 2
    cores: at 32-128 units one thread is as fast below it, two up to 1.6x faster above)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cpus = os.cpu_count() or 1
    return 2 if cpus >= 2 and step_bytes >= 256 * 1024 else 1


class LstmPlan:
    """How one step model runs on `SeqzooLstmSample`: its layers, read at every call.

    Build it with `plan(step_model)`; `run` generates like `Sampler.generate` without hooks.

    Args:
        embedding: the step model's `keras.layers.Embedding`.
        cells: its `keras.layers.LSTMCell`s, bottom first.
        dense: its output `keras.layers.Dense`.
    """

    def __init__(self, embedding, cells, dense):
        self.embedding, self.cells, self.dense = embedding, cells, dense
        self.vocab = int(dense.units)
        self.checked = None  # None: not yet checked against the step model

    def weights(self):
        """The op's weight inputs: the first layer's token table and the rest (tensors)."""
        first = self.cells[0]
        table = tf.matmul(self.embedding.embeddings, first.kernel) + first.bias
        return (table, [c.recurrent_kernel for c in self.cells],
                [c.kernel for c in self.cells[1:]], [c.bias for c in self.cells[1:]],
                self.dense.kernel, self.dense.bias)

    def run(self, ops, prime, length, states, *, greedy=False, temperature=1.0, top_k=None,
            top_p=None, seed=0, eos_id=-1, pad_id=0, scored=False):
        """Generate `length` tokens after `prime` (what `Sampler.generate` computes).

        Args:
            ops: the loaded native op library (`zoo.native.lstm_ops()`).
            prime: int32 numpy `(batch, prime_len >= 1)`, ids in `[0, vocab)`.
            length: int >= 1.
            states: float32 arrays `[h_0, c_0, h_1, c_1, ...]`, each `(batch, units)`.
            greedy, temperature, top_k, top_p: as `Sampler.generate` (checked there).
            seed: int, the 32-bit seed (`(seed, step)` keys each draw).
            eos_id: int, -1 for none. pad_id: int in `[0, vocab)`.
            scored: bool, sum the chosen tokens' log-probabilities.

        Returns:
            `(tokens (batch, length), lengths (batch,), log_probs (batch,), states)`, numpy.
        """
        batch = prime.shape[0]
        table, recurrent, kernels, biases, dense_kernel, dense_bias = self.weights()
        threads = _threads(4 * batch * sum(int(np.prod(r.shape)) for r in recurrent))
        out = ops.seqzoo_lstm_sample(
            table=table, recurrent=recurrent, kernels=kernels, biases=biases,
            dense_kernel=dense_kernel, dense_bias=dense_bias,
            h=[tf.constant(s, tf.float32) for s in states[0::2]],
            c=[tf.constant(s, tf.float32) for s in states[1::2]],
            prime=tf.constant(prime, tf.int32), seed=int(seed), length=length,
            temperature=float(temperature), top_k=int(top_k or 1), top_p=float(top_p or 1.0),
            eos_id=int(eos_id), pad_id=int(pad_id), greedy=bool(greedy),
            use_top_k=top_k is not None and not greedy, use_top_p=top_p is not None and not greedy,
            scored=bool(scored), threads=threads)
        tokens, lengths, log_probs, h, c = out
        new_states = [s.numpy() for pair in zip(h, c) for s in pair]
        return tokens.numpy(), lengths.numpy(), log_probs.numpy(), new_states

    def agrees(self, ops, step_model):
        """One step of the op against the step model (states to 1e-4, the greedy token).

        Returns:
            bool, cached after the first call.
        """
        if self.checked is None:
            rng = np.random.default_rng(0)
            units = [c.units for c in self.cells]
            states = [rng.normal(0, 0.5, (1, u)).astype(np.float32) for u in units for _ in (0, 1)]
            prime = np.array([[1 % self.vocab, 2 % self.vocab]], np.int32)
            tokens, _, _, native = self.run(ops, prime, 1, states, greedy=True)
            feed = [tf.constant(s) for s in states]
            for token in prime[0]:
                logits, *feed = step_model([tf.constant([token], tf.int32), *feed], training=False)
            expected = [np.asarray(s) for s in feed]
            self.checked = bool(
                tokens[0, 0] == int(np.argmax(np.asarray(logits)[0]))
                and all(np.allclose(a, b, atol=1e-4) for a, b in zip(native, expected)))
        return self.checked


def plan(step_model):
    """An `LstmPlan` for a `zoo.build_lm_step` twin of a float32 LSTM language model, or None.

    The step model must take exactly `token` and `state_h_i`, `state_c_i` per layer, and hold
    only an `Embedding` named `embedding`, `LSTMCell`s named `lstm_i_cell` (tanh and sigmoid,
    with bias) and a linear `Dense` named `logits` with bias, all computing in float32.

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
    try:
        names = [t.name for t in step_model.inputs]
        layers = [layer for layer in step_model.layers
                  if not isinstance(layer, keras.layers.InputLayer)]
    except (AttributeError, ValueError):
        return None
    if not layers or len(layers) < 3:
        return None
    embedding, cells, dense = layers[0], layers[1:-1], layers[-1]
    expected_names = ["token"] + [f"state_{s}_{i}" for i in range(len(cells)) for s in "hc"]
    if names != expected_names or len(step_model.outputs) != 1 + 2 * len(cells):
        return None
    if not (type(embedding) is keras.layers.Embedding and embedding.name == "embedding"
            and type(dense) is keras.layers.Dense and dense.name == "logits"
            and dense.activation is keras.activations.linear and dense.use_bias):
        return None
    for i, cell in enumerate(cells):
        if not (type(cell) is keras.layers.LSTMCell and cell.name == f"lstm_{i}_cell"
                and cell.activation is keras.activations.tanh
                and cell.recurrent_activation is keras.activations.sigmoid and cell.use_bias):
            return None
    if any(layer.compute_dtype != "float32" or layer.variable_dtype != "float32"
           for layer in layers):
        return None
    if embedding.input_dim != dense.units:
        return None
    return LstmPlan(embedding, cells, dense)
