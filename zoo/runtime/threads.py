"""TensorFlow's CPU thread pools as the zoo sets them, before TensorFlow starts.

TensorFlow runs each op on an *intra-op* pool (one op split across threads) and runs
independent ops side by side on an *inter-op* pool; by default both have a thread per core.
A recurrent layer is a long chain of small ops (a 64 x 256 by 256 x 1024 multiply, a few
element-wise gates, per time step), too small to pay for splitting across threads, while its
backward pass has independent multiplies at every step (the gradient of the state and of the
weights). On a machine with at most `SMALL_MACHINE_CPUS` usable CPUs (this project's 2-core
CI machine, a Colab CPU runtime), one thread per op and two ops at a time trained the zoo's
character LSTMs 1.28x-1.31x faster in float32 (1.10x in bfloat16 at 256 units, the same at
512) and GRUs 1.07x-1.09x faster, measured alone on a 2-core machine (docs/results/training.md).
The price: one op can no longer use both cores, so batch-64 generation through the
XLA-compiled loop ran about 0.73x as fast (106,000 instead of 146,000 tokens/s) and large
whole-batch inference slightly slower; batch-1 generation is unchanged.

The settings are TensorFlow's own environment variables, `TF_NUM_INTRAOP_THREADS` and
`TF_NUM_INTEROP_THREADS`, set only when the user has not set them (theirs always win, e.g.
`TF_NUM_INTRAOP_THREADS=2 python ...` restores TensorFlow's choice). They take effect when
TensorFlow creates its thread pools, at its first op, so `import zoo` must come first.
Machines with more CPUs keep TensorFlow's defaults (not measured here).
"""

import os

from zoo.core.checks import check_int

SMALL_MACHINE_CPUS = 2
"""The most usable CPUs for which `thread_settings` chooses one thread per op."""


def usable_cpus():
    """The number of CPUs this process may run on (its affinity mask, else `os.cpu_count()`).

    Returns:
        int >= 1.

    Example:

    >>> usable_cpus() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not every platform has an affinity mask
        return max(1, os.cpu_count() or 1)


def thread_settings(cpus):
    """The environment variables the zoo sets for a machine with `cpus` usable CPUs.

    Args:
        cpus: int >= 1, usable CPUs (see `usable_cpus`).

    Returns:
        dict of environment variable -> value (strings); empty where TensorFlow's defaults
        stay.

    Raises:
        ValueError: when `cpus` is not an integer >= 1.

    Example:

    >>> thread_settings(2)
    {'TF_NUM_INTRAOP_THREADS': '1', 'TF_NUM_INTEROP_THREADS': '2'}
    >>> thread_settings(8)
    {}
    """
    if check_int("cpus", cpus, 1) > SMALL_MACHINE_CPUS:
        return {}
    return {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": str(SMALL_MACHINE_CPUS)}


def apply_thread_settings(environ=None, cpus=None):
    """Put `thread_settings` into the environment, leaving any variable already set alone.

    Args:
        environ: the mapping to update. Defaults to `os.environ`.
        cpus: usable CPUs. Defaults to `usable_cpus()`.

    Returns:
        dict: the variables this call set (those the user had set are not in it).

    Example:

    >>> env = {"TF_NUM_INTEROP_THREADS": "4"}
    >>> apply_thread_settings(env, cpus=2)
    {'TF_NUM_INTRAOP_THREADS': '1'}
    >>> env
    {'TF_NUM_INTEROP_THREADS': '4', 'TF_NUM_INTRAOP_THREADS': '1'}
    """
    environ = os.environ if environ is None else environ
    chosen = thread_settings(usable_cpus() if cpus is None else cpus)
    applied = {name: value for name, value in chosen.items() if name not in environ}
    environ.update(applied)
    return applied


__all__ = ["SMALL_MACHINE_CPUS", "usable_cpus", "thread_settings", "apply_thread_settings"]
