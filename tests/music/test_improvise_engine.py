"""The shipped improviser through the zoo's generation engine plays the same solos for the same
seeds (fingerprints recorded with the shipped model, interval encoding v2; re-record them when
the model or the sampling defaults change)."""

import hashlib
import pathlib
from fractions import Fraction as F

import pytest

from music.theory.progressions import parse_progression
from music.types import Note, Solo

MODEL = pathlib.Path(__file__).resolve().parents[2] / "music" / "pretrained" / "model.keras"
MODEL_SHA256 = "8a5ada571b900836feecd83c628a4a23bb56180c8ccb8c51e816806c7c001ac2"

# name -> (notes, sha256 prefix of the note list).
EXPECTED = {
    "blues seed 0": (153, "0234ada1874571fe"),
    "blues seed 1": (212, "fc92d05cf741b5f7"),
    "waltz": (23, "0c00fd3aa043cdc2"),
    "primer": (84, "36224417c1cff8a4"),
}


def fingerprint(solo):
    notes = [(str(n.offset), str(n.duration), n.pitch) for n in solo.notes]
    return len(notes), hashlib.sha256(repr(notes).encode()).hexdigest()[:16]


@pytest.fixture(scope="module")
def shipped():
    if hashlib.sha256(MODEL.read_bytes()).hexdigest() != MODEL_SHA256:
        pytest.skip("the shipped model changed since these solos were recorded")
    from music.model.artifact import load_artifact
    from music.model.improvise import Improviser

    return Improviser(load_artifact())


@pytest.mark.slow
def test_same_seed_same_solo_as_before_the_engine(shipped):
    from music.reading.leadsheet import progression_from_spec

    blues = progression_from_spec("blues:Bb")
    primer = Solo(
        [Note(F(0), F(1), 60), Note(F(1), F(1), 64), Note(F(2), F(2), 67)], parse_progression("C |")
    )
    waltz = parse_progression("Dm7 | G7 | Cmaj7 |", beats_per_bar=3)
    got = {
        "blues seed 0": shipped.improvise(blues, seed=0, choruses=2),
        "blues seed 1": shipped.improvise(blues, seed=1, choruses=2),
        "waltz": shipped.improvise(
            waltz, bar_length=F(3), beats_per_bar=3, seed=0, temperature=0.8, top_p=0.9
        ),
        "primer": shipped.improvise(blues, seed=1, primer=primer),
    }
    assert {name: fingerprint(solo) for name, solo in got.items()} == EXPECTED
