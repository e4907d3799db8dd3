"""What the machine offers: GPUs, a TPU, the CPU's instructions (`hardware_facts`).

`zoo.runtime.precision.resolve_precision("auto")` and
`zoo.training.distribute.resolve_strategy("auto")` turn the settings of
`zoo.training.engine.fit` into a Keras dtype policy name and a `tf.distribute.Strategy` from
what `hardware_facts()` sees.
"""

import os


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
    tpu = bool(
        os.environ.get("TPU_NAME")
        or os.environ.get("COLAB_TPU_ADDR")
        or os.path.exists("/dev/accel0")
    )
    return {
        "tpu": tpu,
        "gpus": len(tf.config.list_physical_devices("GPU")),
        "cpu_flags": frozenset(flags),
    }


__all__ = ["hardware_facts"]
