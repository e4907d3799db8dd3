"""`zoo.training.schedules.BudgetCosine` against the formula computed in numpy."""

import keras
import numpy as np
import pytest

import zoo  # noqa: F401  (environment before keras)
from zoo.training.schedules import BudgetCosine


@pytest.mark.parametrize("warmup", [0, 4])
def test_budget_cosine_is_the_warmup_ramp_times_the_cosine_of_the_spent_budget(warmup):
    schedule = BudgetCosine(3e-3, warmup_steps=warmup, final=0.25)
    for spent in (-0.5, 0.0, 0.3, 0.5, 0.99, 1.0, 2.0):
        schedule.progress.assign(spent)
        p = min(1.0, max(0.0, spent))
        for step in (0, 1, 3, 4, 100):
            ramp = min(1.0, step / warmup) if warmup else 1.0
            expected = 3e-3 * ramp * (0.25 + 0.75 * (1 + np.cos(np.pi * p)) / 2)
            assert float(schedule(step)) == pytest.approx(expected, rel=1e-6, abs=1e-12)


def test_budget_cosine_config_round_trips_and_drives_an_optimizer():
    schedule = BudgetCosine(1e-2, warmup_steps=3, final=0.0)
    again = BudgetCosine.from_config(schedule.get_config())
    assert again.get_config() == {"peak": 1e-2, "warmup_steps": 3, "final": 0.0}
    optimizer = keras.optimizers.Adam(schedule)
    variable = keras.Variable(np.ones(2, "float32"))
    optimizer.build([variable])
    optimizer.iterations.assign(3)
    schedule.progress.assign(0.5)
    assert float(optimizer.learning_rate) == pytest.approx(5e-3)
