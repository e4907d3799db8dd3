"""What the engine runs on: the machine's facts, and the precision and strategy they call for.

`resolve_precision("auto")` and `resolve_strategy("auto")` turn the settings of
`zoo.training.engine.fit` into a Keras dtype policy name and a `tf.distribute.Strategy` from what
`hardware_facts()` sees (GPUs, a TPU, the CPU's bfloat16 instructions).
"""

import os
import warnings

PRECISIONS = ("auto", "float32", "mixed_float16", "mixed_bfloat16")


def hardware_facts():
    """What `resolve_precision` and `resolve_strategy` look at on this machine.

    Returns:
        dict: `tpu` (bool, a TPU is attached: `TPU_NAME`/`COLAB_TPU_ADDR` set or `/dev/accel0`
        present), `gpus` (int, CUDA GPUs TensorFlow sees) and `cpu_flags` (frozenset of the
        flags in `/proc/cpuinfo`; empty where there is none).

    Example:

    >>> facts = hardware_facts()
    >>> sorted(facts)
    ['cpu_flags', 'gpus', 'tpu']
    """
    import tensorflow as tf

    flags = set()
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    flags.update(line.split(":", 1)[1].split())
                    break
    except OSError:
        pass
    tpu = bool(os.environ.get("TPU_NAME") or os.environ.get("COLAB_TPU_ADDR")
               or os.path.exists("/dev/accel0"))
    return {"tpu": tpu, "gpus": len(tf.config.list_physical_devices("GPU")),
            "cpu_flags": frozenset(flags)}


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
        warnings.warn("precision='mixed_float16' without a GPU: float16 is emulated on this "
                      "machine and slower than float32", UserWarning, stacklevel=3)
    if precision == "mixed_bfloat16" and not (facts.get("tpu") or bf16_cpu or facts.get("gpus")):
        warnings.warn("precision='mixed_bfloat16' on hardware without bfloat16 support: it is "
                      "emulated and slower than float32", UserWarning, stacklevel=3)
    return precision


def resolve_strategy(strategy=None):
    """The `tf.distribute.Strategy` a `strategy` setting means.

    Args:
        strategy: None (the default strategy: one device), `"auto"` (a `TPUStrategy` when a
            TPU is attached, a `MirroredStrategy` over all GPUs when there are two or more,
            else the default strategy), `"multi-worker"` (a `MultiWorkerMirroredStrategy`
            over the cluster in `TF_CONFIG`, `zoo.training.distribute.multi_worker_strategy`: create it
            before any other TensorFlow work) or a `tf.distribute.Strategy` (used as is).

    Returns:
        A `tf.distribute.Strategy`.

    Raises:
        ValueError: an unknown setting, a TPU that is announced but cannot be reached, or
            `"multi-worker"` without a usable `TF_CONFIG`.

    Example:

    >>> resolve_strategy(None).num_replicas_in_sync
    1
    """
    import tensorflow as tf

    if strategy is None:
        return tf.distribute.get_strategy()
    if isinstance(strategy, tf.distribute.Strategy):
        return strategy
    if strategy == "multi-worker":
        from zoo.training.distribute import multi_worker_strategy

        return multi_worker_strategy()
    if strategy != "auto":
        raise ValueError(f"strategy must be None, 'auto', 'multi-worker' or a "
                         f"tf.distribute.Strategy; got {strategy!r}")
    facts = hardware_facts()
    if facts["tpu"]:
        try:
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
            tf.config.experimental_connect_to_cluster(resolver)
            tf.tpu.experimental.initialize_tpu_system(resolver)
        except (ValueError, tf.errors.OpError) as error:
            raise ValueError(f"strategy='auto': a TPU is announced but cannot be reached "
                             f"({error})") from None
        return tf.distribute.TPUStrategy(resolver)
    if facts["gpus"] > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


__all__ = ["PRECISIONS", "hardware_facts", "resolve_precision", "resolve_strategy"]
