"""The shipped improviser through the zoo's generation engine plays the same solos for the same
seeds (fingerprints recorded with the shipped model, interval encoding v3 with styles; re-record
them when the model, its styles, its calibration or the sampling defaults change). With the
chord-tone lean off it plays exactly the solos recorded before the lean existed, with the
calibration off too those recorded before the calibration, and with the pitch-class cache off
too those recorded before the cache: each only adds to the distribution, it changes nothing
else in the loop."""

import hashlib
import pathlib
from fractions import Fraction as F

import pytest

from music.theory.progressions import parse_progression
from music.types import Note, Solo

MODEL = pathlib.Path(__file__).resolve().parents[2] / "music" / "pretrained" / "model.keras"
MODEL_SHA256 = "dc8a78b771b6649a8d663ecb19d0a518f84cd14741618e08760ff25ae6d9a72d"
CONFIG = MODEL.with_name("config.json")  # its styles and its calibration
CONFIG_SHA256 = "8c2f039d077d73c4e4ae80eac1742eb4c5648c04299c62391652f790b686f2ff"

# name -> (notes, sha256 prefix of the note list), with the default sampling settings.
EXPECTED = {
    "blues seed 0": (180, "ea9b1e07f40c9dbd"),
    "blues seed 1": (188, "aea25213a9e15170"),
    "waltz": (16, "7c1728887530536e"),
    "primer": (69, "e25c1e201153d6db"),
    "parker": (91, "137604534ec350ec"),
}
# The same with chord_tone_lean=0, recorded before the lean was written.
EXPECTED_WITHOUT_LEAN = {
    "blues seed 0": (200, "fa8d8df5260249e6"),
    "blues seed 1": (221, "8e372073cffa3701"),
    "waltz": (17, "1f8907001b914a49"),
    "primer": (104, "315cb3d42804f1f0"),
    "parker": (113, "94637ad814cf0bd9"),
}
# With calibration_weight=0 too, recorded before the calibration was written.
EXPECTED_WITHOUT_CALIBRATION = {
    "blues seed 0": (183, "75f7aae117847769"),
    "blues seed 1": (152, "06c88b53ec983047"),
    "waltz": (14, "e04b80bb16cb678a"),
    "primer": (96, "764ea01d6feb4949"),
    "parker": (115, "9c1d89d36a304444"),
}
# With cache_weight=0 too, recorded before the pitch-class cache was written.
EXPECTED_WITHOUT_CACHE = {
    "blues seed 0": (172, "96b4088c23dae2f3"),
    "blues seed 1": (208, "6a1a17fce55186d3"),
    "waltz": (24, "5e8c1c4d81414ee5"),
    "primer": (130, "f000efb4eaf19b33"),
    "parker": (82, "913b11d9f4e34508"),
}


def fingerprint(solo):
    notes = [(str(n.offset), str(n.duration), n.pitch) for n in solo.notes]
    return len(notes), hashlib.sha256(repr(notes).encode()).hexdigest()[:16]


@pytest.fixture(scope="module")
def shipped():
    if (
        hashlib.sha256(MODEL.read_bytes()).hexdigest() != MODEL_SHA256
        or hashlib.sha256(CONFIG.read_bytes()).hexdigest() != CONFIG_SHA256
    ):
        pytest.skip("the shipped model changed since these solos were recorded")
    from music.model.artifact import load_artifact

    return load_artifact()


@pytest.mark.slow
@pytest.mark.parametrize(
    "settings, expected",
    [
        ({}, EXPECTED),
        ({"chord_tone_lean": 0}, EXPECTED_WITHOUT_LEAN),
        ({"chord_tone_lean": 0, "calibration_weight": 0}, EXPECTED_WITHOUT_CALIBRATION),
        (
            {"chord_tone_lean": 0, "calibration_weight": 0, "cache_weight": 0},
            EXPECTED_WITHOUT_CACHE,
        ),
    ],
)
def test_same_seed_same_solo_as_before_the_engine(shipped, settings, expected):
    from music.model.improvise import Improviser
    from music.reading.leadsheet import progression_from_spec

    improviser = Improviser(shipped, **settings)
    blues = progression_from_spec("blues:Bb")
    primer = Solo(
        [Note(F(0), F(1), 60), Note(F(1), F(1), 64), Note(F(2), F(2), 67)], parse_progression("C |")
    )
    waltz = parse_progression("Dm7 | G7 | Cmaj7 |", beats_per_bar=3)
    got = {
        "blues seed 0": improviser.improvise(blues, seed=0, choruses=2),
        "blues seed 1": improviser.improvise(blues, seed=1, choruses=2),
        "waltz": improviser.improvise(
            waltz, bar_length=F(3), beats_per_bar=3, seed=0, temperature=0.8, top_p=0.9
        ),
        "primer": improviser.improvise(blues, seed=1, primer=primer),
        "parker": improviser.improvise(blues, seed=2, style="Charlie Parker", tempo=220),
    }
    assert {name: fingerprint(solo) for name, solo in got.items()} == expected
