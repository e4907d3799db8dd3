"""The performer judge names the player of solos it did not train on."""

from fractions import Fraction as F

import numpy as np
import pytest

from music.evaluation.attribution import PerformerJudge
from music.theory.progressions import parse_progression
from music.types import Note, Solo

pytest.importorskip("sklearn")

STYLES = {  # performer -> (pitches, note length in quarters)
    "LowSlow": ([48, 50, 52, 55], F(1)),
    "MidEighths": ([60, 62, 64, 67, 65], F(1, 2)),
    "HighFast": ([79, 81, 84, 86], F(1, 4)),
}


def solo(performer, take, bars=16):
    pitches, step = STYLES[performer]
    rng = np.random.default_rng([take, len(performer)])
    notes, time = [], F(0)
    while time < bars * 4:
        pitch = int(rng.choice(pitches)) + int(rng.integers(-1, 2))
        notes.append(Note(time, step, pitch))
        time += step
    chords = [c for _ in range(bars // 2) for c in parse_progression("C7 | F7 |")]
    chords = [
        type(c)(F(4 * i), F(4), c.root, c.quality, c.pitch_classes, c.figure, c.bass)
        for i, c in enumerate(chords)
    ]
    return Solo(notes, chords, source=f"{performer}_Take{take}_Solo.xml")


def test_the_judge_names_the_player_of_new_solos():
    training = [solo(p, k) for p in STYLES for k in range(5)]
    judge = PerformerJudge().fit(training, min_solos=5)
    assert judge.performers == ["High Fast", "Low Slow", "Mid Eighths"]
    new = [solo(p, 10 + k) for p in STYLES for k in range(2)]
    names = [
        {"LowSlow": "Low Slow", "MidEighths": "Mid Eighths", "HighFast": "High Fast"}[p]
        for p in STYLES
        for _ in range(2)
    ]
    result = judge.attribute(new, names)
    assert result == {
        "top1": 1.0,
        "top3": 1.0,
        "phrase_top1": 1.0,
        "phrase_top3": 1.0,
        "chance": 0.3333,
        "players": 3,
        "solos": 6,
        "phrases": 12,
    }
    # A wrong answer counts: every solo named as someone else's.
    wrong = judge.attribute(new, names[2:] + names[:2])
    assert wrong["top1"] == 0.0 and wrong["top3"] == 1.0


def test_performers_below_min_solos_are_left_out_and_bad_input_is_named():
    training = [solo(p, k) for p in STYLES for k in range(5 if p != "HighFast" else 2)]
    judge = PerformerJudge().fit(training, min_solos=5)
    assert judge.performers == ["Low Slow", "Mid Eighths"]
    with pytest.raises(ValueError, match="the judge does not know 'High Fast'"):
        judge.attribute([solo("HighFast", 9)], ["High Fast"])
    with pytest.raises(ValueError, match="1 solos but 2 performers"):
        judge.attribute([solo("LowSlow", 9)], ["Low Slow", "Low Slow"])
    with pytest.raises(ValueError, match="needs at least two performers with 5 solos"):
        PerformerJudge().fit(training[:5], min_solos=5)
