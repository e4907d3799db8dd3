"""`zoo.runtime.threads`: the thread pools the zoo chooses before TensorFlow starts, and the user's win."""

import json
import os
import subprocess
import sys

import pytest

from zoo.runtime.threads import SMALL_MACHINE_CPUS, apply_thread_settings, thread_settings

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NAMES = ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")


@pytest.mark.parametrize("cpus", [1, 2])
def test_small_machines_get_one_thread_per_op_and_two_ops_at_a_time(cpus):
    assert thread_settings(cpus) == {
        "TF_NUM_INTRAOP_THREADS": "1",
        "TF_NUM_INTEROP_THREADS": str(SMALL_MACHINE_CPUS),
    }


@pytest.mark.parametrize("cpus", [3, 8, 64])
def test_larger_machines_keep_tensorflows_defaults(cpus):
    assert thread_settings(cpus) == {}


@pytest.mark.parametrize("cpus", [0, -1, 1.5, "2", True, None])
def test_bad_cpu_counts_are_refused_by_name(cpus):
    with pytest.raises(ValueError, match=r"cpus must be an integer >= 1; got "):
        thread_settings(cpus)


def test_values_the_user_set_are_never_replaced():
    env = {"TF_NUM_INTRAOP_THREADS": "2", "TF_NUM_INTEROP_THREADS": "2"}
    assert apply_thread_settings(env, cpus=2) == {}
    assert env == {"TF_NUM_INTRAOP_THREADS": "2", "TF_NUM_INTEROP_THREADS": "2"}
    assert apply_thread_settings({}, cpus=16) == {}


def _env_after_import(cpus, preset=None):
    """TF_NUM_*_THREADS in a fresh interpreter pinned to `cpus` CPUs after `import zoo`."""
    code = (
        "import json, os\n"
        f"os.sched_setaffinity(0, set(sorted(os.sched_getaffinity(0))[:{cpus}]))\n"
        "import zoo\n"
        f"print(json.dumps({{n: os.environ.get(n) for n in {NAMES!r}}}))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in NAMES}
    env.update(preset or {})
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, env=env, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity (Linux)")
def test_import_zoo_sets_the_pools_on_a_one_cpu_process_unless_the_user_did():
    assert _env_after_import(1) == {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "2"}
    assert _env_after_import(1, {"TF_NUM_INTRAOP_THREADS": "4"}) == {
        "TF_NUM_INTRAOP_THREADS": "4",
        "TF_NUM_INTEROP_THREADS": "2",
    }
