"""LSTM and GRU layers that train faster on CPUs: the same math, weights and config as Keras's.

`LSTM`, `FastLSTM` and `FastGRU` subclass `keras.layers.LSTM` and `keras.layers.GRU`. They
keep the cell, the weights (names, shapes, gate order), the config and the single-step path
(`layer.cell`), so a model built with them is the same model: it loads the weights of a stock
layer and saves to a `.keras` file that loads in safe mode. Only the whole-sequence loop
differs, where it pays on a CPU:

- `LSTM` (what the factories build for every LSTM) and its alias `FastLSTM` run
  `zoo.native.fused_lstm.lstm_sequence`: the input projection hoisted out of the loop, the
  recurrent multiply in two halves that run on two cores at once, and a hand-written gradient
  whose weight gradients are multiplies over all steps at once. `LSTM` keeps the stock class
  name, so checkpoints written with stock layers resume with it and the other way round.
- `FastGRU` (opt-in, `zoo.models.recurrent.fast_layers()`) hoists the input projection and leaves
  the gradient to TensorFlow.

Where the stock layer would run cuDNN (a GPU and cuDNN-eligible settings), or where the
fast loop does not apply (dropout inside the cell while training, masks, unrolling, other
activations), they run the stock code, so cuDNN eligibility is never lost.
"""

import keras
from keras import ops

__all__ = ["LSTM", "FastLSTM", "FastGRU", "fast_layers_enabled"]


def fast_layers_enabled():
    """Whether `FastLSTM`/`FastGRU` may replace the stock layers here: True without a GPU.

    Returns:
        bool.

    Example:

    >>> isinstance(fast_layers_enabled(), bool)
    True
    """
    import tensorflow as tf  # lazy: TensorFlow

    return not tf.config.list_physical_devices("GPU")


def _stock_path(layer, training):
    """True when the stock loop must run: cuDNN would, or the cell applies dropout."""
    if keras.backend.backend() != "tensorflow":
        return True
    cell = layer.cell
    if training and (cell.dropout or cell.recurrent_dropout):
        return True
    if layer.use_cudnn in ("auto", True) and not cell.recurrent_dropout:
        from keras.src.backend.tensorflow.rnn import cudnn_ok  # lazy: TensorFlow

        kwargs = {"reset_after": cell.reset_after} if hasattr(cell, "reset_after") else {}
        if cudnn_ok(
            cell.activation, cell.recurrent_activation, layer.unroll, cell.use_bias, **kwargs
        ):
            return True
    return False


def _run(layer, step, projected, initial_state, mask):
    """Run `step(projected_t, states)` over time with Keras's backend loop."""
    from keras.src.backend import rnn  # lazy: the active Keras backend

    if isinstance(mask, (list, tuple)):
        mask = mask[0]
    return rnn(
        step,
        projected,
        list(initial_state),
        go_backwards=layer.go_backwards,
        mask=mask,
        unroll=layer.unroll,
        input_length=projected.shape[1],
        zero_output_for_mask=layer.zero_output_for_mask,
        return_all_outputs=layer.return_sequences,
    )


def _fused_path(layer, mask, training):
    """True when `zoo.native.fused_lstm.lstm_sequence` computes what the stock loop would."""
    from zoo.native.fused_lstm import applies  # lazy: TensorFlow (the native op)

    masks = mask if isinstance(mask, (list, tuple)) else [mask]
    return (
        not _stock_path(layer, training)
        and all(m is None for m in masks)
        and not layer.unroll
        and applies(layer.cell)
    )


@keras.saving.register_keras_serializable(package="seqzoo")
class LSTM(keras.layers.LSTM):
    """`keras.layers.LSTM` whose whole-sequence loop on a CPU is `zoo.native.fused_lstm`.

    The same layer as `keras.layers.LSTM`: same arguments, weights, gate order `i, f, c, o`,
    config, outputs and gradients, and the same class name, so a weights file (a checkpoint
    `zoo.training.engine.fit` resumes from) written by a model of stock layers loads into one of
    these and back. Over whole sequences on a CPU, with the default activations, a bias, no
    mask, no unrolling and no dropout inside the cell while training, it runs
    `zoo.native.fused_lstm.lstm_sequence` (both cores on every step, a hand-written gradient);
    everywhere else, including cuDNN on a GPU, the stock code. The factories build it for
    every LSTM (`zoo.models.recurrent.fast_layers(False)` builds the stock layer instead).

    Args:
        units: int >= 1, the hidden size.
        **kwargs: every other `keras.layers.LSTM` argument (`return_sequences`,
            `return_state`, `activation`, `name`, ...).

    Returns:
        What `keras.layers.LSTM` returns for the same arguments.

    Example:

    >>> import numpy as np
    >>> layer = LSTM(8, return_sequences=True)
    >>> layer(np.zeros((2, 5, 3), "float32")).shape
    TensorShape([2, 5, 8])
    """

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if not _fused_path(self, mask, training):
            return super().inner_loop(sequences, initial_state, mask, training=training)
        from zoo.native.fused_lstm import lstm_sequence  # lazy: TensorFlow (the native op)

        cell = self.cell
        if self.go_backwards:  # Keras returns the outputs in the order it ran them
            sequences = ops.flip(sequences, axis=1)
        outputs, h, c = lstm_sequence(
            sequences,
            initial_state[0],
            initial_state[1],
            cell.kernel.value,
            cell.recurrent_kernel.value,
            cell.bias.value,
            training=bool(training),
        )
        return h, outputs, [h, c]


@keras.saving.register_keras_serializable(package="seqzoo")
class FastLSTM(LSTM):
    """`zoo.models.fast_rnn.LSTM` under the name `zoo.models.recurrent.fast_layers()` builds.

    Kept so that models saved with it load; it computes what `LSTM` computes (the input
    projection is hoisted out of the loop there too).

    Args:
        units: int >= 1, the hidden size.
        **kwargs: every other `keras.layers.LSTM` argument.

    Returns:
        What `keras.layers.LSTM` returns for the same arguments.

    Example:

    >>> import numpy as np
    >>> FastLSTM(8)(np.zeros((2, 5, 3), "float32")).shape
    TensorShape([2, 8])
    """


@keras.saving.register_keras_serializable(package="seqzoo")
class FastGRU(keras.layers.GRU):
    """`keras.layers.GRU` with the input projection hoisted out of the recurrence.

    The same layer as `keras.layers.GRU` (same arguments, weights, gate order `z, r, h`,
    `reset_after` either way, config and outputs); over whole sequences on a CPU it computes
    `x @ kernel + input_bias` for every step at once and runs only the recurrent multiply and
    the gates inside the loop. On a GPU with cuDNN-eligible settings, and with cell dropout
    while training, it runs the stock implementation.

    Args:
        units: int >= 1, the hidden size.
        **kwargs: every other `keras.layers.GRU` argument.

    Returns:
        What `keras.layers.GRU` returns for the same arguments.

    Example:

    >>> import numpy as np
    >>> layer = FastGRU(8)
    >>> layer(np.zeros((2, 5, 3), "float32")).shape
    TensorShape([2, 8])
    """

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if _stock_path(self, training):
            return super().inner_loop(sequences, initial_state, mask, training=training)
        cell = self.cell
        units, reset_after = cell.units, cell.reset_after
        input_bias = recurrent_bias = None
        if cell.use_bias:
            input_bias, recurrent_bias = (
                (cell.bias[0], cell.bias[1]) if reset_after else (cell.bias, None)
            )
        projected = ops.matmul(sequences, cell.kernel)  # (batch, time, 3 * units)
        if input_bias is not None:
            projected = ops.add(projected, input_bias)
        recurrent_kernel = cell.recurrent_kernel
        activation, recurrent_activation = cell.activation, cell.recurrent_activation

        def step(z_x, states):
            h = states[0]
            x_z, x_r, x_h = ops.split(z_x, 3, axis=-1)
            if reset_after:
                inner = ops.matmul(h, recurrent_kernel)  # (batch, 3 * units)
                if recurrent_bias is not None:
                    inner = ops.add(inner, recurrent_bias)
                r_z, r_r, r_h = ops.split(inner, 3, axis=-1)
            else:
                inner = ops.matmul(h, recurrent_kernel[:, : 2 * units])
                r_z, r_r = ops.split(inner, 2, axis=-1)
            z = recurrent_activation(x_z + r_z)
            r = recurrent_activation(x_r + r_r)
            if reset_after:
                r_h = r * r_h
            else:
                r_h = ops.matmul(r * h, recurrent_kernel[:, 2 * units :])
            hh = activation(x_h + r_h)
            h = z * h + (1 - z) * hh
            return h, [h]

        return _run(self, step, projected, initial_state, mask)
