"""Training helpers for text generators: learning-rate warm-up + cosine decay, a wall-clock
budget, and per-epoch checkpoints of the whole artifact."""

import math
import time

import keras


class Stopwatch:
    """Wall-clock time that can be paused (so evaluations do not eat a training budget).

    Example:

    >>> watch = Stopwatch()
    >>> with watch.paused():
    ...     pass
    >>> watch.elapsed() >= 0
    True
    """

    def __init__(self):
        self.start = time.monotonic()
        self.excluded = 0.0

    def restart(self):
        """Start counting from zero again."""
        self.start = time.monotonic()
        self.excluded = 0.0

    def elapsed(self):
        """Seconds since the start, minus the paused time."""
        return time.monotonic() - self.start - self.excluded

    def paused(self):
        """A context manager whose duration is not counted."""
        watch = self

        class _Pause:
            def __enter__(self):
                self.t = time.monotonic()

            def __exit__(self, *exc):
                watch.excluded += time.monotonic() - self.t

        return _Pause()


class WarmupCosine(keras.callbacks.Callback):
    """Set the learning rate every batch: linear warm-up, then cosine decay to a floor.

    Progress is measured in steps (`total_steps`) or, for a fixed wall-clock budget, in
    seconds (`budget_seconds`), so the decay ends when the budget does.

    Args:
        peak: float, the learning rate after warm-up.
        warmup_steps: int >= 0, steps of linear warm-up. Defaults to 100.
        total_steps: int or None, steps until the decay ends.
        budget_seconds: float or None, seconds until the decay ends (used when given).
        floor: float, final learning rate as a fraction of `peak`. Defaults to 0.1.

    Example:

    >>> cb = WarmupCosine(1e-3, warmup_steps=10, total_steps=100)
    >>> round(cb.rate(step=5, fraction=0.05), 6)
    0.0006
    """

    def __init__(self, peak, *, warmup_steps=100, total_steps=None, budget_seconds=None, floor=0.1,
                 stopwatch=None):
        super().__init__()
        self.stopwatch = stopwatch or Stopwatch()
        if total_steps is None and budget_seconds is None:
            raise ValueError("WarmupCosine needs total_steps or budget_seconds")
        self.peak = float(peak)
        self.warmup_steps = int(warmup_steps)
        self.total_steps = total_steps
        self.budget_seconds = budget_seconds
        self.floor = float(floor)
        self.step = 0

    def rate(self, step, fraction):
        """The learning rate at `step` when `fraction` (0..1) of the schedule has passed."""
        warm = min(1.0, (step + 1) / self.warmup_steps) if self.warmup_steps else 1.0
        fraction = min(max(fraction, 0.0), 1.0)
        cosine = self.floor + (1 - self.floor) * 0.5 * (1 + math.cos(math.pi * fraction))
        return self.peak * warm * cosine

    def on_train_batch_begin(self, batch, logs=None):
        if self.budget_seconds:
            fraction = self.stopwatch.elapsed() / self.budget_seconds
        else:
            fraction = self.step / max(1, self.total_steps)
        self.model.optimizer.learning_rate.assign(self.rate(self.step, fraction))
        self.step += 1


class TimeBudget(keras.callbacks.Callback):
    """Stop training once `seconds` of (unpaused) wall-clock time have passed; checked every batch."""

    def __init__(self, seconds, stopwatch=None):
        super().__init__()
        self.seconds = float(seconds)
        self.stopwatch = stopwatch or Stopwatch()

    def on_train_batch_end(self, batch, logs=None):
        if self.stopwatch.elapsed() >= self.seconds:
            self.model.stop_training = True


class SaveArtifact(keras.callbacks.Callback):
    """Save the generator's artifact after every epoch whose validation loss is the best yet.

    Args:
        generator: the `TextGenerator` being trained.
        path: the artifact folder.
        monitor: the log key compared; falls back to `"loss"` without validation.
    """

    def __init__(self, generator, path, monitor="val_loss"):
        super().__init__()
        self.generator = generator
        self.path = path
        self.monitor = monitor
        self.best = math.inf

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        value = logs.get(self.monitor, logs.get("loss"))
        if value is not None and value < self.best:
            self.best = float(value)
            self.generator._sync_from_training()
            self.generator.metrics.update({"checkpoint_epoch": epoch + 1, "checkpoint_loss": self.best})
            self.generator.save(self.path)
