"""Every factory x cell x depth x direction: shapes, config, save/load, one training step."""

import itertools

import keras
import numpy as np
import pytest

import zoo
from tests.helpers import run_model_test

CELLS = ["rnn", "gru", "lstm"]
BATCH, TIME, VOCAB = 3, 5, 11
SPARSE = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def _tokens(rng, low=1, shape=(BATCH, TIME)):
    return rng.integers(low, VOCAB, size=shape).astype("int32")


@pytest.mark.slow
@pytest.mark.parametrize("cell,num_layers", itertools.product(CELLS, [1, 2]))
def test_lm(cell, num_layers, tmp_path):
    rng = np.random.default_rng(0)
    conditioning_dim = 3 if num_layers == 2 else None
    model = zoo.build_lm(
        VOCAB,
        cell=cell,
        units=8,
        num_layers=num_layers,
        embedding_dim=4,
        dropout=0.1,
        conditioning_dim=conditioning_dim,
    )
    if conditioning_dim:  # the checked join: save/load below covers it
        assert isinstance(model.get_layer("join_conditioning"), zoo.models.layers.JoinConditioning)
    tokens = _tokens(rng, low=0)
    inputs = (
        tokens
        if conditioning_dim is None
        else [tokens, rng.normal(size=(BATCH, TIME, 3)).astype("float32")]
    )
    run_model_test(model, inputs, _tokens(rng, low=0), SPARSE, (BATCH, TIME, VOCAB), tmp_path)


@pytest.mark.parametrize(
    "cell,num_layers,bidirectional", itertools.product(CELLS, [1, 2], [False, True])
)
@pytest.mark.slow
def test_many_to_one(cell, num_layers, bidirectional, tmp_path):
    rng = np.random.default_rng(1)
    if num_layers == 1:  # token ids
        model = zoo.build_many_to_one(
            vocab_size=VOCAB,
            output_dim=2,
            cell=cell,
            units=8,
            num_layers=1,
            bidirectional=bidirectional,
        )
        inputs = _tokens(rng)
        inputs[0, 3:] = 0  # padding
    else:  # real-valued feature vectors
        model = zoo.build_many_to_one(
            input_dim=4,
            output_dim=2,
            cell=cell,
            units=8,
            num_layers=2,
            bidirectional=bidirectional,
            dropout=0.2,
        )
        inputs = rng.normal(size=(BATCH, TIME, 4)).astype("float32")
    targets = rng.integers(0, 2, size=(BATCH,))
    run_model_test(model, inputs, targets, SPARSE, (BATCH, 2), tmp_path)


@pytest.mark.parametrize(
    "cell,num_layers,bidirectional", itertools.product(CELLS, [1, 2], [False, True])
)
@pytest.mark.slow
def test_many_to_many(cell, num_layers, bidirectional, tmp_path):
    rng = np.random.default_rng(2)
    if num_layers == 1:  # one-hot feature vectors
        inputs = np.eye(6, dtype="float32")[rng.integers(0, 6, size=(BATCH, TIME))]
        model = zoo.build_many_to_many(
            input_dim=6, output_dim=4, cell=cell, units=8, bidirectional=bidirectional
        )
    else:
        inputs = _tokens(rng)
        model = zoo.build_many_to_many(
            vocab_size=VOCAB,
            output_dim=4,
            cell=cell,
            units=8,
            num_layers=2,
            bidirectional=bidirectional,
        )
    targets = rng.integers(0, 4, size=(BATCH, TIME))
    run_model_test(model, inputs, targets, SPARSE, (BATCH, TIME, 4), tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("cell,num_layers", itertools.product(CELLS, [1, 2]))
def test_one_to_many(cell, num_layers, tmp_path):
    rng = np.random.default_rng(3)
    context_dim = 3 if num_layers == 1 else None
    model = zoo.build_one_to_many(
        VOCAB, context_dim=context_dim, cell=cell, units=8, num_layers=num_layers
    )
    tokens = _tokens(rng, low=0)
    inputs = (
        tokens if context_dim is None else [rng.normal(size=(BATCH, 3)).astype("float32"), tokens]
    )
    run_model_test(model, inputs, _tokens(rng, low=0), SPARSE, (BATCH, TIME, VOCAB), tmp_path)

    generator = zoo.build_one_to_many_generator(model, steps=4, mode="sample", seed=7)
    start = np.zeros((BATCH,), "int32")
    gen_inputs = start if context_dim is None else [inputs[0], start]
    produced = np.asarray(generator(gen_inputs))
    assert produced.shape == (BATCH, 4) and produced.dtype == np.int32
    # The generator is the engine over the model: save the model, rebuild the generator.
    model.save(tmp_path / "one_to_many.keras")
    reloaded = keras.saving.load_model(tmp_path / "one_to_many.keras")
    again = zoo.build_one_to_many_generator(reloaded, steps=4, mode="sample", seed=7)
    np.testing.assert_array_equal(np.asarray(again(gen_inputs)), produced)


@pytest.mark.parametrize(
    "cell,num_layers,bidirectional", itertools.product(CELLS, [1, 2], [False, True])
)
@pytest.mark.slow
def test_encoder_decoder(cell, num_layers, bidirectional, tmp_path):
    rng = np.random.default_rng(4)
    attention = {1: "dot", 2: "additive"}[num_layers] if bidirectional else None
    model = zoo.build_encoder_decoder(
        source_vocab_size=VOCAB,
        target_vocab_size=9,
        cell=cell,
        units=8,
        num_layers=num_layers,
        bidirectional=bidirectional,
        attention=attention,
    )
    source = _tokens(rng, shape=(BATCH, 6))
    source[1, 4:] = 0
    decoder_in = rng.integers(1, 9, size=(BATCH, TIME)).astype("int32")
    targets = rng.integers(1, 9, size=(BATCH, TIME))
    run_model_test(model, [source, decoder_in], targets, SPARSE, (BATCH, TIME, 9), tmp_path)


def test_feature_source_encoder_decoder(tmp_path):
    rng = np.random.default_rng(5)
    model = zoo.build_encoder_decoder(source_dim=4, target_vocab_size=7, units=8, attention="dot")
    source = rng.normal(size=(2, 6, 4)).astype("float32")
    decoder_in = rng.integers(1, 7, size=(2, 3)).astype("int32")
    run_model_test(
        model, [source, decoder_in], rng.integers(1, 7, size=(2, 3)), SPARSE, (2, 3, 7), tmp_path
    )


@pytest.mark.slow
@pytest.mark.parametrize("pooling", ["max", "mean", "max_mean"])
def test_many_to_one_pooling_ignores_padding_and_round_trips(pooling, tmp_path):
    model = zoo.build_many_to_one(
        vocab_size=VOCAB,
        output_dim=2,
        cell="gru",
        units=4,
        bidirectional=True,
        pooling=pooling,
        embedding_dropout=0.3,
    )
    assert model.get_layer("pooling").output.shape[-1] == (16 if pooling == "max_mean" else 8)
    rng = np.random.default_rng(5)
    tokens = rng.integers(1, VOCAB, size=(2, 6)).astype("int32")
    padded = np.concatenate([tokens, np.zeros((2, 3), "int32")], axis=1)
    np.testing.assert_allclose(model(padded), model(tokens), atol=1e-6)
    run_model_test(model, padded, rng.integers(0, 2, size=(2,)), SPARSE, (2, 2), tmp_path)


def test_many_to_one_pooling_default_and_bad_values():
    model = zoo.build_many_to_one(vocab_size=VOCAB, output_dim=2, units=4)
    assert "pooling" not in [layer.name for layer in model.layers]  # "last" adds no layer
    with pytest.raises(ValueError, match="pooling must be one of last, max, mean, max_mean"):
        zoo.build_many_to_one(vocab_size=VOCAB, output_dim=2, pooling="sum")
    with pytest.raises(ValueError, match=r"embedding_dropout must be in \[0, 1\)"):
        zoo.build_many_to_one(vocab_size=VOCAB, output_dim=2, embedding_dropout=1.0)


def test_pooling_module_docstring_examples():
    import doctest

    import zoo.models.pooling

    result = doctest.testmod(zoo.models.pooling, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


@pytest.mark.slow
def test_many_to_many_reads_characters_too(tmp_path):
    model = zoo.build_many_to_many(
        vocab_size=VOCAB,
        output_dim=3,
        units=4,
        bidirectional=True,
        char_vocab_size=12,
        char_length=5,
        char_filters=6,
        embedding_dropout=0.2,
    )
    rng = np.random.default_rng(6)
    tokens = rng.integers(1, VOCAB, size=(2, 4)).astype("int32")
    chars = rng.integers(1, 12, size=(2, 4, 5)).astype("int32")
    padded = {
        "tokens": np.pad(tokens, ((0, 0), (0, 2))),
        "chars": np.pad(chars, ((0, 0), (0, 2), (0, 0))),
    }
    out = model(padded)
    np.testing.assert_allclose(out[:, :4], model({"tokens": tokens, "chars": chars}), atol=1e-6)
    other = chars.copy()
    other[0, 1] = 1  # another spelling of the same word id changes that sentence's tags
    assert not np.allclose(model({"tokens": tokens, "chars": other})[0], out[0, :4])
    run_model_test(model, padded, rng.integers(0, 3, size=(2, 6)), SPARSE, (2, 6, 3), tmp_path)
    with pytest.raises(ValueError, match="char_vocab_size needs token-id inputs"):
        zoo.build_many_to_many(input_dim=3, output_dim=2, char_vocab_size=5)


LOAD_IN_A_NEW_PROCESS = """
import sys
import numpy as np
import zoo
model = zoo.load_model(sys.argv[1])
if len(sys.argv) > 2:
    np.save(sys.argv[2], np.asarray(model([np.ones((2, 4), "int32"), np.ones((2, 3), "int32")])))
print(" ".join(sorted({f"{type(layer).__module__}.{type(layer).__name__}"
                       for layer in model.layers if type(layer).__module__.startswith("zoo")})))
"""


def _load_in_a_new_process(*arguments):
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", LOAD_IN_A_NEW_PROCESS, *map(str, arguments)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return out.stdout.split("\n")[0].split()


@pytest.mark.slow
@pytest.mark.parametrize("written_by", ["this layout", "the layout before the move"])
def test_a_bare_encoder_decoder_with_attention_loads_in_a_new_process(written_by, tmp_path):
    """`zoo.load_model` registers the zoo's layers in a process that built nothing; a file
    written before the move (it records the modules `zoo.layers` and `zoo.fast_rnn`) loads too
    and computes what it computed there."""
    import pathlib

    if written_by == "this layout":
        model = zoo.build_encoder_decoder(
            source_vocab_size=10, target_vocab_size=12, units=8, attention="dot"
        )
        path = tmp_path / "encoder_decoder.keras"
        model.save(path)
    else:
        path = pathlib.Path(__file__).parents[1] / "fixtures/layout_v0/encoder_decoder.keras"
        model = zoo.load_model(path)
    found = _load_in_a_new_process(path, tmp_path / "y.npy")
    assert found == ["zoo.models.fast_rnn.LSTM", "zoo.models.layers.RequireRightPadding"]
    inputs = [np.ones((2, 4), "int32"), np.ones((2, 3), "int32")]
    np.testing.assert_allclose(
        np.load(tmp_path / "y.npy"), np.asarray(model(inputs)), rtol=1e-6, atol=1e-6
    )


@pytest.mark.slow
def test_a_saved_attention_decoder_step_loads_in_a_new_process(tmp_path):
    """The inference decoder holds `AttentionWithWeights` (zoo.models.seq2seq): it loads in a
    process that imported no factory, through `zoo.load_model`."""
    model = zoo.build_encoder_decoder(
        source_vocab_size=10, target_vocab_size=12, units=8, attention="dot"
    )
    _, decoder = zoo.build_encoder_decoder_inference(model)
    decoder.save(tmp_path / "decoder.keras")
    assert "zoo.models.seq2seq.AttentionWithWeights" in _load_in_a_new_process(
        tmp_path / "decoder.keras"
    )


def test_load_model_registers_every_module_that_registers_a_layer():
    """A module that registers a Keras class is imported by `zoo.models.saving`, so
    `zoo.load_model` knows every class a `model.keras` file may name."""
    import importlib
    import inspect
    import pkgutil

    import zoo.models
    from zoo.models.saving import REGISTERING_MODULES

    registering = set()
    for info in pkgutil.iter_modules(zoo.models.__path__, "zoo.models."):
        module = importlib.import_module(info.name)
        if "register_keras_serializable" in inspect.getsource(module):
            registering.add(info.name)
    registering.discard("zoo.models.saving")
    assert registering == {module.__name__ for module in REGISTERING_MODULES}
