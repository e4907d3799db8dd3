"""The phrase features added for issue 27 (chord-relative pitch classes, entropies, H1/H4/GS,
the duration histogram, rests, interval n-grams, contour) on hand-built phrases."""

import math
from fractions import Fraction

import pytest

from music.evaluation.discriminator import grouped_folds, human_halves, score
from music.evaluation.features import FEATURES, phrase_features
from music.theory.progressions import parse_progression
from music.types import Note, Solo

F = Fraction


def _phrase(notes, progression):
    return Solo([Note(F(o), F(d), p) for o, d, p in notes], parse_progression(progression))


def test_feature_names_are_unique_and_every_one_is_computed():
    assert len(FEATURES) == len(set(FEATURES)) == 65
    f = phrase_features(_phrase([(0, 1, 60), (1, 1, 62)], "C |"), bars=1)
    assert list(f) == list(FEATURES)


def test_chord_relative_histogram_and_entropies():
    # Over C7 | F7: C E G Bb (root, 3, 5, b7 of C7), then F A C Eb (root, 3, 5, b7 of F7):
    # relative classes 0, 4, 7, 10 twice each; absolute classes C twice, E G Bb F A Eb once.
    notes = [(i, 1, p) for i, p in enumerate([60, 64, 67, 70, 65, 69, 72, 75])]
    f = phrase_features(_phrase(notes, "C7 | F7 |"), bars=2)
    assert [f[f"chord_pc_{k}"] for k in (0, 4, 7, 10)] == [0.25] * 4
    assert sum(f[f"chord_pc_{k}"] for k in range(12)) == pytest.approx(1)
    assert f["chord_pc_entropy"] == pytest.approx(2.0)
    assert f["pitch_class_entropy"] == pytest.approx(
        -(2 / 8) * math.log2(2 / 8) - 6 / 8 * math.log2(1 / 8)
    )
    assert f["h1_entropy"] == pytest.approx(2.0)  # four classes in each bar
    assert f["h4_entropy"] == pytest.approx(f["pitch_class_entropy"])  # one 2-bar window
    assert f["grooving_similarity"] == 1.0  # quarters in both bars


def test_unharmonised_notes_have_no_chord_relative_class():
    f = phrase_features(_phrase([(0, 2, 60), (2, 2, 64)], "N.C. |"), bars=1)
    assert all(math.isnan(f[f"chord_pc_{k}"]) for k in range(12))
    assert math.isnan(f["chord_pc_entropy"])
    assert f["pitch_class_entropy"] == 1.0


def test_duration_histogram_and_rests():
    # Eighth, eighth, quarter rest, quarter, a gap of 1/2 (no event), quarter; then bar 2:
    # a half rest, half note. Silences between notes: 0, 1, 1/2, 2 beats.
    notes = [(0, F(1, 2), 60), (F(1, 2), F(1, 2), 62), (1, 1, None), (2, 1, 64)]
    notes += [(F(7, 2), F(1, 2), 65), (4, 2, None), (6, 2, 67)]
    f = phrase_features(_phrase(notes, "C | C |"), bars=2)
    assert f["duration_1_2"] == pytest.approx(3 / 5)
    assert f["duration_1"] == pytest.approx(1 / 5) and f["duration_2"] == pytest.approx(1 / 5)
    assert sum(f[name] for name in FEATURES if name.startswith("duration_")) == pytest.approx(1)
    assert f["longest_rest_beats"] == 2.0
    assert f["breaths_per_bar"] == 1.0  # two silences of a beat or more, in 2 bars
    assert f["mean_breath_beats"] == 1.5


def test_interval_ngrams_and_contour():
    # Intervals: +2 +2 | +4 +3 | -7 +1 | +1 +1 | -12 (pairs counted over all 8 pairs).
    pitches = [60, 62, 64, 68, 71, 64, 65, 66, 67, 55]
    notes = [(F(i, 2), F(1, 2), p) for i, p in enumerate(pitches)]
    f = phrase_features(_phrase(notes, "C |  C |"), bars=2)
    # Pairs: (2,2) run, (2,4), (4,3) arpeggio, (3,-7), (-7,1) gap fill, (1,1) run, (1,1) run,
    # (1,-12); triples with three semitones the same way: (1,1,1): 1 of 7.
    assert f["run_pair_share"] == pytest.approx(3 / 8)
    assert f["arpeggio_pair_share"] == pytest.approx(1 / 8)
    assert f["gap_fill_share"] == pytest.approx(1 / 8)
    assert f["turn_pair_share"] == 0.0
    assert f["leap_pair_share"] == 0.0
    assert f["chromatic_run3_share"] == pytest.approx(1 / 7)
    assert f["leap8_share"] == pytest.approx(1 / 9)  # only the -12
    assert f["up_share"] == pytest.approx(7 / 9)
    assert f["longest_monotone_run"] == 4.0  # +2 +2 +4 +3
    assert f["peak_position"] == pytest.approx(2 / 8)  # B4 at beat 2 of 8
    # Least squares on (onset, pitch): slope per quarter times 4 quarters per bar.
    xs = [i / 2 for i in range(10)]
    mx, my = sum(xs) / 10, sum(pitches) / 10
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, pitches)) / sum((x - mx) ** 2 for x in xs)
    assert f["pitch_slope"] == pytest.approx(4 * slope)


def test_a_single_note_has_nan_where_nothing_is_measured():
    f = phrase_features(_phrase([(0, 1, 60)], "C |"), bars=1)
    for name in ("run_pair_share", "up_share", "leap8_share", "pitch_slope"):
        assert math.isnan(f[name]), name
    assert f["longest_monotone_run"] == 0.0 and f["longest_rest_beats"] == 0.0
    assert f["h4_entropy"] == 0.0  # a 1-bar phrase: H4 over its one bar
    assert math.isnan(f["grooving_similarity"])  # one bar: no pair


def test_bad_phrase_is_a_clear_error():
    with pytest.raises(ValueError, match="phrase must be a music.types.Solo"):
        phrase_features([60, 62])


def test_shared_fold_helpers():
    y, splits, groups = grouped_folds(
        range(6),
        range(6),
        human_groups=[0, 0, 1, 1, 2, 2],
        generated_groups=[0, 0, 1, 1, 2, 2],
        folds=3,
    )
    assert groups == 3 and len(splits) == 3
    for train, test in splits:  # a group's human and generated phrases are tested together
        assert sorted(set(y[test])) == [0, 1] and not set(train) & set(test)
    assert score(y, y * 0.8 + 0.1) == (1.0, 1.0)
    with pytest.raises(ValueError, match="too few groups"):
        grouped_folds(range(6), range(6), human_groups=[0] * 6, generated_groups=[1] * 6)
    with pytest.raises(ValueError, match="one group per human phrase"):
        grouped_folds(range(6), range(6), human_groups=[0], generated_groups=[0] * 6)
    solo = Solo([Note(F(i), F(1), 60 + i % 5) for i in range(96)], [])
    halves = human_halves([solo, solo, solo], bars=4, folds=3)
    assert len(halves["human"]) == len(halves["generated"]) == 9
