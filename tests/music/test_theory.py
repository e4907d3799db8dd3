"""Chord theory (`music.theory.pitch_classes`): note names, chord tones, scales, approach tones, note types."""

import pytest

from music.theory.chords import parse_chord
from music.theory.pitch_classes import (
    approach_tones,
    chord_tones,
    note_type,
    parse_pitch_class,
    pitch_class_name,
    scale_for,
    scale_name,
)


@pytest.mark.parametrize(
    "name, pc",
    [("C", 0), ("Bb", 10), ("B-", 10), ("A#", 10), ("Ebb", 2), ("B♭", 10), ("F♯", 6), ("Cb", 11)],
)
def test_note_names(name, pc):
    assert parse_pitch_class(name) == pc
    assert parse_pitch_class(pitch_class_name(pc)) == pc
    assert parse_pitch_class(pitch_class_name(pc, sharps=True)) == pc


def test_not_note_names():
    assert [parse_pitch_class(n) for n in ("", "H", "c", "Bbbb", "C7")] == [None] * 5
    assert parse_pitch_class("B-", dash_is_flat=False) is None


def test_no_chord_has_no_tones():
    chord = parse_chord("N.C.")
    assert chord_tones(chord) == frozenset() and scale_for(chord) == frozenset()
    assert scale_name(chord) is None and approach_tones(chord) == frozenset()


def test_tones_and_scales_by_hand():
    g7, dm7, c = parse_chord("G7"), parse_chord("Dm7"), parse_chord("C")
    assert chord_tones(g7) == {7, 11, 2, 5}
    assert chord_tones(parse_chord("C/E")) == {0, 4, 7}
    assert chord_tones(parse_chord("C/D")) == {0, 2, 4, 7}
    assert scale_for(dm7) == {2, 4, 5, 7, 9, 11, 0}  # D dorian
    assert scale_for(g7) == {7, 9, 11, 0, 2, 4, 5}  # G mixolydian
    assert scale_for(parse_chord("Fmaj7")) == {5, 7, 9, 10, 0, 2, 4}  # F ionian
    assert scale_for(parse_chord("Fmaj7#11")) == {5, 7, 9, 11, 0, 2, 4}  # F lydian
    assert scale_for(parse_chord("Bm7b5")) == {11, 1, 2, 4, 5, 7, 9}  # B locrian #2
    assert scale_for(parse_chord("Cdim7")) == {0, 2, 3, 5, 6, 8, 9, 11}  # whole-half
    assert scale_for(parse_chord("C7alt")) == {0, 1, 3, 4, 6, 8, 10}  # altered
    assert scale_for(parse_chord("C7b9")) == {0, 1, 3, 4, 6, 7, 9, 10}  # half-whole
    assert scale_for(parse_chord("C7#11")) == {0, 2, 4, 6, 7, 9, 10}  # lydian dominant
    assert scale_for(parse_chord("CmM7")) == {0, 2, 3, 5, 7, 9, 11}  # melodic minor
    assert scale_for(parse_chord("C+")) == {0, 2, 4, 6, 8, 10}  # whole tone
    assert approach_tones(c) == {11, 1, 3, 5, 6, 8}
    for symbol in ("C7#9", "Ebmaj7", "F#m7b5", "Bbsus4", "Adim", "G13", "Dm6"):
        chord = parse_chord(symbol)
        assert chord_tones(chord) <= scale_for(chord)
    assert [note_type(p, parse_chord("C")) for p in (60, 62, 63, 70, 61, None)] == [
        "C",
        "S",
        "A",
        "X",
        "A",
        "R",
    ]
    assert [note_type(p, parse_chord("C7")) for p in (70, 66, 61)] == ["C", "A", "A"]
    assert note_type(60, parse_chord("N.C.")) is None
