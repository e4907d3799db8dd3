"""Artifacts written by the layout before issue 26's move still load and run with today's code.

`tests/fixtures/layout_v0/` holds a text generator, a music improviser, a tasks addition
artifact and a bare encoder-decoder `.keras` file, written by seqzoo before zoo/ and music/
moved into subpackages (see its README). Each is loaded in a fresh Python process, so no
module is imported by accident before the loader asks for it (a `model.keras` that records
`"module": "zoo.layers"` must still find its registered layers), and asked to generate or
predict a little. The fixture files are never rewritten: their bytes are compared before and
after.
"""

import hashlib
import os
import subprocess
import sys
import textwrap

import pytest

from tests.conftest import REPO_ROOT

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "layout_v0"

SCRIPTS = {
    "text_generator": """
        from text import TextGenerator

        gen = TextGenerator.load(FIXTURE)
        assert gen.mode == "lines" and gen.model_config["units"] == 4, gen
        samples = gen.generate(n=3, length=6, seed=0)
        assert len(samples) == 3 and all(isinstance(s, str) for s in samples), samples
        assert gen.score("abc").num_tokens == 4
        print("ok", samples)
    """,
    "music_improviser": """
        import pathlib
        import tempfile

        from music.model.improvise import generate

        out = pathlib.Path(tempfile.mkdtemp()) / "solo.mid"
        solo, midi, xml = generate(out, chords="Dm7 G7 | Cmaj7 |", choruses=1, seed=0,
                                   model=FIXTURE)
        assert pathlib.Path(midi).stat().st_size > 0 and pathlib.Path(xml).is_file()
        print("ok", len(solo.notes))
    """,
    "tasks_addition": """
        from zoo.tasks import addition

        adder = addition.load(FIXTURE)
        answers = addition.predict(adder, ["1+2", "3+4"])
        assert len(answers) == 2 and all(isinstance(a, str) for a in answers), answers
        print("ok", answers)
    """,
    "encoder_decoder.keras": """
        import numpy as np
        import zoo

        model = zoo.load_model(FIXTURE)
        inputs = [np.ones((2, 3), "int32") for _ in model.inputs]
        logits = np.asarray(model.predict(inputs, verbose=0))
        assert logits.shape[:2] == (2, 3) and np.isfinite(logits).all(), logits.shape
        print("ok", logits.shape)
    """,
}


def _digest(path):
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    return {str(p.relative_to(FIXTURES)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def test_every_fixture_has_a_check():
    names = {p.name for p in FIXTURES.iterdir() if p.name != "README.md"}
    assert names == set(SCRIPTS)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_an_artifact_of_the_old_layout_loads_and_runs(name):
    fixture = FIXTURES / name
    before = _digest(fixture)
    script = f"FIXTURE = {str(fixture)!r}\n" + textwrap.dedent(SCRIPTS[name])
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env=dict(os.environ, PYTHONPATH=str(REPO_ROOT)),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("ok"), done.stdout
    assert _digest(fixture) == before  # loading never rewrites the fixture
