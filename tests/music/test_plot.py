"""music.writing.plot.piano_roll: a PNG with content, from a Solo or a MIDI file."""

import doctest
from fractions import Fraction

import pytest

from music.errors import MusicInputError
from music.types import Chord, Note, Solo
from music.writing import plot
from tests.midi import midi_bytes


def drawn_fraction(png):
    """Share of pixels that are not (near) white."""
    import matplotlib.image

    pixels = matplotlib.image.imread(str(png))[..., :3]
    return float((pixels < 0.9).any(axis=-1).mean())


def test_piano_roll_of_a_solo(tmp_path):
    solo = Solo(
        notes=[Note(Fraction(i, 2), Fraction(1, 2), 60 + (i * 5) % 12) for i in range(16)],
        chords=[
            Chord(Fraction(0), Fraction(4), 2, "m7", (0, 3, 7, 10), "Dm7"),
            Chord(Fraction(4), Fraction(4), 7, "7", (0, 4, 7, 10), "G7"),
        ],
    )
    png = tmp_path / "roll.png"
    fig = plot.piano_roll(solo, png, title="ii-V")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert drawn_fraction(png) > 0.02
    assert [t.get_text() for t in fig.axes[0].texts] == ["Dm7", "G7"]


def test_piano_roll_of_a_midi_file(tmp_path):
    midi = tmp_path / "two.mid"
    midi.write_bytes(midi_bytes([(0, 2, 60), (1, 3, 64)]))
    png = tmp_path / "roll.png"
    plot.piano_roll(midi, png)
    assert drawn_fraction(png) > 0.02


def test_nothing_to_draw(tmp_path):
    rests = Solo(notes=[Note(Fraction(0), Fraction(4), None)], chords=[])
    with pytest.raises(MusicInputError, match="no pitched note"):
        plot.piano_roll(rests, tmp_path / "x.png")
    with pytest.raises(MusicInputError, match="solo_or_midi"):
        plot.piano_roll(42)
    assert not (tmp_path / "x.png").exists()


def test_docstring_examples():
    result = doctest.testmod(plot, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
