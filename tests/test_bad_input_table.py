"""The bad-input table of docs/guide/bad-input.md: every row is a case run here.

The table is generated from the cases.

Each case is a command line of `python -m music` / `python -m text` (run in-process: exit
status 2 and exactly one line on stderr) or a Python call (a `ValueError` subclass of the
package), and the message must be exactly the one in the table. Cases run in a scratch folder
holding the inputs they name (``far.mid``: one note 268 million quarter notes in; ``pipe.mid``,
``pipe.txt``: FIFOs; ``loop.mid``: a symlink loop; ``model``: a tiny text model; ``mine``: a
user's folder holding one file).

Regenerate the table after changing a case or a message::

    python -m tests.test_bad_input_table --write
"""

import os
import pathlib
import sys

import pytest

from tests.conftest import REPO_ROOT
from tests.midi import midi_bytes

PAGE = REPO_ROOT / "docs" / "guide" / "bad-input.md"
BEGIN, END = "<!-- bad-input-table -->", "<!-- /bad-input-table -->"

GEN = ["generate", "--out", "solo.mid"]

# (entry point, input, expected message). Inputs of command lines are argument lists; Python
# inputs are expressions evaluated with the names of `_namespace()`.
CASES = [
    (
        "python -m music",
        GEN + ["--tempo", "inf"],
        "error: python -m music generate: --tempo must be a number of beats per minute in "
        "[20, 400]; got inf",
    ),
    (
        "python -m music",
        GEN + ["--tempo", "1e9"],
        "error: python -m music generate: --tempo must be a number of beats per minute in "
        "[20, 400]; got 1000000000.0",
    ),
    (
        "python -m music",
        GEN + ["--swing", "5"],
        "error: python -m music generate: --swing must be the off-beat eighth's place in the "
        "beat, a number in [1/2, 3/4] (1/2 straight, 2/3 triplet swing); got '5'",
    ),
    (
        "python -m music",
        GEN + ["--swing", "1/0"],
        "error: python -m music generate: --swing must be the off-beat eighth's place in the "
        "beat, a number in [1/2, 3/4] (1/2 straight, 2/3 triplet swing); got '1/0'",
    ),
    (
        "python -m music",
        GEN + ["--seed", "1.5"],
        "error: python -m music generate: --seed must be an integer; got '1.5'",
    ),
    (
        "python -m music",
        GEN + ["--choruses", "0"],
        "error: python -m music generate: --choruses must be an integer >= 1; got 0",
    ),
    (
        "python -m music",
        GEN + ["--chords", "blues:F", "--choruses", "100000"],
        "error: --choruses 100000: 100000 choruses of 12 bars make 1200000 bars; expected at most "
        "2000 bars in all",
    ),
    (
        "python -m music",
        GEN + ["--temperature", "nan"],
        "error: python -m music generate: --temperature must be a number in (0, inf); got nan",
    ),
    (
        "python -m music",
        GEN + ["--top-p", "2"],
        "error: python -m music generate: --top-p must be a number in (0, 1]; got 2.0",
    ),
    ("python -m music", GEN + ["--chords", "Dm7 G7 | Xq7 |"], None),
    ("python -m music", GEN + ["--meter", "3/5"], None),
    ("python -m music", ["generate", "--out", "solo.xml"], None),
    (
        "python -m music",
        ["train", "far.mid", "--out", "mine"],
        "error: --out mine: it exists and is not a music.improviser artifact (it is a folder of 1 "
        "entry that is not a seqzoo artifact); nothing was changed: choose a new or empty folder",
    ),
    (
        "python -m text",
        ["train", "corpus.txt", "--out", "."],
        "error: --out .: that is the current folder or one of its parents, which is never "
        "replaced; name a new folder such as runs/model",
    ),
    (
        "python -m text",
        ["train", "corpus.txt", "--out", "model/vocab.json"],
        "error: --out model/vocab.json: it is a file; expected a folder to create or replace",
    ),
    (
        "python -m music",
        GEN + ["--model", "model"],
        "error: --model model: is a text.generator artifact; expected a music.improviser artifact "
        "folder (written by python -m music train)",
    ),
    (
        "python -m music",
        GEN + ["--primer", "far.mid"],
        "error: far.mid: sounds at quarter note 268,435,455, past the limit of 20,000 quarter "
        "notes; expected a shorter file, or allow more with the environment variable "
        "SEQZOO_MAX_MUSIC_QUARTERS or read_solo(..., limits=ReadLimits(max_quarters=...))",
    ),
    (
        "python -m music",
        GEN + ["--primer", "pipe.mid"],
        "error: music file 'pipe.mid' is a FIFO (named pipe); expected a regular file",
    ),
    (
        "python -m music",
        GEN + ["--like", "far.mid"],
        "error: far.mid: sounds at quarter note 268,435,455, past the limit of 20,000 quarter "
        "notes; expected a shorter file, or allow more with the environment variable "
        "SEQZOO_MAX_MUSIC_QUARTERS or read_solo(..., limits=ReadLimits(max_quarters=...))",
    ),
    ("python -m music", GEN + ["--style", "Charlie Parkr"], None),
    (
        "python -m music",
        GEN + ["--style", "Charlie Parker", "--like", "far.mid"],
        "error: give a style or a solo to play like (--style or --like), not both",
    ),
    (
        "python -m music",
        GEN + ["--chords", "loop.mid"],
        "error: music file 'loop.mid' is a symbolic link loop; expected a regular file",
    ),
    (
        "python -m music",
        ["train", "far.mid", "--out", "m"],
        "error: none of the 1 music files could be read; the first error: far.mid: sounds at "
        "quarter note 268,435,455, past the limit of 20,000 quarter notes; expected a shorter "
        "file, or allow more with the environment variable SEQZOO_MAX_MUSIC_QUARTERS or "
        "read_solo(..., limits=ReadLimits(max_quarters=...))",
    ),
    (
        "python -m music",
        ["train", "far.mid", "--out", "m", "--learning-rate", "-1"],
        "error: python -m music train: --learning-rate must be a number in (0, inf); got -1.0",
    ),
    (
        "python -m music",
        ["train", "far.mid", "--out", "m", "--max-minutes", "nan"],
        "error: python -m music train: --max-minutes must be a number in (0, inf); got nan",
    ),
    (
        "python -m music",
        ["train", "far.mid", "--out", "m", "--units", "0"],
        "error: python -m music train: --units must be an integer in [1, 8192]; got 0",
    ),
    (
        "python -m music",
        ["evaluate", "/dev/zero"],
        "error: music file '/dev/zero' is a character device; expected a regular file",
    ),
    (
        "python -m text",
        ["train", "/dev/zero", "--out", "new"],
        "error: corpus file '/dev/zero' is a character device; expected a regular file",
    ),
    (
        "python -m text",
        ["train", "pipe.txt", "--out", "new"],
        "error: corpus file 'pipe.txt' is a FIFO (named pipe); expected a regular file",
    ),
    (
        "python -m text",
        ["train", "corpus.txt", "--out", "new", "--units", "100000"],
        "error: python -m text train: --units must be an integer in [1, 8192]; got 100000",
    ),
    (
        "python -m text",
        ["train", "corpus.txt", "--out", "new", "--learning-rate", "inf"],
        "error: python -m text train: --learning-rate must be in (0.0, inf), got inf",
    ),
    (
        "python -m text",
        ["generate", "model", "-n", "2147483648"],
        "error: -n 2147483648 is more than the limit of 10,000 samples at once; ask for fewer or "
        "set SEQZOO_MAX_SAMPLES",
    ),
    (
        "python -m text",
        ["generate", "model", "--length", "1000000000"],
        "error: --length 1000000000: 1 x 1000000000 tokens is more than the limit of 1,000,000 "
        "generated tokens in one call; ask for fewer or set SEQZOO_MAX_GENERATED_TOKENS",
    ),
    (
        "python -m text",
        ["generate", "model", "--beam", "100000"],
        "error: --beam 100000 is more than the limit of 10,000 beams at once; ask for fewer or set "
        "SEQZOO_MAX_SAMPLES",
    ),
    (
        "python -m text",
        ["generate", "model", "--seed", "1.5"],
        "error: python -m text generate: --seed must be an integer; got '1.5'",
    ),
    (
        "Python",
        'read_solo("far.mid")',
        "far.mid: sounds at quarter note 268,435,455, past the limit of 20,000 quarter notes; "
        "expected a shorter file, or allow more with the environment variable "
        "SEQZOO_MAX_MUSIC_QUARTERS or read_solo(..., limits=ReadLimits(max_quarters=...))",
    ),
    (
        "Python",
        'read_solo("pipe.mid")',
        "music file 'pipe.mid' is a FIFO (named pipe); expected a regular file",
    ),
    (
        "Python",
        'generate("solo.mid", tempo="fast")',
        "tempo must be a number of beats per minute in [20, 400]; got 'fast'",
    ),
    (
        "Python",
        'generate("solo.mid", swing=5)',
        "swing must be the off-beat eighth's place in the beat, a number in [1/2, 3/4] (1/2 "
        "straight, 2/3 triplet swing); got 5",
    ),
    ("Python", 'generate("solo.mid", choruses=2.5)', "choruses must be an integer >= 1; got 2.5"),
    (
        "Python",
        'text_corpus(Path("/dev/zero"))',
        "corpus file '/dev/zero' is a character device; expected a regular file",
    ),
    (
        "Python",
        'text_corpus(Path("loop.txt"))',
        "corpus file 'loop.txt' is a symbolic link loop; expected a regular file",
    ),
    (
        "Python",
        "text_model.generate(2**31)",
        "n=2147483648 is more than the limit of 10,000 samples at once; ask for fewer or set "
        "SEQZOO_MAX_SAMPLES",
    ),
]


def make_scratch(folder):
    """Write the inputs the cases name into `folder`."""
    folder = pathlib.Path(folder)
    (folder / "far.mid").write_bytes(midi_bytes([(0x0FFFFFFF, 1, 60)]))  # 268M quarters in
    (folder / "corpus.txt").write_text("abc abd abe\n" * 20)
    (folder / "mine").mkdir()
    (folder / "mine" / "thesis.tex").write_text("a user's folder: never replaced")
    os.mkfifo(folder / "pipe.mid")
    os.mkfifo(folder / "pipe.txt")
    for suffix in ("mid", "txt"):
        os.symlink(f"loop2.{suffix}", folder / f"loop.{suffix}")
        os.symlink(f"loop.{suffix}", folder / f"loop2.{suffix}")
    return folder


def make_text_model(folder):
    """A tiny untrained text generator, also saved as `folder/model`."""
    from text.generator import TextGenerator

    gen = TextGenerator.from_corpus("abc abd abe\n" * 20, units=4, embedding_dim=2)
    gen.save(pathlib.Path(folder) / "model")
    return gen


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    """A folder with the inputs the cases name; the tests run with it as working directory."""
    return make_scratch(tmp_path_factory.mktemp("bad_input"))


@pytest.fixture(scope="module")
def text_model(scratch):
    return make_text_model(scratch)


def _namespace(text_model):
    from music.model.improvise import generate
    from music.reading.solos import read_solo
    from text.data import read_corpus

    return {
        "read_solo": read_solo,
        "generate": generate,
        "text_corpus": read_corpus,
        "Path": pathlib.Path,
        "text_model": text_model,
    }


def run_case(entry, given, text_model, read_stderr):
    """Run one case; return the message (a CLI must give exit status 2 and one line).

    Args:
        entry: "python -m music", "python -m text" or "Python".
        given: the argument list, or the Python expression.
        text_model: the tiny `TextGenerator` (for Python expressions).
        read_stderr: returns what was written to `sys.stderr` since the last call.
    """
    if entry == "Python":
        with pytest.raises(ValueError) as error:
            eval(given, _namespace(text_model))  # noqa: S307 (the table's own expressions)
        assert type(error.value).__module__.split(".")[0] in ("music", "text", "zoo"), (
            f"{type(error.value)} is not one of the package's errors"
        )
        return str(error.value)
    if entry == "python -m music":
        from music.__main__ import main
    else:
        from text.cli import main
    code = main(list(given))
    err = read_stderr().strip().splitlines()
    assert code == 2 and len(err) == 1, (code, err)
    assert "Traceback" not in err[0]
    return err[0]


def _message(case, text_model, read_stderr):
    entry, given, expected = case
    return expected if expected is not None else run_case(entry, given, text_model, read_stderr)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="the cases use FIFOs")
@pytest.mark.parametrize("case", CASES, ids=[f"{i:02d}" for i in range(len(CASES))])
def test_bad_input_gives_the_message_in_the_table(case, scratch, text_model, capsys, monkeypatch):
    monkeypatch.chdir(scratch)
    entry, given, expected = case
    message = run_case(entry, given, text_model, lambda: capsys.readouterr().err)
    if expected is None:  # a message owned by another module's tests: one clean line is enough
        assert message
    else:
        assert message == expected
    assert not any((scratch / name).exists() for name in ("solo.mid", "new", "m"))
    assert sorted(p.name for p in (scratch / "mine").iterdir()) == ["thesis.tex"]


def _shown(entry, given):
    if entry == "Python":
        return given
    return " ".join(a if a and not set(a) & set(" |*'\"") else repr(a) for a in given)


def render(messages):
    """The markdown table: entry point, input, message (pipes escaped)."""
    rows = ["| entry point | input | message |", "|---|---|---|"]
    for (entry, given, _), message in zip(CASES, messages):
        cells = [entry, f"`{_shown(entry, given)}`", message]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows)


def page_table():
    text = PAGE.read_text()
    if BEGIN not in text or END not in text:
        return None
    return text.split(BEGIN, 1)[1].split(END, 1)[0].strip()


def write_page(table):
    text = PAGE.read_text()
    head, rest = text.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    PAGE.write_text(f"{head}{BEGIN}\n{table}\n{END}{tail}")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="the cases use FIFOs")
def test_table_is_up_to_date(scratch, text_model, capsys, monkeypatch):
    monkeypatch.chdir(scratch)
    messages = [_message(case, text_model, lambda: capsys.readouterr().err) for case in CASES]
    assert page_table() == render(messages), (
        "the bad-input table of docs/guide/bad-input.md is out of date: "
        "python -m tests.test_bad_input_table --write"
    )


def _write():
    """Run the cases in a scratch folder and write the table into docs/guide/bad-input.md."""
    import contextlib
    import io
    import tempfile

    captured = io.StringIO()

    def read_stderr():
        text = captured.getvalue()
        captured.seek(0)
        captured.truncate()
        return text

    here = os.getcwd()
    with tempfile.TemporaryDirectory() as folder:
        make_scratch(folder)
        model = make_text_model(folder)
        os.chdir(folder)
        try:
            with contextlib.redirect_stderr(captured):
                messages = [_message(case, model, read_stderr) for case in CASES]
        finally:
            os.chdir(here)
    write_page(render(messages))
    print(f"wrote {len(messages)} rows to {PAGE}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.test_bad_input_table --write")
    _write()
