"""Pooling a masked sequence of states into one vector (many-to-one models read whole texts).

A many-to-one model's last recurrent state has to carry a whole document; on long texts
(hundreds of tokens) from few examples it learns poorly. Pooling every step's state
(`"max"`, `"mean"`, or both concatenated as in ULMFiT's concat pooling) gives each position a
short path to the output. Padding never counts: the mean is Keras's mask-aware
`GlobalAveragePooling1D`, the max is `MaskedGlobalMaxPooling1D` below.
"""

import keras
from keras import ops

POOLINGS = ("last", "max", "mean", "max_mean")


@keras.saving.register_keras_serializable(package="seqzoo")
class MaskedGlobalMaxPooling1D(keras.layers.Layer):
    """The maximum over time of each feature, ignoring masked (padding) steps.

    `keras.layers.GlobalMaxPooling1D` ignores the mask, so padded steps could win the max;
    this layer replaces them by the lowest value of the dtype first. A row with no unmasked
    step gives zeros.

    Args:
        **kwargs: base `keras.layers.Layer` arguments (e.g. `name`).

    Call arguments:
        inputs: `(batch, time, features)`.
        mask: optional bool `(batch, time)`, True on real steps.

    Returns:
        `(batch, features)`.

    Example:

    >>> import numpy as np
    >>> x = np.array([[[1.0], [3.0], [9.0]]], "float32")
    >>> MaskedGlobalMaxPooling1D()(x, mask=np.array([[True, True, False]])).numpy().tolist()
    [[3.0]]
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.max(inputs, axis=1)
        keep = ops.expand_dims(ops.cast(mask, "bool"), -1)  # (batch, time, 1)
        dtype = keras.backend.standardize_dtype(inputs.dtype)
        lowest = ops.full_like(inputs, -6.0e4 if dtype == "float16" else -3.0e38)
        pooled = ops.max(ops.where(keep, inputs, lowest), axis=1)
        any_real = ops.any(keep, axis=1)  # (batch, 1)
        return ops.where(any_real, pooled, ops.zeros_like(pooled))

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])


def pool_sequence(x, pooling, *, name="pooling"):
    """Pool a masked `(batch, time, features)` tensor with one of `POOLINGS` (not `"last"`).

    Args:
        x: a symbolic tensor carrying the sequence mask.
        pooling: `"max"`, `"mean"` or `"max_mean"` (both, concatenated: max first).
        name: the pooling layers' name (`"max_mean"` adds `_max`, `_mean` and a concatenation).

    Returns:
        `(batch, features)` or, for `"max_mean"`, `(batch, 2 * features)`.

    Example:

    >>> inputs = keras.Input((None, 4))
    >>> pool_sequence(inputs, "max_mean").shape
    (None, 8)
    """
    if pooling == "max":
        return MaskedGlobalMaxPooling1D(name=name)(x)
    if pooling == "mean":
        return keras.layers.GlobalAveragePooling1D(name=name)(x)
    if pooling == "max_mean":
        both = [
            MaskedGlobalMaxPooling1D(name=f"{name}_max")(x),
            keras.layers.GlobalAveragePooling1D(name=f"{name}_mean")(x),
        ]
        return keras.layers.Concatenate(name=name)(both)
    raise ValueError(f"pooling must be one of {', '.join(POOLINGS)}; got {pooling!r}")
