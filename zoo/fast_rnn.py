"""LSTM and GRU layers that train faster on CPUs: the same math, weights and config as Keras's.

`FastLSTM` and `FastGRU` subclass `keras.layers.LSTM` and `keras.layers.GRU`. They keep the
cell, the weights (names, shapes, gate order), the config and the single-step path
(`layer.cell`), so a model built with them is the same model: it loads the weights of a stock
layer and saves to a `.keras` file that loads in safe mode. Only the whole-sequence loop
differs, where it pays on a CPU:

- the **input projection is hoisted** out of the recurrence: `x @ kernel + bias` runs as one
  matrix multiply over every time step `(batch * time, features) @ (features, gates * units)`
  instead of one small multiply per step, so the loop is left with `h @ recurrent_kernel`,
  an add and the gate activations;
- the gradient is TensorFlow's own through the loop, which keeps the backward pass's two
  independent multiplies per step (`dz @ recurrent_kernel^T` and the kernel's gradient)
  free to run on two cores at once. (A hand-written LSTM gradient that deferred the kernel's
  gradient to one multiply over all steps measured 0.24x-0.81x of the stock layer on two
  cores, so it was dropped.)

Where the stock layer would run cuDNN (a GPU and cuDNN-eligible settings), or where the fast
loop does not apply (dropout inside the cell while training), they defer to the stock layer,
so cuDNN eligibility is never lost. Both are opt-in through `zoo.recurrent.fast_layers()`:
the factories build the stock layers by default, because Keras keys a checkpoint's weights by
layer class (a run started with one kind cannot resume with the other), and alone on a
2-core machine the fast layers gained 0.88x-1.09x (README, Performance).
"""

import keras
from keras import ops

__all__ = ["FastLSTM", "FastGRU", "fast_layers_enabled"]


def fast_layers_enabled():
    """Whether `FastLSTM`/`FastGRU` may replace the stock layers here: True without a GPU.

    Returns:
        bool.

    Example:

    >>> isinstance(fast_layers_enabled(), bool)
    True
    """
    import tensorflow as tf

    return not tf.config.list_physical_devices("GPU")


def _stock_path(layer, training):
    """True when the stock loop must run: cuDNN would, or the cell applies dropout."""
    if keras.backend.backend() != "tensorflow":
        return True
    cell = layer.cell
    if training and (cell.dropout or cell.recurrent_dropout):
        return True
    if layer.use_cudnn in ("auto", True) and not cell.recurrent_dropout:
        from keras.src.backend.tensorflow.rnn import cudnn_ok

        kwargs = {"reset_after": cell.reset_after} if hasattr(cell, "reset_after") else {}
        if cudnn_ok(cell.activation, cell.recurrent_activation, layer.unroll, cell.use_bias,
                    **kwargs):
            return True
    return False


def _run(layer, step, projected, initial_state, mask):
    """Run `step(projected_t, states)` over time with Keras's backend loop."""
    from keras.src.backend import rnn

    if isinstance(mask, (list, tuple)):
        mask = mask[0]
    return rnn(
        step, projected, list(initial_state), go_backwards=layer.go_backwards, mask=mask,
        unroll=layer.unroll, input_length=projected.shape[1],
        zero_output_for_mask=layer.zero_output_for_mask,
        return_all_outputs=layer.return_sequences)


@keras.saving.register_keras_serializable(package="seqzoo")
class FastLSTM(keras.layers.LSTM):
    """`keras.layers.LSTM` with the input projection hoisted out of the recurrence.

    The same layer as `keras.layers.LSTM` (same arguments, weights, gate order `i, f, c, o`,
    config and outputs); over whole sequences on a CPU it computes `x @ kernel + bias` for
    every step at once and runs only `h @ recurrent_kernel` and the gates inside the loop.
    On a GPU with cuDNN-eligible settings, and with cell dropout while training, it runs
    the stock implementation.

    Args:
        units: int >= 1, the hidden size.
        **kwargs: every other `keras.layers.LSTM` argument (`return_sequences`,
            `return_state`, `activation`, `name`, ...).

    Returns:
        What `keras.layers.LSTM` returns for the same arguments.

    Example:

    >>> import numpy as np
    >>> layer = FastLSTM(8, return_sequences=True)
    >>> layer(np.zeros((2, 5, 3), "float32")).shape
    TensorShape([2, 5, 8])
    """

    def inner_loop(self, sequences, initial_state, mask, training=False):
        if _stock_path(self, training):
            return super().inner_loop(sequences, initial_state, mask, training=training)
        cell = self.cell
        projected = ops.matmul(sequences, cell.kernel)  # (batch, time, 4 * units)
        if cell.use_bias:
            projected = ops.add(projected, cell.bias)
        recurrent_kernel = cell.recurrent_kernel
        activation, recurrent_activation = cell.activation, cell.recurrent_activation

        def step(z_x, states):
            h, c = states
            z = ops.add(z_x, ops.matmul(h, recurrent_kernel))  # (batch, 4 * units)
            i, f, g, o = ops.split(z, 4, axis=-1)
            c = recurrent_activation(f) * c + recurrent_activation(i) * activation(g)
            h = recurrent_activation(o) * activation(c)
            return h, [h, c]

        return _run(self, step, projected, initial_state, mask)


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
            input_bias, recurrent_bias = (cell.bias[0], cell.bias[1]) if reset_after else (
                cell.bias, None)
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
                inner = ops.matmul(h, recurrent_kernel[:, :2 * units])
                r_z, r_r = ops.split(inner, 2, axis=-1)
            z = recurrent_activation(x_z + r_z)
            r = recurrent_activation(x_r + r_r)
            if reset_after:
                r_h = r * r_h
            else:
                r_h = ops.matmul(r * h, recurrent_kernel[:, 2 * units:])
            hh = activation(x_h + r_h)
            h = z * h + (1 - z) * hh
            return h, [h]

        return _run(self, step, projected, initial_state, mask)
