"""zoo.models.fast_rnn's LSTM / FastLSTM / FastGRU are the stock Keras layers: same outputs,
gradients (the fused LSTM's hand-written one included), config and files."""

import contextlib

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

import zoo  # noqa: E402
from zoo.models.fast_rnn import LSTM, FastGRU, FastLSTM, _fused_path, _stock_path  # noqa: E402
from zoo.models.recurrent import fast_layers  # noqa: E402
from zoo.training.engine import fit  # noqa: E402

CASES = [
    (keras.layers.LSTM, LSTM, {"return_sequences": True, "return_state": True}),
    (keras.layers.LSTM, LSTM, {"return_state": True}),
    (keras.layers.LSTM, LSTM, {"go_backwards": True, "return_sequences": True}),
    (keras.layers.LSTM, LSTM, {"return_sequences": True, "recurrent_activation": "tanh"}),
    (keras.layers.LSTM, FastLSTM, {"return_sequences": True, "return_state": True}),
    (keras.layers.LSTM, FastLSTM, {"go_backwards": True, "return_state": True}),
    (keras.layers.LSTM, FastLSTM, {"return_sequences": True, "activation": "relu"}),
    (keras.layers.GRU, FastGRU, {"return_sequences": True, "return_state": True}),
    (keras.layers.GRU, FastGRU, {"reset_after": False, "go_backwards": True}),
]


def _outputs_and_gradients(layer, x, initial_state, mask, training=None):
    with tf.GradientTape() as tape:
        tape.watch([x, *initial_state])
        out = layer(x, initial_state=initial_state or None, mask=mask, training=training)
        out = list(out) if isinstance(out, (list, tuple)) else [out]
        loss = sum(tf.reduce_sum(o * (k + 1.5) * tf.sin(o)) for k, o in enumerate(out))
    return out, tape.gradient(loss, [x, *initial_state, *layer.trainable_weights])


@pytest.mark.parametrize("stock_class, fast_class, kwargs", CASES)
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("training", [False, True])
def test_equal_outputs_and_gradients(stock_class, fast_class, kwargs, masked, training):
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(3, 6, 4)).astype("float32"))
    mask = tf.constant(np.arange(6)[None, :] < np.array([[6], [4], [2]])) if masked else None
    stock, fast = stock_class(5, **kwargs), fast_class(5, **kwargs)
    stock(x), fast(x)
    stock.set_weights([w * 3 for w in stock.get_weights()])  # far from initial values
    fast.set_weights(stock.get_weights())
    h = tf.constant(rng.normal(size=(3, 5)).astype("float32"))
    initial_state = [h, 0.5 * h] if stock_class is keras.layers.LSTM else [h]
    expected, expected_grads = _outputs_and_gradients(stock, x, initial_state, mask, training)
    got, got_grads = _outputs_and_gradients(fast, x, initial_state, mask, training)
    for a, b in zip(expected + expected_grads, got + got_grads):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "stock_class, fast_class", [(keras.layers.LSTM, FastLSTM), (keras.layers.GRU, FastGRU)]
)
def test_bfloat16_policy_close_to_stock(stock_class, fast_class):
    rng = np.random.default_rng(1)
    x = tf.constant(rng.normal(size=(2, 5, 3)).astype("float32"))
    stock = stock_class(8, return_sequences=True, dtype="mixed_bfloat16")
    fast = fast_class(8, return_sequences=True, dtype="mixed_bfloat16")
    stock(x), fast(x)
    fast.set_weights(stock.get_weights())
    a, b = stock(x), fast(x)
    assert b.dtype == a.dtype == tf.bfloat16
    np.testing.assert_allclose(tf.cast(b, tf.float32), tf.cast(a, tf.float32), atol=0.03)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_factories_build_fast_layers_that_save_and_load_in_safe_mode(cell, tmp_path):
    with fast_layers():
        lm = zoo.build_lm(11, cell=cell, units=6, embedding_dim=3, num_layers=2)
    assert {type(lm.get_layer(f"{cell}_{i}")).__name__ for i in range(2)} == {f"Fast{cell.upper()}"}
    with fast_layers(False):
        stock = zoo.build_lm(11, cell=cell, units=6)
    assert type(stock.get_layer(f"{cell}_0")) in (keras.layers.LSTM, keras.layers.GRU)
    default = type(zoo.build_lm(11, cell=cell, units=6).get_layer(f"{cell}_0")).__name__
    assert default == cell.upper()  # stock by default: checkpoints resume on GPU and CPU alike
    tokens = np.random.default_rng(2).integers(0, 11, (2, 7)).astype("int32")
    path = tmp_path / "lm.keras"
    lm.save(path)
    loaded = keras.saving.load_model(path)  # safe_mode=True
    assert type(loaded.get_layer(f"{cell}_0")).__name__ == f"Fast{cell.upper()}"
    np.testing.assert_allclose(loaded(tokens), lm(tokens), rtol=1e-6, atol=1e-6)
    # the single-step twin runs the same cells: stepping equals the whole-sequence model
    step = zoo.build_lm_step(loaded)
    states = [tf.constant(s) for s in zoo.zero_states(step, 2)]
    for t in range(tokens.shape[1]):
        logits, *states = step([tf.constant(tokens[:, t])] + states)
    np.testing.assert_allclose(logits, lm(tokens)[:, -1], rtol=1e-5, atol=1e-5)


@pytest.mark.slow
@pytest.mark.parametrize("cell, kinds", [("gru", (False, True)), ("lstm", (False, None, True))])
def test_trains_through_the_engine_like_the_stock_layer(cell, kinds):
    x = np.random.default_rng(3).integers(0, 8, (16, 6)).astype("int32")
    losses = []
    for fast in kinds:  # None: the default layer
        keras.utils.set_random_seed(0)
        with fast_layers(fast) if fast is not None else contextlib.nullcontext():
            result = fit(
                lambda: zoo.build_lm(8, cell=cell, units=4, embedding_dim=3),
                (x, x),
                epochs=2,
                batch_size=8,
                precision="float32",
                verbose=0,
            )
        losses.append([h["loss"] for h in result.history])
    for other in losses[1:]:
        np.testing.assert_allclose(other, losses[0], rtol=1e-4)


def test_defers_to_the_stock_code_where_cudnn_would_run(monkeypatch):
    import importlib

    tf_rnn = importlib.import_module("keras.src.backend.tensorflow.rnn")
    layer = FastLSTM(4)
    assert not _stock_path(layer, training=True)
    assert _stock_path(FastGRU(4, dropout=0.5), training=True)
    monkeypatch.setattr(tf_rnn, "cudnn_ok", lambda *args, **kwargs: True)
    assert _stock_path(layer, training=True)
    assert not _stock_path(FastLSTM(4, use_cudnn=False), training=True)


def test_docstring_examples():
    import doctest

    import zoo.models.fast_rnn

    failures, tried = doctest.testmod(zoo.models.fast_rnn, optionflags=doctest.ELLIPSIS)
    assert tried and not failures
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    for test in finder.find(fast_layers, "fast_layers", globs={"fast_layers": fast_layers}):
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0


def test_the_fused_loop_runs_where_it_computes_the_same_and_only_there():
    assert _fused_path(LSTM(4), None, training=True)
    assert _fused_path(LSTM(4, go_backwards=True, return_state=True), [None, None], False)
    mask = tf.ones((2, 3), bool)
    assert not _fused_path(LSTM(4), mask, training=False)
    assert not _fused_path(LSTM(4, activation="relu"), None, training=True)
    assert not _fused_path(LSTM(4, use_bias=False), None, training=True)
    assert not _fused_path(LSTM(4, unroll=True), None, training=True)
    assert not _fused_path(LSTM(4, recurrent_dropout=0.2), None, training=True)
    assert _fused_path(LSTM(4, dropout=0.2), None, training=False)


def test_bfloat16_gradients_close_to_float32():
    """Mixed precision: bfloat16 multiplies, float32 gates. Measured as relative L2 errors
    against the float32 layer over 20 weight seeds: outputs and states 0.41-0.70 of the stock
    bfloat16 layer's, kernel gradients 0.55-1.00, bias gradients 0.50-1.25 (a sum over every
    step, where bfloat16 rounding of the inputs dominates)."""
    rng = np.random.default_rng(4)
    x = tf.constant(rng.normal(size=(4, 9, 6)).astype("float32"))
    seeded = {
        "kernel_initializer": keras.initializers.GlorotUniform(seed=1),
        "recurrent_initializer": keras.initializers.Orthogonal(seed=2),
    }
    layers = {
        name: cls(16, return_sequences=True, return_state=True, dtype=dtype, **seeded)
        for name, cls, dtype in [
            ("f32", keras.layers.LSTM, "float32"),
            ("stock", keras.layers.LSTM, "mixed_bfloat16"),
            ("fused", LSTM, "mixed_bfloat16"),
        ]
    }
    for layer in layers.values():
        layer(x)
        layer.set_weights(layers["f32"].get_weights())
    results = {
        name: _outputs_and_gradients(layer, x, [], None, training=True)
        for name, layer in layers.items()
    }
    assert [o.dtype for o in results["fused"][0]] == [tf.bfloat16] * 3
    ratios = []
    for k in range(3 + 3):  # outputs, h, c; then kernel, recurrent kernel, bias
        pick = (lambda r: r[0][k]) if k < 3 else (lambda r: r[1][k - 2])
        truth = tf.cast(pick(results["f32"]), tf.float32).numpy()
        errors = {
            name: np.linalg.norm(tf.cast(pick(results[name]), tf.float32).numpy() - truth)
            / np.linalg.norm(truth)
            for name in ("stock", "fused")
        }
        ratios.append(errors["fused"] / errors["stock"])
    assert max(ratios[:3]) < 0.8, ratios  # outputs and states: float32 gates help most
    assert max(ratios[3:5]) < 1.0, ratios  # kernel gradients
    assert ratios[5] < 1.4, ratios  # bias gradient: no worse than rounding noise


@pytest.mark.slow
def test_unknown_lengths_and_batches_in_a_traced_function():
    layer = LSTM(5, return_sequences=True)
    stock = keras.layers.LSTM(5, return_sequences=True)
    rng = np.random.default_rng(5)
    layer(np.zeros((1, 2, 3), "float32")), stock(np.zeros((1, 2, 3), "float32"))
    stock.set_weights(layer.get_weights())

    @tf.function(input_signature=[tf.TensorSpec((None, None, 3), tf.float32)])
    def gradient_of_sum(x):
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(tf.sin(layer(x, training=True)))
        return tape.gradient(loss, x)

    for shape in [(2, 7, 3), (3, 1, 3)]:
        x = tf.constant(rng.normal(size=shape).astype("float32"))
        with tf.GradientTape() as tape:
            tape.watch(x)
            loss = tf.reduce_sum(tf.sin(stock(x, training=True)))
        np.testing.assert_allclose(gradient_of_sum(x), tape.gradient(loss, x), atol=1e-5)
    # predict on a growing prefix: Keras retraces with a known batch and an unknown length
    lm = zoo.build_lm(11, units=8, embedding_dim=3)
    with fast_layers(False):
        stock_lm = zoo.build_lm(11, units=8, embedding_dim=3)
    stock_lm.set_weights(lm.get_weights())
    tokens = rng.integers(1, 11, (1, 7)).astype("int32")
    for n in range(3, 8):
        np.testing.assert_allclose(
            lm.predict(tokens[:, :n], verbose=0),
            stock_lm.predict(tokens[:, :n], verbose=0),
            atol=1e-5,
        )


def test_checkpoints_of_stock_layers_load_into_the_zoo_layer_and_back(tmp_path):
    tokens = np.random.default_rng(6).integers(0, 11, (2, 7)).astype("int32")
    with fast_layers(False):
        stock = zoo.build_lm(11, units=6, embedding_dim=3, num_layers=2)
    default = zoo.build_lm(11, units=6, embedding_dim=3, num_layers=2)
    assert type(default.get_layer("lstm_0")) is LSTM
    stock.save_weights(tmp_path / "stock.weights.h5")
    default.load_weights(tmp_path / "stock.weights.h5")
    np.testing.assert_allclose(default(tokens), stock(tokens), rtol=1e-6, atol=1e-6)
    default.save_weights(tmp_path / "zoo.weights.h5")
    with fast_layers(False):
        again = zoo.build_lm(11, units=6, embedding_dim=3, num_layers=2)
    again.load_weights(tmp_path / "zoo.weights.h5")
    np.testing.assert_allclose(again(tokens), stock(tokens), rtol=1e-6, atol=1e-6)
    default.save(tmp_path / "lm.keras")
    loaded = keras.saving.load_model(tmp_path / "lm.keras")  # safe_mode=True
    assert type(loaded.get_layer("lstm_1")) is LSTM
    np.testing.assert_allclose(loaded(tokens), stock(tokens), rtol=1e-6, atol=1e-6)


@pytest.mark.slow
def test_a_new_process_loads_a_saved_lm_with_zoo_load_model(tmp_path):
    """`import zoo` registers nothing (it imports no Keras); `zoo.load_model` does, so a saved
    LM loads in a process that never built one, while plain Keras names the missing layer."""
    import subprocess
    import sys

    zoo.build_lm(9, units=4, embedding_dim=2).save(tmp_path / "lm.keras")
    code = (
        "import sys, zoo, keras\n"
        "try:\n"
        "    keras.saving.load_model(sys.argv[1])\n"
        "except TypeError as error:\n"
        "    print('keras alone:', 'LSTM' in str(error))\n"
        "model = zoo.load_model(sys.argv[1])\n"
        "print(type(model.get_layer('lstm_0')).__module__, model.name)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "lm.keras")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.split("\n")[:2] == ["keras alone: True", "zoo.models.fast_rnn lm"]


def test_lstm_sequence_names_the_bad_argument():
    from zoo.native.fused_lstm import lstm_sequence

    x, h = tf.zeros((2, 5, 3)), tf.zeros((2, 4))
    kernel, recurrent, bias = tf.zeros((3, 16)), tf.zeros((4, 16)), tf.zeros(16)
    with pytest.raises(
        ValueError,
        match=r"initial_c has shape \(2, 5\); expected rank 2 "
        r"ending in 4 \(units 4",
    ):
        lstm_sequence(x, h, tf.zeros((2, 5)), kernel, recurrent, bias)
    with pytest.raises(ValueError, match="kernel has 2 rows; expected 3"):
        lstm_sequence(x, h, h, tf.zeros((2, 16)), recurrent, bias)
    with pytest.raises(ValueError, match="one dtype"):
        lstm_sequence(tf.cast(x, tf.bfloat16), h, h, kernel, recurrent, bias)
