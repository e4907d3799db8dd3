"""A whole-sequence LSTM for CPUs: Keras's LSTM math, laid out for two cores, with its gradient.

`lstm_sequence` computes exactly what `keras.layers.LSTM` computes over a sequence (gate order
`i, f, c, o`, `tanh` and `sigmoid`, the same weights), arranged so that TensorFlow's two
inter-op threads (`zoo.runtime.threads`) always have two multiplies to run side by side:

- the input projection `x @ kernel + bias` runs before the loop, as two multiplies over all
  time steps at once (the `i, f` columns and the `c, o` columns);
- the recurrent multiply `h @ recurrent_kernel` runs as the same two column halves, so the
  serial forward chain uses both cores;
- while training, a hand-written gradient replaces TensorFlow's automatic one. The forward
  loop also stores each step's gate derivatives (off the serial chain), so a backward step is
  a few element-wise products and the two halves of `dz @ recurrent_kernel^T`; the weight
  gradients are then four multiplies over all steps at once, not a weight-sized add per step
  (the bias's gradient is the last row of `[x, 1]^T @ dz`, not a separate sum).
- Under mixed precision the multiplies run in the compute dtype (bfloat16 on oneDNN) while
  the gates, the carry state and the gradient's element-wise math stay in float32; the
  outputs and states come back in the compute dtype.
- In bfloat16, where `zoo.native.library` could build its C++ step ops for this machine, training
  runs on them instead: the batch splits into two halves that run as independent chains,
  one per inter-op thread, each step one multiply `h @ recurrent_kernel` and one op for all
  of the step's element-wise math (forward) or one op and the multiply
  `dz @ recurrent_kernel^T` (backward). The math is the same; the stored gate derivatives
  are kept in bfloat16. Without the ops (no compiler, XLA, `SEQZOO_NATIVE=0`) the
  TensorFlow-ops loop above runs.

Measured against the stock layer on this project's 2-core CPU (README, Performance), the
TensorFlow-ops loop trains the character model 1.27x-1.59x faster, and the native ops make
bfloat16 faster again. `zoo.models.fast_rnn.LSTM` uses it where it applies (`applies`) and runs
the stock code elsewhere, including cuDNN on a GPU.
"""

import tensorflow as tf

from zoo.native.library import lstm_ops

__all__ = ["lstm_sequence", "applies"]


def applies(cell):
    """Whether `lstm_sequence` computes what `cell` (a `keras.layers.LSTMCell`) computes.

    It needs the default activations (`tanh`, `sigmoid`), a bias and the TensorFlow backend;
    masks, dropout and unrolling are the caller's to check.

    Args:
        cell: a `keras.layers.LSTMCell`.

    Returns:
        bool.

    Example:

    >>> import keras
    >>> applies(keras.layers.LSTMCell(4)), applies(keras.layers.LSTMCell(4, activation="relu"))
    (True, False)
    """
    import keras  # lazy: TensorFlow (Keras)

    return (
        keras.backend.backend() == "tensorflow"
        and cell.use_bias
        and cell.activation is keras.activations.tanh
        and cell.recurrent_activation is keras.activations.sigmoid
    )


def lstm_sequence(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias, *, training=True):
    """Run an LSTM over a whole sequence; Keras's math, with a gradient when `training`.

    Args:
        inputs: `(batch, time, features)` tensor in the compute dtype.
        initial_h: `(batch, units)` initial hidden state, same dtype.
        initial_c: `(batch, units)` initial carry state, same dtype.
        kernel: `(features, 4 * units)` input weights, gate order `i, f, c, o`, same dtype.
        recurrent_kernel: `(units, 4 * units)` recurrent weights, same dtype.
        bias: `(4 * units,)` bias, same dtype.
        training: bool. True runs the version with the hand-written gradient (it stores the
            gate derivatives); False a plain forward loop (TensorFlow differentiates it, if
            asked). Both give the same outputs.

    Returns:
        `(outputs, last_h, last_c)`: `(batch, time, units)` hidden states of every step and
        the final states, in the compute dtype.

    Raises:
        ValueError: if the shapes do not fit together or the dtypes differ.

    Example:

    >>> import numpy as np
    >>> x = tf.zeros((2, 5, 3))
    >>> h = c = tf.zeros((2, 4))
    >>> out, h, c = lstm_sequence(x, h, c, tf.ones((3, 16)), tf.ones((4, 16)), tf.zeros(16))
    >>> tuple(out.shape), tuple(h.shape), tuple(c.shape)
    ((2, 5, 4), (2, 4), (2, 4))
    """
    inputs, initial_h, initial_c, kernel, recurrent_kernel, bias = (
        tf.convert_to_tensor(t)
        for t in (inputs, initial_h, initial_c, kernel, recurrent_kernel, bias)
    )
    units = recurrent_kernel.shape[0]
    features = inputs.shape[-1]
    _check(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias, units, features)
    native = _native_ops(inputs.dtype) if training else None
    if native is not None:
        return _trained_native(native, units, features)(
            inputs, initial_h, initial_c, kernel, recurrent_kernel, bias
        )
    if training:
        return _trained(units, features)(
            inputs, initial_h, initial_c, kernel, recurrent_kernel, bias
        )
    xa, xb, u_a, u_b, _ = _projections(inputs, kernel, recurrent_kernel, bias, units, features)
    outputs, last_h, last_c = _forward(xa, xb, u_a, u_b, initial_h, initial_c, units, store=False)[
        :3
    ]
    return outputs, last_h, tf.cast(last_c, inputs.dtype)


def _check(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias, units, features):
    shapes = {
        "inputs": (3, None),
        "initial_h": (2, units),
        "initial_c": (2, units),
        "kernel": (2, 4 * units),
        "recurrent_kernel": (2, 4 * units),
        "bias": (1, 4 * units),
    }
    tensors = dict(zip(shapes, (inputs, initial_h, initial_c, kernel, recurrent_kernel, bias)))
    for name, (rank, last) in shapes.items():
        shape = tensors[name].shape
        if shape.rank != rank or (last is not None and shape[-1] != last):
            raise ValueError(
                f"lstm_sequence: {name} has shape {tuple(shape)}; expected rank "
                f"{rank}"
                + (f" ending in {last}" if last else "")
                + f" (units {units}, from recurrent_kernel)"
            )
    if kernel.shape[0] != features:
        raise ValueError(
            f"lstm_sequence: kernel has {kernel.shape[0]} rows; expected "
            f"{features}, the inputs' feature size"
        )
    dtypes = {name: t.dtype for name, t in tensors.items()}
    if len(set(dtypes.values())) != 1:
        raise ValueError(f"lstm_sequence: every tensor must have one dtype; got {dtypes}")


def _math_dtype(dtype):
    """The dtype of the gates and the carry: float32, or float64 for float64 layers."""
    return tf.float64 if dtype == tf.float64 else tf.float32


def _projections(inputs, kernel, recurrent_kernel, bias, units, features):
    """The input projection of every step in two column halves, time-major, in float32, the
    recurrent kernel's two halves, and the time-major inputs as `(time * batch, features)`."""
    ed = _math_dtype(inputs.dtype)
    flat = tf.reshape(tf.transpose(inputs, [1, 0, 2]), [-1, features])  # (time * batch, f)
    steps = tf.shape(inputs)[1]
    halves = []
    for cols in (slice(0, 2 * units), slice(2 * units, 4 * units)):
        projected = tf.cast(tf.matmul(flat, kernel[:, cols]), ed) + tf.cast(bias[cols], ed)
        projected = tf.reshape(projected, [steps, -1, 2 * units])
        projected.set_shape([inputs.shape[1], inputs.shape[0], 2 * units])  # static sizes kept
        halves.append(projected)
    u_a, u_b = recurrent_kernel[:, : 2 * units], recurrent_kernel[:, 2 * units :]
    return halves[0], halves[1], u_a, u_b, flat


def _forward(xa, xb, u_a, u_b, initial_h, initial_c, units, *, store):
    """The forward loop; with `store`, also each step's gate derivatives for `_backward`."""
    cd, ed = initial_h.dtype, xa.dtype
    steps = tf.shape(xa)[0]

    def array(dtype):
        return tf.TensorArray(dtype, size=steps)

    def body(t, h, c, hs, *derivatives):
        za = xa[t] + tf.cast(tf.matmul(h, u_a), ed)  # i, f
        zb = xb[t] + tf.cast(tf.matmul(h, u_b), ed)  # c (the candidate g), o
        i_f = tf.sigmoid(za)
        i, f = i_f[:, :units], i_f[:, units:]
        g, o = tf.tanh(zb[:, :units]), tf.sigmoid(zb[:, units:])
        c_new = f * c + i * g
        tanh_c = tf.tanh(c_new)
        h_new = tf.cast(o * tanh_c, cd)
        out = [t + 1, h_new, c_new, hs.write(t, h_new)]
        if store:
            d_if, d_go, d_c, f_arr = derivatives
            out += [
                d_if.write(t, tf.concat([g, c], 1) * (i_f * (1 - i_f))),  # dz_if = [dc, dc] *
                d_go.write(t, tf.concat([i * (1 - g * g), tanh_c * o * (1 - o)], 1)),  # [dc, dh] *
                d_c.write(t, o * (1 - tanh_c * tanh_c)),  # dc += dh * this
                f_arr.write(t, f),
            ]
        return tuple(out)

    arrays = [array(cd)] + ([array(ed) for _ in range(4)] if store else [])
    result = tf.while_loop(
        lambda t, *_: t < steps, body, (tf.constant(0), initial_h, tf.cast(initial_c, ed), *arrays)
    )
    hs = result[3].stack()  # (time, batch, units)
    outputs = tf.transpose(hs, [1, 0, 2])
    return (outputs, result[1], result[2], hs) + tuple(a.stack() for a in result[4:])


def _weight_gradient_inputs(x, initial_h, hs, units):
    """What the weight gradients multiply `dz` by, over all steps at once: the state before
    each step, `(time * batch, units)`, and the inputs with a column of ones, `[x, 1]`, so
    that `[x, 1]^T @ dz` is the kernel's gradient with the bias's in its last row."""
    h_prev = tf.reshape(tf.concat([initial_h[None], hs[:-1]], 0), [-1, units])
    x_one = tf.concat([x, tf.ones([tf.shape(x)[0], 1], x.dtype)], 1)
    return h_prev, x_one


def _trained(units, features):
    """`lstm_sequence`'s training version: the forward loop with its hand-written gradient."""

    @tf.custom_gradient
    def run(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias):
        cd = inputs.dtype
        xa, xb, u_a, u_b, x = _projections(inputs, kernel, recurrent_kernel, bias, units, features)
        outputs, last_h, last_c, hs, d_if, d_go, d_c, forget = _forward(
            xa, xb, u_a, u_b, initial_h, initial_c, units, store=True
        )

        def grad(d_outputs, d_last_h, d_last_c):
            ed = xa.dtype
            steps = tf.shape(d_outputs)[1]

            def body(s, dh, dc, dz_if_arr, dz_go_arr):
                t = steps - 1 - s
                dh = dh + tf.cast(tf.gather(d_outputs, t, axis=1), ed)  # off the serial chain
                dc = dc + dh * d_c[t]
                dz_if = tf.cast(tf.concat([dc, dc], 1) * d_if[t], cd)
                dz_go = tf.cast(tf.concat([dc, dh], 1) * d_go[t], cd)
                dh = tf.cast(tf.matmul(dz_if, u_a, transpose_b=True), ed) + tf.cast(
                    tf.matmul(dz_go, u_b, transpose_b=True), ed
                )
                return (
                    s + 1,
                    dh,
                    dc * forget[t],
                    dz_if_arr.write(t, dz_if),
                    dz_go_arr.write(t, dz_go),
                )

            zeros = tf.zeros_like(last_c)
            dh0 = zeros if d_last_h is None else tf.cast(d_last_h, ed)
            dc0 = zeros if d_last_c is None else tf.cast(d_last_c, ed)
            _, dh, dc, dz_if, dz_go = tf.while_loop(
                lambda s, *_: s < steps,
                body,
                (
                    tf.constant(0),
                    dh0,
                    dc0,
                    tf.TensorArray(cd, size=steps),
                    tf.TensorArray(cd, size=steps),
                ),
            )
            dz_if = tf.reshape(dz_if.stack(), [-1, 2 * units])  # (time * batch, 2 units)
            dz_go = tf.reshape(dz_go.stack(), [-1, 2 * units])
            h_prev, x_one = _weight_gradient_inputs(x, initial_h, hs, units)
            d_kernel, d_bias = tf.split(
                tf.concat(
                    [
                        tf.matmul(x_one, dz_if, transpose_a=True),
                        tf.matmul(x_one, dz_go, transpose_a=True),
                    ],
                    1,
                ),
                [features, 1],
                0,
            )
            d_recurrent = tf.concat(
                [
                    tf.matmul(h_prev, dz_if, transpose_a=True),
                    tf.matmul(h_prev, dz_go, transpose_a=True),
                ],
                1,
            )
            d_x = tf.matmul(dz_if, kernel[:, : 2 * units], transpose_b=True) + tf.matmul(
                dz_go, kernel[:, 2 * units :], transpose_b=True
            )
            d_x = tf.transpose(tf.reshape(d_x, [steps, -1, features]), [1, 0, 2])
            return d_x, tf.cast(dh, cd), tf.cast(dc, cd), d_kernel, d_recurrent, d_bias[0]

        return (outputs, last_h, tf.cast(last_c, cd)), grad

    return run


def _native_ops(dtype):
    """`zoo.native.library`'s LSTM step ops where they pay and can run, else None.

    They run in bfloat16 only: in float32 the TensorFlow-ops loop measured as fast or faster
    (README, Performance). Under XLA (`jit_compile=True`) a custom op cannot compile."""
    if dtype != tf.bfloat16:
        return None
    from tensorflow.python.ops import control_flow_util  # lazy: TensorFlow internals

    if control_flow_util.GraphOrParentsInXlaContext(tf.compat.v1.get_default_graph()):
        return None
    return lstm_ops()


def _halves(batch):
    """The batch split in two parts, each its own serial chain on its own core (one part
    when the batch is known to be a single sequence)."""
    if isinstance(batch, int) and batch < 2:
        return [batch]
    first = batch // 2
    return [first, batch - first]


def _native_forward(
    native, inputs, initial_h, initial_c, kernel, recurrent_kernel, bias32, units, features
):
    """One chain's forward loop with `SeqzooLstmStep`: `(flat inputs, initial_h, last_h,
    last_c, hs, stored derivatives)`, what its output and its gradient need."""
    steps = tf.shape(inputs)[1]
    flat = tf.reshape(tf.transpose(inputs, [1, 0, 2]), [-1, features])  # (time * part, f)
    projected = tf.reshape(tf.matmul(flat, kernel), [steps, -1, 4 * units])  # compute dtype

    def body(t, h, c, hs, stored):
        h, c, derivatives = native.seqzoo_lstm_step(
            projected, bias32, t, tf.matmul(h, recurrent_kernel), c
        )
        return t + 1, h, c, hs.write(t, h), stored.write(t, derivatives)

    _, h, c, hs, stored = tf.while_loop(
        lambda t, *_: t < steps,
        body,
        (
            tf.constant(0),
            initial_h,
            tf.cast(initial_c, tf.float32),
            tf.TensorArray(inputs.dtype, size=steps),
            tf.TensorArray(inputs.dtype, size=steps),
        ),
    )
    return flat, initial_h, h, c, hs.stack(), stored  # stored: read step by step, not stacked


def _native_backward(native, chain, d_outputs, dh, dc, kernel, recurrent_kernel, units, features):
    """One chain's backward loop with `SeqzooLstmStepGrad` and its weight gradients."""
    flat, initial_h, _, _, hs, stored = chain
    cd = flat.dtype
    steps = tf.shape(d_outputs)[1]

    def body(t, dh, dc, dzs):
        dz, dc = native.seqzoo_lstm_step_grad(dh, d_outputs, stored.read(t), t, dc)
        return t - 1, tf.matmul(dz, recurrent_kernel, transpose_b=True), dc, dzs.write(t, dz)

    _, dh, dc, dzs = tf.while_loop(
        lambda t, *_: t >= 0, body, (steps - 1, dh, dc, tf.TensorArray(cd, size=steps))
    )
    dz = tf.reshape(dzs.stack(), [-1, 4 * units])  # (time * part, 4 units)
    h_prev, x_one = _weight_gradient_inputs(flat, initial_h, hs, units)
    d_kernel_bias = tf.cast(tf.matmul(x_one, dz, transpose_a=True), tf.float32)
    d_recurrent = tf.cast(tf.matmul(h_prev, dz, transpose_a=True), tf.float32)
    d_x = tf.matmul(dz, kernel, transpose_b=True)
    d_x = tf.transpose(tf.reshape(d_x, [steps, -1, features]), [1, 0, 2])
    return d_x, dh, dc, d_kernel_bias, d_recurrent


def _trained_native(native, units, features):
    """`lstm_sequence`'s training version on `zoo.native.library`'s step ops.

    The batch runs as two independent chains (its two halves), one per inter-op thread: a
    step of each is one multiply `h @ recurrent_kernel` and one `SeqzooLstmStep`. The input
    projection stays in the compute dtype and the kernel adds the float32 bias, which is
    what the TensorFlow-ops loop computes too; the stored gate derivatives are in the
    compute dtype."""

    @tf.custom_gradient
    def run(inputs, initial_h, initial_c, kernel, recurrent_kernel, bias):
        cd = inputs.dtype
        bias32 = tf.cast(bias, tf.float32)
        batch = inputs.shape[0] if inputs.shape[0] is not None else tf.shape(inputs)[0]
        sizes = _halves(batch)
        chains = [
            _native_forward(native, x, h, c, kernel, recurrent_kernel, bias32, units, features)
            for x, h, c in zip(
                tf.split(inputs, sizes), tf.split(initial_h, sizes), tf.split(initial_c, sizes)
            )
        ]
        outputs = tf.concat([tf.transpose(chain[4], [1, 0, 2]) for chain in chains], 0)
        last_h = tf.concat([chain[2] for chain in chains], 0)
        last_c = tf.concat([chain[3] for chain in chains], 0)

        def grad(d_outputs, d_last_h, d_last_c):
            d_last_h = tf.zeros_like(initial_h) if d_last_h is None else tf.cast(d_last_h, cd)
            d_last_c = tf.zeros_like(last_c) if d_last_c is None else tf.cast(d_last_c, tf.float32)
            parts = [
                _native_backward(
                    native, chain, d_out, dh, dc, kernel, recurrent_kernel, units, features
                )
                for chain, d_out, dh, dc in zip(
                    chains,
                    tf.split(d_outputs, sizes),
                    tf.split(d_last_h, sizes),
                    tf.split(d_last_c, sizes),
                )
            ]
            d_kernel, d_bias = tf.split(
                tf.cast(tf.add_n([part[3] for part in parts]), cd), [features, 1], 0
            )
            return (
                tf.concat([part[0] for part in parts], 0),
                tf.concat([part[1] for part in parts], 0),
                tf.cast(tf.concat([part[2] for part in parts], 0), cd),
                d_kernel,
                tf.cast(tf.add_n([part[4] for part in parts]), cd),
                d_bias[0],
            )

        return (outputs, last_h, tf.cast(last_c, cd)), grad

    return run
