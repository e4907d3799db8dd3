"""The parsed-solo cache: one JSON file per source file, keyed by the file's sha256.

Parsing MusicXML with music21 costs about a second a file; the cache makes the second read of a
corpus a matter of milliseconds a file. A cache entry is valid for exactly one file content
(the sha256 of its bytes, `zoo.io.downloads.sha256_of`) and one set of reading options (grid,
harmony mode, cache version), so an edited file or a changed option is parsed again. Entries
are JSON (no pickle) and written to a temporary file that is renamed into place, so a crash
never leaves a half-written entry.

The cache folder is, in order: the `cache_dir` argument, ``$SEQZOO_CACHE_DIR``,
``$XDG_CACHE_HOME/seqzoo/music``, ``~/.cache/seqzoo/music``.
"""

import hashlib
import json
import math
import os
import pathlib
from fractions import Fraction

from music.types import Chord, Note, Solo
from zoo.io.atomic import atomic_file

CACHE_VERSION = 2
FORMAT = "seqzoo.music.solo"


def default_cache_dir():
    """The cache folder used when none is given (see the module docstring).

    Returns:
        pathlib.Path (not created until something is written).
    """
    if os.environ.get("SEQZOO_CACHE_DIR"):
        return pathlib.Path(os.environ["SEQZOO_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return pathlib.Path(base) / "seqzoo" / "music"


def solo_to_json(solo):
    """A JSON-able dict for a `Solo`, times exact: integers counting ``1/time_unit`` quarter notes.

    ``time_unit`` is the least common denominator of all the solo's times; notes are
    ``[offset, duration, pitch or null, velocity]`` and chords ``[offset, duration, root or
    null, quality, [pitch classes], figure, bass or null]``, times in those units.

    Example:

    >>> data = solo_to_json(Solo([Note(Fraction(1, 2), Fraction(1, 3), 60)], []))
    >>> data["time_unit"], data["notes"]
    (6, [[3, 2, 60, 90]])
    """
    unit = 1
    for item in list(solo.notes) + list(solo.chords):
        for value in (item.offset, item.duration):
            unit = math.lcm(unit, Fraction(value).denominator)

    def ticks(value):
        return int(Fraction(value) * unit)

    return {
        "time_unit": unit,
        "notes": [[ticks(n.offset), ticks(n.duration), n.pitch, n.velocity] for n in solo.notes],
        "chords": [
            [
                ticks(c.offset),
                ticks(c.duration),
                c.root,
                c.quality,
                list(c.pitch_classes),
                c.figure,
                c.bass,
            ]
            for c in solo.chords
        ],
        "beats_per_bar": solo.beats_per_bar,
        "beat_unit": solo.beat_unit,
        "tempo": solo.tempo,
        "source": solo.source,
    }


def solo_from_json(data):
    """The inverse of `solo_to_json`.

    Example:

    >>> s = Solo([Note(Fraction(0), Fraction(1, 3), 60)], [], source="x")
    >>> solo_from_json(solo_to_json(s)) == s
    True
    """
    unit, made = int(data["time_unit"]), {}

    def time(ticks):  # durations repeat: build each Fraction once
        value = made.get(ticks)
        if value is None:
            value = made[ticks] = Fraction(ticks, unit)
        return value

    notes = [Note(time(o), time(d), p, v) for o, d, p, v in data["notes"]]
    chords = [
        Chord(time(o), time(d), r, q, tuple(pcs), f, b) for o, d, r, q, pcs, f, b in data["chords"]
    ]
    return Solo(
        notes,
        chords,
        int(data["beats_per_bar"]),
        int(data["beat_unit"]),
        float(data["tempo"]),
        data.get("source", ""),
    )


def cache_key(sha256, options):
    """The cache entry name for a file content and reading options (a dict of JSON values)."""
    text = json.dumps({"v": CACHE_VERSION, **options}, sort_keys=True)
    return f"{sha256}-{hashlib.sha256(text.encode()).hexdigest()[:12]}"


def load_cached(cache_dir, key):
    """The cached `Solo` under `key`, or None when absent or unreadable (it is then re-parsed)."""
    path = pathlib.Path(cache_dir) / f"{key}.json"
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
        if data.get("format") != FORMAT or data.get("version") != CACHE_VERSION:
            return None
        return solo_from_json(data["solo"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store_cached(cache_dir, key, solo):
    """Write a `Solo` under `key`, atomically (temporary file + `os.replace`).

    Returns:
        pathlib.Path of the entry, or None when the folder cannot be written (caching is
        best-effort: a read-only cache never breaks reading music).
    """
    folder = pathlib.Path(cache_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        payload = {"format": FORMAT, "version": CACHE_VERSION, "solo": solo_to_json(solo)}
        with atomic_file(folder / f"{key}.json") as temporary:
            temporary.write_text(json.dumps(payload, separators=(",", ":")), encoding="utf-8")
    except OSError:
        return None
    return folder / f"{key}.json"


__all__ = [
    "CACHE_VERSION",
    "default_cache_dir",
    "solo_to_json",
    "solo_from_json",
    "cache_key",
    "load_cached",
    "store_cached",
]
