"""The phrase discriminator: chance on human vs human, near-perfect on an obvious fake."""

import math
import random
from fractions import Fraction

import pytest

from music.evaluation.discriminator import (
    FEATURES,
    compare_phrases,
    discriminate,
    phrase_features,
    phrases,
)
from music.theory.chords import parse_chord
from music.types import Note, Solo
from tests.conftest import REPO_ROOT, shared_data_dir

# Fourteen WJazzD solos of 34-143 bars by different players (134 eight-bar phrases): enough
# that chance stays well inside 0.5 +- 0.15 whichever way the phrases are halved.
SOLOS = (
    "KennyDorham_PrinceAlbert_Solo.xml",
    "BobBerg_Angles_Solo.xml",
    "JohnColtrane_SoWhat_Solo.xml",
    "JJJohnson_Walkin__Solo.xml",
    "SteveLacy_Work_Solo.xml",
    "DonByas_Infidele_Cry__Solo.xml",
    "SteveColeman_PassItOn_Solo.xml",
    "BranfordMarsalis_GutbucketSteepy_Solo.xml",
    "BranfordMarsalis_TheNearnessOfYou_Solo.xml",
    "DavidLiebman_Pablo_sStory_Solo.xml",
    "BennyCarter_JustFriends_Solo.xml",
    "FreddieHubbard_SocietyRed_Solo.xml",
    "MichaelBrecker_DeltaCityBlues_Solo.xml",
    "ZootSims_NightAndDay-1_Solo.xml",
)


@pytest.fixture(scope="module")
def human_solos(tmp_path_factory):
    """The solos above, read through a throw-away cache."""
    pytest.importorskip("sklearn", reason="scikit-learn (the test and bench extras) is missing")
    from music.reading.solos import read_corpus

    root = shared_data_dir()
    folder = root / "music" / "wjazzd" if root is not None else None
    if folder is None or not all((folder / name).is_file() for name in SOLOS):
        pytest.skip("the WJazzD solos in ../shared/data/music/wjazzd are not present")
    return read_corpus(
        [str(folder / name) for name in SOLOS], cache_dir=tmp_path_factory.mktemp("cache")
    )


def _random_pitches(solo, rng):
    """The same rhythm and chords, every pitch drawn at random from C3..C6."""
    return Solo(
        [
            Note(n.offset, n.duration, None if n.pitch is None else rng.randint(48, 84))
            for n in solo.notes
        ],
        solo.chords,
        solo.beats_per_bar,
        solo.beat_unit,
        solo.tempo,
        solo.source,
    )


@pytest.fixture(scope="module")
def human_phrases(human_solos):
    """(phrases, groups, sides): the 8-bar phrases of the solos above, grouped by solo, and
    0 for a solo's first, third, ... phrase, 1 for its second, fourth, ..."""
    cut, groups, sides = [], [], []
    for i, solo in enumerate(human_solos):
        pieces = phrases(solo, bars=8)
        cut.extend(pieces)
        groups.extend([i] * len(pieces))
        sides.extend(k % 2 for k in range(len(pieces)))
    return cut, groups, sides


@pytest.mark.slow
def test_human_against_human_is_chance(human_phrases):
    # Alternate phrases of every solo go to the two sides: the same players, the same tunes.
    cut, groups, sides = human_phrases
    even = [k for k in range(len(cut)) if sides[k] == 0]
    odd = [k for k in range(len(cut)) if sides[k] == 1]
    result = compare_phrases(
        [cut[k] for k in even],
        [cut[k] for k in odd],
        human_groups=[groups[k] for k in even],
        generated_groups=[groups[k] for k in odd],
    )
    for key in ("logistic_accuracy", "logistic_auc", "boosted_accuracy", "boosted_auc"):
        assert abs(result[key] - 0.5) <= 0.15, (key, result)
    assert result["phrases"]["human"] + result["phrases"]["generated"] == len(cut) >= 120


@pytest.mark.slow
def test_random_pitches_are_found_out(human_phrases):
    # The same rhythms and chords with pitches drawn at random: an obviously different set.
    cut, groups, _ = human_phrases
    rng = random.Random(0)
    fake = [_random_pitches(p, rng) for p in cut]
    result = compare_phrases(cut, fake, human_groups=groups, generated_groups=groups)
    for key in ("logistic_accuracy", "logistic_auc", "boosted_accuracy", "boosted_auc"):
        assert result[key] >= 0.9, (key, result)
    top = {f["name"]: f for f in result["top_features"]}
    assert set(top) <= set(FEATURES) and len(top) == 5
    # Random pitches leap: whichever interval features are reported point the right way.
    if "leap5_share" in top:
        assert top["leap5_share"]["generated_mean"] > top["leap5_share"]["human_mean"]
    if "step_share" in top:
        assert top["step_share"]["generated_mean"] < top["step_share"]["human_mean"]


@pytest.mark.slow
def test_discriminate_groups_solo_i_with_solo_i(human_solos):
    # discriminate() cuts whole solos; generated[i] is over the progression of human[i].
    rng = random.Random(1)
    fake = [_random_pitches(solo, rng) for solo in human_solos]
    result = discriminate(human_solos, fake, top=3)
    assert result["groups"] == len(SOLOS) and result["bars"] == 8
    assert result["phrases"]["human"] == result["phrases"]["generated"] >= 120
    assert min(result[k] for k in ("logistic_auc", "boosted_auc")) >= 0.9
    assert len(result["top_features"]) == 3


def test_import_music_does_not_need_scikit_learn():
    import subprocess
    import sys

    code = (
        "import sys, music, music.evaluation.discriminator; "
        "assert 'sklearn' not in sys.modules, 'sklearn imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT)


def _hand_made():
    """One 4/4 bar over C7 | F7, rest of a second bar silent, hand-counted below.

    Beats 1-2 (C7): eighths C4 E4 G4 Bb4; beat 3: a quarter rest; beat 4 (F7 from here):
    a triplet-eighth run F4 A4 C5; bar 2: a quarter note C4 on beat 1, then three beats of rest.
    """
    e, t = Fraction(1, 2), Fraction(1, 3)
    notes = [
        Note(Fraction(0), e, 60),
        Note(e, e, 64),
        Note(2 * e, e, 67),
        Note(3 * e, e, 70),
        Note(Fraction(2), Fraction(1), None),
        Note(Fraction(3), t, 65),
        Note(3 + t, t, 69),
        Note(3 + 2 * t, t, 72),
        Note(Fraction(4), Fraction(1), 60),
        Note(Fraction(5), Fraction(3), None),
    ]
    chords = [
        parse_chord("C7", offset=Fraction(0), duration=Fraction(3)),
        parse_chord("F7", offset=Fraction(3), duration=Fraction(5)),
    ]
    return Solo(notes, chords)


def test_features_of_a_hand_made_phrase():
    f = phrase_features(_hand_made(), bars=2)
    assert set(f) == set(FEATURES)
    # Intervals: +4 +3 +3 | -5 +4 +3 | -12: no steps, 3 turns in 6 pairs of intervals.
    assert f["step_share"] == 0.0
    assert f["leap5_share"] == pytest.approx(2 / 7)
    assert f["direction_change_rate"] == pytest.approx(3 / 6)
    assert f["mean_abs_interval"] == pytest.approx(34 / 7)
    # Across the C7 -> F7 change only Bb4 -> F4 (5 semitones): no leap of 7+.
    assert f["chord_change_leap7_share"] == 0.0
    assert (f["lowest_pitch"], f["highest_pitch"], f["pitch_range"]) == (60.0, 72.0, 12.0)
    assert f["mean_pitch"] == pytest.approx((60 + 64 + 67 + 70 + 65 + 69 + 72 + 60) / 8)
    assert (f["eighth_share"], f["triplet_share"], f["longer_share"], f["sixteenth_share"]) == (
        0.5,
        0.375,
        0.125,
        0.0,
    )
    assert f["notes_per_bar"] == 4.0
    assert f["rest_share"] == pytest.approx(4 / 8)  # 2 + 1 + 1 beats sounding of 8
    # Off the beat: E4, Bb4 (eighth off-beats) and the two later triplets.
    assert f["offbeat_onset_share"] == pytest.approx(4 / 8)
    # One breath (the quarter rest before the triplets); a silence of 0 before C4 on bar 2.
    assert f["breaths_per_bar"] == 0.5
    assert f["mean_run_bars"] == pytest.approx((2 / 4 + 2 / 4) / 2)
    # C7: C E G Bb all chord tones; F7: F A C chord tones; C4 over F7 a chord tone (the 5th).
    assert f["chord_tone_ratio"] == 1.0


def test_phrases_cut_whole_bars_and_drop_empty_ones():
    solo = Solo(
        [Note(Fraction(i), Fraction(1), None if 8 <= i < 16 else 60 + i % 7) for i in range(26)],
        [parse_chord("Dm7", offset=Fraction(0), duration=Fraction(26))],
    )
    cut = phrases(solo, bars=2)  # bars 1-2, (3-4 all rests: dropped), 5-6; bar 7 is partial
    assert [len(p.notes) for p in cut] == [8, 8]
    assert cut[1].notes[0].offset == 0 and cut[1].chords[0].duration == 8
    features = phrase_features(cut[0], bars=2)
    # One chord throughout: no chord-root change to leap across, so that share is undefined.
    assert math.isnan(features.pop("chord_change_leap7_share"))
    assert all(math.isfinite(v) for v in features.values())


def test_too_few_phrases_or_groups_is_a_clear_error():
    one = phrases(_hand_made(), bars=2, min_notes=1)
    with pytest.raises(ValueError, match="too few human phrases"):
        compare_phrases(one, one * 5, human_groups=[0], generated_groups=[0] * 5)
    with pytest.raises(ValueError, match="too few groups"):
        compare_phrases(
            one * 5, one * 5, human_groups=[0, 1, 2, 0, 1], generated_groups=[0, 1, 2, 0, 1]
        )
    with pytest.raises(ValueError, match="one group per human phrase"):
        compare_phrases(one * 5, one * 5, human_groups=[0], generated_groups=[0] * 5)
    with pytest.raises(ValueError, match="folds must be"):
        compare_phrases(
            one * 5, one * 5, human_groups=list(range(5)), generated_groups=list(range(5)), folds=1
        )
    with pytest.raises(ValueError, match="too few"):  # a 2-bar solo has no 8-bar phrase
        discriminate([_hand_made()] * 6, [_hand_made()] * 6)
    with pytest.raises(ValueError, match="bars must be"):
        phrases(_hand_made(), bars=0)


def test_docstring_examples_run():
    import doctest

    from music.evaluation import discriminator

    result = doctest.testmod(discriminator)
    assert result.failed == 0 and result.attempted > 0
