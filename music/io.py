"""Reading solos from MusicXML, MIDI and ABC files with music21.

`read_solo` turns one file into a `Solo`: a monophonic, gap-free melody on a fixed time grid,
the chord spans it is played over, the time signature and the tempo. `read_corpus` reads files
and folders, with a JSON cache keyed by each file's sha256 (`music.corpus`).

How a file becomes a solo:

1. music21 parses it (a MIDI file is read with `music21.midi` directly, which is much faster).
   Every part is reduced to note events (onset, end, pitches, velocity) with tied notes merged
   and grace notes dropped; percussion parts (unpitched notes, a percussion instrument, MIDI
   channel 10) are set aside.
2. The melody part is chosen by content (`choose_melody`), never by position.
3. Bars are laid out on a uniform grid of the time signature, measure by measure (`TimeMap`): a
   pickup bar is right-aligned to the first bar line (a rest fills its start); an underfull bar
   is filled with rest; an overfull bar (WJazzD has some 5/4 bars in 4/4 solos, their extra beat
   a rest) loses its overflow when nothing sounds there, else is extended with rest to whole
   bars. So every bar line of the file falls on a multiple of the bar length.
4. Onsets and ends are snapped to `grid` (default 1/24 quarter: keeps 16ths, dotted 16ths, 8th
   and 16th triplets; the encoding's grid). Where notes overlap, the top voice wins: a note
   starting under a higher note still sounding is dropped (so of a chord only the top note is
   kept), and a note is cut where the next kept one starts. Silences become rests, so the notes
   tile the time from 0 to the end of the last bar exactly.
5. Harmony (`harmony=`): ``"symbols"`` uses the chord symbols written in the file (each lasts
   until the next; N.C. before the first; figures re-spelled in jazz spelling: music21's ``E-7``
   becomes ``Eb7``); ``"accompaniment"`` infers a chord every half bar (every bar in odd
   meters) from the other pitched parts (`infer_chords`); ``"melody"`` infers one chord a bar
   from the melody itself; ``"none"`` leaves `chords` empty. ``"auto"`` (the default) takes
   symbols if the file has any, else the accompaniment if there is one, else none.
"""

import contextlib
import os
import pathlib
import re
from fractions import Fraction

from music import chords as chord_lib
from music import corpus, symbols
from music.errors import ChordError, MusicInputError
from music.limits import ReadLimits, read_limits
from music.parts import (_SIZE_HINT, DEFAULT_GRID, EXPECTED_FILE, PartEvents, TimeMap,
                         choose_melody, infer_chords, monophonic_notes, part_events,
                         read_midi_parts, score_time_map, short_reason, snap, to_fraction)
from music.types import Chord, Solo
from music.validation import check_whole
from zoo.files import check_regular_file

HARMONY_MODES = ("auto", "symbols", "accompaniment", "melody", "none")
SUFFIXES = (".xml", ".musicxml", ".mxl", ".mid", ".midi", ".abc")
_EXPECTED_FILE = EXPECTED_FILE


def _parse_score(path):
    import music21

    suffix = pathlib.Path(path).suffix.lower()
    options = {"quantizePost": False} if suffix in (".mid", ".midi") else {}
    try:
        parsed = music21.converter.parse(str(path), forceSource=True, storePickle=False,
                                         **options)
    except Exception as error:  # music21 raises many types for a corrupt file
        raise MusicInputError(f"{path}: cannot be read by music21 ({short_reason(error)}); "
                              f"{_EXPECTED_FILE}") from None
    if isinstance(parsed, music21.stream.Opus):  # an ABC book: take its first tune
        scores = list(parsed.scores)
        if not scores:
            raise MusicInputError(f"{path}: contains no tunes; {_EXPECTED_FILE}")
        parsed = scores[0]
    return parsed


def _score_signatures(score):
    from music21 import meter

    return [((int(ts.numerator), int(ts.denominator)),
             ts.measureNumber if ts.measureNumber is not None
             else to_fraction(ts.getOffsetInHierarchy(score)))
            for ts in score.recurse().getElementsByClass(meter.TimeSignature)]


def _meter(signatures, path, *, midi_times=False):
    """One (beats, unit) from ``[((beats, unit), bar or time), ...]``, or a clear refusal."""
    changes = []
    for value, where in signatures:
        if not changes or changes[-1][0] != value:
            changes.append((value, where))
    if not changes:
        return 4, 4
    beats, unit = changes[0][0]
    if beats < 1 or unit not in (1, 2, 4, 8, 16, 32):
        raise MusicInputError(f"{path}: time signature {beats}/{unit} is not supported; expected "
                              "a positive numerator over 1, 2, 4, 8, 16 or 32 (e.g. 4/4, 3/4, 6/8)")
    if len(changes) > 1:
        (c, d), where = changes[1]
        if midi_times or isinstance(where, Fraction):  # a time: count bars of the first meter
            where = int(where // Fraction(beats * 4, unit)) + 1
        raise MusicInputError(f"{path}: the meter changes from {beats}/{unit} to {c}/{d} at bar "
                              f"{where}; expected one time signature for the whole piece")
    return beats, unit


def _tempo(score):
    from music21 import tempo

    for mark in score.recurse().getElementsByClass(tempo.MetronomeMark):
        bpm = mark.getQuarterBPM()
        if bpm:
            return round(float(bpm), 3)
    return 120.0


def _symbol_chords(score, path, time_map, grid, total):
    from music21 import harmony

    found = {}
    for symbol in score.recurse().getElementsByClass(harmony.Harmony):
        onset = time_map.start(to_fraction(symbol.getOffsetInHierarchy(score)))
        if onset is None:
            continue
        onset = snap(onset, grid)
        bar = symbol.measureNumber
        try:  # the figure, or the written text when only it agrees with music21's pitches
            chord = symbols.from_music21(symbol, bar=bar)
        except ChordError as error:
            raise ChordError(f"{path}: {error}") from None
        if chord.root is not None:  # re-spell unambiguously: music21's "E-7" is Eb7, not Em7
            figure = chord_lib.chord_symbol(chord.root, chord.quality, chord.bass,
                                            sharps="#" in symbol.figure)
            chord = Chord(chord.offset, chord.duration, chord.root, chord.quality,
                          chord.pitch_classes, figure, chord.bass)
        found[onset] = chord
    onsets = sorted(t for t in found if t < total)
    if not onsets:
        return []
    spans = []
    if onsets[0] > 0:
        spans.append(Chord(Fraction(0), onsets[0], None, chord_lib.NO_CHORD, (),
                           chord_lib.NO_CHORD))
    for i, onset in enumerate(onsets):
        stop = onsets[i + 1] if i + 1 < len(onsets) else total
        c = found[onset]
        spans.append(Chord(onset, stop - onset, c.root, c.quality, c.pitch_classes, c.figure,
                           c.bass))
    return spans


def _path_argument(value, name):
    """`value` as a str path, or a `MusicInputError` naming the parameter."""
    if isinstance(value, bytes) or not isinstance(value, (str, os.PathLike)):
        raise MusicInputError(f"{name} must be a path (a str or os.PathLike); got {value!r:.80}")
    return os.fspath(value)


def _check_file(source, limits):
    """The file is a regular file within the size limit (an .mxl: its unpacked size too)."""
    if not os.path.lexists(source):
        raise MusicInputError(f"{source}: no such file; {_EXPECTED_FILE}")
    size = check_regular_file(source, max_bytes=limits.max_bytes, error=MusicInputError,
                              what="music file", hint=_SIZE_HINT)
    if pathlib.Path(source).suffix.lower() not in SUFFIXES:
        raise MusicInputError(f"{source}: unsupported file type; {_EXPECTED_FILE}")
    if size == 0:
        raise MusicInputError(f"{source}: file is empty; {_EXPECTED_FILE}")
    if pathlib.Path(source).suffix.lower() in (".xml", ".musicxml", ".abc"):
        with open(source, "rb") as handle:
            _prescan_musicxml(source, limits, handle.read(limits.max_bytes + 1))
    if pathlib.Path(source).suffix.lower() == ".mxl":
        import zipfile
        import zlib

        try:
            with zipfile.ZipFile(source) as archive:
                members = archive.infolist()
                limits.check(source, "max_bytes", sum(info.file_size for info in members))
                for info in members:  # the scores inside get the same checks as a .xml file
                    if not info.filename.startswith("META-INF") and not info.is_dir():
                        _prescan_musicxml(source, limits, archive.read(info))
        except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError,
                NotImplementedError) as error:
            if isinstance(error, MusicInputError):
                raise
            raise MusicInputError(f"{source}: cannot be read as a compressed MusicXML file "
                                  f"({short_reason(error)}); {_EXPECTED_FILE}") from None


@contextlib.contextmanager
def _music21_errors(source):
    """A parsed but corrupt file makes music21 objects raise anything (OverflowError for an
    octave of 1e400, RecursionError for a chord symbol without pitches): one clear error."""
    try:
        yield
    except MusicInputError:
        raise
    except Exception as error:  # noqa: BLE001 (music21 raises many types)
        raise MusicInputError(f"{source}: cannot be read by music21 ({short_reason(error)}); "
                              f"{_EXPECTED_FILE}") from None


_MAX_METER_NUMBER = 64
_METER_NUMBERS = re.compile(rb"<(beats|beat-type)>([^<]*)</(?:beats|beat-type)>|"
                            rb"^M:\s*([^\n%]*)", re.M)
_PART = re.compile(rb"<part[\s>]")
_MEASURE = re.compile(rb"<measure[\s>]")
_NOTE = re.compile(rb"<note[\s>]")


def _prescan_musicxml(source, limits, data):
    """Count measures (per part) and notes in the raw MusicXML `data` before music21 parses it.

    music21's parse time grows with the square of the number of short measures in a part and
    it hangs on a time signature such as 1000000/4, so these are checked in the text first.
    """
    starts = [m.start() for m in _PART.finditer(data)] + [len(data)]
    measures = max((len(_MEASURE.findall(data, a, b)) for a, b in zip(starts, starts[1:])),
                   default=0)
    limits.check(source, "max_bars", measures)
    limits.check(source, "max_notes", len(_NOTE.findall(data)))
    for match in _METER_NUMBERS.finditer(data):  # music21 hangs on a 1000000/4 time signature
        text = (match.group(2) if match.group(1) else match.group(3)) or b""
        if any(int(n) > _MAX_METER_NUMBER for n in re.findall(rb"\d+", text)):
            shown = text.decode("latin-1", "replace").strip()[:40]
            raise MusicInputError(f"{source}: time signature {shown!r} is not supported; "
                                  f"expected numbers up to {_MAX_METER_NUMBER} (e.g. 4/4, 3/4, "
                                  f"6/8)")


def read_solo(path, *, harmony="auto", grid=DEFAULT_GRID, melody_part=None, limits=None):
    """Read one MusicXML, MIDI or ABC file as a `Solo` (see the module docstring for how).

    Args:
        path: str or path-like, the file.
        harmony: str, where chords come from: ``"auto"`` (default), ``"symbols"``,
            ``"accompaniment"``, ``"melody"`` or ``"none"`` (see the module docstring).
        grid: Fraction, the time grid in quarter notes (default 1/24: dotted 16ths and triplets).
        melody_part: str or None, a part name to use as the melody when several parts match
            by content poorly (case-insensitive substring; default: chosen by content).
        limits: `music.limits.ReadLimits`, a dict of its fields or None: the largest file,
            latest note, most bars and most notes accepted, checked while reading. Default
            None: 32 MiB, 20,000 quarter notes, 2,500 bars, 200,000 notes, each raised by an
            environment variable (see `music.limits`).

    Returns:
        Solo, with `source` set to `path` as given.

    Raises:
        MusicInputError: naming the file, for a missing, empty, corrupt or unsupported file,
            anything but a regular file (a FIFO, a device, a symlink loop), a file past a limit,
            a file with no pitched notes (or percussion only), a meter change, or a harmony mode
            the file cannot give.
        ChordError: naming the file, bar and symbol, for a chord symbol that cannot be read.

    Example:

    >>> path = "../shared/data/music/wjazzd/ArtPepper_BluesForBlanche_Solo.xml"
    >>> solo = read_solo(path)  # doctest: +SKIP
    >>> solo.chords[0].figure, solo.beats_per_bar, solo.tempo  # doctest: +SKIP
    ('Eb7', 4, 199.0)
    """
    source = _path_argument(path, "path")
    if not isinstance(harmony, str) or harmony not in HARMONY_MODES:
        raise MusicInputError(f"harmony={harmony!r} is not supported; expected one of "
                              f"{', '.join(HARMONY_MODES)}")
    if melody_part is not None and not isinstance(melody_part, str):
        raise MusicInputError(f"melody_part must be a part name (str) or None; got "
                              f"{melody_part!r:.80}")
    given_grid = grid
    try:
        grid = Fraction(grid) if not isinstance(grid, bool) else None
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        grid = None
    if grid is None or grid <= 0 or grid > 1:
        shown = str(grid) if grid is not None else repr(given_grid)[:40]
        raise MusicInputError(f"grid={shown} is not supported; expected a fraction of a quarter "
                              "note in (0, 1], e.g. 1/12")
    limits = read_limits(limits)
    _check_file(source, limits)
    if pathlib.Path(source).suffix.lower() in (".mid", ".midi"):
        score = None
        parts, signatures, tempo, last_time = read_midi_parts(source, limits=limits)
        beats, unit = _meter(signatures, source, midi_times=True)
        time_map = TimeMap([], Fraction(beats * 4, unit), [])
    else:
        score = _parse_score(source)
        with _music21_errors(source):
            beats, unit = _meter(_score_signatures(score), source)
            parts = []
            for part in (list(score.parts) or [score]):
                parts.append(part_events(part, limits=limits, path=source,
                                         counted=sum(p.note_count for p in parts)))
            tempo = _tempo(score)
        last_time = None
    bar_length = Fraction(beats * 4, unit)
    if not any(p.events for p in parts):
        kind = "percussion only" if any(p.percussion for p in parts) else "no pitched notes"
        raise MusicInputError(f"{source}: {kind}; expected a melody with pitched notes")
    melody = choose_melody(parts, name=melody_part)
    if melody is None:
        raise MusicInputError(f"{source}: percussion only; expected a melody with pitched notes")
    if score is not None:
        with _music21_errors(source):
            time_map = score_time_map(score, bar_length, parts)
        last_time = time_map.end

    def remap(event_list):
        out = []
        for onset, stop, pitches, velocity in event_list:
            start = time_map.start(onset)
            if start is not None:
                out.append((start, time_map.stop(stop, start), pitches, velocity))
        return out

    events = remap(melody.events)
    last = max([snap(e[1], grid) for e in events] + [snap(last_time, grid)])
    total = -(-last // bar_length) * bar_length  # up to the end of the last bar
    limits.check(source, "max_quarters", total)  # before any work that grows with the length
    limits.check(source, "max_bars", total / bar_length)
    notes = monophonic_notes(events, grid=grid, end=total)
    others = [e for p in parts if p is not melody and not p.percussion for e in p.events]
    others = remap(others)
    step = bar_length / 2 if beats % 2 == 0 else bar_length
    chords = []
    if harmony in ("auto", "symbols") and score is not None:
        with _music21_errors(source):
            chords = _symbol_chords(score, source, time_map, grid, total)
    if harmony == "symbols" and not chords:
        raise MusicInputError(f"{source}: no chord symbols; expected a lead sheet with chord "
                              "symbols (or use harmony='accompaniment', 'melody' or 'none')")
    if (harmony == "auto" and not chords and others) or harmony == "accompaniment":
        if not others:
            raise MusicInputError(f"{source}: no accompaniment parts besides the melody "
                                  f"{melody.name!r}; expected a multi-part file (or use "
                                  "harmony='melody' or 'none')")
        chords = infer_chords(others, start=Fraction(0), end=total, step=step)
    if harmony == "melody":
        chords = infer_chords(events, start=Fraction(0), end=total, step=bar_length)
    return Solo(notes, chords, beats, unit, tempo, source)


def list_music_files(paths_or_folders):
    """Expand files and folders (searched recursively) into a sorted list of music files.

    Args:
        paths_or_folders: a path, or a list of paths; folders contribute every file ending in
            .xml, .musicxml, .mxl, .mid, .midi or .abc.

    Returns:
        list of str, files in the order given, each folder's files sorted.

    Raises:
        MusicInputError: for a path that does not exist or a folder with no music files.
    """
    if isinstance(paths_or_folders, (str, os.PathLike)):
        paths_or_folders = [paths_or_folders]
    if not isinstance(paths_or_folders, (list, tuple)) or not paths_or_folders:
        raise MusicInputError(f"paths_or_folders must be a path or a non-empty list of paths; "
                              f"got {paths_or_folders!r:.80}")
    files = []
    for item in paths_or_folders:
        item = _path_argument(item, "paths_or_folders")
        if os.path.isdir(item):
            found = sorted(str(p) for p in pathlib.Path(item).rglob("*")
                           if p.is_file() and p.suffix.lower() in SUFFIXES)
            if not found:
                raise MusicInputError(f"{item}: folder has no music files; {_EXPECTED_FILE}")
            files.extend(found)
        elif os.path.isfile(item):
            files.append(item)
        elif os.path.lexists(item):  # a FIFO, a device, a symlink loop: refused by name
            check_regular_file(item, error=MusicInputError, what="music file")
        else:
            raise MusicInputError(f"{item}: no such file or folder; {_EXPECTED_FILE}")
    return files


def _read_one(path, harmony, grid, limits=None):
    """Worker for `read_corpus`: a `Solo`, or the `MusicInputError` it raised."""
    try:
        return read_solo(path, harmony=harmony, grid=grid, limits=limits)
    except MusicInputError as error:
        return error


def read_corpus(paths_or_folders, cache_dir=None, *, harmony="auto", grid=DEFAULT_GRID,
                use_cache=True, skip_errors=False, workers=1, limits=None):
    """Read many files (and folders) as solos, through the sha256-keyed JSON cache.

    Args:
        paths_or_folders: a path or a list of files and folders (see `list_music_files`).
        cache_dir: str, path or None; the cache folder (default `music.corpus.default_cache_dir`,
            e.g. ``~/.cache/seqzoo/music``).
        harmony: str, as for `read_solo` (default ``"auto"``).
        grid: Fraction, as for `read_solo` (default 1/24).
        use_cache: bool, read and write the cache (default True).
        skip_errors: bool, leave out files that raise `MusicInputError` instead of raising
            (default False); when no file at all can be read, the first error is raised.
        workers: int, processes that parse the files missing from the cache (default 1: in
            this process).
        limits: `music.limits.ReadLimits`, a dict or None, as for `read_solo`.

    Returns:
        list of `Solo`, in file order, each with `source` set to its path.

    Raises:
        MusicInputError: as for `read_solo` and `list_music_files` (the first bad file).

    Example:

    >>> solos = read_corpus("../shared/data/music/wjazzd")  # doctest: +SKIP
    >>> len(solos)  # doctest: +SKIP
    354
    """
    files = list_music_files(paths_or_folders)
    limits = read_limits(limits)
    workers = check_whole("workers", workers)
    if cache_dir is not None:
        _path_argument(cache_dir, "cache_dir")
    folder = pathlib.Path(cache_dir) if cache_dir is not None else corpus.default_cache_dir()
    grid = Fraction(grid)
    options = {"harmony": harmony, "grid": str(grid)}
    results, keys, missing = [None] * len(files), [None] * len(files), []
    for i, path in enumerate(files):
        if use_cache:
            try:  # a file past the size limit is not even hashed
                _check_file(path, limits)
            except MusicInputError:
                missing.append(i)  # read_solo raises (or skips) it in file order
                continue
            keys[i] = corpus.cache_key(corpus.file_sha256(path), options)
            cached = corpus.load_cached(folder, keys[i])
            if cached is not None:
                cached.source = path
                results[i] = cached
                continue
        missing.append(i)
    pool = None
    if workers > 1 and len(missing) > 1:
        from concurrent.futures import ProcessPoolExecutor

        pool = ProcessPoolExecutor(max_workers=workers)
        parsed = pool.map(_read_one, [files[i] for i in missing], [harmony] * len(missing),
                          [grid] * len(missing), [limits] * len(missing))
    else:
        parsed = (_read_one(files[i], harmony, grid, limits) for i in missing)
    skipped = []
    try:
        for i, solo in zip(missing, parsed):  # each solo is cached as soon as it is read
            if isinstance(solo, MusicInputError):
                if skip_errors:
                    skipped.append(solo)
                    continue
                raise solo
            if keys[i] is not None:
                corpus.store_cached(folder, keys[i], solo)
            results[i] = solo
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    solos = [solo for solo in results if solo is not None]
    if not solos and skipped:  # skipping bad files must not hide why nothing was read
        first = str(skipped[0]).splitlines()[0]
        raise MusicInputError(f"none of the {len(files)} music files could be read; the first "
                              f"error: {first}")
    return solos


__all__ = ["DEFAULT_GRID", "HARMONY_MODES", "PartEvents", "ReadLimits", "TimeMap",
           "read_midi_parts",
           "read_solo", "read_corpus",
           "list_music_files", "part_events", "choose_melody", "monophonic_notes", "infer_chords"]
