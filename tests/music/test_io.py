"""Reading solos: WJazzD lead sheets, the multi-track Metheny MIDI, melody-only files, the cache,
and the errors on bad input."""

import json
import os
import xml.etree.ElementTree as ET
from fractions import Fraction

import pytest

from music.errors import ChordError, MusicInputError
from music.reading import cache as corpus
from music.reading.solos import (
    choose_melody,
    list_music_files,
    monophonic_notes,
    read_corpus,
    read_midi_parts,
    read_solo,
)
from music.theory.chords import parse_chord
from tests.conftest import shared_data_dir
from zoo.io.downloads import sha256_of

F = Fraction
GRID = F(1, 24)
EXPECTED_FILE = "expected a MusicXML (.xml, .musicxml, .mxl), MIDI (.mid, .midi) or ABC (.abc) file"
# A solo with one 5/4 measure (its extra beat a rest) and a solo with a 2-beat pickup bar.
WJAZZD_FILES = ("ArtPepper_BluesForBlanche_Solo.xml", "ArtPepper_Stardust-2_Solo.xml")
_STEPS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def _wjazzd(name):
    root = shared_data_dir()
    if root is None:
        pytest.skip("../shared/data is not present beside the repository (set SEQZOO_SHARED_DATA)")
    return root / "music" / "wjazzd" / name


@pytest.fixture(scope="module")
def wjazzd_solos():
    return {name: read_solo(_wjazzd(name)) for name in WJAZZD_FILES}


def _xml_bars(path):
    """Pitches of the notes starting in each measure, read from the MusicXML with ElementTree."""
    bars = []
    for measure in ET.parse(path).getroot().iter("measure"):
        pitches = []
        for note in measure.findall("note"):
            if any(note.find(tag) is not None for tag in ("rest", "grace", "chord")):
                continue
            if "stop" in [tie.get("type") for tie in note.findall("tie")]:
                continue
            pitch, alter = note.find("pitch"), note.find("pitch/alter")
            octave, step = int(pitch.find("octave").text), _STEPS[pitch.find("step").text]
            pitches.append(
                12 * (octave + 1) + step + (int(float(alter.text)) if alter is not None else 0)
            )
        bars.append(pitches)
    return bars


def _xml_harmony(path):
    """(measure index, root pitch class, kind) of every <harmony>, in document order."""
    found = []
    for index, measure in enumerate(ET.parse(path).getroot().iter("measure")):
        for harmony in measure.findall("harmony"):
            alter = harmony.find("root/root-alter")
            root = (
                _STEPS[harmony.find("root/root-step").text]
                + (int(float(alter.text)) if alter is not None else 0)
            ) % 12
            found.append((index, root, harmony.find("kind").text))
    return found


def _assert_tiles(solo):
    assert solo.notes[0].offset == 0
    assert all(a.end == b.offset for a, b in zip(solo.notes, solo.notes[1:]))
    assert all(n.duration > 0 for n in solo.notes)
    assert solo.duration % solo.bar_length == 0


@pytest.mark.slow
@pytest.mark.parametrize("name", WJAZZD_FILES)
def test_wjazzd_bars_complete_and_notes_exact(wjazzd_solos, name):
    solo = wjazzd_solos[name]
    assert (solo.beats_per_bar, solo.beat_unit) == (4, 4)
    _assert_tiles(solo)
    for note in solo.notes:  # on the grid, exact fractions
        assert isinstance(note.offset, Fraction) and (note.offset / GRID).denominator == 1
        assert (note.duration / GRID).denominator == 1
    bars = int(solo.duration / solo.bar_length)
    covered = [F(0)] * bars  # the notes fill every bar exactly
    for note in solo.notes:
        time = note.offset
        while time < note.end:
            bar = int(time // solo.bar_length)
            piece = min(note.end, (bar + 1) * solo.bar_length) - time
            covered[bar] += piece
            time += piece
    assert covered == [solo.bar_length] * bars
    expected = _xml_bars(_wjazzd(name))  # measure k of the file is bar k of the solo
    assert bars == len(expected)
    got = [[] for _ in range(bars)]
    for note in solo.notes:
        if note.pitch is not None:
            got[int(note.offset // solo.bar_length)].append(note.pitch)
    assert got == expected


@pytest.mark.parametrize("name", WJAZZD_FILES)
def test_wjazzd_chords_found(wjazzd_solos, name):
    solo = wjazzd_solos[name]
    spans = solo.chords
    assert spans[0].offset == 0 and spans[-1].end == solo.duration
    assert all(a.end == b.offset for a, b in zip(spans, spans[1:]))
    harmony = _xml_harmony(_wjazzd(name))
    kinds = {
        "dominant": "7",
        "minor-seventh": "m7",
        "major-seventh": "maj7",
        "major": "maj",
        "minor": "m",
        "major-sixth": "6",
        "minor-sixth": "m6",
        "diminished": "dim",
        "diminished-seventh": "dim7",
        "augmented-seventh": "7#5",
        "augmented": "aug",
        "suspended-fourth": "sus4",
    }
    if name == "ArtPepper_Stardust-2_Solo.xml":
        # its 2-beat pickup holds only a chord symbol at its very end, the time where bar 1
        # starts, so bar 1's own symbol replaces it and the pickup bar is N.C.
        assert harmony[0][0] == 0 and spans[0].figure == "N.C."
        harmony = harmony[1:]
    # every <harmony>, in order, is one span starting in its measure
    harmonised = [c for c in spans if c.root is not None]
    assert [(int(c.offset // solo.bar_length), c.root, c.quality) for c in harmonised] == [
        (index, root, kinds[kind]) for index, root, kind in harmony
    ]
    for chord in harmonised:  # figures are re-spelled for jazz reading
        again = parse_chord(chord.figure)
        assert (again.root, again.quality, again.bass) == (chord.root, chord.quality, chord.bass)


def test_wjazzd_tempo_and_first_chord(wjazzd_solos):
    blanche = wjazzd_solos["ArtPepper_BluesForBlanche_Solo.xml"]
    assert blanche.tempo == 199.0
    assert (blanche.chords[0].figure, blanche.chords[0].duration) == ("Eb7", 4)
    stardust = wjazzd_solos["ArtPepper_Stardust-2_Solo.xml"]
    assert stardust.chords[0].figure == "N.C." and stardust.chords[0].duration == 4
    assert stardust.chords[1].figure == "Ab6" and stardust.chords[1].offset == 4


@pytest.mark.slow
def test_metheny_melody_found_by_content(shared_data):
    path = shared_data / "music" / "original_metheny.mid"
    parts = read_midi_parts(path)[0]
    pitched = [p for p in parts if not p.percussion]
    assert len(parts) >= 19 and len(pitched) == 10  # the drum tracks are set aside
    melody = choose_melody(parts)
    assert melody.name == "Guitar"

    def onsets(part):
        return len({event[0] for event in part.events})

    assert onsets(melody) == max(onsets(p) for p in pitched)  # the most notes (chords count once)
    onsets = {}
    for onset, _, pitches, _ in melody.events:
        onsets.setdefault(onset, set()).update(pitches)
    assert any(len(ps) > 1 for ps in onsets.values())  # the guitar part itself is not monophonic
    # the choice does not depend on the order of the parts; a name can overrule it
    assert choose_melody(list(reversed(parts))).name == "Guitar"
    assert choose_melody(parts, name="trumpet").name == "Trumpet"
    solo = read_solo(path)
    _assert_tiles(solo)
    assert (solo.beats_per_bar, solo.beat_unit, solo.tempo) == (4, 4, 112.0)
    played = [n for n in solo.notes if n.pitch is not None]
    assert all(a.end <= b.offset for a, b in zip(played, played[1:]))  # monophonic
    assert len(played) > 800
    # harmony inferred from the other parts, in half-bar steps, tiling the piece
    spans = solo.chords
    assert spans[0].offset == 0 and spans[-1].end == solo.duration
    assert all(a.end == b.offset for a, b in zip(spans, spans[1:]))
    assert all(c.duration % 2 == 0 for c in spans)
    harmonised = [c for c in spans if c.root is not None]
    assert sum(c.duration for c in harmonised) > solo.duration / 2
    assert {c.root for c in harmonised} >= {5, 2, 7}  # F, D and G chords (the tune is in F)


def test_top_note_kept_and_overlaps_trimmed(tmp_path):
    from music21 import chord, meter, note, stream, tempo

    part = stream.Part([meter.TimeSignature("4/4"), tempo.MetronomeMark(number=90)])
    part.insert(0, chord.Chord([60, 64, 67], quarterLength=1))
    part.insert(1, note.Note(62, quarterLength=2))
    part.insert(2, note.Note(55, quarterLength=1))  # starts under the sounding, higher D
    part.insert(3.5, note.Note(65, quarterLength=1))
    expected = [
        (0, 1, 67),
        (1, 2, 62),
        (3, F(1, 2), None),
        (F(7, 2), 1, 65),
        (F(9, 2), F(7, 2), None),
    ]
    for suffix, fmt in (("mid", "midi"), ("musicxml", "musicxml")):
        path = tmp_path / f"top.{suffix}"
        stream.Score([part]).write(fmt, fp=str(path))
        solo = read_solo(path)
        assert [(n.offset, n.duration, n.pitch) for n in solo.notes] == expected
        assert solo.tempo == 90.0 and solo.chords == []


def test_monophonic_notes_by_hand():
    events = [
        (F(0), F(1), (60, 64), 90),  # a chord: its top note 64 is kept
        (F(1, 50), F(1, 49), (50,), 90),  # snaps to onset 0, under 64: dropped
        (F(1, 2), F(1), (55,), 90),  # starts under the sounding 64: dropped
        (F(101, 100), F(102, 100), (40,), 60),  # snaps to 1, shorter than the grid: 1 step
        (F(2), F(3), (62,), 80),
        (F(5, 2), F(4), (67,), 70),
    ]  # 67 cuts 62 at 5/2
    notes = monophonic_notes(events, grid=F(1, 12), end=F(4))
    assert [(n.offset, n.duration, n.pitch, n.velocity) for n in notes] == [
        (0, 1, 64, 90),
        (1, F(1, 12), 40, 60),
        (F(13, 12), F(11, 12), None, 90),
        (2, F(1, 2), 62, 80),
        (F(5, 2), F(3, 2), 67, 70),
    ]


def test_melody_only_file_and_other_meters(tmp_path):
    waltz = tmp_path / "waltz.abc"
    waltz.write_text("X:1\nT:waltz\nM:3/4\nL:1/8\nK:C\nCDEF GA|B2 c4|]\n")
    solo = read_solo(waltz)
    assert (solo.beats_per_bar, solo.beat_unit, solo.bar_length) == (3, 4, 3)
    assert solo.chords == []  # no symbols, no accompaniment: unconditioned
    assert [n.pitch for n in solo.notes] == [60, 62, 64, 65, 67, 69, 71, 72]
    assert [n.duration for n in solo.notes] == [F(1, 2)] * 6 + [1, 2]
    inferred = read_solo(waltz, harmony="melody").chords  # one chord a bar from the melody
    assert [(c.offset, c.duration) for c in inferred] == [(0, 3), (3, 3)]
    assert all(c.root == 0 for c in inferred)
    jig = tmp_path / "jig.abc"
    jig.write_text("X:1\nT:jig\nM:6/8\nL:1/8\nK:G\nGAB cde|d3 B3|]\n")
    solo = read_solo(jig)
    assert (solo.beats_per_bar, solo.beat_unit, solo.bar_length, solo.duration) == (6, 8, 3, 6)
    assert [n.duration for n in solo.notes] == [F(1, 2)] * 6 + [F(3, 2)] * 2


def _score_with_meters(tmp_path, suffix):
    from music21 import meter, note, stream

    part = stream.Part()
    part.append(meter.TimeSignature("3/4"))
    part.repeatAppend(note.Note(60), 3)
    part.append(meter.TimeSignature("4/4"))
    part.repeatAppend(note.Note(62), 4)
    path = tmp_path / f"change.{suffix}"
    stream.Score([part.makeMeasures()]).write(
        "midi" if suffix == "mid" else "musicxml", fp=str(path)
    )
    return path


@pytest.mark.parametrize("suffix", ["mid", "musicxml"])
def test_meter_change_is_refused(tmp_path, suffix):
    path = _score_with_meters(tmp_path, suffix)
    with pytest.raises(MusicInputError) as info:
        read_solo(path)
    assert str(info.value) == (
        f"{path}: the meter changes from 3/4 to 4/4 at bar 2; expected "
        "one time signature for the whole piece"
    )


def test_bad_files(tmp_path):
    from music21 import instrument, meter, note, stream

    cases = {}
    (tmp_path / "empty.xml").write_bytes(b"")
    cases["empty.xml"] = f"file is empty; {EXPECTED_FILE}"
    (tmp_path / "broken.mid").write_bytes(b"MThd\x00\x00\x00\x06garbage" + bytes(range(40)))
    cases["broken.mid"] = "cannot be read as MIDI ("
    (tmp_path / "broken.xml").write_bytes(b'<?xml version="1.0"?><score-partwise><part')
    cases["broken.xml"] = "cannot be read by music21 ("
    (tmp_path / "notes.txt").write_text("C D E")
    cases["notes.txt"] = f"unsupported file type; {EXPECTED_FILE}"
    cases["missing.mid"] = f"no such file; {EXPECTED_FILE}"
    rests = stream.Part([meter.TimeSignature("4/4"), note.Rest(quarterLength=4)])
    stream.Score([rests]).write("musicxml", fp=str(tmp_path / "rests.musicxml"))
    cases["rests.musicxml"] = "no pitched notes; expected a melody with pitched notes"
    drums = stream.Part(
        [instrument.SnareDrum()] + [note.Unpitched(displayName="E4") for _ in range(4)]
    )
    stream.Score([drums]).write("midi", fp=str(tmp_path / "drums.mid"))
    cases["drums.mid"] = "percussion only; expected a melody with pitched notes"
    for name, message in cases.items():
        path = tmp_path / name
        with pytest.raises(MusicInputError) as info:
            read_solo(path)
        assert str(info.value).startswith(f"{path}: {message}"), str(info.value)
        assert str(info.value).endswith(("file", "notes")) and "\n" not in str(info.value)


def test_unknown_chord_symbol_names_file_bar_and_symbol(tmp_path):
    path = tmp_path / "lead.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><score-partwise version="3.0"><part-list>'
        '<score-part id="P1"><part-name>Sax</part-name></score-part></part-list><part id="P1">'
        '<measure number="1"><attributes><divisions>1</divisions><time><beats>4</beats>'
        "<beat-type>4</beat-type></time></attributes><harmony><root><root-step>C</root-step>"
        "</root><kind>major-seventh</kind></harmony><note><pitch><step>C</step><octave>5</octave>"
        '</pitch><duration>4</duration><type>whole</type></note></measure><measure number="2">'
        '<harmony><root><root-step>D</root-step></root><kind text="q7">other</kind></harmony>'
        "<note><pitch><step>D</step><octave>5</octave></pitch><duration>4</duration>"
        "<type>whole</type></note></measure></part></score-partwise>"
    )
    with pytest.raises(ChordError) as info:
        read_solo(path)
    assert str(info.value) == (
        f"{path}: bar 2: cannot read chord symbol 'Dq7'; expected e.g. "
        "Cmaj7, Dm7, G7, Bm7b5, C/E, N.C."
    )


def test_bad_arguments(tmp_path):
    with pytest.raises(
        MusicInputError,
        match=r"harmony='chords' is not supported; expected one "
        r"of auto, symbols, accompaniment, melody, none",
    ):
        read_solo(tmp_path / "x.mid", harmony="chords")
    waltz = tmp_path / "waltz.abc"
    waltz.write_text("X:1\nT:waltz\nM:3/4\nL:1/8\nK:C\nCDEF GA|]\n")
    with pytest.raises(MusicInputError) as info:
        read_solo(waltz, harmony="symbols")
    assert str(info.value).startswith(f"{waltz}: no chord symbols; expected a lead sheet")
    with pytest.raises(MusicInputError) as info:
        read_solo(waltz, harmony="accompaniment")
    assert str(info.value).startswith(f"{waltz}: no accompaniment parts besides the melody")
    with pytest.raises(MusicInputError, match="no such file or folder"):
        list_music_files([tmp_path / "nowhere"])
    (tmp_path / "empty_folder").mkdir()
    with pytest.raises(MusicInputError, match="folder has no music files"):
        read_corpus(tmp_path / "empty_folder", cache_dir=tmp_path / "cache")


@pytest.mark.slow
def test_cache_round_trip(tmp_path):
    src = shared_data_dir()
    if src is None:
        pytest.skip("../shared/data is not present beside the repository")
    folder = tmp_path / "solos"
    folder.mkdir()
    original = src / "music" / "wjazzd" / "ArtPepper_Stardust-1_Solo.xml"
    (folder / "a.xml").write_bytes(original.read_bytes())
    (folder / "b.abc").write_text("X:1\nT:t\nM:6/8\nL:1/8\nK:G\nGAB cde|d3 B3|]\n")
    cache = tmp_path / "cache"
    fresh = [read_solo(folder / "a.xml"), read_solo(folder / "b.abc")]
    first = read_corpus(folder, cache_dir=cache)
    entries = sorted(cache.glob("*.json"))
    assert len(entries) == 2 and not list(cache.glob(".tmp-*"))
    data = json.loads(entries[0].read_text())
    assert data["format"] == "seqzoo.music.solo" and data["version"] == corpus.CACHE_VERSION
    sha = sha256_of(folder / "a.xml")
    assert any(e.name.startswith(sha) for e in entries)
    second = read_corpus(folder, cache_dir=cache)  # from the cache
    assert first == fresh and second == fresh
    assert [s.source for s in second] == [str(folder / "a.xml"), str(folder / "b.abc")]
    # the cache is really read: a doctored entry is returned as is (keyed by content)
    doctored = json.loads(entries[0].read_text())
    doctored["solo"]["tempo"] = 1.5
    entries[0].write_text(json.dumps(doctored))
    assert 1.5 in [s.tempo for s in read_corpus(folder, cache_dir=cache)]
    # a changed file is parsed again; a corrupt entry is ignored and rewritten
    (folder / "b.abc").write_text("X:1\nT:t\nM:6/8\nL:1/8\nK:G\nGAB cdB|d3 B3|]\n")
    changed = read_corpus(folder / "b.abc", cache_dir=cache)[0]
    assert [n.pitch for n in changed.notes][5] == 71
    for entry in cache.glob("*.json"):
        entry.write_text("{not json")
    assert read_corpus(folder / "a.xml", cache_dir=cache) == fresh[:1]
    assert read_corpus(folder / "a.xml", cache_dir=cache, use_cache=False) == fresh[:1]


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.delenv("SEQZOO_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert corpus.default_cache_dir() == tmp_path / "seqzoo" / "music"
    monkeypatch.setenv("SEQZOO_CACHE_DIR", str(tmp_path / "x"))
    assert corpus.default_cache_dir() == tmp_path / "x"
    assert os.fspath(corpus.default_cache_dir()).endswith("x")


def test_read_corpus_in_worker_processes(tmp_path):
    for i, tune in enumerate(("GAB cde|d3 B3|]", "c3 B3|A6|]", "GAB cdB|d3 B3|]")):
        (tmp_path / f"tune{i}.abc").write_text(f"X:1\nT:t\nM:6/8\nL:1/8\nK:G\n{tune}\n")
    (tmp_path / "tune3.abc").write_text("X:1\nT:rests\nM:6/8\nL:1/8\nK:G\nz6|]\n")
    serial = read_corpus(tmp_path, use_cache=False, skip_errors=True)
    parallel = read_corpus(tmp_path, cache_dir=tmp_path / "cache", skip_errors=True, workers=2)
    assert len(serial) == 3 and parallel == serial
    with pytest.raises(MusicInputError, match="tune3.abc: no pitched notes"):
        read_corpus(tmp_path, use_cache=False, workers=2)


def test_one_list_of_readable_suffixes(tmp_path):
    """`music.reading.files.SUFFIXES` is what folders are searched for, what the error names and what a
    lead-sheet spec is taken for; no other music module spells a readable suffix."""
    import pathlib

    import music
    from music.reading import files
    from music.reading.leadsheet import progression_and_meter

    for suffix in files.SUFFIXES:
        (tmp_path / f"tune{suffix.upper()}").write_text("x")
    (tmp_path / "notes.txt").write_text("x")
    found = [pathlib.Path(f).suffix.lower() for f in list_music_files(tmp_path)]
    assert sorted(found) == sorted(files.SUFFIXES)
    assert all(suffix in files.EXPECTED_FILE for suffix in files.SUFFIXES)
    for suffix in files.SUFFIXES:  # a missing file with a music suffix is read as a file
        with pytest.raises(MusicInputError, match="no such file"):
            progression_and_meter(str(tmp_path / f"missing{suffix}"))
    for path in pathlib.Path(music.__file__).parent.glob("*.py"):
        if path.name != "files.py":
            assert '".mxl"' not in path.read_text() and '".midi"' not in path.read_text(), path
