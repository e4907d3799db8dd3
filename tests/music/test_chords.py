"""Chord symbols (`music.theory.chords`), progression strings and named forms (`music.theory.progressions`),
lead-sheet specs (`music.reading.leadsheet`), and music21 figures (`music.theory.symbols`).

Chord / scale / approach tones are tested in test_theory.py.
"""

import subprocess
import sys
from fractions import Fraction

import pytest

from music.errors import ChordError, MusicInputError
from music.reading.leadsheet import parse_meter, progression_and_meter, progression_from_spec
from music.theory.chords import chord_symbol, parse_chord
from music.theory.pitch_classes import chord_tones
from music.theory.progressions import FORMS, named_form, parse_progression
from music.theory.symbols import music21_figure

F = Fraction
MAJ7, M7, DOM7 = (0, 4, 7, 11), (0, 3, 7, 10), (0, 4, 7, 10)

QUALITIES = [
    "maj",
    "m",
    "7",
    "maj7",
    "m7",
    "m7b5",
    "dim",
    "dim7",
    "aug",
    "7#5",
    "6",
    "m6",
    "69",
    "m69",
    "9",
    "11",
    "13",
    "m9",
    "m11",
    "m13",
    "maj9",
    "maj13",
    "mmaj7",
    "sus4",
    "sus2",
    "7sus4",
    "9sus4",
    "7alt",
    "7b9",
    "7#9",
    "7#11",
    "7b13",
    "7b9b13",
    "7b5",
    "maj7#11",
    "add9",
    "madd9",
    "5",
    "maj7#5",
]


SPELLINGS = [  # symbol, root, quality, pitch classes relative to the root, bass
    ("Cmaj7", 0, "maj7", MAJ7, None),
    ("CM7", 0, "maj7", MAJ7, None),
    ("C^7", 0, "maj7", MAJ7, None),
    ("C^", 0, "maj7", MAJ7, None),
    ("CΔ7", 0, "maj7", MAJ7, None),
    ("CMA7", 0, "maj7", MAJ7, None),
    ("Cj7", 0, "maj7", MAJ7, None),
    ("C-7", 0, "m7", M7, None),
    ("Cm7", 0, "m7", M7, None),
    ("Cmi7", 0, "m7", M7, None),
    ("Cmin7", 0, "m7", M7, None),
    ("Cm7b5", 0, "m7b5", (0, 3, 6, 10), None),
    ("C-7b5", 0, "m7b5", (0, 3, 6, 10), None),
    ("Cø7", 0, "m7b5", (0, 3, 6, 10), None),
    ("Cø", 0, "m7b5", (0, 3, 6, 10), None),
    ("C7#9", 0, "7#9", (0, 3, 4, 7, 10), None),
    ("C7alt", 0, "7alt", (0, 1, 3, 4, 8, 10), None),
    ("C/E", 0, "maj", (0, 4, 7), 4),
    ("Bb", 10, "maj", (0, 4, 7), None),
    ("A#7", 10, "7", DOM7, None),
    ("Bb7", 10, "7", DOM7, None),
    ("C6", 0, "6", (0, 4, 7, 9), None),
    ("Cm6", 0, "m6", (0, 3, 7, 9), None),
    ("C69", 0, "69", (0, 2, 4, 7, 9), None),
    ("C6/9", 0, "69", (0, 2, 4, 7, 9), None),
    ("C9", 0, "9", (0, 2, 4, 7, 10), None),
    ("C11", 0, "11", (0, 2, 4, 5, 7, 10), None),
    ("C13", 0, "13", (0, 2, 4, 7, 9, 10), None),
    ("Cm9", 0, "m9", (0, 2, 3, 7, 10), None),
    ("Cmaj9", 0, "maj9", (0, 2, 4, 7, 11), None),
    ("Csus4", 0, "sus4", (0, 5, 7), None),
    ("Csus", 0, "sus4", (0, 5, 7), None),
    ("Csus2", 0, "sus2", (0, 2, 7), None),
    ("C7sus4", 0, "7sus4", (0, 5, 7, 10), None),
    ("Cdim", 0, "dim", (0, 3, 6), None),
    ("Co", 0, "dim", (0, 3, 6), None),
    ("Cdim7", 0, "dim7", (0, 3, 6, 9), None),
    ("Co7", 0, "dim7", (0, 3, 6, 9), None),
    ("C°7", 0, "dim7", (0, 3, 6, 9), None),
    ("Caug", 0, "aug", (0, 4, 8), None),
    ("C+", 0, "aug", (0, 4, 8), None),
    ("C+7", 0, "7#5", (0, 4, 8, 10), None),
    ("C7+", 0, "7#5", (0, 4, 8, 10), None),
    ("Cm(maj7)", 0, "mmaj7", (0, 3, 7, 11), None),
    ("CmM7", 0, "mmaj7", (0, 3, 7, 11), None),
    ("C7b9", 0, "7b9", (0, 1, 4, 7, 10), None),
    ("C7#11", 0, "7#11", (0, 4, 6, 7, 10), None),
    ("C7b13", 0, "7b13", (0, 4, 7, 8, 10), None),
    ("C7(b9,#11)", 0, "7b9#11", (0, 1, 4, 6, 7, 10), None),
    ("Cmaj7#11", 0, "maj7#11", (0, 4, 6, 7, 11), None),
    ("Cadd9", 0, "add9", (0, 2, 4, 7), None),
    ("Cm", 0, "m", (0, 3, 7), None),
    ("C-", 0, "m", (0, 3, 7), None),
    ("F#m7b5/C", 6, "m7b5", (0, 3, 6, 10), 0),
    ("Am7/G", 9, "m7", M7, 7),
    ("Ebb", 2, "maj", (0, 4, 7), None),
]


@pytest.mark.parametrize("symbol, root, quality, pcs, bass", SPELLINGS)
def test_common_spellings(symbol, root, quality, pcs, bass):
    chord = parse_chord(symbol)
    got = (chord.root, chord.quality, chord.pitch_classes, chord.bass)
    assert got == (root, quality, pcs, bass)
    assert chord.figure == symbol


@pytest.mark.parametrize("symbol", ["N.C.", "NC", "n.c."])
def test_no_chord(symbol):
    chord = parse_chord(symbol)
    assert (chord.root, chord.quality, chord.pitch_classes) == (None, "N.C.", ())


@pytest.mark.parametrize(
    "figure, kind",
    [
        ("E-7", "dominant-seventh"),
        ("E-m7", "minor-seventh"),
        ("E-maj7", "major-seventh"),
        ("E-", "major"),
        ("E-m", "minor"),
        ("E-6", "major-sixth"),
        ("E-sus", "suspended-fourth"),
        ("E-7+", "augmented-seventh"),
        ("E-m6", "minor-sixth"),
        ("E-dim", "diminished"),
        ("E-o7", "diminished-seventh"),
        ("E-+", "augmented"),
        ("E-mM7", "minor-major-seventh"),
        ("E-m9", "minor-ninth"),
        ("E-ø7", "half-diminished-seventh"),
        ("E-7/B-", "dominant-seventh"),
    ],
)
def test_music21_spelling_matches_music21_pitches(figure, kind):
    """music21 writes flats as '-' (WJazzD's E-7 is E-flat 7): same pitch classes as music21."""
    from music21 import harmony

    root, _, bass = figure.partition("/")
    reference = harmony.ChordSymbol(root="E-", kind=kind, bass=bass or None)
    assert reference.figure == figure  # the figure is exactly what music21 writes
    ours = parse_chord(figure, music21_flats=True)
    assert ours.root == 3
    assert chord_tones(ours) == {p.pitchClass for p in reference.pitches}


def test_dash_means_minor_in_jazz_spelling_and_flat_in_a_bass():
    assert parse_chord("E-7").quality == "m7" and parse_chord("E-7").root == 4
    assert parse_chord("C/B-").bass == 10


@pytest.mark.parametrize("quality", QUALITIES)
def test_chord_symbol_round_trip(quality):
    for root in (0, 3, 6, 11):
        chord = parse_chord(chord_symbol(root, quality, bass=(root + 4) % 12))
        assert (chord.root, chord.quality, chord.bass) == (root, quality, (root + 4) % 12)


@pytest.mark.parametrize("symbol", ["Xq7", "H7", "C7q", "Cmaj7/H", "", "C#5#", "7"])
def test_unknown_symbol_message(symbol):
    with pytest.raises(ChordError) as info:
        parse_chord(symbol, bar=3)
    assert str(info.value) == (
        f"bar 3: cannot read chord symbol {symbol!r}; "
        "expected e.g. Cmaj7, Dm7, G7, Bm7b5, C/E, N.C."
    )
    assert isinstance(info.value, ValueError)


def test_progression_parsing_is_exact():
    spans = parse_progression("Dm7 G7 | Cmaj7 | C7#9 . F7 . | % | N.C. |")
    got = [(c.figure, c.offset, c.duration) for c in spans]
    assert got == [
        ("Dm7", 0, 2),
        ("G7", 2, 2),
        ("Cmaj7", 4, 4),
        ("C7#9", 8, 2),
        ("F7", 10, 2),
        ("C7#9", 12, 2),
        ("F7", 14, 2),
        ("N.C.", 16, 4),
    ]
    thirds = parse_progression("C . F | G", beats_per_bar=3, beat_unit=4)
    assert [(c.figure, c.offset, c.duration) for c in thirds] == [
        ("C", 0, 2),
        ("F", 2, 1),
        ("G", 3, 3),
    ]
    eighths = parse_progression("|Am7 D7|G| . C |", beats_per_bar=6, beat_unit=8)
    assert [(c.figure, c.offset, c.duration) for c in eighths] == [
        ("Am7", 0, F(3, 2)),
        ("D7", F(3, 2), F(3, 2)),
        ("G", 3, 3),
        ("G", 6, F(3, 2)),
        ("C", F(15, 2), F(3, 2)),
    ]
    uneven = parse_progression("C D E")
    assert [c.duration for c in uneven] == [F(4, 3)] * 3
    assert all(isinstance(c.offset, Fraction) for c in uneven)


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "Dm7 G7 | Xq7 |",
            "bar 2: cannot read chord symbol 'Xq7'; expected e.g. Cmaj7, Dm7, G7, Bm7b5, C/E, N.C.",
        ),
        (
            "",
            "chord progression '' is empty; expected chord symbols with '|' between bars, "
            "e.g. 'Dm7 G7 | Cmaj7 |'",
        ),
        (
            "% | C",
            "bar 1: '%' repeats the previous bar but there is none; expected chord symbols, "
            "e.g. 'Dm7 G7 | Cmaj7 |'",
        ),
        (
            ". G7 |",
            "bar 1: '.' holds the previous chord but there is none; expected a chord symbol "
            "first, e.g. 'Dm7 G7 | Cmaj7 |'",
        ),
        (
            "C | D % |",
            "bar 2: '%' must stand alone in its bar (it repeats the whole previous bar); "
            "expected chord symbols, e.g. 'Dm7 G7 | Cmaj7 |'",
        ),
    ],
)
def test_progression_error_messages(text, message):
    with pytest.raises(ChordError) as info:
        parse_progression(text)
    assert str(info.value) == message


def test_progression_rejects_unsupported_meter():
    with pytest.raises(ChordError, match=r"time signature 4/3 is not supported"):
        parse_progression("C", beats_per_bar=4, beat_unit=3)


def test_named_forms():
    blues = named_form("blues:F")
    assert [c.figure for c in blues] == [
        "F7",
        "Bb7",
        "F7",
        "F7",
        "Bb7",
        "Bb7",
        "F7",
        "F7",
        "C7",
        "Bb7",
        "F7",
        "C7",
    ]
    assert [c.offset for c in blues] == [4 * i for i in range(12)]
    jazz = named_form("jazz-blues", "Bb")
    assert [c.figure for c in jazz[:7]] == ["Bb7", "Eb7", "Bb7", "Fm7", "Bb7", "Eb7", "Edim7"]
    assert sum(c.duration for c in jazz) == 48
    rhythm = named_form("rhythm-changes:Bb")
    assert sum(c.duration for c in rhythm) == 32 * 4
    assert [c.figure for c in rhythm[:4]] == ["Bb6", "G7", "Cm7", "F7"]
    bridge = [c.figure for c in rhythm if 16 * 4 <= c.offset < 24 * 4]
    assert bridge == ["D7", "D7", "G7", "G7", "C7", "C7", "F7", "F7"]
    assert [c.figure for c in named_form("ii-V-I:C")] == ["Dm7", "G7", "Cmaj7", "Cmaj7"]
    assert [c.figure for c in named_form("ii-V-I:Cm")] == ["Dm7b5", "G7b9", "Cm6", "Cm6"]
    assert [c.figure for c in named_form("blues:Gm")][:2] == ["Gm7", "Cm7"]
    assert [c.figure for c in named_form("blues:E")][:2] == ["E7", "A7"]
    waltz = named_form("blues:F", beats_per_bar=3)
    assert waltz[-1].offset == 33 and waltz[-1].duration == 3
    for name in FORMS:
        spans = named_form(name)
        assert all(a.end == b.offset for a, b in zip(spans, spans[1:]))


@pytest.mark.parametrize(
    "spec, message",
    [
        ("bluez:F", "unknown chord form 'bluez'"),
        (
            "blues:H",
            "form 'blues': cannot read key 'H'; expected a note name optionally followed by "
            "m for minor, e.g. 'F', 'Bb', 'Cm'",
        ),
        (
            "rhythm-changes:Cm",
            "form 'rhythm-changes' has no minor version; expected a major key, "
            "e.g. 'rhythm-changes:Bb'",
        ),
    ],
)
def test_named_form_errors(spec, message):
    with pytest.raises(ChordError) as info:
        named_form(spec)
    assert str(info.value).startswith(message)


def test_progression_from_spec_string_form_and_file(shared_data):
    assert [c.figure for c in progression_from_spec("Dm7 G7 | Cmaj7 |")] == ["Dm7", "G7", "Cmaj7"]
    assert [c.figure for c in progression_from_spec("ii-V-I:F")] == ["Gm7", "C7", "Fmaj7", "Fmaj7"]
    path = shared_data / "music" / "wjazzd" / "ArtPepper_Stardust-1_Solo.xml"
    spans, beats, unit = progression_and_meter(str(path))
    assert (beats, unit) == (4, 4)
    assert spans[0].figure == "Ab6" and spans[0].offset == 0
    assert all(a.end == b.offset for a, b in zip(spans, spans[1:]))


@pytest.mark.parametrize("quality", QUALITIES)
def test_music21_figure_gives_music21_the_same_chord(quality):
    """What music21 builds from `music21_figure` has exactly our chord tones (an independent
    computation of the pitch classes)."""
    from music21 import harmony

    for root, bass in ((3, None), (6, 10), (10, None)):
        chord = parse_chord(chord_symbol(root, quality, bass))
        symbol = harmony.ChordSymbol(music21_figure(chord))
        assert {p.pitchClass for p in symbol.pitches} == chord_tones(chord)


def test_meter_text():
    assert parse_meter(" 6 / 8 ") == (6, 8)
    for text in ("3/5", "0/4", "17/4", "4", None):
        with pytest.raises(MusicInputError) as info:
            parse_meter(text)
        assert str(info.value).startswith(f"meter={text}: expected N/D with N a whole number")


def test_progressions_parse_strings_without_the_file_reader():
    """The import circle chords -> progressions -> io -> parts -> chords is gone: parsing
    progressions (and chords) loads neither the file reader nor music21."""
    code = (
        "import sys, music.theory.progressions, music.theory.chords, music.theory.pitch_classes; "
        "print(sorted(m for m in sys.modules if m in ('music.reading.solos', 'music.reading.parts', 'music21')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
