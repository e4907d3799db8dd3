"""Notation and files that are right: every file the generator writes is re-read with music21.

- MIDI (the swung performance) and MusicXML (the written lead sheet): no note overlaps the next
  in the solo part, every MusicXML bar holds exactly one full voice, the MIDI sounds the pitches
  the MusicXML sounds (transposition applied), and the MusicXML is the solo as generated.
- Every chord quality in the parser's table, written to MusicXML, is read back by music21 and
  by `music.reading.solos` as the same pitch classes.
- Swing lengthens and shortens eighth pairs only.

The MIDI is read with ``quantizePost=False`` (as `music.reading.solos` reads it): it is a performance on a
fine grid, and music21's default quantisation would snap each onset and each duration of a
1/24-grid solo to 16ths or 8th triplets separately, which makes even a straight MIDI overlap.
"""

from fractions import Fraction as F

import music21
import pytest

from music.reading.solos import read_solo
from music.theory.chords import QUALITIES, chord_symbol, parse_chord
from music.theory.pitch_classes import chord_tones
from music.theory.progressions import parse_progression
from music.types import Note, Solo
from music.writing.render import SWING, musicxml_bytes, swing_notes, to_score, write_solo


def exact(value):
    return F(music21.common.opFrac(value))


def solo_notes(part):
    """(offset, duration, pitch) of a part's notes, ties merged, in time order; no chords."""
    flat = part.stripTies().flatten()
    played = [n for n in flat.notes if not isinstance(n, music21.harmony.Harmony)]
    assert all(isinstance(n, music21.note.Note) for n in played), "the solo holds a chord"
    return sorted((exact(n.offset), exact(n.quarterLength), n.pitch.midi) for n in played)


def assert_no_overlap(notes):
    for (start, length, _), (following, _, _) in zip(notes, notes[1:]):
        assert start + length <= following, f"the note at {start} overlaps the one at {following}"


def pitched(notes):
    return [(n.offset, n.duration, n.pitch) for n in notes if n.pitch is not None]


def solo_part(score):
    return next(p for p in score.parts if p.partName == "Solo")


def check_files(solo, midi, xml):
    """Re-read both files with music21 and check everything the lead sheet promises."""
    performed = music21.converter.parse(str(midi), quantizePost=False, forceSource=True)
    midi_notes = solo_notes(solo_part(performed))
    assert_no_overlap(midi_notes)
    assert midi_notes == pitched(swing_notes(solo.notes, SWING))

    written = music21.converter.parse(str(xml), forceSource=True)
    bar = solo.bar_length
    for part in written.parts:
        measures = list(part.getElementsByClass(music21.stream.Measure))
        assert measures, part.partName
        for measure in measures:
            assert not measure.voices, f"{part.partName} bar {measure.number} has voices"
            t = F(0)
            for element in measure.notesAndRests:
                assert exact(element.offset) == t, f"{part.partName} bar {measure.number}"
                t += exact(element.quarterLength)
            assert t == bar, f"{part.partName} bar {measure.number} lasts {t}, not {bar}"
    lead = solo_part(written)
    transposition = lead.getInstrument().transposition
    assert transposition is None or transposition.semitones == 0  # a concert-pitch part
    xml_notes = solo_notes(lead)
    assert_no_overlap(xml_notes)
    assert xml_notes == pitched(solo.notes)  # the lead sheet is the solo, straight
    sounding = solo_notes(solo_part(written.toSoundingPitch()))
    assert [p for *_, p in sounding] == [p for *_, p in midi_notes]

    for symbol in lead.recurse().getElementsByClass(music21.harmony.ChordSymbol):
        if isinstance(symbol, music21.harmony.NoChord):
            continue
        at = exact(symbol.getOffsetInHierarchy(lead))
        chord = next(c for c in solo.chords if c.offset <= at < c.end)
        assert {p.pitchClass for p in symbol.pitches} == chord_tones(chord), chord.figure
    back = read_solo(xml, harmony="symbols")
    assert [(c.offset, c.root, chord_tones(c)) for c in back.chords] == [
        (c.offset, c.root, chord_tones(c)) for c in solo.chords if c.offset < solo.duration
    ]


@pytest.fixture(scope="module")
def improviser():
    from music.model.artifact import load_artifact
    from music.model.improvise import Improviser

    return Improviser(load_artifact(None))


@pytest.mark.parametrize(
    "chords, meter, seed",
    [
        ("Dm7 | G7 | Cmaj7 | A7 | Dm7 | G7 | Cmaj7 | Cmaj7 |", None, 11),
        ("Dm7 G7 | Cmaj7 | Bm7b5 E7#5 | Am6 | D7alt | C6/9 | F7sus4 | Bb13b9 |", None, 3),
        ("Dm7 | G7 | Cmaj7 | Cmaj7 |", "3/4", 5),
    ],
)
@pytest.mark.slow
def test_generated_files_reread(tmp_path, improviser, chords, meter, seed):
    from music.model.improvise import generate

    solo, midi, xml = generate(
        tmp_path / "solo.mid", chords=chords, meter=meter, seed=seed, improviser=improviser
    )
    check_files(solo, midi, xml)


def hand_made_solo():
    """Eighth pairs, sixteenth runs, triplets, a note held over a chord change and a bar line."""
    rhythm = [  # (duration, pitch), four bars of 4/4
        (F(1, 2), 62),
        (F(1, 2), 64),
        (F(1, 4), 65),
        (F(1, 4), 67),
        (F(1, 4), 69),
        (F(1, 4), 71),
        (F(1, 3), 72),
        (F(1, 3), 71),
        (F(1, 3), 69),
        (F(1, 2), 67),
        (F(1, 4), 66),
        (F(1, 4), 64),
        (F(3, 2), 65),
        (F(1, 2), None),
        (F(1, 6), 60),
        (F(1, 6), 62),
        (F(1, 6), 63),
        (F(1, 2), 64),
        (F(5, 2), 67),
        (F(1, 2), 70),
        (F(1, 2), 69),
        (F(3, 4), 68),
        (F(1, 4), 67),
        (F(2), None),
        (F(1, 2), 66),
        (F(1, 2), 65),
        (F(1, 2), 64),
        (F(1), 62),
    ]
    notes, t = [], F(0)
    for duration, pitch in rhythm:
        notes.append(Note(t, duration, pitch))
        t += duration
    assert t == 16
    chords = parse_progression("Dm7 G7alt | Cmaj7#11 | Bm7b5 E7b9 | Am69 |")
    return Solo(notes, chords, tempo=180.0, source="hand")


def test_hand_made_files_reread(tmp_path):
    solo = hand_made_solo()
    midi, xml = write_solo(solo, tmp_path / "hand.mid")
    check_files(solo, midi, xml)


@pytest.mark.parametrize("quality", QUALITIES)
def test_every_chord_quality_reads_back_as_the_same_pitch_classes(tmp_path, quality):
    bars = [
        parse_chord(chord_symbol(root, quality, bass), offset=4 * k, duration=4)
        for k, (root, bass) in enumerate([(0, None), (3, None), (6, 10), (11, 4)])
    ]
    notes = [Note(F(4 * k), F(4), 60 + k) for k in range(len(bars))]
    score = to_score(Solo(notes, bars), accompaniment=False)
    path = tmp_path / "chords.musicxml"
    path.write_bytes(musicxml_bytes(score))  # as write_solo writes it
    written = music21.converter.parse(str(path), forceSource=True)
    symbols = list(written.recurse().getElementsByClass(music21.harmony.ChordSymbol))
    assert [{p.pitchClass for p in s.pitches} for s in symbols] == [
        chord_tones(c) for c in bars
    ]  # music21
    back = read_solo(path, harmony="symbols")  # the project
    assert [(c.root, c.quality, c.bass, chord_tones(c)) for c in back.chords] == [
        (c.root, c.quality, c.bass, chord_tones(c)) for c in bars
    ]


def beat_notes(durations, start=F(0), pitch=60):
    notes, t = [], start
    for k, duration in enumerate(durations):
        notes.append(Note(t, F(duration), pitch + k))
        t += F(duration)
    return notes


def assert_in_order_without_overlap(notes):
    assert all(a.end <= b.offset for a, b in zip(notes, notes[1:]))


def test_swing_swings_a_bar_of_straight_eighths():
    played = swing_notes(beat_notes([F(1, 2)] * 8), F(2, 3))
    assert [n.offset for n in played] == [0, F(2, 3), 1, F(5, 3), 2, F(8, 3), 3, F(11, 3)]
    assert [n.duration for n in played] == [F(2, 3), F(1, 3)] * 4
    assert [n.pitch for n in played] == list(range(60, 68))
    assert_in_order_without_overlap(played)


@pytest.mark.parametrize(
    "durations",
    [
        [F(1, 4)] * 16,  # sixteenths
        [F(1, 3)] * 12,  # eighth triplets
        [F(1, 6)] * 6 + [F(1, 3)] * 3 + [F(1, 2), F(1, 4), F(1, 4)] + [F(1, 4), F(1, 4), F(1, 2)],
        [F(3, 4), F(1, 4), F(3, 2), F(1, 2), F(1)],  # dotted and syncopated: no pairs
    ],
)
def test_swing_leaves_sixteenths_and_triplets_in_order(durations):
    notes = beat_notes(durations)
    played = swing_notes(notes, F(2, 3))
    assert played == notes
    assert_in_order_without_overlap(played)


def test_swing_moves_only_the_pairs_of_a_mixed_bar_and_the_file_agrees(tmp_path):
    # beat 0: an eighth pair; beat 1: an eighth and two sixteenths; beat 2: a triplet;
    # beat 3: a rest and an off-beat eighth (a pair too: the rest gets longer)
    notes = beat_notes([F(1, 2), F(1, 2), F(1, 2), F(1, 4), F(1, 4), F(1, 3), F(1, 3), F(1, 3)])
    notes += [Note(F(3), F(1, 2), None), Note(F(7, 2), F(1, 2), 70)]
    played = swing_notes(notes, F(2, 3))
    assert [n.offset for n in played] == [
        0,
        F(2, 3),
        1,
        F(3, 2),
        F(7, 4),
        2,
        F(7, 3),
        F(8, 3),
        3,
        F(11, 3),
    ]
    assert_in_order_without_overlap(played)
    assert played[-1].end == 4
    solo = Solo(notes, parse_progression("C7 |"))
    midi, _ = write_solo(solo, tmp_path / "mixed.mid")
    performed = music21.converter.parse(str(midi), quantizePost=False, forceSource=True)
    assert solo_notes(solo_part(performed)) == pitched(played)


def test_compound_meters_are_played_straight(tmp_path):
    notes = beat_notes([F(1, 2)] * 6)  # a bar of 6/8
    solo = Solo(notes, parse_progression("C7 |", beats_per_bar=6, beat_unit=8), 6, 8)
    performed = to_score(solo, swing=SWING, accompaniment=False)
    lead = solo_part(performed)
    assert solo_notes(lead) == pitched(notes)
