"""One seed, one sample; one integer rule: `zoo.core.checks.map_seed` and `check_int` everywhere.

A command line hands the integer it read to the same library call the Python API makes, so
`python -m text generate --seed S` and `TextGenerator.generate(seed=S)`, and `python -m music
generate --seed S` and `music.model.improvise.generate(seed=S)`, draw the same sample for every S:
in the int32 range, past it, far past int64, and negative (the music command line, which loads
the shipped model, for the last two). The command lines run as real
processes, two at a time (each costs a TensorFlow import), while this process draws the
same samples through the Python API.
"""

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from zoo.core.checks import SEED_RANGE, check_int, check_optional_int, map_seed

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEEDS = (0, 2**31, 2**70, -1)
MUSIC_SEEDS = (2**70, -1)  # the music CLI loads the shipped model: far past int64, and negative
CHORDS = "C7 | F7 |"  # two bars: the shortest solo that still draws a few hundred events
CORPUS = "alosaurus\nbrachiosaurus\ncompsognathus\ndiplodocus\n"


def _run(argv, cwd):
    """Run `python -m *argv` in a fresh process; return what it printed (it must succeed)."""
    env = dict(os.environ, PYTHONPATH=REPO)
    done = subprocess.run(
        [sys.executable, "-m", *map(str, argv)],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.slow
def test_the_command_lines_and_the_python_apis_draw_the_same_samples(tmp_path):
    from music.model.artifact import load_artifact
    from music.model.improvise import Improviser, generate
    from text.generator import TextGenerator

    folder = tmp_path / "text_model"  # untrained weights sample just as deterministically
    TextGenerator.from_corpus(CORPUS, lines=True, units=8, embedding_dim=4).save(folder)
    pool = ThreadPoolExecutor(max_workers=2)  # one process a core on a small machine
    try:
        text_runs = {
            seed: pool.submit(
                _run,
                ("text", "generate", folder, "-n", 3, "--length", 12, "--seed", seed),
                tmp_path,
            )
            for seed in SEEDS
        }
        music_runs = {
            seed: pool.submit(
                _run,
                ("music", "generate", "--chords", CHORDS, "--seed", seed, "--out", f"cli{k}.mid"),
                tmp_path,
            )
            for k, seed in enumerate(MUSIC_SEEDS)
        }
        text_model = TextGenerator.load(folder)
        improviser = Improviser(load_artifact())
        for seed in SEEDS:
            samples = text_model.generate(3, length=12, seed=seed)
            assert text_runs[seed].result() == "\n".join(samples) + "\n", seed
        for k, seed in enumerate(MUSIC_SEEDS):
            solo, _, _ = generate(
                tmp_path / f"api{k}.mid", chords=CHORDS, seed=seed, improviser=improviser
            )
            assert solo.notes, seed
            assert "wrote" in music_runs[seed].result()
            written = (tmp_path / f"cli{k}.mid").read_bytes()
            assert written == (tmp_path / f"api{k}.mid").read_bytes(), seed
    finally:
        pool.shutdown(cancel_futures=True)
    # Different seeds draw different solos, and a numpy integer is the same seed as its value.
    solos = {(tmp_path / f"api{k}.mid").read_bytes() for k in range(len(MUSIC_SEEDS))}
    assert len(solos) == len(MUSIC_SEEDS)
    assert len({text_runs[seed].result() for seed in SEEDS}) == len(SEEDS)
    assert text_model.generate(3, length=12, seed=np.uint64(2**63)) == text_model.generate(
        3, length=12, seed=2**63
    )


@pytest.mark.parametrize("seed", [0, 1, 7, SEED_RANGE - 1])
def test_seeds_in_range_are_kept(seed):
    assert map_seed(seed) == seed
    assert map_seed(np.int64(seed)) == seed and type(map_seed(np.int32(seed))) is int


@pytest.mark.parametrize("seed", [SEED_RANGE, 2**31, 2**63, 2**70, -1, -(2**31), -(2**70)])
def test_other_seeds_are_hashed_into_the_range(seed):
    mapped = map_seed(seed)
    assert 0 <= mapped < SEED_RANGE and mapped == map_seed(seed)
    if -(2**63) <= seed < 2**63:
        assert map_seed(np.int64(seed)) == mapped


def test_nearby_seeds_past_the_range_do_not_collide():
    assert len({map_seed(2**31 + k) for k in range(100)}) == 100


@pytest.mark.parametrize("seed", [1.0, 1.5, True, "3", None, np.float64(2.0), np.bool_(True)])
def test_a_seed_that_is_not_an_integer_is_refused_by_name(seed):
    with pytest.raises(ValueError) as info:
        map_seed(seed, name="rng_seed")
    assert str(info.value) == f"rng_seed must be an integer; got {seed!r}"


@pytest.mark.parametrize("value", [65, np.int64(65), np.int32(65), np.uint8(65)])
def test_check_int_takes_python_and_numpy_integers(value):
    assert check_int("vocab_size", value, 2) == 65 and type(check_int("x", value, 2)) is int


@pytest.mark.parametrize(
    "value, message",
    [
        (True, "units must be an integer >= 1; got True"),
        (np.bool_(True), "units must be an integer >= 1; got np.True_"),
        (2.0, "units must be an integer >= 1; got 2.0"),
        ("2", "units must be an integer >= 1; got '2'"),
        (0, "units must be an integer >= 1; got 0"),
        (np.int64(0), "units must be an integer >= 1; got np.int64(0)"),
    ],
)
def test_check_int_refuses_everything_else_by_name(value, message):
    with pytest.raises(ValueError) as info:
        check_int("units", value, 1)
    assert str(info.value) == message


def test_check_int_with_a_maximum():
    assert check_int("layers", np.int16(64), 1, 64) == 64
    with pytest.raises(ValueError) as info:
        check_int("layers", 65, 1, 64)
    assert str(info.value) == "layers must be an integer in [1, 64]; got 65"
    assert check_optional_int("top_k", None, 1) is None


@pytest.mark.slow
def test_numpy_integers_are_accepted_by_every_entry():
    import zoo
    from music.checks import check_seed, check_whole
    from text.generator import TextGenerator
    from zoo.generation.sampler import Sampler

    model = zoo.build_lm(
        np.int64(65), units=np.int32(8), embedding_dim=np.int64(4), num_layers=np.int8(1)
    )
    assert model.output_shape == (None, None, 65)
    tokens = (
        Sampler(zoo.build_lm_step(model))
        .generate(np.full((2, 1), 3), np.int64(4), top_k=np.int32(5), seed=np.int64(2**40))
        .tokens
    )
    assert tokens.shape == (2, 4)
    text_model = TextGenerator.from_corpus(CORPUS, lines=True, units=8, embedding_dim=4)
    assert len(text_model.generate(np.int64(2), length=np.int32(3), seed=np.int64(5))) == 2
    assert len(text_model.beam_search("a", width=np.int64(2), length=np.uint8(2))) == 2
    assert check_whole("choruses", np.int64(2)) == 2 and check_seed(np.int64(-1)) == map_seed(-1)


def test_the_command_lines_refuse_a_seed_that_is_not_an_integer(tmp_path, capsys):
    from music.__main__ import main as music_main
    from text.cli import main as text_main

    assert text_main(["generate", str(tmp_path), "--seed", "1.5"]) == 2
    assert (
        capsys.readouterr().err
        == "error: python -m text generate: --seed must be an integer; got '1.5'\n"
    )
    assert music_main(["generate", "--out", str(tmp_path / "a.mid"), "--seed", "2e3"]) == 2
    assert (
        capsys.readouterr().err
        == "error: python -m music generate: --seed must be an integer; got '2e3'\n"
    )
    assert not list(tmp_path.iterdir())
