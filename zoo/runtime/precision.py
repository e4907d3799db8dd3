"""Precision: which Keras dtype policy a run uses, and the rules of mixed precision vs float32.

- `PRECISIONS` and `resolve_precision` turn a `precision=` setting into a dtype policy name,
  by the hardware (`zoo.runtime.devices.hardware_facts`).
- `dtype_policy(name)` sets the global Keras dtype policy for the length of a `with` block
  (models are built under it) and always restores the previous one.
- `is_mixed(layer_or_model)` says whether anything in a layer or model computes or keeps
  weights in another dtype than float32.
- Under a mixed policy the zoo keeps its output layer, named `"logits"`, in float32
  (`float32_logits`), so logits and the loss are float32; what is saved or sampled natively
  is a float32 copy (`float32_copy`, built from the config with `strip_dtype_policies`).
"""

import contextlib
import warnings

from zoo.runtime.devices import hardware_facts

PRECISIONS = ("auto", "float32", "mixed_float16", "mixed_bfloat16")
LOGITS_LAYER = "logits"

__all__ = [
    "PRECISIONS",
    "LOGITS_LAYER",
    "resolve_precision",
    "dtype_policy",
    "is_mixed",
    "float32_logits",
    "strip_dtype_policies",
    "float32_copy",
]


def resolve_precision(precision="auto", *, facts=None):
    """The dtype policy name a `precision` setting means on this (or the described) hardware.

    `"auto"` picks `"mixed_float16"` on CUDA GPUs, `"mixed_bfloat16"` on TPUs and on CPUs whose
    flags include `avx512_bf16`, `"float32"` otherwise. An explicit name is kept; a mixed
    policy the hardware lacks runs (TensorFlow emulates it, slowly) with a `UserWarning`.

    Args:
        precision: `"auto"`, `"float32"`, `"mixed_float16"` or `"mixed_bfloat16"`.
            Defaults to `"auto"`.
        facts: dict like `hardware_facts()` (`tpu`, `gpus`, `cpu_flags`), or None to look at
            this machine.

    Returns:
        str: a Keras dtype policy name.

    Raises:
        ValueError: an unknown precision name.

    Example:

    >>> resolve_precision("auto", facts={"tpu": False, "gpus": 1, "cpu_flags": set()})
    'mixed_float16'
    >>> resolve_precision("auto", facts={"tpu": False, "gpus": 0, "cpu_flags": {"avx512_bf16"}})
    'mixed_bfloat16'
    >>> resolve_precision("auto", facts={"tpu": False, "gpus": 0, "cpu_flags": {"avx2"}})
    'float32'
    """
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}; got {precision!r}")
    if precision == "float32":
        return precision
    facts = hardware_facts() if facts is None else facts
    bf16_cpu = "avx512_bf16" in facts.get("cpu_flags", ())
    if precision == "auto":
        if facts.get("gpus"):
            return "mixed_float16"
        if facts.get("tpu") or bf16_cpu:
            return "mixed_bfloat16"
        return "float32"
    if precision == "mixed_float16" and not facts.get("gpus"):
        warnings.warn(
            "precision='mixed_float16' without a GPU: float16 is emulated on this "
            "machine and slower than float32",
            UserWarning,
            stacklevel=3,
        )
    if precision == "mixed_bfloat16" and not (facts.get("tpu") or bf16_cpu or facts.get("gpus")):
        warnings.warn(
            "precision='mixed_bfloat16' on hardware without bfloat16 support: it is "
            "emulated and slower than float32",
            UserWarning,
            stacklevel=3,
        )
    return precision


@contextlib.contextmanager
def dtype_policy(name):
    """Set the global Keras dtype policy inside a `with` block, then restore the previous one.

    Layers created inside the block take the policy (build a model there); the previous
    policy comes back however the block ends, an exception included.

    Args:
        name: a Keras dtype policy name (`"float32"`, `"mixed_float16"`, `"mixed_bfloat16"`,
            ...) or a `keras.DTypePolicy`.

    Yields:
        The `keras.DTypePolicy` in force inside the block.

    Raises:
        ValueError: Keras does not know the policy name (nothing is changed then).

    Example:

    >>> import keras
    >>> with dtype_policy("mixed_bfloat16"):
    ...     layer = keras.layers.Dense(2)
    >>> layer.compute_dtype, keras.config.dtype_policy().name
    ('bfloat16', 'float32')
    """
    import keras

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(name)
    try:
        yield keras.config.dtype_policy()
    finally:
        keras.config.set_dtype_policy(previous)


def _sublayers(layer):
    """`layer` and every layer inside it (a model's layers, an RNN's cell), depth first."""
    yield layer
    for inner in getattr(layer, "layers", None) or ():
        yield from _sublayers(inner)
    cell = getattr(layer, "cell", None)
    if cell is not None:
        yield from _sublayers(cell)


def is_mixed(layer_or_model):
    """Whether a layer or model computes or keeps weights in another dtype than float32.

    True for a model built under a mixed policy, even though its `"logits"` layer computes in
    float32 (`float32_logits`): one layer that is not float32 is enough. Rules that hold only
    in float32 (the native LSTM sampling kernel, saving without a copy) ask this.

    Args:
        layer_or_model: a `keras.layers.Layer` or `keras.Model` (its layers are looked at,
            nested models and RNN cells included).

    Returns:
        bool.

    Example:

    >>> import keras
    >>> is_mixed(keras.layers.Dense(2))
    False
    >>> with dtype_policy("mixed_float16"):
    ...     model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> is_mixed(model)
    True
    """
    for layer in _sublayers(layer_or_model):
        policy = getattr(layer, "dtype_policy", None)
        if policy is None:
            continue
        if policy.compute_dtype != "float32" or policy.variable_dtype != "float32":
            return True
    return False


def float32_logits(model, name=LOGITS_LAYER):
    """Make the model's output layer `name` compute in float32 (in place, before compiling).

    Under a mixed policy this keeps the logits and the loss in float32, as Keras's mixed
    precision guide asks for the last layer. The zoo's factories name that layer
    `"logits"`; a model without it is left alone.

    Args:
        model: a `keras.Model`, not yet compiled.
        name: str, the layer to keep in float32. Defaults to `"logits"`.

    Returns:
        The same `model`.

    Example:

    >>> import keras, numpy as np
    >>> with dtype_policy("mixed_bfloat16"):
    ...     inputs = keras.Input((3,))
    ...     outputs = keras.layers.Dense(2, name="logits")(keras.layers.Dense(4)(inputs))
    ...     model = float32_logits(keras.Model(inputs, outputs))
    >>> keras.backend.standardize_dtype(model(np.ones((1, 3), "float32")).dtype)
    'float32'
    """
    import keras

    if any(layer.name == name for layer in model.layers):
        model.get_layer(name).dtype_policy = keras.dtype_policies.DTypePolicy("float32")
    return model


def strip_dtype_policies(config):
    """A model config with every layer's dtype policy removed (the layers then follow float32).

    Args:
        config: a `keras.Model.get_config()` dict (nested dicts and lists).

    Returns:
        A new config without the `"dtype": {"class_name": "DTypePolicy", ...}` entries;
        `config` is not changed.

    Example:

    >>> strip_dtype_policies({"layers": [{"name": "d", "dtype": {
    ...     "class_name": "DTypePolicy", "config": {"name": "mixed_float16"}}}]})
    {'layers': [{'name': 'd'}]}
    """
    if isinstance(config, dict):
        return {
            k: strip_dtype_policies(v)
            for k, v in config.items()
            if not (k == "dtype" and isinstance(v, dict) and v.get("class_name") == "DTypePolicy")
        }
    if isinstance(config, list):
        return [strip_dtype_policies(v) for v in config]
    return config


def float32_copy(model):
    """The model in float32 and without optimizer state: what is saved and sampled natively.

    A mixed-precision model is rebuilt from its config with every dtype policy stripped,
    under the float32 policy; a compiled float32 model is rebuilt from its config (dropping
    the optimizer). Either copy gets the model's weights (always float32 variables). A
    float32 model without an optimizer is returned itself: there is nothing to copy.

    Args:
        model: a Functional or Sequential `keras.Model` (custom layers registered).

    Returns:
        A `keras.Model`: `model` itself, or an uncompiled float32 copy with the same weights.

    Example:

    >>> import keras, numpy as np
    >>> with dtype_policy("mixed_float16"):
    ...     model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    >>> copy = float32_copy(model)
    >>> is_mixed(copy), all(np.array_equal(a, b) for a, b in
    ...                     zip(copy.get_weights(), model.get_weights()))
    (False, True)
    >>> float32_copy(copy) is copy
    True
    """
    mixed = is_mixed(model)
    if getattr(model, "optimizer", None) is None and not mixed:
        return model
    config = model.get_config()
    with dtype_policy("float32"):
        copy = model.__class__.from_config(strip_dtype_policies(config) if mixed else config)
    copy.set_weights(model.get_weights())
    return copy
