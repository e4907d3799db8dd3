"""Rendering: MIDI and MusicXML written by the generator re-open in music21 with the same notes
and chord symbols; swing; comping and bass; atomic, fail-early writes."""

import os
from fractions import Fraction as F

import music21
import pytest

from music.errors import MusicInputError
from music.reading.solos import read_solo
from music.theory.pitch_classes import chord_tones
from music.theory.progressions import parse_progression
from music.types import Note, Solo
from music.writing.render import SWING, check_writable, swing_notes, to_score, write_solo

PROGRESSION = "Dm7 G7 | Cmaj7 | Bm7b5 E7b9 | Am6 | Ebm7 Ab7 | Dbmaj7 | C7sus4 | F7#9 |"


def solo_over(progression=PROGRESSION):
    chords = parse_progression(progression)
    pattern = [
        (F(1, 2), 62),
        (F(1, 2), 65),
        (F(1, 3), 69),
        (F(1, 3), 72),
        (F(1, 3), 71),
        (F(1), None),
        (F(1, 4), 67),
        (F(1, 4), 68),
        (F(1, 2), 70),
        (F(3, 2), 74),
        (F(1, 2), None),
        (F(5, 2), 60),
        (F(1, 2), 61),
        (F(1, 2), None),
        (F(1, 2), 63),
    ]
    notes, t = [], F(0)
    while t < 8 * 4:
        for duration, pitch in pattern:
            duration = min(duration, 32 - t)
            if duration > 0:
                notes.append(Note(t, duration, pitch))
                t += duration
    return Solo(notes, chords, tempo=150.0, source="test")


def pitched(notes):
    return [(n.offset, n.duration, n.pitch) for n in notes if n.pitch is not None]


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    folder = tmp_path_factory.mktemp("render")
    solo = solo_over()
    midi, xml = write_solo(solo, folder / "solo.mid")
    return solo, midi, xml


def test_musicxml_reopens_with_the_same_notes_and_chord_symbols(written):
    solo, _, xml = written
    assert xml.suffix == ".musicxml"
    back = read_solo(xml, harmony="symbols")
    assert pitched(back.notes) == pitched(solo.notes)
    assert [(c.offset, c.root, chord_tones(c)) for c in back.chords] == [
        (c.offset, c.root, chord_tones(c)) for c in solo.chords
    ]
    score = music21.converter.parse(str(xml))
    texts = [t.content for t in score.recurse().getElementsByClass("TextExpression")]
    assert "Swing" in texts
    assert score.recurse().getElementsByClass("TimeSignature")[0].ratioString == "4/4"


def test_midi_reopens_with_the_swung_solo_comping_and_bass(written):
    solo, midi, _ = written
    back = read_solo(midi, harmony="none", melody_part="Solo")
    assert pitched(back.notes) == pitched(swing_notes(solo.notes, SWING))
    score = music21.converter.parse(str(midi))
    names = sorted(p.partName or "" for p in score.parts)
    assert names == ["Bass", "Comping", "Solo"]
    bass = next(p for p in score.parts if p.partName == "Bass")
    bass_notes = list(bass.recurse().notes)
    assert len(bass_notes) == 8 * 4  # a walking quarter note on every beat
    comp = next(p for p in score.parts if p.partName == "Comping")
    first = next(iter(comp.recurse().getElementsByClass("Chord")))
    assert {p.pitchClass for p in first.pitches} <= set(chord_tones(solo.chords[0]))
    assert abs(score.metronomeMarkBoundaries()[0][2].number - 150) < 1


def test_swing_delays_off_beat_eighths_only_in_eighth_note_beats():
    notes = [
        Note(F(0), F(1, 2), 60),
        Note(F(1, 2), F(1, 2), 62),  # swung
        Note(F(1), F(1, 4), 64),
        Note(F(5, 4), F(1, 4), 65),
        Note(F(3, 2), F(1, 2), 67),
        Note(F(2), F(1, 3), 69),
        Note(F(7, 3), F(2, 3), 71),
        Note(F(3), F(1), None),
    ]
    played = swing_notes(notes, F(2, 3))
    assert [n.offset for n in played] == [0, F(2, 3), 1, F(5, 4), F(3, 2), 2, F(7, 3), 3]
    assert all(a.end == b.offset for a, b in zip(played, played[1:]))
    assert played[-1].end == 4
    assert [n.offset for n in swing_notes(notes, F(1, 2))] == [n.offset for n in notes]


def test_score_parts_and_odd_meter():
    solo = solo_over("Dm7 | G7 | C | C |")
    waltz = Solo(
        [n for n in solo.notes if n.end <= 12],
        parse_progression("Dm7 | G7 | C | C |", beats_per_bar=3),
        beats_per_bar=3,
        beat_unit=4,
    )
    score = to_score(waltz)
    assert [p.partName for p in score.parts] == ["Solo", "Comping", "Bass"]
    symbols = list(score.parts[0].recurse().getElementsByClass("ChordSymbol"))
    assert [float(s.offset) for s in symbols] == [0.0, 3.0, 6.0, 9.0]


def test_unwritable_output_fails_before_writing_and_leaves_nothing(tmp_path):
    solo = solo_over("C7 |")
    with pytest.raises(MusicInputError, match="does not exist"):
        write_solo(solo, tmp_path / "missing" / "solo.mid")
    (tmp_path / "solo.musicxml").mkdir()  # the MusicXML twin's name is taken by a folder
    with pytest.raises(MusicInputError, match="is a folder"):
        write_solo(solo, tmp_path / "solo.mid")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["solo.musicxml"]


def test_the_midi_file_needs_a_midi_name_and_its_own_path(tmp_path):
    solo = solo_over("C7 |")
    with pytest.raises(MusicInputError, match=r"solo\.musicxml: expected a MIDI file name ending"):
        write_solo(solo, tmp_path / "solo.musicxml")
    with pytest.raises(MusicInputError, match="same file"):
        write_solo(solo, tmp_path / "a.mid", tmp_path / "a.mid")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="no /proc on this system")
def test_the_writability_check_really_tries_to_write(tmp_path, monkeypatch):
    """/proc passes os.access for root, but no file can be created there."""
    import music.writing.render

    solo = solo_over("C7 |")
    with pytest.raises(MusicInputError) as error:
        write_solo(solo, "/proc/x.mid")
    assert str(error.value).startswith("midi_path=/proc/x.mid: cannot write in /proc (")
    assert str(error.value).endswith("); expected a path in a writable folder")
    check_writable(tmp_path / "solo.mid")  # a writable folder passes and keeps no probe file
    assert list(tmp_path.iterdir()) == []
    monkeypatch.setattr(music.writing.render, "check_writable", lambda path, **_: None)
    with pytest.raises(OSError) as error:  # the write itself fails: the user's file is named
        write_solo(solo, "/proc/x.mid")
    assert error.value.filename == "/proc/x.mid"


def test_a_failed_render_keeps_the_previous_files(tmp_path):
    good = solo_over("C7 |")
    midi, xml = write_solo(good, tmp_path / "solo.mid")
    before = (midi.read_bytes(), xml.read_bytes())
    broken = Solo([Note(F(0), F(4), "not a pitch")], good.chords)
    with pytest.raises(ValueError):
        write_solo(broken, tmp_path / "solo.mid")
    assert (midi.read_bytes(), xml.read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["solo.mid", "solo.musicxml"]
