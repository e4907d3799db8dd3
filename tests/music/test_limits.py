"""Bounded work: a tiny file cannot make reading music run for hours or read a FIFO forever."""

import os
import re
import zipfile

import pytest

from music.__main__ import main
from music.errors import MusicInputError
from music.reading.limits import ReadLimits, read_limits
from music.reading.solos import read_corpus, read_solo
from tests.midi import midi_bytes


@pytest.fixture
def far_midi(tmp_path):
    """37 bytes: one note 268,435,455 quarter notes in (the largest MIDI delta time)."""
    path = tmp_path / "far.mid"
    path.write_bytes(midi_bytes([(0x0FFFFFFF, 1, 60)]))
    return path


QUARTERS = "sounds at quarter note 268,435,455, past the limit of 20,000 quarter notes"


@pytest.mark.parametrize("harmony", ["auto", "melody", "none"])
def test_a_note_268_million_quarters_in_is_refused_while_reading(far_midi, harmony):
    with pytest.raises(MusicInputError) as error:
        read_solo(far_midi, harmony=harmony)
    assert str(error.value).startswith(f"{far_midi}: {QUARTERS}")
    assert "SEQZOO_MAX_MUSIC_QUARTERS" in str(error.value)


def test_the_far_note_is_refused_by_the_corpus_reader_and_the_cli(far_midi, tmp_path, capsys):
    with pytest.raises(MusicInputError, match=QUARTERS):
        read_corpus([far_midi], cache_dir=tmp_path / "cache")
    for option in ("--primer", "--chords"):
        code = main(["generate", option, str(far_midi), "--out", str(tmp_path / "s.mid")])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and QUARTERS in err[0]
    assert code == 2 and not (tmp_path / "s.mid").exists()


def test_notes_bars_and_bytes_limits(tmp_path):
    path = tmp_path / "three_bars.mid"
    path.write_bytes(midi_bytes([(0, 1, 60 + i) for i in range(12)]))
    assert read_solo(path).duration == 12
    with pytest.raises(MusicInputError, match="has more than the limit of 5 notes"):
        read_solo(path, limits=ReadLimits(max_notes=5))
    with pytest.raises(MusicInputError, match="lasts 3 bars, more than the limit of 2 bars"):
        read_solo(path, limits={"max_bars": 2})
    with pytest.raises(MusicInputError, match="larger than the limit of 20 bytes"):
        read_solo(path, limits=ReadLimits(max_bytes=20))
    with pytest.raises(MusicInputError, match="limits.max_notes must be an integer >= 1"):
        read_solo(path, limits={"max_notes": 0})


def test_a_limit_is_raised_by_its_environment_variable(tmp_path, monkeypatch):
    path = tmp_path / "late.mid"
    path.write_bytes(midi_bytes([(30_000, 1, 60)]))
    with pytest.raises(MusicInputError, match="quarter note 30,000, past the limit of 20,000"):
        read_solo(path, harmony="none")
    monkeypatch.setenv("SEQZOO_MAX_MUSIC_QUARTERS", "40_000")
    assert read_limits().max_quarters == 40_000
    with pytest.raises(MusicInputError, match="lasts 7,501 bars, more than the limit of 2,500"):
        read_solo(path, harmony="none")
    monkeypatch.setenv("SEQZOO_MAX_MUSIC_BARS", "10000")
    assert read_solo(path, harmony="none").duration == 30_004
    monkeypatch.setenv("SEQZOO_MAX_MUSIC_QUARTERS", "lots")
    with pytest.raises(MusicInputError, match="SEQZOO_MAX_MUSIC_QUARTERS='lots': expected a whole"):
        read_solo(path)


def test_a_compressed_musicxml_counts_its_unpacked_size(tmp_path):
    path = tmp_path / "bomb.mxl"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("score.xml", b"\0" * (2 * 2**20))
    assert path.stat().st_size < 10_000
    with pytest.raises(MusicInputError, match="unpacks to 2,097,152 bytes, more than the limit"):
        read_solo(path, limits=ReadLimits(max_bytes=2**20))


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_only_regular_files_are_read(tmp_path, capsys):
    fifo = tmp_path / "pipe.mid"
    os.mkfifo(fifo)
    loop = tmp_path / "loop.mid"
    os.symlink(tmp_path / "other.mid", loop)
    os.symlink(loop, tmp_path / "other.mid")
    device = tmp_path / "zero.mid"
    os.symlink("/dev/zero", device)
    cases = [
        (fifo, "is a FIFO (named pipe); expected a regular file"),
        (loop, "is a symbolic link loop; expected a regular file"),
        (device, "is a character device; expected a regular file"),
    ]
    for path, message in cases:
        with pytest.raises(MusicInputError, match=re.escape(message)):
            read_solo(path)
        with pytest.raises(MusicInputError, match=re.escape(message)):
            read_corpus([path], use_cache=False)
        code = main(["generate", "--primer", str(path), "--out", str(tmp_path / "s.mid")])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 2 and len(err) == 1 and message in err[0]
    with pytest.raises(MusicInputError, match="folder has no music files"):
        read_corpus([tmp_path], use_cache=False)  # a folder's FIFOs and loops are passed over


def test_musicxml_measures_and_notes_are_counted_before_music21_parses(tmp_path):
    measure = '<measure number="1"><note><rest/><duration>1</duration></note></measure>'
    path = tmp_path / "many.xml"
    path.write_text('<score-partwise><part id="P1">' + measure * 30 + "</part></score-partwise>")
    with pytest.raises(MusicInputError, match="lasts 30 bars, more than the limit of 20 bars"):
        read_solo(path, limits=ReadLimits(max_bars=20))
    with pytest.raises(MusicInputError, match="has more than the limit of 10 notes"):
        read_solo(path, limits=ReadLimits(max_notes=10))


def test_infer_chords_work_grows_with_windows_plus_notes(tmp_path):
    """Long notes under many windows: the sweep gives the same chords as the plain scan."""
    from fractions import Fraction as F

    from music.reading.chord_inference import infer_chords

    events = [(F(0), F(400), (48,), 90), (F(0), F(400), (52,), 90), (F(0), F(400), (55,), 90)]
    events += [(F(k), F(k + 1), (62 + k % 3,), 90) for k in range(400)]
    spans = infer_chords(events, start=F(0), end=F(400), step=F(2))
    assert spans[0].offset == 0 and sum(s.duration for s in spans) == 400
    assert all(s.root == 0 for s in spans)


@pytest.mark.parametrize("suffix", [".xml", ".mxl"])
def test_a_huge_time_signature_is_refused_before_music21_hangs_on_it(tmp_path, suffix):
    score = (
        '<score-partwise><part id="P1"><measure number="1"><attributes><time>'
        "<beats>1000000</beats><beat-type>4</beat-type></time></attributes><note><pitch>"
        "<step>C</step><octave>4</octave></pitch><duration>1</duration></note></measure>"
        "</part></score-partwise>"
    )
    path = tmp_path / f"huge{suffix}"
    if suffix == ".xml":
        path.write_text(score)
    else:
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("score.xml", score)
    with pytest.raises(
        MusicInputError,
        match="time signature '1000000' is not supported; expected numbers up to 64",
    ):
        read_solo(path)


def test_a_lead_sheet_in_a_meter_that_cannot_be_written_is_refused(tmp_path, capsys):
    """16/1 bars are 64 quarter notes: MusicXML has no note value to write its comping."""
    score = (
        '<score-partwise><part-list><score-part id="P1"><part-name>Lead</part-name>'
        '</score-part></part-list><part id="P1"><measure number="1"><attributes>'
        "<divisions>1</divisions><time><beats>16</beats><beat-type>1</beat-type></time>"
        "</attributes><harmony><root><root-step>C</root-step></root><kind>dominant</kind>"
        "</harmony><note><pitch><step>C</step><octave>4</octave></pitch><duration>64"
        "</duration></note></measure></part></score-partwise>"
    )
    (tmp_path / "sheet.xml").write_text(score)
    code = main(
        ["generate", "--chords", str(tmp_path / "sheet.xml"), "--out", str(tmp_path / "s.mid")]
    )
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert err[0].endswith(
        "sheet.xml: its time signature 16/1 cannot be improvised over; "
        "expected N/D with N from 1 to 16 and D one of 2, 4, 8 or 16"
    )
    assert not (tmp_path / "s.mid").exists()
