"""evaluate() on a tiny solo whose figures are worked out by hand, the copy check against brute
force, and a real WJazzD solo measured against itself."""

import json
import math
import random
from fractions import Fraction

import pytest

from music.errors import MusicInputError
from music.evaluation.metrics import (
    CopyIndex,
    evaluate,
    intervals,
    jensen_shannon,
    note_types,
    rhythm_bin,
)
from music.theory.progressions import parse_progression
from music.types import Note, Solo

F = Fraction


def _solo(events, progression, source="tiny"):
    """Notes from (pitch or None, duration) pairs laid end to end."""
    notes, time = [], F(0)
    for pitch, duration in events:
        notes.append(Note(time, F(duration), pitch))
        time += F(duration)
    return Solo(notes, parse_progression(progression) if progression else [], source=source)


# Over C (tones C E G; C ionian; approach tones B C# D# F F# G#): C=C, D=S, Eb=A, Bb=X, rest.
# Over G7 (tones G B D F; G mixolydian; approach tones C C# D# E F# G# A#): B=C, A=S, Ab=A, rest.
TINY = [
    (60, 1),
    (62, 1),
    (63, F(1, 2)),
    (70, F(1, 2)),
    (None, 1),
    (59, 1),
    (57, 1),
    (56, 1),
    (None, 1),
]


def test_tiny_solo_by_hand():
    solo = _solo(TINY, "C | G7 |")
    assert note_types(solo) == ["C", "S", "A", "X", "R", "C", "S", "A", "R"]
    result = evaluate([solo])
    # 9 harmonised events: C 2, S 2, A 2, X 1, R 2
    assert result["note_type_profile"] == {
        "C": 2 / 9,
        "S": 2 / 9,
        "A": 2 / 9,
        "X": 1 / 9,
        "R": 2 / 9,
    }
    assert result["chord_tone_ratio"] == 2 / 7
    assert result["scale_tone_ratio"] == 4 / 7
    assert (result["harmonised_events"], result["unharmonised_events"]) == (9, 0)
    assert result["pitch_range"] == {"lowest": 56, "highest": 70, "mean_span": 14}
    assert result["pitch_class_entropy"] == pytest.approx(math.log2(7))  # 7 pitch classes once
    assert result["notes"] == 7 and result["bars"] == 2 and result["notes_per_bar"] == 3.5
    # intervals 2, 1, 7, -11, -2, -1 (the rest between 70 and 59 is skipped)
    expected_intervals = {str(i): 0.0 for i in range(-12, 13)}
    expected_intervals.update(
        {"2": 1 / 6, "1": 1 / 6, "7": 1 / 6, "-11": 1 / 6, "-2": 1 / 6, "-1": 1 / 6}
    )
    assert result["interval_hist"] == pytest.approx(expected_intervals)
    assert result["rhythm_hist"]["1"] == pytest.approx(5 / 7)
    assert result["rhythm_hist"]["1/2"] == pytest.approx(2 / 7)
    assert sum(result["rhythm_hist"].values()) == pytest.approx(1)
    assert result["interval_hist_distance"] is None and result["longest_copied_run"] is None
    json.dumps(result)  # JSON-able


def test_distances_and_copy_run_by_hand():
    solo = _solo(TINY, "C | G7 |")
    reference = _solo([(60, 1), (62, 1), (63, 1), (70, 1)], "C |", source="ref")
    result = evaluate(solo, against=[reference])
    # intervals: P = 1/6 on six bins, Q = 1/3 on 2, 1, 7; M = 1/4 there and 1/12 on the others
    kl_p = 3 * (1 / 6) * math.log2((1 / 6) / (1 / 4)) + 3 * (1 / 6) * math.log2((1 / 6) / (1 / 12))
    kl_q = 3 * (1 / 3) * math.log2((1 / 3) / (1 / 4))
    assert result["interval_hist_distance"] == pytest.approx((kl_p + kl_q) / 2)
    assert result["interval_hist_distance"] == pytest.approx(0.311278, abs=1e-6)
    # durations: P = 5/7 quarter, 2/7 eighth; Q = all quarters; M = 6/7, 1/7
    kl_p = 5 / 7 * math.log2((5 / 7) / (6 / 7)) + 2 / 7 * math.log2((2 / 7) / (1 / 7))
    kl_q = math.log2(1 / (6 / 7))
    assert result["rhythm_hist_distance"] == pytest.approx((kl_p + kl_q) / 2)
    assert result["longest_copied_run"] == 3  # 2, 1, 7 copied
    assert result["longest_copied_run_source"] == "tiny"
    assert result["reference"]["notes"] == 4 and result["reference"]["chord_tone_ratio"] == 0.25
    json.dumps(result)


def test_unharmonised_events_and_no_chords():
    solo = _solo([(60, 2), (None, 2), (64, 4)], "N.C. | C |")
    result = evaluate(solo)
    assert (result["harmonised_events"], result["unharmonised_events"]) == (1, 2)
    assert result["note_type_profile"]["C"] == 1.0 and result["chord_tone_ratio"] == 1.0
    bare = evaluate(_solo([(60, 4)], None))
    assert bare["chord_tone_ratio"] is None and bare["note_type_profile"]["C"] is None
    assert bare["notes_per_bar"] == 1.0


def test_evaluate_needs_solos():
    with pytest.raises(MusicInputError) as info:
        evaluate([])
    assert str(info.value) == "evaluate: no solos given; expected at least one Solo"


def test_jensen_shannon_and_rhythm_bins():
    assert jensen_shannon([1, 0], [0, 1]) == 1.0
    assert jensen_shannon([1, 1], [2, 2]) == 0.0
    assert jensen_shannon([0, 0], [1, 1]) is None
    assert [rhythm_bin(F(x)) for x in ("1/3", "0.3", "0.26", "3/8", "5", "1/48")] == [
        F(1, 3),
        F(1, 3),
        F(1, 4),
        F(3, 8),
        F(4),
        F(1, 12),
    ]


def _brute_force(references, query):
    runs, best = [intervals(r) for r in references], 0
    steps = intervals(query)
    for i in range(len(steps)):
        for j in range(i + 1, len(steps) + 1):
            piece = steps[i:j]
            if any(
                r[k : k + len(piece)] == piece for r in runs for k in range(len(r) - len(piece) + 1)
            ):
                best = max(best, len(piece))
    return best


def test_copy_index_matches_brute_force():
    rng = random.Random(7)
    for _ in range(150):
        references = [
            _solo([(60 + rng.randint(-2, 2), 1) for _ in range(rng.randint(1, 12))], None)
            for _ in range(rng.randint(1, 4))
        ]
        query = _solo([(60 + rng.randint(-2, 2), 1) for _ in range(rng.randint(1, 12))], None)
        assert CopyIndex(references).longest_run(query) == _brute_force(references, query)
    # runs never span two reference solos
    a, b = _solo([(60, 1), (62, 1)], None), _solo([(64, 1), (65, 1)], None)
    assert CopyIndex([a, b]).longest_run(_solo([(60, 1), (62, 1), (64, 1), (65, 1)], None)) == 1


def test_real_solo_against_itself(shared_data):
    from music.reading.solos import read_solo

    solo = read_solo(shared_data / "music" / "wjazzd" / "ArtPepper_Stardust-1_Solo.xml")
    result = evaluate([solo], against=[solo])
    assert result["interval_hist_distance"] == 0.0 and result["rhythm_hist_distance"] == 0.0
    assert result["longest_copied_run"] == len(intervals(solo))
    assert 0.3 < result["chord_tone_ratio"] < result["scale_tone_ratio"] <= 1.0
    assert sum(result["note_type_profile"].values()) == pytest.approx(1.0)
    json.dumps(result)
