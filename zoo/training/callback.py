"""The callback that carries `zoo.training.engine.fit`'s rules, and what picks and times its epochs.

- `Monitor`: the value that picks the best epoch (a log key or a computed metric).
- `Stopwatch`: a pausable clock for `fit(clock=...)`.
- `EngineCallback`: budget, NaN/divergence stops, best epoch, early stopping, state and
  backups (the module docstring of `zoo.training.engine` states the rules).
"""

import math
import os
import time

import keras

from zoo.training.run_folder import (
    backup_generations,
    common_generation,
    repair_backup,
    use_generation,
    write_json,
)

STOPPED_REASONS = ("finished", "early_stopping", "time_budget", "non_finite_loss", "diverged")
FAILED_REASONS = ("non_finite_loss", "diverged")


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
            raise ValueError(
                f"monitor fn must be a callable model -> float or None; got {type(fn).__name__}"
            )
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


class EngineCallback(keras.callbacks.Callback):
    """`zoo.training.engine.fit`'s rules as one Keras callback: the time budget, the NaN and
    divergence stops, the best epoch (copied into the float32 `twin`, saved, handed to
    `on_best`), early stopping, `state.json` and the backups. `fit` creates it; it is not meant
    for `model.fit` calls of one's own. Under a multi-worker strategy (`workers`), the workers
    agree on the backup they all resume from before loading it, and check that they loaded the
    same one."""

    def __init__(
        self,
        *,
        twin,
        state,
        run_dir,
        monitor,
        patience,
        max_seconds,
        divergence_factor,
        on_best,
        backup_every_steps,
        clock,
        criterion=None,
        budget_schedule=None,
        workers=None,
    ):
        super().__init__()
        self.workers = workers  # the multi-worker tf.distribute.Strategy, or None
        self.budget_schedule = budget_schedule  # a zoo.training.schedules.BudgetCosine, or None
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
                str(run_dir / "backup"),
                save_freq=backup_every_steps or "epoch",
                double_checkpoint=True,
                delete_checkpoint=True,
            )

    def set_model(self, model):
        super().set_model(model)
        if self.backup is not None:
            self.backup.set_model(model)

    def seconds(self):
        return self.clock() - self.started

    def on_train_begin(self, logs=None):
        if self.backup is not None:
            repair_backup(self.run_dir / "backup")
            if self.workers is not None:
                self._agree_on_backup()
            self.backup.on_train_begin(logs)
        if self.workers is not None:
            self._check_same_step()
        done = int(getattr(self.model, "_initial_epoch", None) or 0)
        self.state["history"] = [h for h in self.state["history"] if h["epoch"] <= done]
        self.state["epochs_done"] = done
        self.resumed_at = done
        self.started = self.clock() - float(self.state.get("train_seconds", 0.0))

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def _agree_on_backup(self):
        """Every worker loads the newest backup generation that all of them hold."""
        from zoo.training.distribute import gather_numbers

        folder = self.run_dir / "backup"
        mine = [v for pair in backup_generations(folder) for v in pair]
        use_generation(folder, common_generation(gather_numbers(self.workers, mine)))

    def _check_same_step(self):
        from zoo.training.distribute import gather_numbers

        steps = [
            row[0]
            for row in gather_numbers(self.workers, [int(self.model.optimizer.iterations.numpy())])
        ]
        if len(set(steps)) > 1:
            raise ValueError(
                f"the workers resumed at different optimizer steps ({steps}): "
                f"their backups disagree; start every worker fresh (fresh=True, "
                f"the CLIs: --fresh)"
            )

    def on_train_batch_begin(self, batch, logs=None):
        if self.budget_schedule is not None:  # the learning rate follows the clock
            self.budget_schedule.progress.assign(min(1.0, self.seconds() / self.max_seconds))

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self._fail(
                "non_finite_loss",
                f"the loss became {float(loss)} at epoch {self.epoch + 1}, step {batch + 1}",
            )
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
        logs = {
            k: float(v) for k, v in (logs or {}).items() if k != "learning_rate" and _is_number(v)
        }
        criterion = self.criterion
        if criterion.computed:
            if criterion.name in logs:
                raise ValueError(
                    f"monitor name {criterion.name!r} is a Keras log key; name "
                    f"the computed metric otherwise"
                )
            value = criterion.fn(self.model)
            if not _is_number(value):
                raise ValueError(
                    f"monitor {criterion.name!r}: fn returned {value!r}; expected a float"
                )
            logs[criterion.name] = float(value)
        value = logs.get(self.monitor)
        if value is None:
            raise ValueError(
                f"monitor={self.monitor!r} is not among the values training logs: "
                f"{', '.join(sorted(logs))}"
            )
        bad = [k for k in ("loss", self.monitor) if k in logs and not math.isfinite(logs[k])]
        if bad:
            return self._fail(
                "non_finite_loss", f"the {bad[0]} became {logs[bad[0]]} at epoch {epoch + 1}"
            )
        losses = [h["loss"] for h in self.state["history"] if "loss" in h]
        if (
            self.divergence_factor
            and losses
            and "loss" in logs
            and logs["loss"] > self.divergence_factor * min(losses)
        ):
            return self._fail(
                "diverged",
                f"the loss diverged at epoch {epoch + 1}: "
                f"{logs['loss']:.4g} > {self.divergence_factor:g} x "
                f"the lowest epoch loss {min(losses):.4g}",
            )
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
                self.on_best(
                    self.twin,
                    {
                        "epoch": epoch + 1,
                        "monitor": self.monitor,
                        "value": value,
                        "logs": dict(logs),
                        "train_seconds": state["train_seconds"],
                        "history": [dict(h) for h in state["history"]],
                    },
                )
        else:
            state["wait"] = state.get("wait", 0) + 1
            if self.patience is not None and state["wait"] >= max(1, self.patience):
                self.model.stop_training = True
                self.reason = self.reason or "early_stopping"
        if self.run_dir is not None:
            write_json(self.run_dir / "state.json", state)  # ahead of the backup, never behind
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
            write_json(self.run_dir / "state.json", state)
        if self.backup is not None and self.reason not in FAILED_REASONS:
            self.backup.on_train_end(logs)  # deletes the backup: the run is complete


def _is_number(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _message(state):
    reason = state.get("stopped_reason", "finished")
    how = {
        "finished": "ran all its epochs",
        "early_stopping": "stopped early",
        "time_budget": "used its time budget",
    }.get(reason, reason)
    best = (
        f"; the best epoch is {state['best_epoch']} ({state['monitor']} {state['best_value']:.4f})"
        if state.get("best_epoch")
        else ""
    )
    return f"training {how} after {state.get('epochs_done', 0)} epochs{best}"


__all__ = ["Monitor", "Stopwatch", "EngineCallback", "STOPPED_REASONS", "FAILED_REASONS"]
