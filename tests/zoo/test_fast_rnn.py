"""FastLSTM / FastGRU are the stock Keras layers: same outputs, gradients, config and files."""

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

import zoo  # noqa: E402
from zoo.fast_rnn import FastGRU, FastLSTM, _stock_path  # noqa: E402
from zoo.recurrent import fast_layers  # noqa: E402
from zoo.training import fit  # noqa: E402

CASES = [
    (keras.layers.LSTM, FastLSTM, {"return_sequences": True, "return_state": True}),
    (keras.layers.LSTM, FastLSTM, {"go_backwards": True, "return_state": True}),
    (keras.layers.LSTM, FastLSTM, {"return_sequences": True, "activation": "relu"}),
    (keras.layers.GRU, FastGRU, {"return_sequences": True, "return_state": True}),
    (keras.layers.GRU, FastGRU, {"reset_after": False, "go_backwards": True}),
]


def _outputs_and_gradients(layer, x, initial_state, mask):
    with tf.GradientTape() as tape:
        tape.watch([x, *initial_state])
        out = layer(x, initial_state=initial_state, mask=mask)
        out = list(out) if isinstance(out, (list, tuple)) else [out]
        loss = sum(tf.reduce_sum(o * (k + 1.5) * tf.sin(o)) for k, o in enumerate(out))
    return out, tape.gradient(loss, [x, *initial_state, *layer.trainable_weights])


@pytest.mark.parametrize("stock_class, fast_class, kwargs", CASES)
@pytest.mark.parametrize("masked", [False, True])
def test_equal_outputs_and_gradients(stock_class, fast_class, kwargs, masked):
    rng = np.random.default_rng(0)
    x = tf.constant(rng.normal(size=(3, 6, 4)).astype("float32"))
    mask = tf.constant(np.arange(6)[None, :] < np.array([[6], [4], [2]])) if masked else None
    stock, fast = stock_class(5, **kwargs), fast_class(5, **kwargs)
    stock(x), fast(x)
    stock.set_weights([w * 3 for w in stock.get_weights()])  # far from initial values
    fast.set_weights(stock.get_weights())
    h = tf.constant(rng.normal(size=(3, 5)).astype("float32"))
    initial_state = [h, 0.5 * h] if stock_class is keras.layers.LSTM else [h]
    expected, expected_grads = _outputs_and_gradients(stock, x, initial_state, mask)
    got, got_grads = _outputs_and_gradients(fast, x, initial_state, mask)
    for a, b in zip(expected + expected_grads, got + got_grads):
        np.testing.assert_allclose(b.numpy(), a.numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("stock_class, fast_class", [(keras.layers.LSTM, FastLSTM),
                                                     (keras.layers.GRU, FastGRU)])
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
    assert {type(lm.get_layer(f"{cell}_{i}")).__name__ for i in range(2)} == {
        f"Fast{cell.upper()}"}
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


def test_trains_through_the_engine_like_the_stock_layer():
    x = np.random.default_rng(3).integers(0, 8, (16, 6)).astype("int32")
    losses = []
    for fast in (False, True):
        keras.utils.set_random_seed(0)
        with fast_layers(fast):
            result = fit(lambda: zoo.build_lm(8, cell="gru", units=4, embedding_dim=3),
                                      (x, x), epochs=2, batch_size=8, precision="float32",
                                      verbose=0)
        losses.append([h["loss"] for h in result.history])
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-4)


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

    import zoo.fast_rnn

    failures, tried = doctest.testmod(zoo.fast_rnn, optionflags=doctest.ELLIPSIS)
    assert tried and not failures
    finder, runner = doctest.DocTestFinder(), doctest.DocTestRunner()
    for test in finder.find(fast_layers, "fast_layers", globs={"fast_layers": fast_layers}):
        runner.run(test)
    assert runner.summarize(verbose=False).failed == 0
