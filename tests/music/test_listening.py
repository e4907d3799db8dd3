"""The blind listening pair: a WJazzD phrase and a tiny untrained improviser's over its chords."""

from fractions import Fraction

import pytest

from music.errors import MusicInputError
from music.evaluation.discriminator import phrases
from music.evaluation.listening import blind_pair
from music.theory.chords import parse_chord
from music.types import Note, Solo
from tests.conftest import shared_data_dir

SOLO = "BobBerg_NoMoe_Solo.xml"  # 4/4, 160 BPM, 64+ bars with chord symbols


@pytest.fixture(scope="module")
def improviser():
    """A tiny untrained improviser: real generation (bars filled, chords followed), fast."""
    from music.encoding.events import Encoding
    from music.model.artifact import Artifact, build_model
    from music.model.improvise import Improviser

    model = build_model(Encoding(), units=4, embedding_dim=4)
    return Improviser(Artifact(model, Encoding(), {}, {}))


@pytest.fixture(scope="module")
def solo():
    """A real WJazzD solo, read with its chords."""
    from music.reading.solos import read_solo

    root = shared_data_dir()
    path = root / "music" / "wjazzd" / SOLO if root is not None else None
    if path is None or not path.is_file():
        pytest.skip(f"../shared/data/music/wjazzd/{SOLO} is not present")
    return read_solo(path)


@pytest.fixture(scope="module")
def pair(solo, improviser):
    return blind_pair(solo, improviser, seed=0)


def _melody(bars, pitch=60):
    """A plain 4/4 melody of `bars` bars, one quarter note a beat."""
    return [Note(Fraction(i), Fraction(1), pitch + i % 5) for i in range(4 * bars)]


@pytest.mark.slow
def test_both_phrases_are_eight_bars_over_the_same_chords_and_tempo(pair, solo):
    eight_bars = 8 * solo.bar_length
    for phrase in (pair.a, pair.b):
        assert phrase.notes[0].offset >= 0 and phrase.duration == eight_bars
        assert sum(n.duration for n in phrase.notes) <= eight_bars
        assert (phrase.tempo, phrase.beats_per_bar, phrase.beat_unit) == (
            solo.tempo,
            solo.beats_per_bar,
            solo.beat_unit,
        )
    assert pair.a.chords == pair.b.chords
    chords = pair.a.chords
    assert chords[0].offset == 0 and chords[-1].end == eight_bars
    assert all(left.end == right.offset for left, right in zip(chords, chords[1:]))
    assert (pair.a.source, pair.b.source) == ("A", "B")  # nothing names the player
    assert pair.bars == 8 and pair.seed == 0


@pytest.mark.slow
def test_the_answer_points_at_the_human_phrase(pair, solo):
    assert pair.player in ("A", "B")
    human = phrases(solo, bars=8, start=pair.start_bar)[0]
    assert pair.human is (pair.a if pair.player == "A" else pair.b)
    assert pair.human.notes == human.notes  # the player's own notes, bar for bar
    assert pair.generated is not pair.human and pair.generated.notes != human.notes
    assert [c.figure for c in pair.human.chords] == [c.figure for c in human.chords]
    assert pair.start_bar % 8 == 0 and pair.source.endswith(SOLO)
    bars = f"bars {pair.start_bar + 1}-{pair.start_bar + 8}"
    assert pair.answer.startswith(f"{pair.player} is the player ({SOLO}, {bars})")


@pytest.mark.slow
def test_the_same_seed_gives_the_same_pair(pair, solo, improviser):
    again = blind_pair(solo, improviser, seed=0)
    assert (again.player, again.start_bar) == (pair.player, pair.start_bar)
    assert again.a.notes == pair.a.notes and again.b.notes == pair.b.notes


@pytest.mark.slow
def test_different_seeds_flip_the_order(solo, improviser):
    players = {blind_pair(solo, improviser, seed=seed).player for seed in range(8)}
    assert players == {"A", "B"}


@pytest.mark.slow
def test_start_bar_picks_the_phrase_and_options_reach_the_improviser(solo, improviser):
    pair = blind_pair(solo, improviser, start_bar=3, seed=5, temperature=0.5)
    assert pair.start_bar == 3
    assert pair.human.notes == phrases(solo, bars=8, start=3)[0].notes
    hotter = blind_pair(solo, improviser, start_bar=3, seed=5, temperature=2.0)
    assert hotter.human.notes == pair.human.notes
    assert hotter.generated.notes != pair.generated.notes


@pytest.mark.slow
def test_chords_are_laid_over_the_whole_phrase(improviser):
    # Chords only in bars 3-5: N.C. before them, the last one held to the end of bar 8.
    chords = [parse_chord("Dm7", offset=Fraction(8), duration=Fraction(12))]
    pair = blind_pair(Solo(_melody(8), chords), improviser, seed=2)
    assert [(c.figure, c.offset, c.end) for c in pair.a.chords] == [("N.C.", 0, 8), ("Dm7", 8, 32)]
    assert pair.a.chords == pair.b.chords and pair.generated.duration == 32
    melody_only = blind_pair(Solo(_melody(8), []), improviser, seed=2)
    assert [(c.figure, c.offset, c.end) for c in melody_only.b.chords] == [("N.C.", 0, 32)]


def _refused(match, solo=None, **kwargs):
    # Every argument is checked before the improviser plays, so none is needed here.
    with pytest.raises(MusicInputError, match=match):
        blind_pair(Solo(_melody(10), []) if solo is None else solo, None, **kwargs)


def test_bad_bars_and_start_bar_are_refused():
    _refused(r"bars must be an integer >= 1; got 0", bars=0)
    _refused(r"bars must be an integer >= 1; got 2\.0", bars=2.0)
    _refused(r"start_bar must be an integer >= 0; got -1", start_bar=-1)
    _refused(
        r"start_bar=3: solo 'take.xml' has 10 whole bars, so a phrase of bars=8 begins at "
        r"bar 2 at the latest",
        Solo(_melody(10), [], source="take.xml"),
        start_bar=3,
    )
    _refused(r"seed must be an integer", seed="x")


def test_a_solo_too_short_or_without_a_melody_is_refused():
    _refused(
        r"solo 'take.xml' has 7 whole bars; expected at least bars=8",
        Solo(_melody(7), [], source="take.xml"),
    )
    silent = Solo(
        [Note(Fraction(4 * i), Fraction(4), None) for i in range(10)], [], source="rest.xml"
    )
    _refused(r"solo 'rest.xml': no 8-bar phrase holds 4 pitched notes", silent)
    _refused(
        r"start_bar=0: bars 1-8 of solo 'rest.xml' hold fewer than 4 pitched notes",
        silent,
        start_bar=0,
    )


def test_other_mistakes_are_named():
    _refused(r"solo must be a music.types.Solo .*got list", [])
    _refused(r"tempo is the human phrase's, set by blind_pair", tempo=120)
    _refused(
        r"solo.tempo must be a number of beats per minute in \[20, 400\]; got 900",
        Solo(_melody(10), [], tempo=900.0),
    )
    with pytest.raises(MusicInputError, match=r"improviser must be .*got NoneType"):
        blind_pair(Solo(_melody(10), []), None)
