"""The token choice of the generation engine: sampling arguments, logit filters, one draw.

`zoo.sampling.Sampler` (and everything built on it) picks every token with `choose_tokens`:
the argmax, or `tf.random.stateless_categorical` on logits scaled by a temperature and
filtered by top-k and top-p (`filter_logits`), always computed in float32.
"""

import math

import numpy as np
import tensorflow as tf


def check_sampling_args(temperature=1.0, top_k=None, top_p=None):
    """Validate sampling parameters; raise ValueError naming the bad one.

    Args:
        temperature: float > 0. Below 1 sharpens the distribution, above 1 flattens it.
        top_k: int >= 1 or None: keep only the `top_k` most likely tokens.
        top_p: float in (0, 1] or None: keep the smallest set of most likely tokens whose
            probability adds up to at least `top_p` (nucleus sampling).

    Returns:
        `(temperature, top_k, top_p)` as `(float, int or None, float or None)`.

    Example:

    >>> check_sampling_args(0.5, top_k=3)
    (0.5, 3, None)
    """
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float, np.number)) \
            or not math.isfinite(temperature) or temperature <= 0:
        raise ValueError(f"temperature must be a number > 0, got {temperature!r}")
    if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, (int, np.integer))
                              or top_k < 1):
        raise ValueError(f"top_k must be an int >= 1 or None, got {top_k!r}")
    if top_p is not None and (isinstance(top_p, bool) or not isinstance(top_p, (int, float, np.number))
                              or not 0 < top_p <= 1):
        raise ValueError(f"top_p must be a number in (0, 1] or None, got {top_p!r}")
    top_k = None if top_k is None else min(int(top_k), 2**31 - 1)  # more than the vocabulary: all
    return float(temperature), top_k, (None if top_p is None else float(top_p))


def filter_logits(logits, temperature=1.0, top_k=None, top_p=None):
    """Scale logits by `1 / temperature` and set the tokens removed by top-k / top-p to -inf.

    Args:
        logits: float tensor `(batch, vocab)` (any float dtype; computed in float32).
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


def choose_tokens(logits, seed, *, greedy=False, temperature=1.0, top_k=None, top_p=None):
    """Pick one token per row: the engine's only token choice.

    Args:
        logits: float `(batch, vocab)`; -inf marks forbidden tokens.
        seed: int32 `(2,)`, the stateless seed of this draw (the engine uses `(seed, step)`).
        greedy: bool, take the argmax instead of drawing. Defaults to False.
        temperature, top_k, top_p: see `check_sampling_args` (ignored when greedy).

    Returns:
        int32 `(batch,)`. A draw is `tf.random.stateless_categorical` on the filtered logits,
        so the same seed and logits give the same token.

    Example:

    >>> choose_tokens(np.array([[0.0, 3.0, -1.0]]), [1, 0], greedy=True).numpy()
    array([1], dtype=int32)
    """
    if greedy:
        return tf.cast(tf.argmax(tf.cast(logits, tf.float32), axis=-1), tf.int32)
    filtered = filter_logits(logits, temperature, top_k, top_p)
    return tf.random.stateless_categorical(filtered, 1, seed=seed, dtype=tf.int32)[:, 0]
