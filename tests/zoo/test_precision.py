"""zoo.runtime.precision: the precision setting, the dtype-policy context and the rules of
mixed precision vs float32 (logits in float32, a float32 copy), on real zoo models."""

import keras
import numpy as np
import pytest

import zoo
from zoo.runtime.precision import (
    PRECISIONS,
    dtype_policy,
    float32_copy,
    float32_logits,
    is_mixed,
    resolve_precision,
    strip_dtype_policies,
)

MIXED = ["mixed_float16", "mixed_bfloat16"]
TOKENS = np.random.default_rng(0).integers(0, 9, (2, 5)).astype("int32")


def lm():
    return zoo.build_lm(9, units=6, embedding_dim=4, num_layers=2)


def test_the_precision_names_and_what_auto_means_on_each_machine():
    assert PRECISIONS == ("auto", "float32", "mixed_float16", "mixed_bfloat16")
    cpu = {"tpu": False, "gpus": 0, "cpu_flags": {"avx2"}}
    assert resolve_precision("auto", facts=cpu) == "float32"
    assert resolve_precision("auto", facts={**cpu, "tpu": True}) == "mixed_bfloat16"
    assert resolve_precision("float32", facts=cpu) == "float32"
    with pytest.warns(UserWarning, match="bfloat16 is emulated|without bfloat16"):
        assert resolve_precision("mixed_bfloat16", facts=cpu) == "mixed_bfloat16"
    with pytest.raises(
        ValueError,
        match="precision must be one of auto, float32, mixed_float16, mixed_bfloat16; got 'half'",
    ):
        resolve_precision("half")


@pytest.mark.parametrize("name", MIXED)
def test_dtype_policy_holds_inside_the_block_and_is_restored_after_it(name):
    before = keras.config.dtype_policy().name
    with dtype_policy(name) as policy:
        assert policy.name == name == keras.config.dtype_policy().name
        model = lm()
    assert keras.config.dtype_policy().name == before
    assert model.get_layer("embedding").compute_dtype == policy.compute_dtype


def test_dtype_policy_is_restored_when_the_block_raises_and_refuses_unknown_names():
    before = keras.config.dtype_policy().name
    with pytest.raises(RuntimeError, match="inside"), dtype_policy("mixed_float16"):
        raise RuntimeError("inside")
    assert keras.config.dtype_policy().name == before
    with pytest.raises(ValueError), dtype_policy("float13"):
        pass  # pragma: no cover
    assert keras.config.dtype_policy().name == before


@pytest.mark.parametrize("name", MIXED)
def test_a_mixed_lm_is_mixed_with_float32_logits(name):
    with dtype_policy(name):
        model = float32_logits(lm())
    assert is_mixed(model)
    assert is_mixed(model.get_layer("lstm_0"))  # an RNN layer and its cell
    assert not is_mixed(model.get_layer("logits"))
    assert keras.backend.standardize_dtype(model(TOKENS).dtype) == "float32"
    assert not is_mixed(lm())


def test_float32_logits_leaves_a_model_without_a_logits_layer_alone():
    with dtype_policy("mixed_bfloat16"):
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2, name="out")])
    assert float32_logits(model) is model
    assert model.get_layer("out").compute_dtype == "bfloat16"


@pytest.mark.parametrize("name", MIXED)
def test_the_float32_copy_of_a_mixed_lm_is_the_float32_lm_with_its_weights(name):
    with dtype_policy(name):
        mixed = float32_logits(lm())
    copy = float32_copy(mixed)
    assert copy is not mixed and not is_mixed(copy)
    reference = lm()
    reference.set_weights(mixed.get_weights())
    np.testing.assert_array_equal(copy(TOKENS), reference(TOKENS))
    assert copy.name == mixed.name
    assert [layer.name for layer in copy.layers] == [layer.name for layer in mixed.layers]


@pytest.mark.slow
def test_the_float32_copy_drops_the_optimizer_and_keeps_a_bare_float32_model(tmp_path):
    bare = lm()
    assert float32_copy(bare) is bare  # nothing to copy
    bare.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    bare.fit(TOKENS, TOKENS, epochs=1, verbose=0)
    copy = float32_copy(bare)
    assert copy is not bare and getattr(copy, "optimizer", None) is None
    np.testing.assert_array_equal(copy(TOKENS), bare(TOKENS))
    copy.save(tmp_path / "copy.keras")
    loaded = keras.saving.load_model(tmp_path / "copy.keras")
    np.testing.assert_array_equal(loaded(TOKENS), bare(TOKENS))


def test_strip_dtype_policies_removes_only_policy_entries():
    with dtype_policy("mixed_float16"):
        config = lm().get_config()
    stripped = strip_dtype_policies(config)
    assert "DTypePolicy" not in repr(stripped)
    assert "DTypePolicy" in repr(config)  # the input is not changed
    assert [layer["name"] for layer in stripped["layers"]] == [
        layer["name"] for layer in config["layers"]
    ]
