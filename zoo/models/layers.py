"""The few custom layers of the zoo, each registered and serializable (safe-mode loadable).

Load a saved model with `zoo.models.saving.load_model` (`zoo.load_model`), which registers
these and every other zoo layer.
"""

import keras
from keras import ops

from zoo.core.checks import check_choice
from zoo.generation.choice import choose_tokens


@keras.saving.register_keras_serializable(package="seqzoo")
class TokenSampler(keras.layers.Layer):
    """Pick the next token from logits inside the graph: argmax, or a sample at a temperature.

    Kept so that generator models saved by earlier versions of `build_one_to_many_generator`
    still load; it chooses with the generation engine's `zoo.generation.choice.choose_tokens`. New code
    generates with `zoo.Sampler` (or `build_one_to_many_generator`, which uses it).

    Args:
        mode: `"argmax"` (greedy) or `"sample"` (draw from `softmax(logits / temperature)`).
            Defaults to `"argmax"`.
        temperature: float > 0, used by `"sample"`. Defaults to 1.0.
        seed: optional int; with a seed, a fresh model draws the same tokens every time.
        **kwargs: base `keras.layers.Layer` arguments (e.g. `name`).

    Call arguments:
        logits: `(batch, vocab)` unnormalised log-probabilities.

    Returns:
        int32 token ids `(batch,)`.

    Example:

    >>> import numpy as np, zoo
    >>> zoo.TokenSampler()(np.array([[0.1, 2.0, -1.0]], "float32")).numpy()
    array([1], dtype=int32)
    """

    def __init__(self, mode="argmax", temperature=1.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        check_choice("mode", mode, ("argmax", "sample"))
        if not temperature > 0:
            raise ValueError(f"temperature must be > 0; got {temperature!r}")
        self.mode = mode
        self.temperature = float(temperature)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed) if mode == "sample" else None

    def call(self, logits):
        seed = None
        if self.mode == "sample":  # a fresh stateless seed from the layer's seed generator
            seed = keras.random.randint((2,), 0, 2**31 - 1, seed=self.seed_generator, dtype="int32")
        return choose_tokens(
            logits, seed, greedy=self.mode == "argmax", temperature=self.temperature
        )

    def compute_output_shape(self, input_shape):
        return input_shape[:-1]

    def compute_output_spec(self, logits):
        return keras.KerasTensor(logits.shape[:-1], dtype="int32")

    def get_config(self):
        config = super().get_config()
        config.update({"mode": self.mode, "temperature": self.temperature, "seed": self.seed})
        return config


@keras.saving.register_keras_serializable(package="seqzoo")
class JoinConditioning(keras.layers.Concatenate):
    """Join token embeddings and conditioning features on the last axis, checking their shapes.

    A `keras.layers.Concatenate` that first checks that every leading axis of the
    conditioning (batch, and time in a full model) matches the tokens', so that a wrong
    conditioning input fails with a `ValueError` naming the shapes given and expected instead
    of an error from deep inside the concatenation op. Dimensions that are not known yet
    (`None` while tracing) are not checked. `build_lm` names it `"join_conditioning"`, and
    `build_lm_step` reuses it on single steps.

    Args:
        **kwargs: `keras.layers.Concatenate` arguments (e.g. `name`).

    Call arguments:
        inputs: `[embeddings, conditioning]`: `(batch, time, embedding_dim)` and
            `(batch, time, conditioning_dim)`, or `(batch, embedding_dim)` and
            `(batch, conditioning_dim)` for a single step.

    Returns:
        float32 `(..., embedding_dim + conditioning_dim)`.

    Example:

    >>> import numpy as np, zoo
    >>> join = zoo.models.layers.JoinConditioning()
    >>> join([np.zeros((2, 5, 4), "float32"), np.ones((2, 5, 3), "float32")]).shape
    TensorShape([2, 5, 7])
    >>> join([np.zeros((2, 5, 4), "float32"), np.ones((2, 6, 3), "float32")])
    Traceback (most recent call last):
    ...
    ValueError: ...conditioning has shape (2, 6, 3) but tokens have shape (2, 5): ... = (2, 5, 3)...
    """

    def call(self, inputs):
        embeddings, conditioning = inputs
        tokens, given = tuple(embeddings.shape[:-1]), tuple(conditioning.shape)
        if len(given) != len(tokens) + 1 or any(
            a is not None and b is not None and a != b for a, b in zip(tokens, given)
        ):
            subject, layout = {1: ("token has", "(batch, conditioning_dim)")}.get(
                len(tokens), ("tokens have", "(batch, time, conditioning_dim)")
            )
            raise ValueError(
                f"conditioning has shape {given} but {subject} shape {tokens}: the "
                f"conditioning input must be {layout} = {tokens + given[-1:]}"
            )
        return super().call(inputs)


@keras.saving.register_keras_serializable(package="seqzoo")
class ZeroState(keras.layers.Layer):
    """Zeros `(batch, units)` shaped after a batch of inputs: a graph's initial RNN state.

    Args:
        units: int >= 1, size of the state.
        **kwargs: base `keras.layers.Layer` arguments.

    Call arguments:
        reference: any tensor whose first axis is the batch.

    Returns:
        float32 zeros `(batch, units)`.

    Example:

    >>> import numpy as np, zoo
    >>> zoo.models.layers.ZeroState(4)(np.array([3, 1], "int32")).shape
    TensorShape([2, 4])
    """

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = int(units)

    def call(self, reference):
        batch = ops.shape(reference)[0]
        return ops.zeros((batch, self.units), dtype=self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)

    def get_config(self):
        config = super().get_config()
        config["units"] = self.units
        return config


RIGHT_PADDING_MESSAGE = (
    "seqzoo models take right-padded sequences (the real steps first, then padding: token id 0 "
    "or an all-zero feature vector) with at least one real step per row; this batch has padding "
    "before a real step or an empty row (cuDNN, on GPUs, cannot run either). Pad with "
    "keras.utils.pad_sequences(..., padding='post') and drop empty sequences"
)


@keras.saving.register_keras_serializable(package="seqzoo")
class RequireRightPadding(keras.layers.Layer):
    """Pass a masked sequence through unchanged, refusing masks that are not right-padded.

    Keras runs LSTM and GRU layers with cuDNN on GPUs, and cuDNN accepts only right-padded
    masks (`[True, True, False]`) with no empty row; anything else fails there with an
    assertion from deep inside the layer. This layer makes the rule the same on every device:
    a left-padded (or gapped) mask or an all-padding row raises
    `tensorflow.errors.InvalidArgumentError` with `RIGHT_PADDING_MESSAGE`, which says how to
    pad. The zoo's factories put it right after the embedding or masking layer. Under XLA the
    check is compiled away (XLA drops assertions).

    Args:
        **kwargs: base `keras.layers.Layer` arguments (e.g. `name`).

    Call arguments:
        inputs: `(batch, time, features)`, with a Keras mask `(batch, time)` attached.

    Returns:
        `inputs`, with the same mask.

    Example:

    >>> import numpy as np, zoo
    >>> model = zoo.build_many_to_one(vocab_size=9, output_dim=2, units=4)
    >>> model(np.array([[3, 4, 0]], "int32")).shape  # right-padded: fine
    TensorShape([1, 2])
    >>> model(np.array([[0, 3, 4]], "int32"))  # left-padded: refused
    Traceback (most recent call last):
    ...
    tensorflow.python.framework.errors_impl.InvalidArgumentError: ...seqzoo models take right-padded sequences...
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return inputs
        import tensorflow as tf  # lazy: TensorFlow

        mask = tf.cast(mask, tf.bool)  # (batch, time)
        lengths = tf.reduce_sum(tf.cast(mask, tf.int32), axis=1)  # (batch,)
        right_padded = tf.sequence_mask(lengths, tf.shape(mask)[1])
        valid = tf.logical_and(
            tf.reduce_all(tf.equal(mask, right_padded)), tf.reduce_all(lengths > 0)
        )
        with tf.control_dependencies([tf.debugging.Assert(valid, [RIGHT_PADDING_MESSAGE])]):
            return tf.identity(inputs)

    def compute_mask(self, inputs, mask=None):
        return mask

    def compute_output_shape(self, input_shape):
        return input_shape
