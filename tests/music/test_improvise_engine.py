"""The improviser through the zoo's generation engine plays exactly the solos it played with its
own loop before (fingerprints recorded with the shipped model before the change)."""

import hashlib
import pathlib
from fractions import Fraction as F

import pytest

from music.progressions import parse_progression
from music.types import Note, Solo

MODEL = pathlib.Path(__file__).resolve().parents[2] / "music" / "pretrained" / "model.keras"
MODEL_SHA256 = "2384d66fb4292265d22e3a28f7fc21b792869db5e8989de8e7ece50dfcbb6898"

# name -> (notes, sha256 prefix of the note list), recorded with the old loop.
EXPECTED = {"blues seed 0": (168, "b22fb52a210b46b0"), "blues seed 1": (187, "4b8dda72f5a08172"),
            "waltz": (22, "99f140ba6cea4028"), "primer": (105, "fa1251dc169f8a40")}


def fingerprint(solo):
    notes = [(str(n.offset), str(n.duration), n.pitch) for n in solo.notes]
    return len(notes), hashlib.sha256(repr(notes).encode()).hexdigest()[:16]


@pytest.fixture(scope="module")
def shipped():
    if hashlib.sha256(MODEL.read_bytes()).hexdigest() != MODEL_SHA256:
        pytest.skip("the shipped model changed since these solos were recorded")
    from music.improvise import Improviser
    from music.model import load_artifact

    return Improviser(load_artifact())


def test_same_seed_same_solo_as_before_the_engine(shipped):
    from music.leadsheet import progression_from_spec

    blues = progression_from_spec("blues:Bb")
    primer = Solo([Note(F(0), F(1), 60), Note(F(1), F(1), 64), Note(F(2), F(2), 67)],
                  parse_progression("C |"))
    waltz = parse_progression("Dm7 | G7 | Cmaj7 |", beats_per_bar=3)
    got = {
        "blues seed 0": shipped.improvise(blues, seed=0, choruses=2),
        "blues seed 1": shipped.improvise(blues, seed=1, choruses=2),
        "waltz": shipped.improvise(waltz, bar_length=F(3), beats_per_bar=3, seed=0,
                                   temperature=0.8, top_p=0.9),
        "primer": shipped.improvise(blues, seed=1, primer=primer),
    }
    assert {name: fingerprint(solo) for name, solo in got.items()} == EXPECTED
