"""THE training engine: one `fit` for every model in the zoo, its applications and benchmarks.

`fit(build_model, train_data, ...)` builds the model under the chosen dtype policy and
`tf.distribute` strategy, compiles it with Adam, gradient-norm clipping and a warm-up + cosine
learning-rate schedule (`keras.optimizers.schedules.CosineDecay` over steps, or
`zoo.training.schedules.BudgetCosine` over the time budget: `decay_over="time"`), and trains
it with:

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
- **distribution**: `strategy=` any `tf.distribute.Strategy`, `"auto"` (TPU when one is
  attached, `MirroredStrategy` over all GPUs when there are two or more, else the default
  strategy) or `"multi-worker"`. The model is built and compiled under `strategy.scope()`.
  Batch sizes are *global*: a dataset batch of 64 on 4 replicas gives each replica 16 rows.

Multi-worker training (`zoo.training.distribute`; tried on two processes in
`tests/zoo/test_multi_worker.py`): start the same script on every machine with `TF_CONFIG`
describing the cluster and this worker's index, e.g.
`TF_CONFIG='{"cluster": {"worker": ["host1:12345", "host2:12345"]}, "task": {"type": "worker",
"index": 0}}'`, create the strategy first, before any other
TensorFlow work (`strategy = resolve_strategy("multi-worker")`: ring all-reduce on CPUs), and
call `fit` with the same arguments and the same seeded pipeline on every worker. Then:

- the **chief** (worker 0, or the task of type `"chief"`) alone calls `on_best`, so the
  artifact is written once; `result.chief` says which process this is;
- **each worker's run folder is its own**: the chief keeps `run_dir`, worker `i` keeps
  `run_dir/worker-i` (on a shared disk or on separate machines alike);
- `tf.data` inputs are **sharded by data**: each global batch is split across the workers, so
  the run equals a one-process run of the same global batch (to float32 summation order);
- **a restarted cluster resumes from the last backup every worker holds**: when one worker
  dies, the others stop with an error from their collectives; started again with the same
  command, the workers exchange their backups' epochs, load the newest generation they share
  (one that died between the chief's backup and its own is a generation behind) and continue
  with the epoch after it; differing optimizer steps after loading are refused;
- `max_seconds` is refused (the workers' clocks would stop them at different steps).

Resume details: the backup is Keras's (two generations, `double_checkpoint=True`; a backup cut
while it was written falls back to the previous generation). A backup taken inside an epoch
(`backup_every_steps`) restores the weights and optimizer state of that step and runs the
interrupted epoch from its first batch again. Data order after a resume is the pipeline's own
(a seeded `tf.data` pipeline starts over), so a resumed run is not bit-identical to an
uninterrupted one. The time budget counts the training seconds recorded at the last finished
epoch. The NaN check reads the loss after every batch (as `keras.callbacks.TerminateOnNaN`).

Where the parts live (their public names are importable from here too): the rules above run
in one Keras callback, `zoo.training.callback.EngineCallback` (with `Monitor` and
`Stopwatch`); the run folder's files in `zoo.training.run_folder`; `resolve_precision` and
the mixed-precision rules in `zoo.runtime.precision`; `hardware_facts` in
`zoo.runtime.devices`; `resolve_strategy` and the multi-worker rules in
`zoo.training.distribute`.
"""

import math
import pathlib

import keras

from zoo.core.checks import check_int, check_number, check_optional_int
from zoo.core.results import Result
from zoo.io.jsonio import jsonable
from zoo.runtime.devices import hardware_facts
from zoo.runtime.precision import PRECISIONS, dtype_policy, float32_logits, resolve_precision
from zoo.training.callback import (
    FAILED_REASONS,
    STOPPED_REASONS,
    EngineCallback,
    Monitor,
    Stopwatch,
)
from zoo.training.distribute import (
    prepare_model,
    resolve_strategy,
    shard_by_data,
    worker_role,
    worker_run_dir,
)
from zoo.training.run_folder import (
    RUN_FORMAT,
    RUN_VERSION,
    check_settings,
    clear_run,
    read_record,
    write_json,
)
from zoo.training.schedules import BudgetCosine


class TrainingResult(Result):
    """What `fit` returns: a `zoo.core.results.Result` (a dict with attribute access).

    Keys: `history` (list of per-epoch dicts: `epoch` (1-based) and the Keras logs),
    `best_epoch` (1-based, or None when no epoch finished with a finite value), `best_value`,
    `monitor`, `epochs_run`, `stopped_reason` (one of `STOPPED_REASONS`), `message` (one line
    saying how training ended), `train_seconds`, `steps_per_epoch`, `precision` (the dtype
    policy used), `resumed` (continued a killed run), `already_finished` (nothing was trained:
    the run folder holds a finished run), `chief` (this process writes the artifact: False
    only on the other workers of a multi-worker run) and `model` (a float32-policy
    `keras.Model` holding the best epoch's weights).

    Example:

    >>> result = TrainingResult(stopped_reason="diverged", best_epoch=2)
    >>> result.failed, result.best_epoch
    (True, 2)
    """

    @property
    def failed(self):
        """True when training stopped on a non-finite or diverged loss."""
        return self.get("stopped_reason") in FAILED_REASONS


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
    with dtype_policy(policy):
        model = build_model()
    if not isinstance(model, keras.Model):
        raise ValueError(f"build_model must return a keras.Model; got {type(model).__name__}")
    return float32_logits(model) if policy != "float32" else model


def fit(
    build_model,
    train_data,
    *,
    epochs,
    validation_data=None,
    steps_per_epoch=None,
    validation_steps=None,
    batch_size=None,
    learning_rate=1e-3,
    warmup_steps=0,
    decay_steps=None,
    decay_over="steps",
    final_learning_rate=0.1,
    clipnorm=1.0,
    weight_decay=0.0,
    loss=None,
    metrics=None,
    weighted_metrics=None,
    max_seconds=None,
    precision="auto",
    strategy=None,
    monitor="val_loss",
    patience=None,
    divergence_factor=10.0,
    on_best=None,
    run_dir=None,
    fresh=False,
    backup_every_steps=None,
    callbacks=None,
    verbose=1,
    settings=None,
    clock=None,
):
    """Train a model built by `build_model`: schedule, clipping, budget, best epoch, resume.

    See the module docstring for the rules (best epoch, resume, NaN and divergence, precision,
    distribution). The optimizer is Adam; the learning rate rises linearly from 0 to
    `learning_rate` over `warmup_steps`, then follows a cosine down to
    `final_learning_rate * learning_rate` at `decay_steps` (default: every step of every epoch).
    The schedule is counted in optimizer steps, so a resumed run continues it. For a run cut
    by `max_seconds`, `decay_over="time"` runs the cosine over the budget instead: it ends
    when `max_seconds` are spent, however many steps that is (`zoo.training.schedules.BudgetCosine`;
    the warm-up stays in steps).

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
        decay_over: `"steps"` (the default: the cosine ends at `decay_steps`) or `"time"`
            (it ends when `max_seconds` of training are spent; needs `max_seconds`, not
            `decay_steps`). The learning rate is then
            `peak * min(1, step / warmup_steps) * (final + (1 - final) * (1 + cos(pi * p)) / 2)`
            with `p` the fraction of the budget spent.
        final_learning_rate: float in [0, 1], the end of the cosine as a fraction of
            `learning_rate`. Defaults to 0.1.
        clipnorm: float > 0 or None, clip each gradient's norm. Defaults to 1.0.
        weight_decay: float >= 0, decoupled weight decay (AdamW): every step multiplies each
            weight matrix and embedding by `1 - weight_decay * learning_rate_now`; vectors
            (biases, normalisation scales) are not decayed. Defaults to 0 (plain Adam).
        loss: a Keras loss. Defaults to
            `SparseCategoricalCrossentropy(from_logits=True)`.
        metrics, weighted_metrics: passed to `compile`.
        max_seconds: float > 0 or None, the wall-clock training budget, checked after every
            batch, counted across resumes (evaluation inside `fit` counts). Refused under a
            multi-worker strategy.
        precision: `"auto"`, `"float32"`, `"mixed_float16"` or `"mixed_bfloat16"`
            (see `resolve_precision`). Defaults to `"auto"`.
        strategy: None, `"auto"`, `"multi-worker"` or a `tf.distribute.Strategy` (see
            `resolve_strategy`; a multi-worker strategy follows the rules of the module
            docstring: create it before any other TensorFlow work).
        monitor: the log key whose lowest value picks the best epoch, or a `Monitor` (a
            log key whose highest value is best, or a metric computed by `fn(model)` after
            every epoch, e.g. F1 on a development set; in a multi-worker run `fn` must give
            every worker the same value). Defaults to `"val_loss"`; `"loss"` when there is no
            validation data.
        patience: int >= 1 or None: stop after this many epochs in a row without improvement
            (as `keras.callbacks.EarlyStopping`; 0 means 1).
        divergence_factor: float > 1 or None: an epoch loss above this multiple of the lowest
            epoch loss so far stops training (`"diverged"`). Defaults to 10.
        on_best: callable `(model, info)` or None, called after every improving epoch with the
            float32 twin holding that epoch's weights and `info` = dict(`epoch` (1-based),
            `monitor`, `value`, `logs`, `history`, `train_seconds`). Write the artifact here.
            In a multi-worker run only the chief calls it.
        run_dir: path or None: the run folder for resume (see the module docstring). Without
            it nothing is written and a kill loses the run. A multi-worker run's non-chief
            worker `i` keeps its run in `run_dir/worker-i`.
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
        `precision`, `resumed`, `already_finished`, `chief`, `model` (float32, best weights).

    Raises:
        ValueError: a bad argument, an unknown precision or strategy, a `run_dir` that
            holds a run with other settings (the message names them), `max_seconds` under a
            multi-worker strategy, or workers whose backups disagree.

    Example:

    >>> import numpy as np, zoo
    >>> from zoo.training.engine import fit
    >>> x = np.random.default_rng(0).integers(0, 8, (32, 6)).astype("int32")
    >>> result = fit(lambda: zoo.build_lm(8, units=4, embedding_dim=3), (x, x), epochs=2,
    ...              batch_size=8, precision="float32", verbose=0)
    >>> result.epochs_run, result.stopped_reason, result.best_epoch in (1, 2)
    (2, 'finished', True)
    """
    if not callable(build_model):
        raise ValueError(
            f"build_model must be a callable returning a keras.Model; got "
            f"{type(build_model).__name__}"
        )
    check_int("epochs", epochs, 1)
    check_number("learning_rate", learning_rate, low=0, low_open=True)
    check_int("warmup_steps", warmup_steps, 0)
    check_number("final_learning_rate", final_learning_rate, low=0, high=1)
    check_number("weight_decay", weight_decay, low=0)
    for name, value, low in (
        ("steps_per_epoch", steps_per_epoch, 1),
        ("decay_steps", decay_steps, 1),
        ("patience", patience, 0),
        ("backup_every_steps", backup_every_steps, 1),
        ("batch_size", batch_size, 1),
    ):
        check_optional_int(name, value, low)
    for name, value in (("clipnorm", clipnorm), ("max_seconds", max_seconds)):
        if value is not None:
            check_number(name, value, low=0, low_open=True)
    if divergence_factor is not None:
        check_number("divergence_factor", divergence_factor, low=1, low_open=True)
    if decay_over not in ("steps", "time"):
        raise ValueError(f"decay_over must be 'steps' or 'time'; got {decay_over!r}")
    if decay_over == "time" and (max_seconds is None or decay_steps is not None):
        raise ValueError(
            "decay_over='time' runs the cosine over max_seconds: give "
            "max_seconds and no decay_steps (got max_seconds="
            f"{max_seconds!r}, decay_steps={decay_steps!r})"
        )
    # numpy numbers become Python ones (they are recorded in run.json)
    epochs, warmup_steps = int(epochs), int(warmup_steps)
    learning_rate, final_learning_rate = float(learning_rate), float(final_learning_rate)
    weight_decay = float(weight_decay)
    steps_per_epoch, decay_steps, patience, backup_every_steps, batch_size = (
        None if v is None else int(v)
        for v in (steps_per_epoch, decay_steps, patience, backup_every_steps, batch_size)
    )
    clipnorm, max_seconds, divergence_factor = (
        None if v is None else float(v) for v in (clipnorm, max_seconds, divergence_factor)
    )
    policy = resolve_precision(precision)
    strategy = resolve_strategy(strategy)
    role = worker_role(strategy)
    if role.workers > 1:  # the rules of zoo.training.distribute
        if max_seconds is not None:
            raise ValueError(
                "max_seconds cannot bound a multi-worker run: each worker's clock "
                "would stop it at a different step; bound it by epochs and "
                "steps_per_epoch"
            )
        train_data, validation_data = shard_by_data(train_data), shard_by_data(validation_data)
        on_best = on_best if role.chief else None
    if not isinstance(monitor, (str, Monitor)):
        raise ValueError(
            f"monitor must be a log key (str) or a zoo.training.engine.Monitor; got "
            f"{type(monitor).__name__}"
        )
    criterion = monitor if isinstance(monitor, Monitor) else Monitor(monitor)
    monitor = criterion.name
    if validation_data is None and monitor.startswith("val_") and not criterion.computed:
        monitor = monitor[4:]
        criterion = Monitor(monitor, mode=criterion.mode)
    if isinstance(train_data, list):
        train_data = tuple(train_data)
    steps = steps_per_epoch or _count_steps(train_data, batch_size)
    if decay_over == "steps":
        decay_steps = decay_steps or epochs * steps
    engine_settings = {
        "epochs": epochs,
        "steps_per_epoch": steps,
        "learning_rate": learning_rate,
        "warmup_steps": warmup_steps,
        "decay_steps": decay_steps,
        "final_learning_rate": final_learning_rate,
        "clipnorm": clipnorm,
        "batch_size": batch_size,
        "precision": precision,
        "monitor": monitor,
        "patience": patience,
        "divergence_factor": divergence_factor,
    }
    if weight_decay:  # recorded only when used: runs recorded before it still resume
        engine_settings["weight_decay"] = weight_decay
    if decay_over == "time":  # likewise
        engine_settings["decay_over"] = decay_over
    if criterion.mode != "min" or criterion.computed:  # runs recorded before Monitor resume
        engine_settings["monitor_mode"] = criterion.mode
        engine_settings["monitor_computed"] = criterion.computed
    recorded = jsonable({**engine_settings, **(settings or {})}, "settings")

    state = {
        "history": [],
        "best_value": None,
        "best_epoch": None,
        "wait": 0,
        "steps_per_epoch": steps,
        "train_seconds": 0.0,
        "epochs_done": 0,
        "monitor": monitor,
        "finished": False,
    }
    resumed = False
    if run_dir is not None:
        run_dir = worker_run_dir(pathlib.Path(run_dir), role)
        if fresh:
            clear_run(run_dir)
        if check_settings(run_dir, recorded):
            state.update(read_record(run_dir / "state.json") or {})
            resumed = True
        else:
            clear_run(run_dir)  # stale state without a settings record is not ours to trust
            write_json(
                run_dir / "run.json",
                {"format": RUN_FORMAT, "version": RUN_VERSION, "settings": recorded},
            )

    twin = _build(build_model, "float32")
    best_path = run_dir / "best.weights.h5" if run_dir is not None else None
    if best_path is not None and best_path.exists() and state.get("best_epoch"):
        twin.load_weights(str(best_path))
    if state.get("finished"):
        message = (
            f"{run_dir} holds a finished run ({state.get('message')}); nothing to train. "
            f"Start again with fresh=True (the CLIs: --fresh)"
        )
        if verbose:
            print(message)
        return _result(
            state,
            twin,
            policy,
            resumed=True,
            already_finished=True,
            message=message,
            chief=role.chief,
        )

    with strategy.scope():
        model = _build(build_model, policy)
        budget_schedule = None
        if decay_over == "time":
            schedule = budget_schedule = BudgetCosine(
                learning_rate, warmup_steps, final_learning_rate
            )
        elif warmup_steps:
            schedule = keras.optimizers.schedules.CosineDecay(
                0.0,
                max(1, decay_steps - warmup_steps),
                alpha=final_learning_rate,
                warmup_target=learning_rate,
                warmup_steps=warmup_steps,
            )
        else:
            schedule = keras.optimizers.schedules.CosineDecay(
                learning_rate, max(1, decay_steps), alpha=final_learning_rate
            )
        optimizer = keras.optimizers.Adam(
            schedule, clipnorm=clipnorm, weight_decay=weight_decay or None
        )
        if weight_decay:
            optimizer.exclude_from_weight_decay(  # vectors: biases, normalisation scales
                var_list=[v for v in model.trainable_variables if len(v.shape) < 2]
            )
        model.compile(
            optimizer=optimizer,
            loss=loss or keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=metrics,
            weighted_metrics=weighted_metrics,
        )
    model.set_weights(twin.get_weights())  # one initialisation, whatever the policy/scope
    prepare_model(model, strategy)
    engine = EngineCallback(
        twin=twin,
        state=state,
        run_dir=run_dir,
        monitor=monitor,
        patience=patience,
        max_seconds=max_seconds,
        divergence_factor=divergence_factor,
        on_best=on_best,
        backup_every_steps=backup_every_steps,
        clock=clock,
        criterion=criterion,
        budget_schedule=budget_schedule,
        workers=strategy if role.workers > 1 else None,
    )
    if resumed and state.get("epochs_done") and verbose:
        print(f"resuming the run in {run_dir} after epoch {state['epochs_done']}")
    if isinstance(train_data, tuple):
        x, y, *weights = train_data
        fit_kwargs = {
            "x": x,
            "y": y,
            "batch_size": batch_size,
            "sample_weight": weights[0] if weights else None,
        }
    else:
        fit_kwargs = {"x": train_data}
    if steps_per_epoch is not None:
        fit_kwargs["steps_per_epoch"] = steps_per_epoch
    model.fit(
        **fit_kwargs,
        validation_data=validation_data,
        validation_steps=validation_steps,
        epochs=epochs,
        callbacks=[engine, *(callbacks or [])],
        verbose=verbose,
        shuffle=isinstance(train_data, tuple),
    )
    return _result(
        state,
        twin,
        policy,
        resumed=resumed and engine.resumed_at > 0,
        already_finished=False,
        message=state["message"],
        chief=role.chief,
    )


def _result(state, twin, policy, *, resumed, already_finished, message, chief):
    return TrainingResult(
        history=[dict(h) for h in state["history"]],
        best_epoch=state.get("best_epoch"),
        best_value=state.get("best_value"),
        monitor=state.get("monitor"),
        epochs_run=state.get("epochs_done", 0),
        stopped_reason=state.get("stopped_reason", "finished"),
        message=message,
        train_seconds=state.get("train_seconds", 0.0),
        precision=policy,
        steps_per_epoch=state.get("steps_per_epoch"),
        resumed=resumed,
        already_finished=already_finished,
        chief=chief,
        model=twin,
    )


__all__ = [
    "fit",
    "TrainingResult",
    "Monitor",
    "Stopwatch",
    "resolve_precision",
    "resolve_strategy",
    "hardware_facts",
    "clear_run",
    "PRECISIONS",
    "STOPPED_REASONS",
    "FAILED_REASONS",
]
