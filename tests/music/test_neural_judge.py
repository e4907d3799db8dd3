"""The neural judge: its note vectors by hand, an easy separable case learnt on the zoo's
engine, and clear errors for bad input."""

import random
from fractions import Fraction

import numpy as np
import pytest

from music.evaluation.neural_judge import (
    EVENT_FEATURES,
    SETTINGS,
    neural_compare_phrases,
    neural_discriminate,
    phrase_events,
)
from music.theory.progressions import parse_progression
from music.types import Note, Solo

F = Fraction
TINY = {"units": 8, "epochs": 12, "batch_size": 4, "learning_rate": 3e-2}


def _line(kind, rng, bars=2):
    """Steps in eighths (kind 0) or leaps in triplets (kind 1) over C7 | F7."""
    notes, t, pitch = [], F(0), 64
    value = F(1, 2) if kind == 0 else F(1, 3)
    while t < 4 * bars:
        move = rng.choice([-2, -1, 1, 2] if kind == 0 else [-7, -5, 5, 7])
        pitch = max(48, min(84, pitch + move))
        notes.append(Note(t, value, pitch))
        t += value
    return Solo(notes, parse_progression("C7 | F7 |" * (bars // 2)))


def test_events_by_hand():
    phrase = Solo(
        [Note(F(0), F(1, 2), 60), Note(F(1, 2), F(1, 2), None), Note(F(3), F(2), 55)],
        parse_progression("N.C. | "),
    )
    events = phrase_events(phrase)  # the rest is not a step
    assert events.shape == (2, len(EVENT_FEATURES)) == (2, 22)
    first, second = (dict(zip(EVENT_FEATURES, row.tolist())) for row in events)
    assert first["interval"] == 0 and first["log_silence"] == 0
    assert first["log_duration"] == pytest.approx(-1 / 4)
    assert (first["bar_sin"], first["bar_cos"]) == pytest.approx((0, 1))
    assert second["interval"] == pytest.approx(-5 / 12)
    assert second["register"] == pytest.approx(-9 / 12)
    assert second["log_silence"] == pytest.approx(np.log2(1 + 2.5))
    assert (second["bar_sin"], second["bar_cos"]) == pytest.approx((-1, 0), abs=1e-6)
    assert second["unharmonised"] == 1 and second["bias"] == 1
    assert sum(second[f"chord_pc_{k}"] for k in range(12)) == 0


@pytest.mark.slow
def test_an_easy_separable_case_is_learnt():
    rng = random.Random(0)
    human = [_line(0, rng) for _ in range(16)]
    generated = [_line(1, rng) for _ in range(16)]
    groups = [i // 4 for i in range(16)]  # four "progressions" of four phrases a side
    result = neural_compare_phrases(
        human, generated, human_groups=groups, generated_groups=groups, folds=2, **TINY
    )
    assert result["neural_accuracy"] >= 0.85, result
    assert result["neural_auc"] >= 0.9, result
    assert result["neural_settings"] == {**SETTINGS, **TINY}


_LINES = [_line(0, random.Random(1)) for _ in range(4)]
_GROUPS = {"human_groups": [0, 1, 2, 3], "generated_groups": [0, 1, 2, 3], "folds": 2}


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: phrase_events([60, 62]), "phrase must be a music.types.Solo"),
        (lambda: phrase_events(Solo([Note(F(0), F(4), None)], [])), "has no pitched note"),
        (
            lambda: neural_compare_phrases(_LINES, _LINES, **_GROUPS, layers=2),
            "unknown neural judge setting",
        ),
        (lambda: neural_compare_phrases(_LINES, _LINES, **_GROUPS, epochs=0), "epochs must be"),
        (
            lambda: neural_compare_phrases(
                _LINES, _LINES[:1], human_groups=[0, 1, 2, 3], generated_groups=[0], folds=2
            ),
            "too few generated phrases",
        ),
        (lambda: neural_discriminate(_LINES[:1], _LINES, bars=2, folds=2), "too few human"),
    ],
)
def test_bad_input_is_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
