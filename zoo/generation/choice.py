"""The token choice of the generation engine: sampling arguments, logit filters, one draw.

`zoo.generation.sampler.Sampler` (and everything built on it) picks every token with `choose_tokens`:
the argmax, or `tf.random.stateless_categorical` on logits scaled by a temperature and
filtered by top-k and top-p (`filter_logits`), always computed in float32.

NaN logits have one meaning everywhere, here and in the native sampler
(`zoo/native/csrc/lstm_sample.cc`): a NaN logit counts as -inf, so it is never chosen while any other
token is allowed, and a row with no allowed token (every logit NaN or -inf) gets token 0.
A log-probability summed over such logits (`Generation.log_probs`) is NaN.
"""

import numpy as np
import tensorflow as tf

from zoo.core.checks import check_number, check_optional_int, check_probability


def check_sampling_args(temperature=1.0, top_k=None, top_p=None, *, error=ValueError):
    """Validate sampling parameters; raise `error` naming the bad one.

    The rules are `zoo.core.checks`'s (`check_number`, `check_optional_int`,
    `check_probability`). Both floats are then checked as the float32 the samplers compute
    with: a temperature that float32 rounds to 0 or to infinity, or a top_p that it rounds to
    0, is refused.

    Args:
        temperature: float > 0. Below 1 sharpens the distribution, above 1 flattens it.
        top_k: int >= 1 or None: keep only the `top_k` most likely tokens.
        top_p: float in (0, 1] or None: keep the smallest set of most likely tokens whose
            probability adds up to at least `top_p` (nucleus sampling).
        error: the exception class to raise (an application passes its own). Defaults to
            `ValueError`.

    Returns:
        `(temperature, top_k, top_p)` as `(float, int or None, float or None)`.

    Raises:
        ValueError: ``"temperature must be a number in (0, inf); got 0"``, ``"top_k must be
            ..."``, ``"top_p must be a number in (0, 1]; got 1.5"``, or the float32 messages
            (``"... as a float32; got ..."``); `error` instead when given.

    Example:

    >>> check_sampling_args(0.5, top_k=3)
    (0.5, 3, None)
    """
    temperature = check_number("temperature", temperature, low=0, low_open=True, error=error)
    top_k = check_optional_int("top_k", top_k, 1, error=error)
    if top_p is not None:
        top_p = check_probability("top_p", top_p, low_open=True, error=error)
    if not 0 < _float32(temperature) < np.inf:
        raise error(f"temperature must be finite and > 0 as a float32; got {temperature!r}")
    if top_p is not None and not _float32(top_p) > 0:
        raise error(f"top_p must be > 0 as a float32; got {top_p!r}")
    top_k = None if top_k is None else min(int(top_k), 2**31 - 1)  # more than the vocabulary: all
    return temperature, top_k, top_p


def _float32(value):
    """A number as numpy float32, as the samplers receive it (+-inf beyond its range)."""
    try:
        with np.errstate(over="ignore", under="ignore"):
            return np.float32(value)
    except OverflowError:  # an int beyond float64
        return np.float32(np.inf if value > 0 else -np.inf)


def filter_logits(logits, temperature=1.0, top_k=None, top_p=None):
    """Scale logits by `1 / temperature` and set the tokens removed by top-k / top-p to -inf.

    Args:
        logits: float tensor `(batch, vocab)` (any float dtype; computed in float32).
        temperature: float or scalar tensor > 0. Defaults to 1.
        top_k: int, scalar int tensor or None (no top-k filter).
        top_p: float, scalar tensor or None (no nucleus filter).

    Returns:
        A float32 tensor `(batch, vocab)`: the filtered, scaled logits, with NaN logits set to
        -inf. The most likely token always survives. Ties at the top-k boundary are all kept.

    Example:

    >>> import numpy as np
    >>> out = filter_logits(np.log([[0.5, 0.3, 0.2]]), top_k=2)
    >>> np.isinf(out.numpy()).tolist()
    [[False, False, True]]
    """
    neg_inf = tf.constant(-np.inf, tf.float32)
    logits = _nan_to_neg_inf(logits) / tf.cast(temperature, tf.float32)
    if top_k is None and top_p is None:
        return logits
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


def choose_tokens(logits, seed, *, greedy=False, temperature=1.0, top_k=None, top_p=None):
    """Pick one token per row: the engine's only token choice.

    Args:
        logits: float `(batch, vocab)`; -inf marks forbidden tokens.
        seed: int32 `(2,)`, the stateless seed of this draw (the engine uses `(seed, step)`).
        greedy: bool, take the argmax instead of drawing. Defaults to False.
        temperature, top_k, top_p: see `check_sampling_args` (ignored when greedy).

    Returns:
        int32 `(batch,)`. A draw is `tf.random.stateless_categorical` on the filtered logits,
        so the same seed and logits give the same token. A NaN logit counts as -inf; a row
        with no allowed token (all NaN or -inf) gets 0, greedy or drawn.

    Example:

    >>> choose_tokens(np.array([[0.0, 3.0, -1.0]]), [1, 0], greedy=True).numpy()
    array([1], dtype=int32)
    """
    if greedy:  # the first argmax: 0 on a row of -inf
        return tf.argmax(_nan_to_neg_inf(logits), axis=-1, output_type=tf.int32)
    filtered = filter_logits(logits, temperature, top_k, top_p)
    drawn = tf.random.stateless_categorical(filtered, 1, seed=seed, dtype=tf.int32)[:, 0]
    # XLA already draws 0 from a row of -inf; TensorFlow's CPU kernel would return vocab.
    return tf.where(tf.reduce_any(filtered > -np.inf, axis=-1), drawn, 0)


def _nan_to_neg_inf(logits):
    """`logits` in float32 with every NaN replaced by -inf (the one NaN rule, see above)."""
    logits = tf.cast(logits, tf.float32)
    return tf.where(tf.math.is_nan(logits), tf.constant(-np.inf, tf.float32), logits)
