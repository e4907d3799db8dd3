"""Argument checks of the music library: wrong values and wrong types give a MusicInputError
that names the parameter; seeds of any size are mapped into the generator's range."""

import pytest

from music.checks import check_number, check_seed, check_swing, check_tempo, check_whole
from music.errors import MusicInputError
from music.model.improvise import generate
from music.reading.solos import list_music_files, read_corpus, read_solo
from zoo.core.checks import SEED_RANGE, map_seed


@pytest.mark.parametrize(
    "value", [float("inf"), float("nan"), 1e9, 19.9, 400.5, "fast", None, True, [120]]
)
def test_tempo_must_be_a_finite_number_in_range(value):
    with pytest.raises(
        MusicInputError,
        match=r"^tempo must be a number of beats per minute in "
        r"\[20, 400\]; got ",
    ):
        check_tempo(value)


@pytest.mark.parametrize("value", [5, "1/0", "abc", -1, 0.8, float("nan"), "0/0", True])
def test_swing_must_be_between_straight_and_three_to_one(value):
    with pytest.raises(MusicInputError, match=r"^swing must be the off-beat eighth's place"):
        check_swing(value)


def test_valid_numbers_pass_through():
    from fractions import Fraction

    assert check_tempo(20) == 20.0 and check_tempo(400.0) == 400.0
    assert check_swing("2/3") == Fraction(2, 3) and check_swing(0.5) == Fraction(1, 2)
    assert check_swing(None) is None
    assert check_number("top_p", 1, low=0, high=1, low_open=True) == 1.0
    assert check_whole("choruses", 3) == 3
    with pytest.raises(MusicInputError, match=r"^choruses must be an integer >= 1; got 2.5"):
        check_whole("choruses", 2.5)


@pytest.mark.parametrize(
    "seed", [0, 7, SEED_RANGE - 1, SEED_RANGE, 2**31, 2**64, -1, -(2**40), 10**100]
)
def test_any_whole_number_is_a_seed_in_range_and_the_same_every_time(seed):
    mapped = check_seed(seed)
    assert 0 <= mapped < SEED_RANGE and mapped == map_seed(seed)
    if 0 <= seed < SEED_RANGE:
        assert mapped == seed
    with pytest.raises(MusicInputError, match="seed must be an integer; got 1.5"):
        check_seed(1.5)


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: read_solo(123), "path must be a path (a str or os.PathLike); got 123"),
        (lambda: read_solo("x.mid", grid="abc"), "grid='abc' is not supported"),
        (lambda: read_solo("x.mid", harmony=["a"]), "harmony=['a'] is not supported"),
        (lambda: read_solo("x.mid", melody_part=5), "melody_part must be a part name"),
        (lambda: read_solo("x.mid", limits=5), "limits must be a ReadLimits, a dict or None"),
        (lambda: read_corpus(5), "paths_or_folders must be a path or a non-empty list"),
        (lambda: list_music_files([None]), "paths_or_folders must be a path"),
        (lambda: generate(5), "out must be a path"),
        (lambda: generate("s.mid", primer=5), "primer must be a path"),
        (lambda: generate("s.mid", tempo="fast"), "tempo must be a number of beats per minute"),
        (lambda: generate("s.mid", seed="x"), "seed must be an integer; got 'x'"),
        (lambda: generate("s.mid", choruses=True), "choruses must be an integer >= 1; got True"),
        (lambda: generate("s.mid", meter=34), "meter must be a string such as '3/4'; got 34"),
        (lambda: generate("s.mid", temperature=float("inf")), "temperature must be a number in"),
    ],
)
def test_the_python_api_names_the_parameter_for_wrong_types(tmp_path, monkeypatch, call, message):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(MusicInputError) as error:
        call()
    assert str(error.value).startswith(message)
    assert list(tmp_path.iterdir()) == []
