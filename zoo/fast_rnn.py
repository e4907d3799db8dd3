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
- without a mask and with the default tanh/sigmoid activations, `FastLSTM` runs the
  recurrence with a hand-written gradient (`_lstm_sequence`): one multiply per step
  forward and one backward, the gates in float32 (under `mixed_bfloat16` only the multiplies
  run in bfloat16), and the recurrent kernel's gradient as one multiply over all steps.

Where the stock layer would run cuDNN (a GPU and cuDNN-eligible settings), or where the fast
loop does not apply (dropout inside the cell while training), they defer to the stock layer,
so cuDNN eligibility is never lost. The factories build them inside
`zoo.recurrent.fast_layers()` on machines without a GPU (opt-in; see that function).
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

    return rnn(
        step, projected, list(initial_state), go_backwards=layer.go_backwards, mask=mask,
        unroll=layer.unroll, input_length=projected.shape[1],
        zero_output_for_mask=layer.zero_output_for_mask,
        return_all_outputs=layer.return_sequences)


def _is_default(cell):
    """True for the cuDNN-style activations the fused kernels hard-code (tanh, sigmoid)."""
    names = [getattr(f, "__name__", "") for f in (cell.activation, cell.recurrent_activation)]
    return names == ["tanh", "sigmoid"]


def _lstm_sequence(projected, recurrent_kernel, h0, c0):
    """The LSTM recurrence with a hand-written gradient, time-major, gates in float32.

    The forward loop runs one `h @ recurrent_kernel` and the gates per step. The backward
    loop runs one `dz @ recurrent_kernel^T` per step; everything that does not depend on the
    previous step (the gate derivatives, `tanh(c)`, the recurrent kernel's gradient) runs
    once over all steps as large vectorised ops and one matrix multiply
    `h_{t-1}^T @ dz` over `(time * batch)` rows.

    Args:
        projected: float32 `(time, batch, 4 * units)`, `x @ kernel + bias`.
        recurrent_kernel: `(units, 4 * units)`, in the dtype the multiplies run in.
        h0, c0: float32 `(batch, units)`, the initial states.

    Returns:
        `(hs, h, c)`: float32 outputs `(time, batch, units)` and the final states.
    """
    import tensorflow as tf

    low = recurrent_kernel.dtype != tf.float32

    def matmul(a, b, **kwargs):  # float32 in and out; the multiply in the kernel's dtype
        if low:
            return tf.cast(tf.matmul(tf.cast(a, b.dtype), b, **kwargs), tf.float32)
        return tf.matmul(a, b, **kwargs)

    @tf.custom_gradient
    def run(projected, recurrent_kernel, h0, c0):
        steps = tf.shape(projected)[0]
        inputs = tf.TensorArray(tf.float32, steps).unstack(projected)

        def body(t, h, c, hs, cs, zs):
            z = inputs.read(t) + matmul(h, recurrent_kernel)  # (batch, 4 * units)
            i, f, _, o = tf.split(tf.sigmoid(z), 4, axis=1)
            g = tf.tanh(z[:, 2 * units:3 * units])
            c = f * c + i * g
            h = o * tf.tanh(c)
            return t + 1, h, c, hs.write(t, h), cs.write(t, c), zs.write(t, z)

        units = h0.shape[-1]
        arrays = [tf.TensorArray(tf.float32, steps) for _ in range(3)]
        _, h, c, hs, cs, zs = tf.while_loop(lambda t, *_: t < steps, body,
                                            [tf.constant(0), h0, c0, *arrays])
        hs, cs, zs = hs.stack(), cs.stack(), zs.stack()  # (time, batch, ...)

        def grad(d_hs, d_h, d_c):
            # Everything that does not depend on the previous step, for all steps at once.
            c_prev = tf.concat([c0[None], cs[:-1]], axis=0)
            h_prev = tf.concat([h0[None], hs[:-1]], axis=0)
            s = tf.sigmoid(zs)
            i, f, _, o = tf.split(s, 4, axis=-1)
            g = tf.tanh(zs[..., 2 * units:3 * units])
            tanh_c = tf.tanh(cs)
            d_c_from_h = o * (1.0 - tanh_c * tanh_c)  # dc/dh at each step
            # dz = [dc, dc, dc, dh] * scale, the gate derivatives times the other factor
            scale = tf.concat([g * i * (1.0 - i), c_prev * f * (1.0 - f), i * (1.0 - g * g),
                               tanh_c * o * (1.0 - o)], axis=-1)
            read = [tf.TensorArray(tf.float32, steps).unstack(x)
                    for x in (d_hs, d_c_from_h, scale, f)]

            def back(t, dh, dc, dzs):
                dh = dh + read[0].read(t)
                dc = dc + dh * read[1].read(t)
                dz = tf.concat([dc, dc, dc, dh], axis=1) * read[2].read(t)
                return (t - 1, matmul(dz, recurrent_kernel, transpose_b=True),
                        dc * read[3].read(t), dzs.write(t, dz))

            _, dh0, dc0, dzs = tf.while_loop(
                lambda t, *_: t >= 0, back,
                [steps - 1, d_h, d_c, tf.TensorArray(tf.float32, steps)])
            dzs = dzs.stack()  # (time, batch, 4 * units)
            d_kernel = tf.matmul(tf.reshape(h_prev, [-1, units]),
                                 tf.reshape(dzs, [-1, 4 * units]), transpose_a=True)
            return dzs, tf.cast(d_kernel, recurrent_kernel.dtype), dh0, dc0

        return (hs, h, c), grad

    return run(projected, recurrent_kernel, h0, c0)


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
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        cell = self.cell
        projected = ops.matmul(sequences, cell.kernel)  # (batch, time, 4 * units)
        if cell.use_bias:
            projected = ops.add(projected, cell.bias)
        if mask is None and _is_default(cell):
            return self._fused(projected, initial_state)
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

    def _fused(self, projected, initial_state):
        """The no-mask, tanh/sigmoid path: `_lstm_sequence` with a hand-written gradient."""
        import tensorflow as tf

        projected = tf.transpose(tf.cast(projected, tf.float32), [1, 0, 2])  # (time, batch, 4u)
        if self.go_backwards:
            projected = tf.reverse(projected, [0])
        h0, c0 = (tf.cast(s, tf.float32) for s in initial_state)
        recurrent_kernel = tf.cast(self.cell.recurrent_kernel, self.compute_dtype)
        hs, h, c = _lstm_sequence(projected, recurrent_kernel, h0, c0)
        outputs = tf.transpose(hs, [1, 0, 2]) if self.return_sequences else h[:, None]
        return h, outputs, [h, c]


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
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
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
