"""The training engine's learning-rate schedule over a time budget instead of a step count.

`zoo.training.engine.fit(decay_over="time")` uses `BudgetCosine`: a linear warm-up over the first
steps, then a cosine that follows the training clock and reaches its end exactly when the
time budget (`max_seconds`) is spent, however many steps the machine manages. A cosine
counted in steps has to guess that number, and a wrong guess either cuts the run before the
learning rate has come down or spends the last minutes at its floor.

The engine's callback writes the elapsed fraction of the budget into `progress` before every
batch (`zoo.training.callback.EngineCallback`); the compiled train step reads it there.
"""

import math

import keras

__all__ = ["BudgetCosine"]


class BudgetCosine(keras.optimizers.schedules.LearningRateSchedule):
    """Warm-up over steps, then a cosine over the elapsed fraction of a time budget.

    The learning rate at optimizer step `s`, with `p` the fraction of the budget spent
    (`progress`, clipped to [0, 1]), is

        peak * min(1, s / warmup_steps) * (final + (1 - final) * (1 + cos(pi * p)) / 2)

    (without warm-up the first factor is 1), so it rises linearly from 0 to `peak`, then
    comes down to `final * peak` when the budget is spent.

    Args:
        peak: float > 0, the highest learning rate.
        warmup_steps: int >= 0, the steps of the linear warm-up.
        final: float in [0, 1], the end of the cosine as a fraction of `peak`.

    Returns:
        A Keras learning-rate schedule; `progress` (a `tf.Variable`, float32) is the fraction
        of the budget spent, set by the engine.

    Example:

    >>> schedule = BudgetCosine(1e-3, warmup_steps=10, final=0.0)
    >>> round(float(schedule(5)), 6)  # half-way through the warm-up, nothing spent
    0.0005
    >>> _ = schedule.progress.assign(0.5)
    >>> round(float(schedule(100)), 6)  # half the budget spent: half-way down the cosine
    0.0005
    >>> _ = schedule.progress.assign(1.0)
    >>> float(schedule(100))
    0.0
    """

    def __init__(self, peak, warmup_steps=0, final=0.0):
        import tensorflow as tf

        super().__init__()
        self.peak, self.warmup_steps, self.final = float(peak), int(warmup_steps), float(final)
        self.progress = tf.Variable(0.0, trainable=False, dtype=tf.float32, name="budget_progress")

    def __call__(self, step):
        import tensorflow as tf

        step = tf.cast(step, tf.float32)
        ramp = tf.minimum(1.0, step / self.warmup_steps) if self.warmup_steps else tf.constant(1.0)
        spent = tf.clip_by_value(self.progress, 0.0, 1.0)  # float32 already
        cosine = 0.5 * (1.0 + tf.cos(math.pi * spent))
        return self.peak * ramp * (self.final + (1.0 - self.final) * cosine)

    def get_config(self):
        return {"peak": self.peak, "warmup_steps": self.warmup_steps, "final": self.final}
