"""The pitch-class cache: sampling leans toward the pitch classes the solo itself has played.

A cache in the sense of language modelling (a unigram model of the recent text multiplied into
the network's distribution): the cache holds a decayed count of the solo's own pitch classes
(`music.encoding.features.remember_pitch_classes` with `CACHE_DECAY`: each note adds 1 after
every count keeps `CACHE_DECAY` of itself, so it remembers about the last 20 notes, three or
four bars). A candidate note of pitch class c gains

    CACHE_WEIGHT * log(12 * (count_c + CACHE_SMOOTHING) / (total + 12 * CACHE_SMOOTHING))

nats: the cache's smoothed pitch-class distribution against the uniform one, to the power
`CACHE_WEIGHT`. Before the first note every class is as likely as any other and nothing
changes; rests and ties are never touched.

Why: players centre on a key or a scale for bars at a time, and the network, which hears the
chords and only its last few notes (`RECENT_DECAY`), let its lines wander through more pitch
classes than theirs. On the 32 validation solos (mean of three seeds, docs/results/jazz.md) the
generated lines' pitch-class entropy over 1 and 4 bars (H1, H4 of the Jazz Transformer) was
0.097 and 0.136 bits above the players'; with the cache it is +0.002 and -0.013, and the
feature judges did not find the solos easier to tell apart (0.611 / 0.587 against 0.618 / 0.598).
`CACHE_WEIGHT`, `CACHE_DECAY` and `CACHE_SMOOTHING` were chosen there, before the held-out
solos were played.
"""

import numpy as np

from music.encoding.features import PITCH_CLASSES, remember_pitch_classes

CACHE_WEIGHT = 0.25
"""The cache's exponent: 0 turns the cache off (the network's own distribution); 0.5 already
overshot on the validation solos (H1 0.1 bits below the players')."""
CACHE_DECAY = 0.95
"""The weight a pitch class keeps in the cache at each later note (with 0.9 on the validation
solos H1 and H4 stayed 0.023 and 0.030 bits above the players' and the judges did a little
better: 0.626 / 0.620)."""
CACHE_SMOOTHING = 1.0
"""Notes' worth of count added to every pitch class, so an unheard class is unlikely, not
impossible."""


def class_bonus_graph(cache, weight, smoothing=CACHE_SMOOTHING):
    """The log-probability a note of each pitch class gains from the cache, in TensorFlow.

    Args:
        cache: float32 (batch, 12), the decayed pitch-class counts of the solo so far.
        weight: float >= 0, the cache's exponent (`CACHE_WEIGHT`).
        smoothing: float > 0, counts added to every class (`CACHE_SMOOTHING`).

    Returns:
        tf.Tensor float32 (batch, 12), in nats; 0 everywhere while the cache is empty.

    Example:
        >>> cache = np.zeros((1, 12), np.float32)
        >>> float(class_bonus_graph(cache, 0.25).numpy().max())
        0.0
    """
    import tensorflow as tf

    cache = tf.convert_to_tensor(cache, tf.float32)
    total = tf.reduce_sum(cache, axis=1, keepdims=True)
    share = PITCH_CLASSES * (cache + smoothing) / (total + PITCH_CLASSES * smoothing)
    return weight * tf.math.log(share)


def cache_bonus_graph(cache, target, weight, smoothing=CACHE_SMOOTHING):
    """The log-probability each candidate note gains from the cache, in TensorFlow: the
    `class_bonus_graph` of its pitch class.

    Args:
        cache: float32 (batch, 12), the decayed pitch-class counts of the solo so far.
        target: int32 (batch, vocab), the pitch each event would sound (any value for events
            that are not notes: the caller keeps the bonus to notes).
        weight: float >= 0, the cache's exponent (`CACHE_WEIGHT`).
        smoothing: float > 0, counts added to every class (`CACHE_SMOOTHING`).

    Returns:
        tf.Tensor float32 (batch, vocab), in nats; 0 everywhere while the cache is empty.

    Example:
        >>> cache = np.zeros((1, 12), np.float32)
        >>> cache_bonus_graph(cache, np.int32([[60, 67]]), 0.25).numpy().tolist()
        [[0.0, 0.0]]
    """
    import tensorflow as tf

    bonus = class_bonus_graph(cache, weight, smoothing)
    target = tf.convert_to_tensor(target, tf.int32)
    return tf.gather(bonus, tf.math.floormod(target, PITCH_CLASSES), batch_dims=1)


def cache_of(pitches, decay=CACHE_DECAY):
    """The cache after a melody's notes, in order (a primer's, before the solo continues it).

    Args:
        pitches: the MIDI pitches of the notes, first to last.
        decay: float in [0, 1), `CACHE_DECAY`.

    Returns:
        np.ndarray float32 (12,).

    Example:
        >>> cache_of([60, 62], decay=0.5)[[0, 2]].tolist()
        [0.5, 1.0]
    """
    cache = np.zeros((1, PITCH_CLASSES), np.float32)
    for pitch in pitches:
        cache = remember_pitch_classes(cache, [pitch], [True], decay)
    return cache[0]


__all__ = [
    "CACHE_DECAY",
    "CACHE_SMOOTHING",
    "CACHE_WEIGHT",
    "cache_bonus_graph",
    "cache_of",
    "class_bonus_graph",
]
