"""zoo.native.library's LSTM step ops: the same math as numpy and as the TensorFlow-ops loop, a build
that leaves nothing half-made, and the fall-back when they cannot be built or run."""

import pathlib
import subprocess
import sys
import warnings

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

import zoo  # noqa: E402,F401
from zoo.models.fast_rnn import LSTM  # noqa: E402
from zoo.native import fused_lstm  # noqa: E402
from zoo.native import library as native  # noqa: E402

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _bf16(values):
    """Round float64 values to bfloat16 and back, as the ops store them."""
    return tf.cast(tf.cast(tf.constant(values, tf.float32), tf.bfloat16), tf.float64).numpy()


@pytest.mark.parametrize("dtype", ["float32", "bfloat16"])
def test_the_step_ops_compute_the_lstm_step_and_its_gradient_as_numpy_does(ops, dtype):
    rng = np.random.default_rng(0)
    steps, batch, units, t = 3, 5, 7, 1
    projected = rng.normal(size=(steps, batch, 4 * units))
    bias = rng.normal(size=4 * units)
    recurrent = rng.normal(size=(batch, 4 * units))
    c = rng.normal(size=(batch, units))
    if dtype == "bfloat16":  # the inputs the op sees
        projected, recurrent = _bf16(projected), _bf16(recurrent)
    cast = lambda a: tf.constant(a, dtype)  # noqa: E731
    h_next, c_next, stored = ops.seqzoo_lstm_step(
        cast(projected),
        tf.constant(bias, tf.float32),
        t,
        cast(recurrent),
        tf.constant(c, tf.float32),
    )
    z = projected[t] + bias + recurrent
    i, f, o = _sigmoid(z[:, :units]), _sigmoid(z[:, units : 2 * units]), _sigmoid(z[:, 3 * units :])
    g = np.tanh(z[:, 2 * units : 3 * units])
    c_want = f * c + i * g
    tanh_c = np.tanh(c_want)
    derivatives = np.concatenate(
        [
            g * i * (1 - i),
            c * f * (1 - f),
            i * (1 - g * g),
            tanh_c * o * (1 - o),
            o * (1 - tanh_c**2),
            f,
        ],
        1,
    )
    loose = 1e-5 if dtype == "float32" else 8e-3  # bfloat16 keeps 8 bits
    assert h_next.dtype == dtype and stored.dtype == dtype and c_next.dtype == tf.float32
    np.testing.assert_allclose(c_next.numpy(), c_want, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(tf.cast(h_next, tf.float64), o * tanh_c, rtol=loose, atol=loose)
    np.testing.assert_allclose(tf.cast(stored, tf.float64), derivatives, rtol=loose, atol=loose)

    # backward: the gradient of the gates' inputs, given dh from the step after and dc
    stored_all = rng.normal(size=(steps, batch, 6 * units))
    dh_after = rng.normal(size=(batch, units))
    d_outputs = rng.normal(size=(batch, steps, units))
    dc = rng.normal(size=(batch, units))
    if dtype == "bfloat16":
        stored_all, dh_after, d_outputs = _bf16(stored_all), _bf16(dh_after), _bf16(d_outputs)
    dz, dc_next = ops.seqzoo_lstm_step_grad(
        cast(dh_after), cast(d_outputs), cast(stored_all[t]), t, tf.constant(dc, tf.float32)
    )
    d = np.split(stored_all[t], 6, axis=1)
    dh = dh_after + d_outputs[:, t]
    dc_total = dc + dh * d[4]
    dz_want = np.concatenate([dc_total * d[0], dc_total * d[1], dc_total * d[2], dh * d[3]], 1)
    np.testing.assert_allclose(tf.cast(dz, tf.float64), dz_want, rtol=loose, atol=loose)
    np.testing.assert_allclose(dc_next.numpy(), dc_total * d[5], rtol=1e-5, atol=1e-5)


def test_the_step_ops_name_bad_shapes(ops):
    p, b = tf.zeros((3, 2, 16)), tf.zeros(16)
    with pytest.raises(
        tf.errors.InvalidArgumentError, match=r"recurrent must be \(batch, 4 \* units\)"
    ):
        ops.seqzoo_lstm_step(p, b, 0, tf.zeros((2, 12)), tf.zeros((2, 4)))
    with pytest.raises(tf.errors.InvalidArgumentError, match="t out of range"):
        ops.seqzoo_lstm_step(p, b, 3, tf.zeros((2, 16)), tf.zeros((2, 4)))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"bias must be \(4 \* units,\)"):
        ops.seqzoo_lstm_step(p, tf.zeros(15), 0, tf.zeros((2, 16)), tf.zeros((2, 4)))
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"derivatives must be \(batch, 6 "):
        ops.seqzoo_lstm_step_grad(
            tf.zeros((2, 4)), tf.zeros((2, 3, 4)), tf.zeros((2, 20)), 0, tf.zeros((2, 4))
        )


def _run_layer(layer, x, initial_state):
    with tf.GradientTape() as tape:
        tape.watch([x, *initial_state])
        out = layer(x, initial_state=initial_state, training=True)
        loss = sum(
            tf.reduce_sum(tf.cast(o, tf.float32) * (k + 1.5) * tf.sin(tf.cast(o, tf.float32)))
            for k, o in enumerate(out)
        )
    grads = tape.gradient(loss, [x, *initial_state, *layer.trainable_weights])
    return [tf.cast(v, tf.float32).numpy() for v in [*out, *grads]]


@pytest.mark.parametrize("batch", [1, 3, 8])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_the_native_loop_equals_the_tensorflow_ops_loop_in_bfloat16(ops, batch, go_backwards):
    """Outputs, both states and every gradient (inputs, initial states, weights) agree to
    bfloat16's precision: the two paths differ only in rounding (the native one stores the
    gate derivatives in bfloat16 and runs the batch as two chains)."""
    rng = np.random.default_rng(batch)
    x = tf.constant(rng.normal(size=(batch, 9, 6)).astype("float32"))
    h = tf.constant(rng.normal(size=(batch, 16)).astype("float32"))
    layer = LSTM(
        16,
        return_sequences=True,
        return_state=True,
        go_backwards=go_backwards,
        dtype="mixed_bfloat16",
    )
    layer(x)
    layer.set_weights([w * 2 for w in layer.get_weights()])
    assert fused_lstm._native_ops(tf.bfloat16) is ops
    got = _run_layer(layer, x, [h, 0.5 * h])
    with native.disabled():
        assert fused_lstm._native_ops(tf.bfloat16) is None
        want = _run_layer(layer, x, [h, 0.5 * h])
    for k, (a, b) in enumerate(zip(got, want)):
        scale = np.abs(b).max()
        assert np.abs(a - b).max() <= 0.02 * scale, (k, np.abs(a - b).max(), scale)


def test_unknown_batches_and_lengths_in_a_traced_function(ops):
    """With the batch unknown when traced, it is split at run time (a batch of one gives an
    empty chain and a chain of one)."""
    layer = LSTM(6, return_sequences=True, dtype="mixed_bfloat16")
    layer(np.zeros((1, 2, 3), "float32"))

    def gradient_of_sum(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(tf.sin(tf.cast(layer(x, training=True), tf.float32)))
        return tape.gradient(loss, [x, *layer.trainable_weights])

    traced = tf.function(
        gradient_of_sum, input_signature=[tf.TensorSpec((None, None, 3), tf.float32)]
    )
    rng = np.random.default_rng(7)
    for shape in [(1, 4, 3), (5, 7, 3)]:
        x = tf.constant(rng.normal(size=shape).astype("float32"))
        got = traced(x)
        with native.disabled():
            want = gradient_of_sum(x)
        for a, b in zip(got, want):
            a, b = tf.cast(a, tf.float32).numpy(), tf.cast(b, tf.float32).numpy()
            assert np.abs(a - b).max() <= 0.02 * np.abs(b).max()


@pytest.mark.slow
def test_float32_and_xla_keep_the_tensorflow_ops(ops):
    assert fused_lstm._native_ops(tf.float32) is None
    layer = LSTM(8, return_sequences=True, dtype="mixed_bfloat16")
    x = tf.constant(np.random.default_rng(1).normal(size=(4, 5, 3)).astype("float32"))
    layer(x)

    def gradient(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(tf.cast(layer(x, training=True), tf.float32) ** 2)
        return tape.gradient(loss, x)

    compiled = tf.function(gradient, jit_compile=True)(x)  # a custom op would not compile
    np.testing.assert_allclose(compiled.numpy(), gradient(x).numpy(), rtol=0.05, atol=0.05)


def test_native_off_by_environment_or_context(monkeypatch):
    for off in ("0", "false", " Off "):
        monkeypatch.setenv("SEQZOO_NATIVE", off)
        assert native.lstm_ops() is None
    monkeypatch.delenv("SEQZOO_NATIVE")
    with native.disabled():
        assert native.lstm_ops() is None


def test_a_failed_build_raises_with_the_compiler_error_and_leaves_nothing(tmp_path):
    bad = tmp_path / "broken.cc"
    bad.write_text("this is not C++;\n")
    cache = tmp_path / "cache"
    with pytest.raises(RuntimeError, match=r"exited 1: .*broken\.cc"):
        native.build(bad, cache)
    assert list(cache.iterdir()) == []


def test_without_a_compiler_training_falls_back_with_one_warning(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no compiler on it
    monkeypatch.delenv("CXX", raising=False)
    with pytest.raises(RuntimeError, match="no C\\+\\+ compiler found"):
        native.build(folder=tmp_path / "cache")
    monkeypatch.setattr(native, "_state", {"ops": None, "tried": False, "disabled": 0})
    with pytest.warns(RuntimeWarning, match="native LSTM kernel is not available .*no C"):
        assert native.lstm_ops() is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert native.lstm_ops() is None  # once per process


@pytest.mark.slow
def test_a_fresh_build_in_a_new_process_trains_and_is_reused(tmp_path):
    """From an empty cache: the build writes one library and its marker (no temporary left),
    a bfloat16 training step runs on it, and a second process loads it without building."""
    code = (
        "import zoo, numpy as np, tensorflow as tf\n"
        "from zoo.native.library import lstm_ops\n"
        "from zoo.models.fast_rnn import LSTM\n"
        "assert lstm_ops() is not None\n"
        "layer = LSTM(8, dtype='mixed_bfloat16')\n"
        "x = tf.ones((4, 5, 3))\n"
        "with tf.GradientTape() as tape:\n"
        "    loss = tf.reduce_sum(tf.cast(layer(x, training=True), tf.float32))\n"
        "print(all(np.isfinite(g.numpy()).all() for g in tape.gradient(loss, layer.weights)))\n"
    )
    env = {**__import__("os").environ, "SEQZOO_CACHE": str(tmp_path)}
    runs = [
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO_ROOT,
            timeout=900,
        )
        for _ in range(2)
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr[-2000:]
        assert run.stdout.strip().endswith("True")
    assert "building the native LSTM kernel" in runs[0].stderr
    assert "building" not in runs[1].stderr
    built = sorted(p.name for p in tmp_path.iterdir())
    assert len(built) == 2 and built[0].startswith("lstm_step-") and built[0].endswith(".so")
    assert built[1] == built[0] + ".checked"  # it loaded, and ran its step ops, in a child
