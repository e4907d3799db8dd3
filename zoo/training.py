"""THE training engine: one `fit` for every model in the zoo, its applications and benchmarks.

`fit(build_model, train_data, ...)` builds the model under the chosen dtype policy and
`tf.distribute` strategy, compiles it with Adam, gradient-norm clipping and a warm-up + cosine
learning-rate schedule (`keras.optimizers.schedules.CosineDecay`), and trains it with:

- a **wall-clock budget** (`max_seconds`), checked after every batch and counted across resumes;
- **the best epoch kept**: every epoch whose `monitor` (default `"val_loss"`, `"loss"` without
  validation data) is the lowest so far is copied into a float32 twin of the model and handed to
  `on_best(model, info)`, where the application writes its artifact. The returned model holds
  the best epoch's weights, not the last one's. Optional early stopping (`patience`).
  `monitor=Monitor(name, fn, mode="max")` picks the best epoch by a metric that is no Keras
  log key (e.g. entity F1 on a development set): `fn(model)` is called after every epoch.
- **resume**: with a `run_dir`, `keras.callbacks.BackupAndRestore` backs up the weights, the
  optimizer state (its step counter drives the schedule) and the epoch counter in
  `run_dir/backup` after every epoch (and every `backup_every_steps` batches). Re-running the
  same call after a kill continues from the last backup and ends after the same number of
  epochs as an uninterrupted run. `run_dir/state.json` (written atomically) keeps the history,
  the best value and epoch, the early-stopping counter and the seconds spent;
  `run_dir/best.weights.h5` the best weights; `run_dir/run.json` the settings. A run folder
  whose recorded settings differ from the call is refused (`fresh=True` starts over), and a
  finished run is not trained again: `fit` returns its recorded result.
- **a non-finite or diverged loss stops training**: a NaN/inf loss after any batch (or a
  non-finite monitored value), or an epoch whose training loss is more than
  `divergence_factor` (10) times the lowest epoch loss so far. That epoch is never backed up
  and never passed to `on_best`, so the last good artifact stays; `stopped_reason` is
  `"non_finite_loss"` or `"diverged"` and `message` says where.
- **precision**: `"float32"`, `"mixed_float16"` (CUDA GPUs; Keras wraps the optimizer in a
  `LossScaleOptimizer`), `"mixed_bfloat16"` (TPUs, CPUs with AVX512-BF16) or `"auto"`, which
  picks by the hardware (`resolve_precision`). Under a mixed policy the layer named `"logits"`
  computes in float32, so logits and the loss are float32; weights are always float32 and
  `on_best` receives a float32-policy model.
- **distribution**: `strategy=` any `tf.distribute.Strategy`, or `"auto"` (TPU when one is
  attached, `MirroredStrategy` over all GPUs when there are two or more, else the default
  strategy). The model is built and compiled under `strategy.scope()`. Batch sizes are
  *global*: a dataset batch of 64 on 4 replicas gives each replica 16 rows.

Multi-worker training: start the same script on every machine with `TF_CONFIG` describing the
cluster and this worker's index, e.g.
`TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]},
"task": {"type": "worker", "index": 0}}'`, and pass
`strategy=tf.distribute.MultiWorkerMirroredStrategy()` created before any other TensorFlow
call. Every worker calls `fit` with the same arguments; give each worker its own `run_dir`
(BackupAndRestore keeps one per worker) and write artifacts from worker 0 only (check
`strategy.cluster_resolver.task_id == 0` inside `on_best`).

Resume details: the backup is Keras's (two generations, `double_checkpoint=True`; a backup cut
while it was written falls back to the previous generation). A backup taken inside an epoch
(`backup_every_steps`) restores the weights and optimizer state of that step and runs the
interrupted epoch from its first batch again. Data order after a resume is the pipeline's own
(a seeded `tf.data` pipeline starts over), so a resumed run is not bit-identical to an
uninterrupted one. The time budget counts the training seconds recorded at the last finished
epoch. The NaN check reads the loss after every batch (as `keras.callbacks.TerminateOnNaN`).
"""

import json
import math
import numbers
import os
import pathlib
import shutil
import time
import warnings

import keras

PRECISIONS = ("auto", "float32", "mixed_float16", "mixed_bfloat16")
STOPPED_REASONS = ("finished", "early_stopping", "time_budget", "non_finite_loss", "diverged")
FAILED_REASONS = ("non_finite_loss", "diverged")
RUN_FORMAT = "seqzoo.training"
RUN_VERSION = 1
_OWN_FILES = ("backup", "state.json", "run.json", "best.weights.h5")


class Monitor:
    """What picks the best epoch in `fit`: a log key, or a metric computed by a callable.

    With `fn`, `fit` calls `fn(model)` after every epoch (after Keras's validation) with the
    model being trained, holding that epoch's weights; the float it returns is logged under
    `name` (in the history, `info["logs"]` and `state.json`) and decides the best epoch,
    early stopping and `on_best` exactly as a log key would. Its time counts against
    `max_seconds` (pass a paused `Stopwatch` as `clock` to leave it out).

    Args:
        name: str, the log key to read, or the name the computed metric is logged under
            (it must not be a Keras log key then).
        fn: callable `model -> float`, or None to read `name` from the logs.
        mode: `"min"` (lower is better, as losses) or `"max"` (higher is better, as
            accuracy or F1). Defaults to `"min"`.

    Example:

    >>> Monitor("val_accuracy", mode="max").mode
    'max'
    >>> f1 = Monitor("dev_f1", lambda model: 0.5, mode="max")  # fn(model) -> float
    >>> f1.name, f1.computed
    ('dev_f1', True)
    """

    def __init__(self, name, fn=None, *, mode="min"):
        if not isinstance(name, str) or not name:
            raise ValueError(f"monitor name must be a non-empty str; got {name!r}")
        if fn is not None and not callable(fn):
            raise ValueError(f"monitor fn must be a callable model -> float or None; got "
                             f"{type(fn).__name__}")
        if mode not in ("min", "max"):
            raise ValueError(f"monitor mode must be 'min' or 'max'; got {mode!r}")
        self.name, self.fn, self.mode = name, fn, mode

    @property
    def computed(self):
        """Whether the value comes from `fn` rather than the Keras logs."""
        return self.fn is not None

    def better(self, value, best):
        """Whether `value` improves on `best` (None: nothing yet)."""
        return best is None or (value < best if self.mode == "min" else value > best)

    def __repr__(self):
        return f"Monitor({self.name!r}, {'fn, ' if self.fn else ''}mode={self.mode!r})"


class Stopwatch:
    """A pausable clock for `fit(clock=...)`: seconds since it started, minus the paused time.

    A benchmark that evaluates inside training pauses it meanwhile, so the evaluation does not
    eat the training budget.

    Example:

    >>> watch = Stopwatch()
    >>> with watch.paused():
    ...     pass
    >>> watch() >= 0
    True
    """

    def __init__(self):
        self.start = time.monotonic()
        self.excluded = 0.0

    def __call__(self):
        """Seconds since the start, minus the paused time."""
        return time.monotonic() - self.start - self.excluded

    def paused(self):
        """A context manager whose duration is not counted."""
        import contextlib

        @contextlib.contextmanager
        def pause():
            began = time.monotonic()
            try:
                yield
            finally:
                self.excluded += time.monotonic() - began

        return pause()


class TrainingResult(dict):
    """What `fit` returns: a dict with attribute access.

    Keys: `history` (list of per-epoch dicts: `epoch` (1-based) and the Keras logs),
    `best_epoch` (1-based, or None when no epoch finished with a finite value), `best_value`,
    `monitor`, `epochs_run`, `stopped_reason` (one of `STOPPED_REASONS`), `message` (one line
    saying how training ended), `train_seconds`, `steps_per_epoch`, `precision` (the dtype
    policy used), `resumed` (continued a killed run), `already_finished` (nothing was trained:
    the run folder holds a finished run) and `model` (a float32-policy `keras.Model` holding
    the best epoch's weights).

    Example:

    >>> result = TrainingResult(stopped_reason="diverged", best_epoch=2)
    >>> result.failed, result.best_epoch
    (True, 2)
    """

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def failed(self):
        """True when training stopped on a non-finite or diverged loss."""
        return self.get("stopped_reason") in FAILED_REASONS

    def summary(self):
        """The JSON-serialisable part (everything except the model)."""
        return {k: v for k, v in self.items() if k != "model"}


# ----------------------------------------------------------------------------- hardware


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
            else the default strategy) or a `tf.distribute.Strategy` (used as is).

    Returns:
        A `tf.distribute.Strategy`.

    Raises:
        ValueError: an unknown setting, or a TPU that is announced but cannot be reached.

    Example:

    >>> resolve_strategy(None).num_replicas_in_sync
    1
    """
    import tensorflow as tf

    if strategy is None:
        return tf.distribute.get_strategy()
    if isinstance(strategy, tf.distribute.Strategy):
        return strategy
    if strategy != "auto":
        raise ValueError(f"strategy must be None, 'auto' or a tf.distribute.Strategy; got "
                         f"{strategy!r}")
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


# ----------------------------------------------------------------------------- run folder


def _write_json(path, data):
    """Write JSON atomically (`zoo.artifacts.write_json_atomically`), creating the folder."""
    from zoo.atomic import write_json_atomically

    pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
    write_json_atomically(path, data)


def _read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise ValueError(f"{path} cannot be read as a training record ({error}); start fresh "
                         f"with fresh=True") from None


def _jsonable(settings):
    try:
        return json.loads(json.dumps(settings, sort_keys=True))
    except (TypeError, ValueError):
        raise ValueError(f"settings must hold JSON values (numbers, strings, lists, dicts, "
                         f"None); got {settings!r}") from None


def clear_run(run_dir):
    """Delete the engine's files in a run folder (backup, state, settings, best weights).

    Other files in the folder are left alone.

    Args:
        run_dir: the run folder (missing is fine).

    Returns:
        None.

    Example:

    >>> clear_run("no/such/run")
    """
    run_dir = pathlib.Path(run_dir)
    if not run_dir.is_dir():
        return
    for name in _OWN_FILES:
        target = run_dir / name
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()


def _check_settings(run_dir, settings):
    recorded = _read_json(run_dir / "run.json")
    if recorded is None:
        return False
    if recorded.get("format") != RUN_FORMAT:
        raise ValueError(f"{run_dir}/run.json is not a seqzoo training record; start fresh "
                         f"with fresh=True (the CLIs: --fresh)")
    before = recorded.get("settings", {})
    differing = sorted(k for k in set(before) | set(settings) if before.get(k) != settings.get(k))
    if differing:
        detail = ", ".join(f"{k} {before.get(k)!r} (recorded) vs {settings.get(k)!r} (now)"
                           for k in differing)
        raise ValueError(f"run folder {run_dir} belongs to a run with other settings: {detail}; "
                         f"repeat the recorded settings to resume, or start fresh with "
                         f"fresh=True (the CLIs: --fresh), which deletes that run's state")
    return True


# ----------------------------------------------------------------------------- callbacks


class _Engine(keras.callbacks.Callback):
    """Budget, NaN/divergence stop, best epoch, early stopping, state file and backups."""

    def __init__(self, *, twin, state, run_dir, monitor, patience, max_seconds,
                 divergence_factor, on_best, backup_every_steps, clock, criterion=None):
        super().__init__()
        self.criterion = criterion or Monitor(monitor)
        self.clock = clock or time.monotonic
        self.twin, self.state, self.run_dir = twin, state, run_dir
        self.monitor, self.patience, self.max_seconds = monitor, patience, max_seconds
        self.divergence_factor, self.on_best = divergence_factor, on_best
        self.reason = None
        self.message = None
        self.backup = None
        if run_dir is not None:
            self.backup = keras.callbacks.BackupAndRestore(
                str(run_dir / "backup"), save_freq=backup_every_steps or "epoch",
                double_checkpoint=True, delete_checkpoint=True)

    def set_model(self, model):
        super().set_model(model)
        if self.backup is not None:
            self.backup.set_model(model)

    def seconds(self):
        return self.clock() - self.started

    def on_train_begin(self, logs=None):
        if self.backup is not None:
            _repair_backup(self.run_dir / "backup")
            self.backup.on_train_begin(logs)
        done = int(getattr(self.model, "_initial_epoch", None) or 0)
        self.state["history"] = [h for h in self.state["history"] if h["epoch"] <= done]
        self.state["epochs_done"] = done
        self.resumed_at = done
        self.started = self.clock() - float(self.state.get("train_seconds", 0.0))

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self._fail("non_finite_loss", f"the loss became {float(loss)} at epoch "
                                          f"{self.epoch + 1}, step {batch + 1}")
            return
        if self.backup is not None:
            self.backup.on_train_batch_end(batch, logs)
        if self.max_seconds is not None and self.seconds() >= self.max_seconds:
            self.model.stop_training = True
            self.reason = self.reason or "time_budget"

    def _fail(self, reason, message):
        self.reason, self.message = reason, message
        self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        if self.reason in FAILED_REASONS:
            return
        logs = {k: float(v) for k, v in (logs or {}).items() if k != "learning_rate"
                and _is_number(v)}
        criterion = self.criterion
        if criterion.computed:
            if criterion.name in logs:
                raise ValueError(f"monitor name {criterion.name!r} is a Keras log key; name "
                                 f"the computed metric otherwise")
            value = criterion.fn(self.model)
            if not _is_number(value):
                raise ValueError(f"monitor {criterion.name!r}: fn returned {value!r}; expected "
                                 f"a float")
            logs[criterion.name] = float(value)
        value = logs.get(self.monitor)
        if value is None:
            raise ValueError(f"monitor={self.monitor!r} is not among the values training logs: "
                             f"{', '.join(sorted(logs))}")
        bad = [k for k in ("loss", self.monitor) if k in logs and not math.isfinite(logs[k])]
        if bad:
            return self._fail("non_finite_loss", f"the {bad[0]} became {logs[bad[0]]} at epoch "
                                                  f"{epoch + 1}")
        losses = [h["loss"] for h in self.state["history"] if "loss" in h]
        if (self.divergence_factor and losses and "loss" in logs
                and logs["loss"] > self.divergence_factor * min(losses)):
            return self._fail("diverged", f"the loss diverged at epoch {epoch + 1}: "
                                          f"{logs['loss']:.4g} > {self.divergence_factor:g} x "
                                          f"the lowest epoch loss {min(losses):.4g}")
        state = self.state
        state["history"].append({"epoch": epoch + 1, **logs})
        state["train_seconds"] = round(self.seconds(), 3)
        state["epochs_done"] = epoch + 1
        if criterion.better(value, state["best_value"]):
            state["best_value"], state["best_epoch"], state["wait"] = value, epoch + 1, 0
            self.twin.set_weights(self.model.get_weights())
            if self.run_dir is not None:
                tmp = self.run_dir / ".best.tmp.weights.h5"
                self.twin.save_weights(str(tmp))
                os.replace(tmp, self.run_dir / "best.weights.h5")
            if self.on_best is not None:
                self.on_best(self.twin, {"epoch": epoch + 1, "monitor": self.monitor,
                                         "value": value, "logs": dict(logs),
                                         "train_seconds": state["train_seconds"],
                                         "history": [dict(h) for h in state["history"]]})
        else:
            state["wait"] = state.get("wait", 0) + 1
            if self.patience is not None and state["wait"] >= max(1, self.patience):
                self.model.stop_training = True
                self.reason = self.reason or "early_stopping"
        if self.run_dir is not None:
            _write_json(self.run_dir / "state.json", state)  # ahead of the backup, never behind
        if self.backup is not None:
            self.backup.on_epoch_end(epoch, logs)
        if self.max_seconds is not None and self.seconds() >= self.max_seconds:
            self.model.stop_training = True
            self.reason = self.reason or "time_budget"

    def on_train_end(self, logs=None):
        state = self.state
        state["train_seconds"] = round(self.seconds(), 3)
        state["finished"] = True
        state["stopped_reason"] = self.reason or "finished"
        state["message"] = self.message or _message(state)
        if self.run_dir is not None:
            _write_json(self.run_dir / "state.json", state)
        if self.backup is not None and self.reason not in FAILED_REASONS:
            self.backup.on_train_end(logs)  # deletes the backup: the run is complete


def _repair_backup(folder):
    """A kill while Keras wrote the backup's epoch record: go back to the previous generation.

    Keras writes the weights, then `training_metadata.json`; it falls back to the `.bkp`
    generation itself only when the weights cannot be read.
    """
    record = folder / "training_metadata.json"
    if not record.exists():
        return
    try:
        json.loads(record.read_text(encoding="utf-8"))["epoch"]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        weights = folder / "latest.weights.h5"
        for path in (weights, record):
            previous = path.with_name(path.name + ".bkp")
            if previous.exists():
                shutil.copyfile(previous, path)
            else:
                path.unlink(missing_ok=True)


def _is_number(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _message(state):
    reason = state.get("stopped_reason", "finished")
    how = {"finished": "ran all its epochs", "early_stopping": "stopped early",
           "time_budget": "used its time budget"}.get(reason, reason)
    best = (f"; the best epoch is {state['best_epoch']} ({state['monitor']} "
            f"{state['best_value']:.4f})" if state.get("best_epoch") else "")
    return f"training {how} after {state.get('epochs_done', 0)} epochs{best}"


# ----------------------------------------------------------------------------- fit


def _count_steps(train_data, batch_size):
    if isinstance(train_data, keras.utils.PyDataset):
        return len(train_data)
    if isinstance(train_data, tuple):
        return math.ceil(len(train_data[0]) / (batch_size or 32))
    cardinality = int(train_data.cardinality().numpy())
    if cardinality > 0:
        return cardinality
    if cardinality == -1:  # infinite
        raise ValueError("train_data repeats forever; pass steps_per_epoch")
    return sum(1 for _ in train_data)


def _build(build_model, policy):
    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy(policy)
    try:
        model = build_model()
    finally:
        keras.config.set_dtype_policy(previous)
    if not isinstance(model, keras.Model):
        raise ValueError(f"build_model must return a keras.Model; got {type(model).__name__}")
    if policy != "float32":
        names = {layer.name for layer in model.layers}
        if "logits" in names:  # logits and loss in float32 (the zoo names its output layer so)
            model.get_layer("logits").dtype_policy = keras.dtype_policies.DTypePolicy("float32")
    return model


def fit(build_model, train_data, *, epochs, validation_data=None, steps_per_epoch=None,
        validation_steps=None, batch_size=None, learning_rate=1e-3, warmup_steps=0,
        decay_steps=None, final_learning_rate=0.1, clipnorm=1.0, loss=None, metrics=None,
        weighted_metrics=None, max_seconds=None, precision="auto", strategy=None,
        monitor="val_loss", patience=None, divergence_factor=10.0, on_best=None, run_dir=None,
        fresh=False, backup_every_steps=None, callbacks=None, verbose=1, settings=None,
        clock=None):
    """Train a model built by `build_model`: schedule, clipping, budget, best epoch, resume.

    See the module docstring for the rules (best epoch, resume, NaN and divergence, precision,
    distribution). The optimizer is Adam; the learning rate rises linearly from 0 to
    `learning_rate` over `warmup_steps`, then follows a cosine down to
    `final_learning_rate * learning_rate` at `decay_steps` (default: every step of every epoch).
    The schedule is counted in optimizer steps, so a resumed run continues it. For a run cut
    by `max_seconds`, pass the number of steps the budget allows as `decay_steps` (an
    estimate: the cosine then ends with the budget).

    Args:
        build_model: a callable with no arguments returning an uncompiled `keras.Model`; it is
            called under the dtype policy and inside the strategy scope (and once more under
            float32 for the float32 twin). The zoo's factories name the output layer
            `"logits"`; that layer computes in float32 under mixed precision.
        train_data: a `tf.data.Dataset` or `keras.utils.PyDataset` of batches (inputs,
            targets[, sample_weight]), or a tuple of arrays `(x, y[, sample_weight])` batched by
            `batch_size`. Batch sizes are global (split over the strategy's replicas).
        epochs: int >= 1, the number of epochs of a complete run.
        validation_data: like `train_data`, or None.
        steps_per_epoch: int or None: batches per epoch (needed for repeating datasets).
            Defaults to one pass over `train_data`.
        validation_steps: int or None, passed to Keras.
        batch_size: int or None, for array data only.
        learning_rate: float > 0, the peak learning rate. Defaults to 1e-3.
        warmup_steps: int >= 0, linear warm-up steps. Defaults to 0.
        decay_steps: int or None, the step where the cosine ends (see above).
        final_learning_rate: float in [0, 1], the end of the cosine as a fraction of
            `learning_rate`. Defaults to 0.1.
        clipnorm: float > 0 or None, clip each gradient's norm. Defaults to 1.0.
        loss: a Keras loss. Defaults to
            `SparseCategoricalCrossentropy(from_logits=True)`.
        metrics, weighted_metrics: passed to `compile`.
        max_seconds: float > 0 or None, the wall-clock training budget, checked after every
            batch, counted across resumes (evaluation inside `fit` counts).
        precision: `"auto"`, `"float32"`, `"mixed_float16"` or `"mixed_bfloat16"`
            (see `resolve_precision`). Defaults to `"auto"`.
        strategy: None, `"auto"` or a `tf.distribute.Strategy` (see `resolve_strategy`).
        monitor: the log key whose lowest value picks the best epoch, or a `Monitor` (a
            log key whose highest value is best, or a metric computed by `fn(model)` after
            every epoch, e.g. F1 on a development set). Defaults to `"val_loss"`; `"loss"`
            when there is no validation data.
        patience: int >= 1 or None: stop after this many epochs in a row without improvement
            (as `keras.callbacks.EarlyStopping`; 0 means 1).
        divergence_factor: float > 1 or None: an epoch loss above this multiple of the lowest
            epoch loss so far stops training (`"diverged"`). Defaults to 10.
        on_best: callable `(model, info)` or None, called after every improving epoch with the
            float32 twin holding that epoch's weights and `info` = dict(`epoch` (1-based),
            `monitor`, `value`, `logs`, `history`, `train_seconds`). Write the artifact here.
        run_dir: path or None: the run folder for resume (see the module docstring). Without
            it nothing is written and a kill loses the run.
        fresh: bool: delete the run folder's state first and start over. Defaults to False.
        backup_every_steps: int or None: also back up every N batches (default: every epoch).
        callbacks: extra Keras callbacks.
        verbose: 0, 1 (progress bar) or 2 (a line per epoch). Defaults to 1.
        settings: dict of JSON values or None: the application's own settings (data,
            model), recorded in `run.json` and compared on resume with the engine's.
        clock: callable returning seconds, or None (`time.monotonic`): the clock of
            `max_seconds` and `train_seconds`. A benchmark that evaluates inside training
            passes a `Stopwatch` and pauses it meanwhile.

    Returns:
        A `TrainingResult` (dict with attribute access): `history`, `best_epoch`,
        `best_value`, `monitor`, `epochs_run`, `stopped_reason`, `message`, `train_seconds`,
        `precision`, `resumed`, `already_finished`, `model` (float32, best weights).

    Raises:
        ValueError: a bad argument, an unknown precision or strategy, or a `run_dir` that
            holds a run with other settings (the message names them).

    Example:

    >>> import numpy as np, zoo
    >>> from zoo.training import fit
    >>> x = np.random.default_rng(0).integers(0, 8, (32, 6)).astype("int32")
    >>> result = fit(lambda: zoo.build_lm(8, units=4, embedding_dim=3), (x, x), epochs=2,
    ...              batch_size=8, precision="float32", verbose=0)
    >>> result.epochs_run, result.stopped_reason, result.best_epoch in (1, 2)
    (2, 'finished', True)
    """
    if not callable(build_model):
        raise ValueError(f"build_model must be a callable returning a keras.Model; got "
                         f"{type(build_model).__name__}")
    _check_number("epochs", epochs, 1, integer=True)
    _check_number("learning_rate", learning_rate, 0, open_low=True)
    _check_number("warmup_steps", warmup_steps, 0, integer=True)
    _check_number("final_learning_rate", final_learning_rate, 0, high=1)
    for name, value, low in (("steps_per_epoch", steps_per_epoch, 1),
                             ("decay_steps", decay_steps, 1), ("patience", patience, 0),
                             ("backup_every_steps", backup_every_steps, 1),
                             ("batch_size", batch_size, 1)):
        if value is not None:
            _check_number(name, value, low, integer=True)
    for name, value in (("clipnorm", clipnorm), ("max_seconds", max_seconds)):
        if value is not None:
            _check_number(name, value, 0, open_low=True)
    if divergence_factor is not None:
        _check_number("divergence_factor", divergence_factor, 1, open_low=True)
    # numpy numbers become Python ones (they are recorded in run.json)
    epochs, warmup_steps = int(epochs), int(warmup_steps)
    learning_rate, final_learning_rate = float(learning_rate), float(final_learning_rate)
    steps_per_epoch, decay_steps, patience, backup_every_steps, batch_size = (
        None if v is None else int(v)
        for v in (steps_per_epoch, decay_steps, patience, backup_every_steps, batch_size))
    clipnorm, max_seconds, divergence_factor = (
        None if v is None else float(v) for v in (clipnorm, max_seconds, divergence_factor))
    policy = resolve_precision(precision)
    strategy = resolve_strategy(strategy)
    if not isinstance(monitor, (str, Monitor)):
        raise ValueError(f"monitor must be a log key (str) or a zoo.training.Monitor; got "
                         f"{type(monitor).__name__}")
    criterion = monitor if isinstance(monitor, Monitor) else Monitor(monitor)
    monitor = criterion.name
    if validation_data is None and monitor.startswith("val_") and not criterion.computed:
        monitor = monitor[4:]
        criterion = Monitor(monitor, mode=criterion.mode)
    if isinstance(train_data, list):
        train_data = tuple(train_data)
    steps = steps_per_epoch or _count_steps(train_data, batch_size)
    decay_steps = decay_steps or epochs * steps
    engine_settings = {
        "epochs": epochs, "steps_per_epoch": steps, "learning_rate": learning_rate,
        "warmup_steps": warmup_steps, "decay_steps": decay_steps,
        "final_learning_rate": final_learning_rate, "clipnorm": clipnorm, "batch_size": batch_size,
        "precision": precision, "monitor": monitor, "patience": patience,
        "divergence_factor": divergence_factor}
    if criterion.mode != "min" or criterion.computed:  # runs recorded before Monitor resume
        engine_settings["monitor_mode"] = criterion.mode
        engine_settings["monitor_computed"] = criterion.computed
    recorded = _jsonable({**engine_settings, **(settings or {})})

    state = {"history": [], "best_value": None, "best_epoch": None, "wait": 0,
             "steps_per_epoch": steps,
             "train_seconds": 0.0, "epochs_done": 0, "monitor": monitor, "finished": False}
    resumed = False
    if run_dir is not None:
        run_dir = pathlib.Path(run_dir)
        if fresh:
            clear_run(run_dir)
        if _check_settings(run_dir, recorded):
            state.update(_read_json(run_dir / "state.json") or {})
            resumed = True
        else:
            clear_run(run_dir)  # stale state without a settings record is not ours to trust
            _write_json(run_dir / "run.json", {"format": RUN_FORMAT, "version": RUN_VERSION,
                                               "settings": recorded})

    twin = _build(build_model, "float32")
    best_path = run_dir / "best.weights.h5" if run_dir is not None else None
    if best_path is not None and best_path.exists() and state.get("best_epoch"):
        twin.load_weights(str(best_path))
    if state.get("finished"):
        message = (f"{run_dir} holds a finished run ({state.get('message')}); nothing to train. "
                   f"Start again with fresh=True (the CLIs: --fresh)")
        if verbose:
            print(message)
        return _result(state, twin, policy, resumed=True, already_finished=True,
                       message=message)

    with strategy.scope():
        model = _build(build_model, policy)
        schedule = keras.optimizers.schedules.CosineDecay(
            0.0, max(1, decay_steps - warmup_steps), alpha=final_learning_rate,
            warmup_target=learning_rate, warmup_steps=warmup_steps)
        if not warmup_steps:
            schedule = keras.optimizers.schedules.CosineDecay(
                learning_rate, max(1, decay_steps), alpha=final_learning_rate)
        model.compile(optimizer=keras.optimizers.Adam(schedule, clipnorm=clipnorm),
                      loss=loss or keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=metrics, weighted_metrics=weighted_metrics)
    model.set_weights(twin.get_weights())  # one initialisation, whatever the policy/scope
    engine = _Engine(twin=twin, state=state, run_dir=run_dir, monitor=monitor,
                     patience=patience, max_seconds=max_seconds,
                     divergence_factor=divergence_factor, on_best=on_best,
                     backup_every_steps=backup_every_steps, clock=clock, criterion=criterion)
    if resumed and state.get("epochs_done") and verbose:
        print(f"resuming the run in {run_dir} after epoch {state['epochs_done']}")
    if isinstance(train_data, tuple):
        x, y, *weights = train_data
        fit_kwargs = {"x": x, "y": y, "batch_size": batch_size,
                      "sample_weight": weights[0] if weights else None}
    else:
        fit_kwargs = {"x": train_data}
    if steps_per_epoch is not None:
        fit_kwargs["steps_per_epoch"] = steps_per_epoch
    model.fit(**fit_kwargs, validation_data=validation_data, validation_steps=validation_steps,
              epochs=epochs, callbacks=[engine, *(callbacks or [])], verbose=verbose,
              shuffle=isinstance(train_data, tuple))
    return _result(state, twin, policy, resumed=resumed and engine.resumed_at > 0,
                   already_finished=False, message=state["message"])


def _result(state, twin, policy, *, resumed, already_finished, message):
    return TrainingResult(
        history=[dict(h) for h in state["history"]], best_epoch=state.get("best_epoch"),
        best_value=state.get("best_value"), monitor=state.get("monitor"),
        epochs_run=state.get("epochs_done", 0),
        stopped_reason=state.get("stopped_reason", "finished"),
        message=message, train_seconds=state.get("train_seconds", 0.0), precision=policy,
        steps_per_epoch=state.get("steps_per_epoch"),
        resumed=resumed, already_finished=already_finished, model=twin)


def _check_number(name, value, low, *, high=None, integer=False, open_low=False):
    kind = "an int" if integer else "a number"
    ok = (not isinstance(value, bool) and isinstance(value, numbers.Real) and
          (not integer or float(value).is_integer()) and math.isfinite(value))
    if ok:
        ok = (value > low if open_low else value >= low) and (high is None or value <= high)
    if not ok:
        bound = f"> {low}" if open_low else f">= {low}"
        if high is not None:
            bound += f" and <= {high}"
        raise ValueError(f"{name} must be {kind} {bound}; got {value!r}")


__all__ = ["fit", "TrainingResult", "Stopwatch", "resolve_precision", "resolve_strategy",
           "hardware_facts", "clear_run", "PRECISIONS", "STOPPED_REASONS"]
