"""`zoo.core.checks`, the one home of argument rules, and its flag form in `zoo.core.cli`."""

import argparse

import numpy as np
import pytest

from music.errors import MusicInputError
from zoo.artifacts import ArtifactError
from zoo.core import checks, cli


@pytest.mark.parametrize("value", [3, np.int8(3), np.int64(3), np.uint16(3)])
def test_integers_python_and_numpy_are_integers(value):
    assert checks.is_integer(value)
    assert checks.check_int("units", value, 1) == 3
    assert type(checks.check_int("units", value, 1)) is int


@pytest.mark.parametrize("value", [True, np.bool_(True), 3.0, np.float32(3), "3", None])
def test_bools_floats_and_strings_are_not_integers(value):
    assert not checks.is_integer(value)
    with pytest.raises(ValueError, match=r"^units must be an integer >= 1; got "):
        checks.check_int("units", value, 1)


def test_integer_bounds_and_message():
    assert checks.check_int("n", 5, 1, 5) == 5
    with pytest.raises(ValueError) as error:
        checks.check_int("n", 6, 1, 5)
    assert str(error.value) == "n must be an integer in [1, 5]; got 6"
    assert checks.check_optional_int("n", None, 1) is None


@pytest.mark.parametrize("value", [0.5, 1, np.float32(0.5), np.float64(0.5), np.int32(1)])
def test_finite_numbers_python_and_numpy(value):
    assert checks.is_number(value)
    result = checks.check_number("x", value, low=0, high=1)
    assert result == float(value) and type(result) is float


@pytest.mark.parametrize(
    "value", [True, float("nan"), float("inf"), -np.inf, np.float32("nan"), 10**400, "0.5", None]
)
def test_bools_non_finite_and_strings_are_not_numbers(value):
    assert not checks.is_number(value)
    with pytest.raises(ValueError, match=r"^x must be a number in \(-inf, inf\); got "):
        checks.check_number("x", value)


@pytest.mark.parametrize(
    "kwargs, value, message",
    [
        ({"low": 0, "low_open": True}, 0, "t must be a number in (0, inf); got 0"),
        ({"low": 0, "high": 1, "low_open": True}, 2.0, "t must be a number in (0, 1]; got 2.0"),
        ({"low": 0, "high": 1, "high_open": True}, 1, "t must be a number in [0, 1); got 1"),
        ({"low": 0.5, "high": 2.5}, 3, "t must be a number in [0.5, 2.5]; got 3"),
        ({"high": 1}, 2, "t must be a number in (-inf, 1]; got 2"),
        (
            {"low": 20, "high": 400, "what": "a tempo"},
            1e9,
            "t must be a tempo in [20, 400]; got 1000000000.0",
        ),
    ],
)
def test_number_bounds_open_and_closed(kwargs, value, message):
    with pytest.raises(ValueError) as error:
        checks.check_number("t", value, **kwargs)
    assert str(error.value) == message


def test_closed_bounds_accept_the_bound_itself():
    assert checks.check_number("t", 0, low=0, high=1) == 0.0
    assert checks.check_number("t", 1, low=0, high=1) == 1.0


def test_probability_ends():
    assert checks.check_probability("p", 0) == 0.0
    assert checks.check_probability("top_p", np.float32(1.0), low_open=True) == 1.0
    with pytest.raises(ValueError, match=r"^top_p must be a number in \(0, 1\]; got 0$"):
        checks.check_probability("top_p", 0, low_open=True)
    with pytest.raises(ValueError, match=r"^dropout must be a number in \[0, 1\); got 1$"):
        checks.check_rate("dropout", 1)


@pytest.mark.parametrize("error", [MusicInputError, ArtifactError])
def test_every_checker_raises_the_class_it_is_given(error):
    calls = [
        lambda: checks.check_int("n", 0, 1, error=error),
        lambda: checks.check_optional_int("n", 0, 1, error=error),
        lambda: checks.check_number("x", float("nan"), error=error),
        lambda: checks.check_probability("p", 2, error=error),
        lambda: checks.check_rate("r", 1, error=error),
        lambda: checks.check_choice("cell", "tcn", ("lstm",), error=error),
        lambda: checks.map_seed(1.5, error=error),
    ]
    for call in calls:
        with pytest.raises(error):
            call()


def test_the_error_class_does_not_change_the_words():
    with pytest.raises(MusicInputError) as music:
        checks.check_int("choruses", 0, 1, error=MusicInputError)
    with pytest.raises(ValueError) as plain:
        checks.check_int("choruses", 0, 1)
    assert str(music.value) == str(plain.value) == "choruses must be an integer >= 1; got 0"


def test_seed_mapping_is_unchanged():
    assert checks.map_seed(7) == 7 and checks.map_seed(np.int64(7)) == 7
    assert checks.map_seed(2**31 - 1) == checks.map_seed(2**31 - 1) != 0
    assert checks.map_seed(-1) == checks.map_seed(np.int64(-1))
    assert all(0 <= checks.map_seed(s) < checks.SEED_RANGE for s in (-1, 2**31, 2**70))
    with pytest.raises(ValueError, match=r"^--seed must be an integer; got True$"):
        checks.map_seed(True, name="--seed")


@pytest.mark.parametrize(
    "convert, text, expected",
    [
        (cli.integer("--units", 1, 8), "8", 8),
        (cli.number("--top-p", low=0, high=1, low_open=True), "1", 1.0),
        (cli.seed(), "-5", -5),  # kept as typed: the library maps it
        (cli.seed(), str(2**70), 2**70),
    ],
)
def test_flag_types_accept(convert, text, expected):
    assert convert(text) == expected


@pytest.mark.parametrize(
    "convert, text, message",
    [
        (cli.integer("--units", 1, 8), "0", "--units must be an integer in [1, 8]; got 0"),
        (cli.integer("--units", 1), "2.0", "--units must be an integer >= 1; got '2.0'"),
        (
            cli.number("--top-p", low=0, high=1, low_open=True),
            "nan",
            "--top-p must be a number in (0, 1]; got nan",
        ),
        (
            cli.number("--top-p", low=0, high=1, message="--top-p: got {text!r}"),
            "x",
            "--top-p: got 'x'",
        ),
        (cli.seed(), "1.5", "--seed must be an integer; got '1.5'"),
    ],
)
def test_flag_types_refuse_with_the_checkers_words(convert, text, message):
    with pytest.raises(argparse.ArgumentTypeError) as error:
        convert(text)
    assert str(error.value) == message


def test_parser_prints_one_line_and_exits_2(capsys):
    parser = cli.Parser(prog="demo")
    parser.add_argument("--units", type=cli.integer("--units", 1))
    with pytest.raises(SystemExit) as stop:
        parser.parse_args(["--units", "0"])
    assert stop.value.code == 2
    assert capsys.readouterr().err == "error: demo: --units must be an integer >= 1; got 0\n"


def test_run_turns_mistakes_into_one_line(capsys):
    parser = cli.Parser(prog="demo")
    sub = parser.add_subparsers(dest="command", required=True).add_parser("go")
    sub.add_argument("--top-p", type=float)

    def mistake(args):
        raise ValueError("top_p must be in (0, 1]\nsecond line")

    def interrupted(args):
        raise KeyboardInterrupt

    assert cli.run(parser, {"go": mistake}, ["go"]) == 2
    assert capsys.readouterr().err == "error: --top-p must be in (0, 1]\n"
    assert cli.run(parser, {"go": interrupted}, ["go"]) == 130
    assert capsys.readouterr().err == "error: interrupted\n"
    assert cli.run(parser, {"go": lambda args: None}, ["go"]) == 0
    assert cli.run(parser, {"go": lambda args: 1}, ["go"]) == 1


def test_speak_flags_names_flags_not_other_words():
    parser = cli.Parser(prog="demo")
    sub = parser.add_subparsers(dest="command").add_parser("go")
    sub.add_argument("--choruses", type=int)
    sub.add_argument("-n", type=int)
    spoken = cli.speak_flags("choruses=3: too long; meter=3/4", parser)
    assert spoken == "--choruses 3: too long; meter=3/4"
    assert cli.speak_flags("n must be >= 1", parser, {"n": "-n"}) == "-n must be >= 1"
