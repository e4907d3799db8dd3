"""Bounded work for text: corpora are regular files of bounded size, generation is bounded."""

import os
import pathlib
import re

import pytest

from text.cli import main
from text.data import CorpusError, read_corpus

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")


def one_line(capsys):
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


@needs_fifo
def test_only_regular_files_are_read_as_a_corpus(tmp_path, capsys):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.txt"
    os.symlink(tmp_path / "other.txt", loop)
    os.symlink(loop, tmp_path / "other.txt")
    cases = [
        (fifo, "is a FIFO (named pipe); expected a regular file"),
        (pathlib.Path("/dev/zero"), "is a character device; expected a regular file"),
        (loop, "is a symbolic link loop; expected a regular file"),
        (tmp_path, "is a folder; expected a regular file"),
    ]
    for path, message in cases:
        with pytest.raises(CorpusError, match=re.escape(f"corpus file {str(path)!r} {message}")):
            read_corpus(path)
        with pytest.raises(CorpusError, match=re.escape(message)):
            read_corpus([path])
    code = main(["train", str(fifo), "--out", str(tmp_path / "model")])
    assert code == 2 and "is a FIFO (named pipe)" in one_line(capsys)
    assert not (tmp_path / "model").exists()


def test_corpus_size_limit_and_how_to_raise_it(tmp_path, monkeypatch):
    path = tmp_path / "text.txt"
    path.write_text("to be or not to be\n" * 100)  # 1,900 bytes
    with pytest.raises(
        CorpusError, match="is larger than the limit of 1,000 bytes; .*SEQZOO_MAX_CORPUS_BYTES"
    ):
        read_corpus(path, max_bytes=1000)
    with pytest.raises(
        CorpusError, match="the corpus files together are larger than the limit of 3,000 bytes"
    ):
        read_corpus([path, path], max_bytes=3000)
    monkeypatch.setenv("SEQZOO_MAX_CORPUS_BYTES", "1000")
    with pytest.raises(CorpusError, match="larger than the limit of 1,000 bytes"):
        read_corpus(path)
    monkeypatch.setenv("SEQZOO_MAX_CORPUS_BYTES", "4000")
    assert len(read_corpus([path, path])) == 3801


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    from text.generator import TextGenerator

    gen = TextGenerator.from_corpus("abc abd abe\n" * 20, units=4, embedding_dim=2)
    folder = tmp_path_factory.mktemp("tiny") / "model"
    gen.save(folder)
    return gen, folder


def test_generation_is_bounded(tiny, capsys, monkeypatch):
    gen, folder = tiny
    with pytest.raises(ValueError, match="n=2147483648 is more than the limit of 10,000 samples"):
        gen.generate(2**31, length=1)
    with pytest.raises(
        ValueError,
        match=r"length=1000000000: 1 x 1000000000 tokens is more "
        r"than the limit of 1,000,000 generated tokens",
    ):
        gen.generate(1, length=10**9)
    with pytest.raises(ValueError, match="width=100000 is more than the limit of 10,000 beams"):
        gen.beam_search("a", width=100_000, length=2)
    assert main(["generate", str(folder), "-n", str(2**31)]) == 2
    assert one_line(capsys).startswith(
        "error: -n 2147483648 is more than the limit of 10,000 "
        "samples at once; ask for fewer or set SEQZOO_MAX_SAMPLES"
    )
    assert main(["generate", str(folder), "--length", "1000000000"]) == 2
    assert one_line(capsys).startswith("error: --length 1000000000: 1 x 1000000000 tokens")
    with pytest.raises(
        ValueError,
        match=r"length=1: 3 x \(400000 prefix \+ 1\) tokens is more "
        r"than the limit of 1,000,000",
    ):
        gen.generate(3, length=1, prefix="a" * 400_000)  # the prefix is held n times too
    monkeypatch.setenv("SEQZOO_MAX_GENERATED_TOKENS", "5")
    with pytest.raises(ValueError, match="limit of 5 generated tokens"):
        gen.generate(2, length=3)
    assert len(gen.generate(1, length=5, seed=1)[0]) <= 5


@pytest.mark.slow
def test_seeds_of_any_size_are_mapped_deterministically(tiny, capsys):
    gen, folder = tiny
    outputs = []
    for _ in range(2):
        assert main(["generate", str(folder), "--seed", str(2**31), "--length", "8"]) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1]
    assert main(["generate", str(folder), "--seed", "-5", "--length", "3"]) == 0
    assert main(["generate", str(folder), "--seed", "1.5"]) == 2
    assert (
        one_line(capsys) == "error: python -m text generate: --seed must be an integer; got '1.5'"
    )
