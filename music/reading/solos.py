"""Reading solos from MusicXML, MIDI and ABC files with music21.

`read_solo` turns one file into a `Solo`: a monophonic, gap-free melody on a fixed time grid,
the chord spans it is played over, the time signature and the tempo. `read_corpus` reads files
and folders, with a JSON cache keyed by each file's sha256 (`music.reading.cache`).

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

import os
import pathlib
from fractions import Fraction

from music.checks import check_whole
from music.errors import MusicInputError
from music.reading import cache as corpus
from music.reading.chord_inference import infer_chords
from music.reading.files import EXPECTED_FILE, SUFFIXES, check_file, is_midi, path_argument, suffix
from music.reading.limits import ReadLimits, read_limits
from music.reading.parts import (
    DEFAULT_GRID,
    PartEvents,
    choose_melody,
    monophonic_notes,
    part_events,
    read_midi_parts,
    snap,
)
from music.reading.scores import (
    meter_of,
    music21_errors,
    parse_score,
    symbol_chords,
    tempo_of,
    time_signatures,
)
from music.reading.timemap import TimeMap, score_time_map
from music.types import Solo
from zoo.io.downloads import sha256_of
from zoo.io.files import check_regular_file

HARMONY_MODES = ("auto", "symbols", "accompaniment", "melody", "none")


def read_solo(path, *, harmony="auto", grid=DEFAULT_GRID, melody_part=None, limits=None):
    """Read one MusicXML, MIDI or ABC file as a `Solo` (see the module docstring for how).

    Args:
        path: str or path-like, the file.
        harmony: str, where chords come from: ``"auto"`` (default), ``"symbols"``,
            ``"accompaniment"``, ``"melody"`` or ``"none"`` (see the module docstring).
        grid: Fraction, the time grid in quarter notes (default 1/24: dotted 16ths and triplets).
        melody_part: str or None, a part name to use as the melody when several parts match
            by content poorly (case-insensitive substring; default: chosen by content).
        limits: `music.reading.limits.ReadLimits`, a dict of its fields or None: the largest file,
            latest note, most bars and most notes accepted, checked while reading. Default
            None: 32 MiB, 20,000 quarter notes, 2,500 bars, 200,000 notes, each raised by an
            environment variable (see `music.reading.limits`).

    Returns:
        Solo, with `source` set to `path` as given.

    Raises:
        MusicInputError: naming the file, for a missing, empty, corrupt or unsupported file,
            anything but a regular file (a FIFO, a device, a symlink loop), a file past a limit,
            a file with no pitched notes (or percussion only), a meter change, or a harmony mode
            the file cannot give.
        ChordError: naming the file, bar and symbol, for a chord symbol that cannot be read.

    Example:

    A lead sheet written by `music.writing.render.write_solo`, read back:

    >>> import pathlib, tempfile
    >>> from music.theory.progressions import parse_progression
    >>> from music.writing.render import write_solo
    >>> from music.types import Note
    >>> notes = [Note(Fraction(k, 2), Fraction(1, 2), 60 + k % 8) for k in range(16)]
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _, xml = write_solo(Solo(notes, parse_progression("Dm7 | G7 |"), tempo=150),
    ...                         pathlib.Path(folder) / "solo.mid")
    ...     solo = read_solo(xml)
    >>> [c.figure for c in solo.chords], solo.beats_per_bar, solo.tempo, solo.notes == notes
    (['Dm7', 'G7'], 4, 150.0, True)
    """
    source = path_argument(path, "path")
    if not isinstance(harmony, str) or harmony not in HARMONY_MODES:
        raise MusicInputError(
            f"harmony={harmony!r} is not supported; expected one of {', '.join(HARMONY_MODES)}"
        )
    if melody_part is not None and not isinstance(melody_part, str):
        raise MusicInputError(
            f"melody_part must be a part name (str) or None; got {melody_part!r:.80}"
        )
    given_grid = grid
    try:
        grid = Fraction(grid) if not isinstance(grid, bool) else None
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        grid = None
    if grid is None or grid <= 0 or grid > 1:
        shown = str(grid) if grid is not None else repr(given_grid)[:40]
        raise MusicInputError(
            f"grid={shown} is not supported; expected a fraction of a quarter "
            "note in (0, 1], e.g. 1/12"
        )
    limits = read_limits(limits)
    check_file(source, limits)
    if is_midi(source):
        score = None
        parts, signatures, tempo, last_time = read_midi_parts(source, limits=limits)
        beats, unit = meter_of(signatures, source, midi_times=True)
        time_map = TimeMap([], Fraction(beats * 4, unit), [])
    else:
        score = parse_score(source)
        with music21_errors(source):
            beats, unit = meter_of(time_signatures(score), source)
            parts = []
            for part in list(score.parts) or [score]:
                parts.append(
                    part_events(
                        part, limits=limits, path=source, counted=sum(p.note_count for p in parts)
                    )
                )
            tempo = tempo_of(score)
        last_time = None
    bar_length = Fraction(beats * 4, unit)
    if not any(p.events for p in parts):
        kind = "percussion only" if any(p.percussion for p in parts) else "no pitched notes"
        raise MusicInputError(f"{source}: {kind}; expected a melody with pitched notes")
    melody = choose_melody(parts, name=melody_part)
    if melody is None:
        raise MusicInputError(f"{source}: percussion only; expected a melody with pitched notes")
    if score is not None:
        with music21_errors(source):
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
        with music21_errors(source):
            chords = symbol_chords(score, source, time_map, grid, total)
    if harmony == "symbols" and not chords:
        raise MusicInputError(
            f"{source}: no chord symbols; expected a lead sheet with chord "
            "symbols (or use harmony='accompaniment', 'melody' or 'none')"
        )
    if (harmony == "auto" and not chords and others) or harmony == "accompaniment":
        if not others:
            raise MusicInputError(
                f"{source}: no accompaniment parts besides the melody "
                f"{melody.name!r}; expected a multi-part file (or use "
                "harmony='melody' or 'none')"
            )
        chords = infer_chords(others, start=Fraction(0), end=total, step=step)
    if harmony == "melody":
        chords = infer_chords(events, start=Fraction(0), end=total, step=bar_length)
    return Solo(notes, chords, beats, unit, tempo, source)


def list_music_files(paths_or_folders):
    """Expand files and folders (searched recursively) into a sorted list of music files.

    Args:
        paths_or_folders: a path, or a list of paths; folders contribute every file ending in
            one of `music.reading.files.SUFFIXES` (.xml, .musicxml, .mxl, .mid, .midi, .abc).

    Returns:
        list of str, files in the order given, each folder's files sorted.

    Raises:
        MusicInputError: for a path that does not exist or a folder with no music files.
    """
    if isinstance(paths_or_folders, (str, os.PathLike)):
        paths_or_folders = [paths_or_folders]
    if not isinstance(paths_or_folders, (list, tuple)) or not paths_or_folders:
        raise MusicInputError(
            f"paths_or_folders must be a path or a non-empty list of paths; "
            f"got {paths_or_folders!r:.80}"
        )
    files = []
    for item in paths_or_folders:
        item = path_argument(item, "paths_or_folders")
        if os.path.isdir(item):
            found = sorted(
                str(p)
                for p in pathlib.Path(item).rglob("*")
                if p.is_file() and suffix(p) in SUFFIXES
            )
            if not found:
                raise MusicInputError(f"{item}: folder has no music files; {EXPECTED_FILE}")
            files.extend(found)
        elif os.path.isfile(item):
            files.append(item)
        elif os.path.lexists(item):  # a FIFO, a device, a symlink loop: refused by name
            check_regular_file(item, error=MusicInputError, what="music file")
        else:
            raise MusicInputError(f"{item}: no such file or folder; {EXPECTED_FILE}")
    return files


def _read_one(path, harmony, grid, limits=None):
    """Worker for `read_corpus`: a `Solo`, or the `MusicInputError` it raised."""
    try:
        return read_solo(path, harmony=harmony, grid=grid, limits=limits)
    except MusicInputError as error:
        return error


def read_corpus(
    paths_or_folders,
    cache_dir=None,
    *,
    harmony="auto",
    grid=DEFAULT_GRID,
    use_cache=True,
    skip_errors=False,
    workers=1,
    limits=None,
):
    """Read many files (and folders) as solos, through the sha256-keyed JSON cache.

    Args:
        paths_or_folders: a path or a list of files and folders (see `list_music_files`).
        cache_dir: str, path or None; the cache folder (default `music.reading.cache.default_cache_dir`,
            e.g. ``~/.cache/seqzoo/music``).
        harmony: str, as for `read_solo` (default ``"auto"``).
        grid: Fraction, as for `read_solo` (default 1/24).
        use_cache: bool, read and write the cache (default True).
        skip_errors: bool, leave out files that raise `MusicInputError` instead of raising
            (default False); when no file at all can be read, the first error is raised.
        workers: int, processes that parse the files missing from the cache (default 1: in
            this process).
        limits: `music.reading.limits.ReadLimits`, a dict or None, as for `read_solo`.

    Returns:
        list of `Solo`, in file order, each with `source` set to its path.

    Raises:
        MusicInputError: as for `read_solo` and `list_music_files` (the first bad file).

    Example:

    A folder of two ABC tunes in 6/8:

    >>> import pathlib, tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     for name, tune in (("a.abc", "GAB cde|d3 B3|]"), ("b.abc", "c3 B3|A6|]")):
    ...         tune = f"X:1\\nM:6/8\\nL:1/8\\nK:G\\n{tune}\\n"
    ...         _ = (pathlib.Path(folder) / name).write_text(tune)
    ...     solos = read_corpus(folder, use_cache=False)
    >>> [(len(s.notes), s.beats_per_bar, s.beat_unit, s.bar_length) for s in solos]
    [(8, 6, 8, Fraction(3, 1)), (3, 6, 8, Fraction(3, 1))]
    """
    files = list_music_files(paths_or_folders)
    limits = read_limits(limits)
    workers = check_whole("workers", workers)
    if cache_dir is not None:
        path_argument(cache_dir, "cache_dir")
    folder = pathlib.Path(cache_dir) if cache_dir is not None else corpus.default_cache_dir()
    grid = Fraction(grid)
    options = {"harmony": harmony, "grid": str(grid)}
    results, keys, missing = [None] * len(files), [None] * len(files), []
    for i, path in enumerate(files):
        if use_cache:
            try:  # a file past the size limit is not even hashed
                check_file(path, limits)
            except MusicInputError:
                missing.append(i)  # read_solo raises (or skips) it in file order
                continue
            keys[i] = corpus.cache_key(sha256_of(path), options)
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
        parsed = pool.map(
            _read_one,
            [files[i] for i in missing],
            [harmony] * len(missing),
            [grid] * len(missing),
            [limits] * len(missing),
        )
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
        raise MusicInputError(
            f"none of the {len(files)} music files could be read; the first error: {first}"
        )
    return solos


__all__ = [
    "DEFAULT_GRID",
    "HARMONY_MODES",
    "PartEvents",
    "ReadLimits",
    "TimeMap",
    "read_midi_parts",
    "read_solo",
    "read_corpus",
    "list_music_files",
    "part_events",
    "choose_melody",
    "monophonic_notes",
    "infer_chords",
]
