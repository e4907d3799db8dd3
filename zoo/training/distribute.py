"""Multi-worker training: the cluster in `TF_CONFIG`, the chief, each worker's run folder, and
the backup every worker resumes from.

Under `tf.distribute.MultiWorkerMirroredStrategy` every worker runs the same script and the
same `zoo.training.engine.fit` call; the rules `fit` applies (the module docstring of
`zoo.training.engine` states them for users):

- **The chief writes, the others train.** The chief is the task of type `"chief"`, or worker 0
  when the cluster has none (`worker_role`). Only the chief calls `on_best`, so the artifact is
  written once.
- **Each worker's run folder is its own**: the chief keeps `run_dir`, every other worker
  `run_dir/<type>-<index>` (e.g. `run_dir/worker-1`): on one machine or a shared disk they
  never write the same file, and on separate machines each has what it needs to resume.
- **One pipeline, split by data**: every worker builds the same `tf.data` pipeline (the same
  seed); `fit` sets its auto-shard policy to `DATA`, so each global batch is split across the
  workers and the run equals a one-process run of that global batch.
- **A restarted cluster resumes from a backup every worker holds**: before loading, the workers
  exchange the epochs of their backups' two generations and all load the newest one they
  share (a worker killed between the two backup writes is one generation behind); after
  loading, they compare their optimizer steps.
- **No time budget**: each worker's clock would stop it at a different step (and the others
  would wait for it forever), so `max_seconds` is refused; bound the run by epochs and steps.

`resolve_strategy` turns `fit`'s `strategy=` setting into a strategy (`"auto"` by the
hardware); `multi_worker_strategy` creates the multi-worker one (ring all-reduce on CPUs);
`prepare_model` works around two faults of Keras 3's TensorFlow trainer under any
multi-worker strategy (keras-team/keras#20329: the model's symbolic build reduces a whole
input batch across workers, and the per-step metrics are reduced with `axis=0` although they
are scalars).
"""

import collections
import json
import os
import pathlib

from zoo.core.checks import is_integer
from zoo.runtime.devices import hardware_facts

#: The role of this process in a run: `chief` (bool: it writes the artifact), `task` (the
#: folder name of a non-chief worker, e.g. `"worker-1"`, else None) and `workers` (the number
#: of tasks in the cluster; 1 without one).
WorkerRole = collections.namedtuple("WorkerRole", ["chief", "task", "workers"])


def read_tf_config(environ=None):
    """The cluster described by `TF_CONFIG`, checked (TensorFlow is not imported).

    Args:
        environ: a mapping like `os.environ` (the default).

    Returns:
        dict: the decoded `TF_CONFIG` (`cluster` and `task`).

    Raises:
        ValueError: `TF_CONFIG` is missing, not JSON, or does not name this task in its
            cluster (the message says what is expected).

    Example:

    >>> config = read_tf_config({"TF_CONFIG": '{"cluster": {"worker": ["a:1", "b:1"]}, '
    ...                                       '"task": {"type": "worker", "index": 1}}'})
    >>> config["task"]
    {'type': 'worker', 'index': 1}
    >>> read_tf_config({})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: TF_CONFIG is not set: a multi-worker run needs it on every worker, e.g. ...
    """
    environ = os.environ if environ is None else environ
    text = environ.get("TF_CONFIG")
    example = (
        'TF_CONFIG=\'{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
        '"task": {"type": "worker", "index": 0}}\''
    )
    if not text:
        raise ValueError(
            f"TF_CONFIG is not set: a multi-worker run needs it on every worker, e.g. {example}"
        )
    try:
        config = json.loads(text)
    except ValueError:
        raise ValueError(f"TF_CONFIG is not JSON: {text[:80]!r}; expected e.g. {example}") from None
    cluster = config.get("cluster") if isinstance(config, dict) else None
    task = config.get("task") if isinstance(config, dict) else None
    if not isinstance(cluster, dict) or not isinstance(task, dict):
        raise ValueError(f"TF_CONFIG must hold a 'cluster' and a 'task'; expected e.g. {example}")
    kind, index = task.get("type"), task.get("index")
    hosts = cluster.get(kind)
    if not isinstance(hosts, list) or not is_integer(index) or not 0 <= index < len(hosts):
        raise ValueError(f"TF_CONFIG's task {task!r} is not in its cluster {cluster!r}")
    return config


def multi_worker_strategy():
    """A `tf.distribute.MultiWorkerMirroredStrategy` over the cluster in `TF_CONFIG`.

    Ring all-reduce when this machine has no GPU, NCCL (TensorFlow's choice) otherwise. Call it
    before any other TensorFlow work (a dataset, a model): TensorFlow configures its collective
    ops only at start-up. Every worker blocks here until all of them have started.

    Returns:
        A `tf.distribute.MultiWorkerMirroredStrategy`.

    Raises:
        ValueError: `TF_CONFIG` is missing or wrong (`read_tf_config`), or TensorFlow already
            ran something in this process.

    Example:

    >>> # every worker of TF_CONFIG runs this line; it returns when all of them have started
    >>> strategy = multi_worker_strategy()  # doctest: +SKIP
    """
    read_tf_config()
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    implementation = (
        tf.distribute.experimental.CommunicationImplementation.AUTO
        if gpus
        else tf.distribute.experimental.CommunicationImplementation.RING
    )
    try:
        strategy = tf.distribute.MultiWorkerMirroredStrategy(
            communication_options=tf.distribute.experimental.CommunicationOptions(
                implementation=implementation
            )
        )
    except RuntimeError as error:
        raise ValueError(
            f"the multi-worker strategy must be created before any other "
            f"TensorFlow work in the process (a dataset, a model): {error}"
        ) from None
    return strategy


def resolve_strategy(strategy=None):
    """The `tf.distribute.Strategy` a `strategy` setting means.

    Args:
        strategy: None (the default strategy: one device), `"auto"` (a `TPUStrategy` when a
            TPU is attached, a `MirroredStrategy` over all GPUs when there are two or more,
            else the default strategy), `"multi-worker"` (a `MultiWorkerMirroredStrategy`
            over the cluster in `TF_CONFIG`, `multi_worker_strategy`: create it before any other
            TensorFlow work) or a `tf.distribute.Strategy` (used as is).

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
        return multi_worker_strategy()
    if strategy != "auto":
        raise ValueError(
            f"strategy must be None, 'auto', 'multi-worker' or a "
            f"tf.distribute.Strategy; got {strategy!r}"
        )
    facts = hardware_facts()
    if facts["tpu"]:
        try:
            resolver = tf.distribute.cluster_resolver.TPUClusterResolver()
            tf.config.experimental_connect_to_cluster(resolver)
            tf.tpu.experimental.initialize_tpu_system(resolver)
        except (ValueError, tf.errors.OpError) as error:
            raise ValueError(
                f"strategy='auto': a TPU is announced but cannot be reached ({error})"
            ) from None
        return tf.distribute.TPUStrategy(resolver)
    if facts["gpus"] > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def worker_role(strategy):
    """Which part of a run this process plays under `strategy`.

    Args:
        strategy: a `tf.distribute.Strategy`.

    Returns:
        A `WorkerRole(chief, task, workers)`: for a one-process strategy
        `WorkerRole(True, None, 1)`; under a multi-worker strategy, `chief` is True for the
        task of type `"chief"` (or worker 0 when there is none) and `task` names every other
        worker (`"worker-1"`).

    Example:

    >>> import tensorflow as tf
    >>> worker_role(tf.distribute.get_strategy())
    WorkerRole(chief=True, task=None, workers=1)
    """
    resolver = getattr(strategy, "cluster_resolver", None)
    import tensorflow as tf

    if resolver is None or not isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy):
        return WorkerRole(True, None, 1)
    cluster = resolver.cluster_spec().as_dict()
    workers = sum(
        len(hosts) if isinstance(hosts, (list, tuple)) else len(dict(hosts))
        for hosts in cluster.values()
    )
    if workers <= 1:
        return WorkerRole(True, None, 1)
    kind, index = resolver.task_type, int(resolver.task_id or 0)
    chief = kind == "chief" or (kind == "worker" and index == 0 and "chief" not in cluster)
    return WorkerRole(chief, None if chief else f"{kind}-{index}", workers)


def worker_run_dir(run_dir, role):
    """The run folder of this worker: `run_dir` for the chief, `run_dir/<task>` otherwise.

    Args:
        run_dir: `pathlib.Path` or None.
        role: a `WorkerRole`.

    Returns:
        `pathlib.Path` or None.

    Example:

    >>> worker_run_dir(pathlib.Path("run"), WorkerRole(False, "worker-1", 2)).as_posix()
    'run/worker-1'
    """
    if run_dir is None or role.chief:
        return run_dir
    return pathlib.Path(run_dir) / role.task


def shard_by_data(data):
    """`data` with the `DATA` auto-shard policy, when it is a `tf.data.Dataset` left on `AUTO`.

    Every worker builds the same pipeline; `DATA` splits each global batch across them (a
    file-based pipeline would otherwise be split by file, or fail with fewer files than
    workers). Other inputs are returned as they are.

    Args:
        data: a `tf.data.Dataset`, or anything else `fit` takes.

    Returns:
        The same data, sharded by data.

    Example:

    >>> import tensorflow as tf
    >>> data = shard_by_data(tf.data.Dataset.range(4))
    >>> data.options().experimental_distribute.auto_shard_policy.name
    'DATA'
    """
    import tensorflow as tf

    if not isinstance(data, tf.data.Dataset):
        return data
    policy = tf.data.experimental.AutoShardPolicy
    if data.options().experimental_distribute.auto_shard_policy != policy.AUTO:
        return data  # the user chose
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = policy.DATA
    return data.with_options(options)


def gather_numbers(strategy, numbers):
    """Every replica's `numbers`, exchanged across the workers (a collective: every worker
    must call it at the same point).

    Args:
        strategy: a `tf.distribute.Strategy`.
        numbers: a list of ints, this worker's values.

    Returns:
        A list of lists of ints, one per replica of the cluster.

    Example:

    >>> import tensorflow as tf
    >>> gather_numbers(tf.distribute.get_strategy(), [3, 2])
    [[3, 2]]
    """
    import tensorflow as tf

    row = tf.constant([list(numbers)], dtype=tf.int64)
    values = strategy.experimental_distribute_values_from_function(lambda context: row)
    return strategy.gather(values, axis=0).numpy().tolist()


def prepare_model(model, strategy):
    """Let Keras 3's TensorFlow trainer build `model` under a multi-worker strategy.

    Keras builds a model's metrics and optimizer from a batch it first reduces across all
    replicas (`strategy.reduce` of a whole input tuple), which
    `MultiWorkerMirroredStrategy` refuses; only the batch's shapes matter, so this model
    builds from its first local replica's batch. Keras also reduces each step's scalar
    metrics across workers with `axis=0`; they are reduced with `axis=None` instead (for
    multi-worker strategies only, once per process). Nothing changes for other strategies.

    Args:
        model: a compiled `keras.Model` created under `strategy.scope()`.
        strategy: the `tf.distribute.Strategy`.

    Returns:
        The model.

    Example:

    >>> import keras, tensorflow as tf
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> prepare_model(model, tf.distribute.get_strategy()) is model
    True
    """
    import tensorflow as tf

    if worker_role(strategy).workers == 1 or not hasattr(model, "_symbolic_build"):
        return model
    _fix_keras_metric_reduction()
    from keras.src import tree

    def local(value):
        if isinstance(value, tf.distribute.DistributedValues):
            return strategy.experimental_local_results(value)[0]
        return value

    def build(iterator=None, data_batch=None):
        if iterator is not None:
            for _, _, batches in iterator:
                data_batch = next(batches)
                break
        with strategy.scope():
            model._symbolic_build(data_batch=tree.map_structure(local, data_batch))

    object.__setattr__(model, "_maybe_symbolic_build", build)  # not a tracked attribute
    return model


def _fix_keras_metric_reduction():
    """Reduce each step's scalar metrics across workers with `axis=None` (Keras passes `axis=0`,
    which a scalar does not have). Installed once; other strategies go through Keras's own."""
    try:
        from keras.src import tree
        from keras.src.backend.tensorflow import trainer
    except ImportError:
        return
    original = getattr(trainer, "reduce_per_replica", None)
    multi_worker = getattr(trainer, "_collective_all_reduce_multi_worker", None)
    if original is None or multi_worker is None or getattr(original, "_seqzoo", False):
        return

    def reduce_per_replica(values, strategy, reduction):
        if reduction in ("auto", "mean") and multi_worker(strategy):
            return tree.map_structure(lambda v: strategy.reduce("MEAN", v, axis=None), values)
        return original(values, strategy, reduction)

    reduce_per_replica._seqzoo = True
    trainer.reduce_per_replica = reduce_per_replica


__all__ = [
    "WorkerRole",
    "read_tf_config",
    "multi_worker_strategy",
    "resolve_strategy",
    "worker_role",
    "worker_run_dir",
    "shard_by_data",
    "gather_numbers",
    "prepare_model",
]
