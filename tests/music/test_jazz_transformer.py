"""The Jazz Transformer's H1, H4 and GS, and the spread across solos, on hand-built solos whose
values are worked out by hand, and on one real WJazzD solo."""

import math
from fractions import Fraction

import pytest

from music.evaluation.jazz_transformer import (
    bar_pitch_classes,
    grooving_patterns,
    grooving_similarity,
    jazz_transformer_metrics,
    pitch_class_entropy,
)
from music.evaluation.spread import solo_figures, spread
from music.theory.progressions import parse_progression
from music.types import Note, Solo
from tests.conftest import shared_data_dir

F = Fraction


def _solo(notes, progression="", beats_per_bar=4):
    """Notes from (onset, duration, pitch or None) triples, in quarter notes."""
    chords = parse_progression(progression, beats_per_bar=beats_per_bar) if progression else []
    return Solo([Note(F(o), F(d), p) for o, d, p in notes], chords, beats_per_bar)


def test_one_pitch_class_has_entropy_zero():
    # C in four octaves over two bars: every window holds one pitch class.
    solo = _solo([(i, 2, 48 + 12 * (i // 2 % 4)) for i in range(0, 8, 2)])
    assert pitch_class_entropy(solo, window=1) == 0.0
    assert pitch_class_entropy(solo, window=2) == 0.0


def test_a_uniform_bar_has_log2_12():
    # All twelve pitch classes once in one 4/4 bar (triplet eighths).
    solo = _solo([(F(i, 3), F(1, 3), 60 + i) for i in range(12)])
    assert pitch_class_entropy(solo, window=1) == pytest.approx(math.log2(12))


def test_h1_and_h4_by_hand():
    # Bar 1: C C E G (counts 2, 1, 1: H = 1.5 bits); bar 2: D D D D (0 bits); bar 3: empty
    # (skipped); bar 4: C D E F (2 bits). H1 = mean(1.5, 0, 2) over the bars with notes.
    notes = [(0, 1, 60), (1, 1, 72), (2, 1, 64), (3, 1, 67)]
    notes += [(4 + i, 1, 62) for i in range(4)]
    notes += [(8, 4, None)]
    notes += [(12 + i, 1, p) for i, p in enumerate([60, 62, 64, 65])]
    solo = _solo(notes)
    assert bar_pitch_classes(solo).sum(axis=1).tolist() == [4, 4, 0, 4]
    assert pitch_class_entropy(solo, window=1) == pytest.approx((1.5 + 0 + 2) / 3)
    # One 4-bar window: C 3, D 5, E 2, F 1, G 1 of 12 notes.
    shares = [3 / 12, 5 / 12, 2 / 12, 1 / 12, 1 / 12]
    h4 = -sum(p * math.log2(p) for p in shares)
    assert pitch_class_entropy(solo, window=4) == pytest.approx(h4)
    # Windows slide one bar at a time: 2-bar windows 1-2, 2-3, 3-4.
    h12 = -sum(p * math.log2(p) for p in (2 / 8, 4 / 8, 1 / 8, 1 / 8))
    h23 = 0.0
    h34 = 2.0
    assert pitch_class_entropy(solo, window=2) == pytest.approx((h12 + h23 + h34) / 3)


def test_a_solo_shorter_than_the_window_has_no_value():
    solo = _solo([(0, 1, 60), (1, 1, 62)])
    assert math.isnan(pitch_class_entropy(solo, window=4))
    assert math.isnan(pitch_class_entropy(_solo([(0, 4, None)]), window=1))


def test_grooving_similarity_by_hand():
    # Bar 1 quarters (positions 0, 16, 32, 48 of 64), bar 2 eighths (every 8th position),
    # bar 3 a whole note (position 0). Pairs: 1-2 differ at 4 positions, 1-3 at 3, 2-3 at 7.
    notes = [(i, 1, 60) for i in range(4)]
    notes += [(4 + F(i, 2), F(1, 2), 62) for i in range(8)]
    notes += [(8, 4, 64)]
    solo = _solo(notes)
    patterns = grooving_patterns(solo)
    assert patterns.shape == (3, 64) and patterns.sum(axis=1).tolist() == [4, 8, 1]
    expected = 1 - (4 + 3 + 7) / 3 / 64
    assert grooving_similarity(solo) == pytest.approx(expected)


def test_grooving_rounds_onsets_and_skips_empty_bars():
    # A swung eighth at 2/3 of a beat lands on position round(10.67) = 11; the empty bar 2
    # is left out, so the two played bars, alike, give 1.
    notes = [(0, F(2, 3), 60), (F(2, 3), F(1, 3), 62), (1, 3, 64)]
    notes += [(4, 4, None)]
    notes += [(8, F(2, 3), 60), (8 + F(2, 3), F(1, 3), 62), (9, 3, 64)]
    solo = _solo(notes)
    assert grooving_patterns(solo)[0].nonzero()[0].tolist() == [0, 11, 16]
    assert grooving_similarity(solo) == 1.0
    assert math.isnan(grooving_similarity(_solo([(0, 4, 60)])))


def test_three_four_bars_have_48_positions():
    solo = _solo([(i, 1, 60) for i in range(6)], beats_per_bar=3)
    assert grooving_patterns(solo).shape == (2, 48)


def test_metrics_are_means_over_solos():
    flat = _solo([(i, 1, 60) for i in range(8)])  # H1 = 0, GS = 1
    wide = _solo([(F(i, 3), F(1, 3), 60 + i) for i in range(12)] + [(4, 4, 60)])
    result = jazz_transformer_metrics([flat, wide])
    assert result["H1"] == pytest.approx((0 + (math.log2(12) + 0) / 2) / 2)
    assert result["H4"] is None  # neither solo has four bars
    assert result["GS"] == pytest.approx((1 + (1 - 11 / 64)) / 2)


def test_spread_by_hand():
    a = _solo([(i, 1, 60) for i in range(4)], "C |")  # all chord tones, mean 60
    b = _solo([(i, 1, p) for i, p in enumerate([62, 62, 64, 64])], "C |")  # half, mean 63
    assert solo_figures(a) == {
        "chord_tone_ratio": 1.0,
        "H1": 0.0,
        "notes_per_bar": 4.0,
        "mean_pitch": 60.0,
    }
    result = spread([a, b])
    assert result["chord_tone_ratio"] == pytest.approx(math.sqrt(2) * 0.25, abs=1e-4)
    assert result["H1"] == pytest.approx(math.sqrt(2) / 2, abs=1e-4)
    assert result["notes_per_bar"] == 0.0
    assert result["mean_pitch"] == pytest.approx(3 / math.sqrt(2), abs=1e-4)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: pitch_class_entropy([60, 62]), "must be a music.types.Solo"),
        (lambda: pitch_class_entropy(_solo([(0, 1, 60)]), window=0), "window must be"),
        (lambda: grooving_similarity(_solo([(0, 1, 60)]), positions_per_quarter=0), "positions"),
        (  # a 7/8 bar is 3.5 quarter notes: no whole number of positions at 1 per quarter
            lambda: grooving_patterns(
                Solo([Note(F(0), F(1), 60)], [], 7, 8), positions_per_quarter=1
            ),
            "not a whole number of grid positions",
        ),
        (lambda: jazz_transformer_metrics([]), "solos is empty"),
        (lambda: spread([_solo([(0, 1, 60)])]), "at least two solos"),
    ],
)
def test_bad_input_is_a_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_real_solo_is_in_range():
    root = shared_data_dir()
    path = None if root is None else root / "music" / "wjazzd" / "JohnColtrane_SoWhat_Solo.xml"
    if path is None or not path.is_file():
        pytest.skip("the WJazzD solos in ../shared/data/music/wjazzd are not present")
    from music.reading.solos import read_solo

    result = jazz_transformer_metrics([read_solo(str(path))])
    # A modal solo on D dorian: far from one pitch class, far from all twelve.
    assert 1.0 < result["H1"] < result["H4"] < math.log2(12)
    assert 0.5 < result["GS"] < 1.0
