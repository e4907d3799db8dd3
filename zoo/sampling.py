"""Compiled sampling and beam search over any single-step model from `zoo.build_lm_step`.

The whole generation loop runs inside one `tf.function` (a `tf.while_loop` over the step
model, compiled with XLA by default): the prime tokens are fed to build the state, then each
step filters the logits (temperature, top-k, top-p), draws the next token with a stateless
random op keyed by `(seed, step)` and feeds it back, for a whole batch of sequences at once.
Nothing returns to Python until the batch is done, so a token costs microseconds instead of
the milliseconds of a `model.predict` call per step.

Step models take `[token, *states]` and return `[logits, *new_states]` (see
`zoo.build_lm_step`); this module needs nothing else from them.
"""

import math

import numpy as np
import tensorflow as tf

NO_TOKEN = -1  # "no end-of-sequence token": generation runs to the full length


def check_sampling_args(temperature=1.0, top_k=None, top_p=None):
    """Validate sampling parameters; raise ValueError naming the bad one.

    Args:
        temperature: float > 0. Below 1 sharpens the distribution, above 1 flattens it.
        top_k: int >= 1 or None: keep only the `top_k` most likely tokens.
        top_p: float in (0, 1] or None: keep the smallest set of most likely tokens whose
            probability adds up to at least `top_p` (nucleus sampling).

    Returns:
        `(temperature, top_k, top_p)` as `(float, int or None, float or None)`.
    """
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.number)) \
            or not math.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a number > 0, got {temperature!r}")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer)) or top_k < 1):
        raise ValueError(f"top_k must be an int >= 1 or None, got {top_k!r}")
    if top_p is not None and (isinstance(top_p, bool) or not isinstance(top_p, (int, float, np.number))
                              or not 0 < top_p <= 1):
        raise ValueError(f"top_p must be a number in (0, 1] or None, got {top_p!r}")
    return float(temperature), (None if top_k is None else int(top_k)), (None if top_p is None else float(top_p))


def filter_logits(logits, temperature=1.0, top_k=None, top_p=None):
    """Scale logits by `1 / temperature` and set the tokens removed by top-k / top-p to -inf.

    Args:
        logits: float tensor `(batch, vocab)`.
        temperature: float or scalar tensor > 0. Defaults to 1.
        top_k: int, scalar int tensor or None (no top-k filter).
        top_p: float, scalar tensor or None (no nucleus filter).

    Returns:
        A float32 tensor `(batch, vocab)`: the filtered, scaled logits. The most likely token
        always survives. Ties at the top-k boundary are all kept.

    Example:

    >>> import numpy as np
    >>> out = filter_logits(np.log([[0.5, 0.3, 0.2]]), top_k=2)
    >>> np.isinf(out.numpy()).tolist()
    [[False, False, True]]
    """
    logits = tf.cast(logits, tf.float32) / tf.cast(temperature, tf.float32)
    if top_k is None and top_p is None:
        return logits
    neg_inf = tf.constant(-np.inf, tf.float32)
    vocab = tf.shape(logits)[-1]
    ranked = tf.sort(logits, axis=-1, direction="DESCENDING")  # (batch, vocab)
    # A token survives when its logit is >= the threshold of every active filter.
    threshold = ranked[:, -1:]
    if top_k is not None:
        k = tf.minimum(tf.cast(top_k, tf.int32), vocab)
        threshold = tf.maximum(threshold, ranked[:, k - 1 : k])
    if top_p is not None:
        probs = tf.nn.softmax(tf.where(ranked >= threshold, ranked, neg_inf), axis=-1)
        before = tf.cumsum(probs, axis=-1, exclusive=True)  # mass strictly above each rank
        keep = before < tf.cast(top_p, tf.float32)  # rank 0 is always kept
        # The smallest kept logit: ranks are sorted, so count the kept ones.
        count = tf.reduce_sum(tf.cast(keep, tf.int32), axis=-1, keepdims=True)
        threshold = tf.maximum(threshold, tf.gather(ranked, count - 1, batch_dims=1))
    return tf.where(logits >= threshold, logits, neg_inf)


def _state_sizes(step_model):
    return [int(t.shape[-1]) for t in step_model.inputs[1:]]


def _check_step_model(step_model):
    names = [t.name for t in step_model.inputs]
    if not names or any(not n.startswith("state_") for n in names[1:]):
        raise ValueError(
            f"step model {step_model.name!r} must take [token, *states] (from zoo.build_lm_step); "
            f"it takes {names}"
        )


class Sampler:
    """Batched, compiled sampling from a single-step language model.

    One call runs the prime tokens and `length` sampling steps for every row of the batch
    inside a single `tf.function`. Traces are cached per `(length, filters used)`.

    Args:
        step_model: a model from `zoo.build_lm_step` (inputs `[token, *states]`, outputs
            `[logits, *states]`).
        jit_compile: bool, compile the loop with XLA. Defaults to True (fastest on CPU and GPU).

    Example:

    >>> import zoo
    >>> step = zoo.build_lm_step(zoo.build_lm(12, units=8))
    >>> tokens = Sampler(step)(np.full((3, 1), 2), length=5, seed=1)
    >>> tokens.shape
    (3, 5)
    """

    def __init__(self, step_model, *, jit_compile=True):
        _check_step_model(step_model)
        self.step_model = step_model
        self.jit_compile = bool(jit_compile)
        self._sizes = _state_sizes(step_model)
        self._sample_fns = {}
        self._beam_fns = {}

    def _initial_states(self, batch):
        return [tf.zeros(tf.stack([batch, size]), tf.float32) for size in self._sizes]

    def _prime(self, prime):
        """Feed prime[:, :-1] through the step model; return the states after it."""
        batch = tf.shape(prime)[0]
        steps = tf.shape(prime)[1] - 1
        states = self._initial_states(batch)

        def body(t, *states):
            out = self.step_model([prime[:, t], *states], training=False)
            return (t + 1, *out[1:])

        if prime.shape[1] is not None and prime.shape[1] == 1:
            return states
        result = tf.while_loop(lambda t, *s: t < steps, body, (tf.constant(0), *states))
        return list(result[1:])

    def _build_sample(self, length, use_top_k, use_top_p):
        def sample(prime, temperature, top_k, top_p, seed, eos_id, pad_id):
            batch = tf.shape(prime)[0]
            states = self._prime(prime)
            out = tf.TensorArray(tf.int32, size=length, element_shape=tf.TensorShape([None]))

            def body(t, token, done, out, *states):
                logits, *states = self.step_model([token, *states], training=False)
                logits = filter_logits(logits, temperature, top_k if use_top_k else None,
                                       top_p if use_top_p else None)
                nxt = _gumbel_max(logits, tf.stack([seed, t]))
                nxt = tf.where(done, pad_id, nxt)
                out = out.write(t, nxt)
                done = done | tf.equal(nxt, eos_id)
                return (t + 1, nxt, done, out, *states)

            def cond(t, token, done, out, *states):
                return tf.logical_and(t < length, tf.logical_not(tf.reduce_all(done)))

            init = (tf.constant(0), prime[:, -1], tf.zeros(tf.stack([batch]), tf.bool), out, *states)
            t, _, _, out, *_ = tf.while_loop(cond, body, init)
            # When every row ended early, the remaining steps are padding (no model calls).
            padding = tf.fill(tf.stack([batch]), pad_id)
            _, out = tf.while_loop(lambda i, out: i < length, lambda i, out: (i + 1, out.write(i, padding)), (t, out))
            return tf.transpose(out.stack())  # (batch, length)

        return tf.function(sample, jit_compile=self.jit_compile, reduce_retracing=True)

    def __call__(self, prime, length, *, temperature=1.0, top_k=None, top_p=None, seed=0,
                 eos_id=None, pad_id=0):
        """Sample `length` tokens after `prime` for every row.

        Args:
            prime: int array `(batch, prime_len)` with `prime_len >= 1`: the tokens each row
                starts from (at least a start token). The last one is the first input.
            length: int >= 0, tokens to draw per row.
            temperature, top_k, top_p: see `check_sampling_args`.
            seed: int, the random seed; the same seed, prime and settings give the same tokens.
            eos_id: int or None: a row that draws this token stops; its later positions hold
                `pad_id`. Defaults to None (always `length` tokens).
            pad_id: int written after a row's end. Defaults to 0.

        Returns:
            A numpy int32 array `(batch, length)`.
        """
        temperature, top_k, top_p = check_sampling_args(temperature, top_k, top_p)
        prime = _check_prime(prime)
        length = _check_length(length)
        if length == 0:
            return np.zeros((prime.shape[0], 0), np.int32)
        key = (length, top_k is not None, top_p is not None)
        if key not in self._sample_fns:
            self._sample_fns[key] = self._build_sample(*key)
        fn = self._sample_fns[key]
        tokens = fn(
            tf.constant(prime),
            tf.constant(temperature, tf.float32),
            tf.constant(top_k or 1, tf.int32),
            tf.constant(top_p or 1.0, tf.float32),
            tf.constant(_seed32(seed), tf.int32),
            tf.constant(NO_TOKEN if eos_id is None else int(eos_id), tf.int32),
            tf.constant(int(pad_id), tf.int32),
        )
        return tokens.numpy()

    def _build_beam(self, length, width):
        def search(prime, eos_id, pad_id):
            states = self._prime(prime)  # each (1, units)
            states = [tf.repeat(s, width, axis=0) for s in states]  # (width, units)
            token = tf.repeat(prime[:, -1], width, axis=0)  # (width,)
            # Only beam 0 is live at first, so the first expansion has no duplicates.
            scores = tf.concat([[0.0], tf.fill([width - 1], -np.inf)], axis=0)  # (width,)
            history = tf.fill([width, length], pad_id)  # (width, length)
            done = tf.zeros([width], tf.bool)
            positions = tf.range(length)[None, :]

            def body(t, token, scores, history, done, *states):
                logits, *states = self.step_model([token, *states], training=False)
                logp = tf.nn.log_softmax(tf.cast(logits, tf.float32), axis=-1)  # (width, vocab)
                vocab = tf.shape(logp)[1]
                # A finished beam can only "emit" pad at no cost, so its score is kept.
                finished_row = tf.where(tf.range(vocab) == pad_id, 0.0, -np.inf)[None, :]
                logp = tf.where(done[:, None], finished_row, logp)
                total = tf.reshape(scores[:, None] + logp, [-1])  # (width * vocab,)
                scores, flat = tf.math.top_k(total, k=width)
                beam = flat // vocab
                nxt = tf.cast(flat % vocab, tf.int32)
                history = tf.gather(history, beam)
                history = tf.where(positions == t, nxt[:, None], history)
                done = tf.gather(done, beam) | tf.equal(nxt, eos_id)
                states = [tf.gather(s, beam) for s in states]
                return (t + 1, nxt, scores, history, done, *states)

            def cond(t, token, scores, history, done, *states):
                return tf.logical_and(t < length, tf.logical_not(tf.reduce_all(done)))

            result = tf.while_loop(cond, body, (tf.constant(0), token, scores, history, done, *states))
            return result[3], result[2]

        return tf.function(search, jit_compile=self.jit_compile, reduce_retracing=True)

    def beam_search(self, prime, length, *, width=5, eos_id=None, pad_id=0):
        """The `width` most likely continuations of one prime, by beam search.

        Args:
            prime: int array `(1, prime_len)` or `(prime_len,)`, prime_len >= 1.
            length: int >= 0, the most tokens to add.
            width: int >= 1, beams kept at every step (width 1 is greedy decoding).
            eos_id: int or None: a beam that emits it is finished (its score stays fixed).
            pad_id: int written after a beam's end. Defaults to 0.

        Returns:
            `(tokens, log_probs)`: int32 `(width, length)` sorted best first, and float32
            `(width,)`, each the summed natural-log probability of the tokens up to and
            including the end token. Rows with -inf score are unused beams (tiny vocabularies).
        """
        prime = _check_prime(np.reshape(prime, (1, -1)) if np.ndim(prime) == 1 else prime)
        if prime.shape[0] != 1:
            raise ValueError(f"beam_search takes one prime, got a batch of {prime.shape[0]}")
        length = _check_length(length)
        if isinstance(width, bool) or not isinstance(width, (int, np.integer)) or width < 1:
            raise ValueError(f"width must be an int >= 1, got {width!r}")
        if length == 0:
            return np.zeros((int(width), 0), np.int32), np.zeros((int(width),), np.float32)
        key = (length, int(width))
        if key not in self._beam_fns:
            self._beam_fns[key] = self._build_beam(*key)
        tokens, scores = self._beam_fns[key](
            tf.constant(prime),
            tf.constant(NO_TOKEN if eos_id is None else int(eos_id), tf.int32),
            tf.constant(int(pad_id), tf.int32),
        )
        return tokens.numpy(), scores.numpy()


def _gumbel_max(logits, seed):
    """Draw one token per row from softmax(logits) with the Gumbel-max trick.

    argmax(logits + G) with G ~ Gumbel(0, 1) i.i.d. is an exact sample of the categorical
    distribution; it needs only a uniform draw, which XLA compiles on every device (unlike
    `stateless_categorical`). Tokens filtered to -inf are never drawn.
    """
    uniform = tf.random.stateless_uniform(tf.shape(logits), seed=seed, minval=1e-12, maxval=1.0)
    gumbel = -tf.math.log(-tf.math.log(uniform))
    return tf.cast(tf.argmax(logits + gumbel, axis=-1), tf.int32)


def _seed32(seed):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an int, got {seed!r}")
    return int(seed) % (2**31 - 1)


def _check_prime(prime):
    prime = np.asarray(prime)
    if prime.ndim != 2 or prime.shape[0] < 1 or prime.shape[1] < 1:
        raise ValueError(f"prime must be an int array (batch >= 1, prime_len >= 1), got shape {prime.shape}")
    if not np.issubdtype(prime.dtype, np.integer):
        raise ValueError(f"prime must hold integer token ids, got dtype {prime.dtype}")
    return prime.astype(np.int32)


def _check_length(length):
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 0:
        raise ValueError(f"length must be an int >= 0, got {length!r}")
    return int(length)
