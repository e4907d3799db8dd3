"""`python -m music`: generate/train/evaluate, and bad input: exit 2, one line on stderr, no files."""

import json
import os
import shutil
import subprocess
import sys
from fractions import Fraction as F

import pytest

from music.encoding.events import Encoding
from music.model.artifact import build_model, load_artifact, save_artifact
from music.reading.solos import read_solo
from music.theory.progressions import parse_progression
from tests.helpers import write_lead_sheets
from tests.music.helpers import assert_user_error, run

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory):
    import keras

    keras.utils.set_random_seed(0)
    folder = tmp_path_factory.mktemp("model") / "tiny"
    enc = Encoding()
    save_artifact(folder, build_model(enc, units=8, embedding_dim=4), enc, {"hparams": {}}, {})
    return folder


@pytest.mark.slow
def test_generate_writes_midi_and_musicxml(tmp_path, tiny_model, capsys):
    code, out, err = run(
        capsys,
        "generate",
        "--model",
        tiny_model,
        "--chords",
        "blues:F",
        "--choruses",
        2,
        "--seed",
        3,
        "--tempo",
        140,
        "--out",
        tmp_path / "s.mid",
    )
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.mid", "s.musicxml"]
    assert "24 bars" in out
    back = read_solo(tmp_path / "s.musicxml", harmony="symbols")
    assert back.duration == 24 * 4 and back.chords[0].figure.startswith("F")
    assert back.tempo == 140


@pytest.mark.parametrize(
    "args, fragments",
    [
        (["--choruses", "0"], ["--choruses must be an integer >= 1; got 0"]),
        (
            ["--chords", "blues:F", "--choruses", "100000"],
            [
                "--choruses 100000: 100000 choruses of 12 bars make 1200000 bars; expected at most 2000 "
                "bars in all"
            ],
        ),
        (["--chords", "Dm7 G7 | Xq7 |"], ["bar 2", "'Xq7'"]),
        (["--temperature", "0"], ["--temperature must be a number in (0, inf); got 0.0"]),
        (["--top-p", "2"], ["--top-p must be a number in (0, 1]; got 2.0"]),
        (["--temperature", "warm"], ["--temperature", "warm"]),
        (["--chords", "blues:H"], ["H"]),
    ],
)
def test_bad_generate_arguments(tmp_path, tiny_model, capsys, args, fragments):
    code, _, err = run(
        capsys, "generate", "--model", tiny_model, "--out", tmp_path / "s.mid", *args
    )
    assert_user_error(code, err, *fragments)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", ["solo.musicxml", "solo.xml", "solo", "solo.mid.txt"])
def test_out_must_be_a_midi_file_name(tmp_path, tiny_model, capsys, name):
    code, _, err = run(
        capsys, "generate", "--model", tiny_model, "--chords", "Xq7 |", "--out", tmp_path / name
    )  # refused before the chords are even read
    assert_user_error(
        code,
        err,
        f"--out {tmp_path / name}: expected a MIDI file name ending in "
        ".mid or .midi (the MusicXML is written beside it as .musicxml)",
    )
    assert list(tmp_path.iterdir()) == []


def test_out_accepts_midi_suffixes_in_any_case(tmp_path, tiny_model, capsys):
    code, _, err = run(
        capsys,
        "generate",
        "--model",
        tiny_model,
        "--chords",
        "C7 |",
        "--out",
        tmp_path / "solo.MIDI",
    )
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["solo.MIDI", "solo.musicxml"]


METER_EXPECTED = (
    "expected N/D with N a whole number from 1 to 16 and D one of 2, 4, 8 or 16, e.g. 3/4, 5/4, 6/8"
)


@pytest.mark.parametrize("meter", ["3/5", "0/4", "17/8", "3", "three/4", "3/4/4", "6/32"])
def test_bad_meter_is_refused_with_what_is_expected(tmp_path, tiny_model, capsys, meter):
    code, _, err = run(
        capsys, "generate", "--model", tiny_model, "--meter", meter, "--out", tmp_path / "s.mid"
    )
    assert_user_error(code, err, f"--meter {meter}: {METER_EXPECTED}")
    assert list(tmp_path.iterdir()) == []


def test_a_meter_in_the_chords_gets_a_hint(tmp_path, tiny_model, capsys):
    code, _, err = run(
        capsys,
        "generate",
        "--model",
        tiny_model,
        "--chords",
        "3/4 Dm7 | G7 |",
        "--out",
        tmp_path / "s.mid",
    )
    assert_user_error(
        code,
        err,
        "bar 1: cannot read chord symbol '3/4': it looks like a meter; "
        "give the meter on its own (--meter 3/4) and only chords in the "
        "progression, e.g. 'Dm7 G7 | Cmaj7 |'",
    )
    code, out, err = run(
        capsys,
        "generate",
        "--model",
        tiny_model,
        "--chords",
        "Dm7 | G7 |",
        "--meter",
        "3/4",
        "--out",
        tmp_path / "s.mid",
    )
    assert code == 0, err
    assert "2 bars" in out
    assert read_solo(tmp_path / "s.musicxml").bar_length == 3


def test_unwritable_output_fails_first(tmp_path, tiny_model, capsys):
    code, _, err = run(
        capsys,
        "generate",
        "--model",
        tiny_model,
        "--chords",
        "Xq7 |",
        "--out",
        tmp_path / "nowhere" / "s.mid",
    )
    assert_user_error(code, err, "--out", "does not exist")  # before the chords are even read
    (tmp_path / "taken.mid").mkdir()
    code, _, err = run(capsys, "generate", "--model", tiny_model, "--out", tmp_path / "taken.mid")
    assert_user_error(code, err, "is a folder")
    assert [p.name for p in tmp_path.iterdir()] == ["taken.mid"]


needs_proc = pytest.mark.skipif(not os.path.isdir("/proc"), reason="no /proc on this system")


@needs_proc
def test_a_folder_where_nothing_can_be_created_fails_first_even_as_root(
    tmp_path, tiny_model, capsys
):
    """/proc passes os.access for root; the check must really try to create a file there."""
    code, _, err = run(
        capsys, "generate", "--model", tiny_model, "--chords", "Xq7 |", "--out", "/proc/x.mid"
    )  # refused before the chords are even read
    assert_user_error(
        code,
        err,
        "--out /proc/x.mid: cannot write in /proc (",
        "); expected a path in a writable folder",
    )
    assert ".tmp" not in err and not os.path.exists("/proc/x.mid")
    code, _, err = run(capsys, "train", tmp_path, "--out", "/proc/m")  # before reading the data
    assert_user_error(code, err, "--out /proc/m: cannot write in /proc (")
    assert ".tmp" not in err


@needs_proc
def test_a_failing_final_write_names_the_users_file(tmp_path, tiny_model, capsys, monkeypatch):
    import music.writing.render

    # get past the check
    monkeypatch.setattr(music.writing.render, "check_writable", lambda path, **_: None)
    code, _, err = run(
        capsys, "generate", "--model", tiny_model, "--chords", "C7 |", "--out", "/proc/x.mid"
    )
    assert_user_error(code, err, "/proc/x.mid: ")
    assert ".tmp" not in err and "/proc/." not in err
    enc = Encoding()
    with pytest.raises(ValueError) as error:  # zoo.artifacts.format.ArtifactError
        save_artifact("/proc/m", build_model(enc, units=4, embedding_dim=3), enc, {}, {})
    assert "/proc/m: cannot write in /proc" in str(error.value) and ".tmp" not in str(error.value)


def test_corrupt_primer_and_model_are_refused(tmp_path, tiny_model, capsys):
    out = tmp_path / "out"
    out.mkdir()
    primer = tmp_path / "primer.mid"
    primer.write_bytes(b"MThd\x00\x00\x00\x06garbage, not a MIDI file")
    code, _, err = run(
        capsys, "generate", "--model", tiny_model, "--primer", primer, "--out", out / "s.mid"
    )
    assert_user_error(code, err, "primer.mid")
    code, _, err = run(capsys, "generate", "--model", tmp_path, "--out", out / "s.mid")
    assert_user_error(code, err, "--model", "not a seqzoo artifact")
    assert list(out.iterdir()) == []


def test_primer_file_is_accepted(tmp_path, tiny_model, capsys):
    from music.types import Note, Solo
    from music.writing.render import write_solo

    melody = Solo(
        [Note(F(0), F(1), 60), Note(F(1), F(1), 64), Note(F(2), F(2), 67)], parse_progression("C |")
    )
    write_solo(melody, tmp_path / "primer.mid")
    code, _, err = run(
        capsys,
        "generate",
        "--model",
        tiny_model,
        "--primer",
        tmp_path / "primer.musicxml",
        "--chords",
        "C7 | F7 |",
        "--out",
        tmp_path / "s.mid",
    )
    assert code == 0, err
    assert read_solo(tmp_path / "s.musicxml").duration == 8


@pytest.mark.slow
def test_train_then_evaluate(tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    write_lead_sheets(data)
    code, out, err = run(
        capsys,
        "train",
        data,
        "--out",
        tmp_path / "model",
        "--epochs",
        2,
        "--units",
        8,
        "--holdout-every",
        0,
        "--seq-len",
        16,
        "--cache-dir",
        tmp_path / "cache",
    )
    assert code == 0, err
    metrics = json.loads(out.strip().splitlines()[-1])
    assert metrics["epochs_run"] == 2
    artifact = load_artifact(tmp_path / "model")
    assert artifact.arguments["units"] == 8
    assert len(artifact.config["data"]["validation_sources"]) == 1
    code, out, err = run(
        capsys,
        "evaluate",
        data / "solo0.musicxml",
        "--against",
        data / "solo1.musicxml",
        data / "solo2.musicxml",
        "--cache-dir",
        tmp_path / "cache",
    )
    assert code == 0, err
    result = json.loads(out)
    assert 0 <= result["chord_tone_ratio"] <= 1
    assert result["interval_hist_distance"] is not None
    code, _, err = run(capsys, "train", data, "--out", tmp_path / "m2", "--units", "0")
    assert_user_error(code, err, "--units must be an integer in [1, 8192]; got 0")


@pytest.mark.slow
def test_readme_command_on_the_shipped_model_and_one_line_errors(tmp_path):
    """The real process: the shipped model, and a TensorFlow-side error that stays one line."""
    env = dict(os.environ, PYTHONPATH=REPO)
    done = subprocess.run(
        [sys.executable, "-m", "music", "generate", "--out", "solo.mid"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert sorted(os.listdir(tmp_path)) == ["solo.mid", "solo.musicxml"]
    broken = tmp_path / "broken"
    shutil.copytree(load_artifact().path, broken)
    (broken / "model.keras").write_bytes(b"not a zip file")
    done = subprocess.run(
        [sys.executable, "-m", "music", "generate", "--model", str(broken), "--out", "again.mid"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "cannot load" in done.stderr
    assert not (tmp_path / "again.mid").exists()


@pytest.mark.slow
def test_train_harmony_option_reaches_the_reader(tmp_path, capsys):
    import music21

    data = tmp_path / "melodies"
    data.mkdir()
    for k in range(3):  # melody-only MIDI files: no chord symbols, no other parts
        part = music21.stream.Part()
        for i in range(32):
            part.append(music21.note.Note(60 + (2 * i + k) % 12, quarterLength=0.5))
        part.write("midi", fp=str(data / f"melody{k}.mid"))
    common = [
        "--epochs",
        1,
        "--units",
        8,
        "--holdout-every",
        0,
        "--seq-len",
        16,
        "--cache-dir",
        tmp_path / "cache",
    ]
    # Chord symbols only: every file is refused, and the message says why.
    code, _, err = run(
        capsys, "train", data, "--out", tmp_path / "m1", "--harmony", "symbols", *common
    )
    assert_user_error(
        code, err, "none of the 3 music files could be read; the first error:", "chord symbols"
    )
    assert not (tmp_path / "m1").exists()
    # Harmony inferred from the melody itself: trains.
    code, out, err = run(
        capsys, "train", data, "--out", tmp_path / "m2", "--harmony", "melody", *common
    )
    assert code == 0, err
    assert load_artifact(tmp_path / "m2").arguments["units"] == 8


@pytest.mark.slow
def test_train_resumes_refuses_other_settings_and_reports_a_failed_run(tmp_path, capsys):
    """The training engine under `music train`: a finished run is not retrained, a run folder
    with other settings is refused naming them, and a run whose loss blows up exits 1."""
    from music.types import Note, Solo
    from music.writing.render import write_solo

    data = tmp_path / "data"
    data.mkdir()
    for k, progression in enumerate(("Dm7 G7 | Cmaj7 |", "Fm7 Bb7 | Ebmaj7 |", "C7 | F7 |")):
        notes = [Note(F(i, 2), F(1, 2), 60 + (5 * i + k) % 12) for i in range(16)]
        write_solo(Solo(notes, parse_progression(progression * 4)), data / f"solo{k}.mid")
    common = [
        data,
        "--out",
        tmp_path / "model",
        "--epochs",
        2,
        "--units",
        8,
        "--holdout-every",
        0,
        "--seq-len",
        16,
        "--cache-dir",
        tmp_path / "cache",
    ]
    code, out, err = run(capsys, "train", *common)
    assert code == 0, err
    assert json.loads(out.strip().splitlines()[-1])["stopped_reason"] == "finished"
    state = json.loads((tmp_path / "model" / "training" / "state.json").read_text())
    assert state["finished"] and [h["epoch"] for h in state["history"]] == [1, 2]
    before = (tmp_path / "model" / "model.keras").read_bytes()
    code, out, err = run(capsys, "train", *common)
    assert code == 0 and "already holds this finished run" in err
    assert json.loads(out.strip().splitlines()[-1])["epochs_run"] == 2
    assert (tmp_path / "model" / "model.keras").read_bytes() == before
    code, _, err = run(capsys, "train", *common, "--learning-rate", "0.01")
    assert_user_error(code, err, "learning_rate 0.002 (recorded) vs 0.01 (now)", "--fresh")
    code, out, err = run(capsys, "train", *common, "--learning-rate", "0.01", "--fresh")
    assert code == 0, err
    code, out, err = run(
        capsys,
        "train",
        data,
        "--out",
        tmp_path / "wild",
        "--epochs",
        3,
        "--units",
        8,
        "--holdout-every",
        0,
        "--seq-len",
        16,
        "--cache-dir",
        tmp_path / "cache",
        "--learning-rate",
        "1e30",
    )
    assert code == 1, err
    assert len(err.strip().splitlines()) == 1 and "error: training stopped: the " in err


def test_train_precision_and_fresh_flags_parse():
    from music.__main__ import _parser

    args = _parser().parse_args(["train", "data", "--out", "model"])
    assert args.precision == "float32" and args.fresh is False
    args = _parser().parse_args(
        ["train", "data", "--out", "model", "--precision", "auto", "--fresh"]
    )
    assert args.precision == "auto" and args.fresh is True


@pytest.mark.slow
def test_a_seed_of_any_size_is_accepted_and_reproducible(tmp_path, tiny_model, capsys):
    written = []
    for name in ("a.mid", "b.mid"):
        code, _, err = run(
            capsys,
            "generate",
            "--model",
            tiny_model,
            "--chords",
            "C7 | F7 |",
            "--seed",
            2**31,
            "--out",
            tmp_path / name,
        )
        assert code == 0, err
        written.append(read_solo(tmp_path / name.replace(".mid", ".musicxml")).notes)
    assert written[0] == written[1]


@pytest.mark.parametrize(
    "library, command_line",
    [
        ("choruses=9: 9 choruses", "--choruses 9: 9 choruses"),
        ("top_p must be a number", "--top-p must be a number"),
        (
            "meter=4/4: a.xml is in 3/4; expected no meter with a lead-sheet file (its own meter is "
            "used) or meter=3/4",
            "--meter 4/4: a.xml is in 3/4; expected no meter with a lead-sheet "
            "file (its own meter is used) or --meter 3/4",
        ),
        ("out=x.xml: expected a MIDI file name", "--out x.xml: expected a MIDI file name"),
        (
            "a.mid: read_solo(..., limits=ReadLimits(max_quarters=...))",
            "a.mid: read_solo(..., limits=ReadLimits(max_quarters=...))",
        ),  # not parameters of the CLI
        ("midi_path=x.mid: not writable", "midi_path=x.mid: not writable"),
    ],
)
def test_only_the_command_line_speaks_flags(library, command_line):
    from music.__main__ import _parser
    from zoo.core.cli import speak_flags

    assert speak_flags(library, _parser()) == command_line
