"""Reading the WJazzD corpus: cold parse vs warm cache, and chord-symbol coverage.

Usage::

    python benchmarks/music_io.py [../shared/data/music/wjazzd] [--limit N]

Prints one JSON object: seconds to read every file cold (empty cache), seconds to read them
again from the cache, their ratio, how many chord symbols the files hold and how many
`music.theory.chords.parse_chord` reads (all of them must), and an independent check of every distinct
symbol: the pitch classes `parse_chord` gives for music21's figure against the pitch classes of
music21's own `ChordSymbol` built from the same root, kind and bass.
"""

import argparse
import collections
import json
import os
import pathlib
import platform
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from music.reading import solos as io  # noqa: E402
from music.theory import chords  # noqa: E402
from music.theory import pitch_classes as theory  # noqa: E402


def _symbols(path):
    """(root, alter, kind, bass step, bass alter) of every <harmony> in a MusicXML file."""
    found = []
    for harmony in ET.parse(path).getroot().iter("harmony"):

        def text(tag, default=""):
            node = harmony.find(tag)
            return node.text.strip() if node is not None and node.text else default

        found.append(
            (
                text("root/root-step"),
                text("root/root-alter", "0"),
                text("kind"),
                text("bass/bass-step"),
                text("bass/bass-alter", "0"),
            )
        )
    return found


def _music21_check(symbols):
    """Distinct symbols: parse music21's figure and compare pitch classes with music21's own."""
    from music21 import harmony

    agree, differ = 0, []
    for root, alter, kind, bass, bass_alter in sorted(set(symbols)):
        name = root + ("-" * -int(float(alter)) if float(alter) < 0 else "#" * int(float(alter)))
        bass_name = None
        if bass:
            b = int(float(bass_alter))
            bass_name = bass + ("-" * -b if b < 0 else "#" * b)
        kind = {"major-minor": "minor-major-seventh"}.get(kind, kind)
        symbol = harmony.ChordSymbol(root=name, kind=kind, bass=bass_name)
        ours = chords.parse_chord(symbol.figure, music21_flats=True)
        theirs = {p.pitchClass for p in symbol.pitches}
        if set(theory.chord_tones(ours)) == theirs:
            agree += 1
        else:
            differ.append(
                {
                    "figure": symbol.figure,
                    "ours": sorted(theory.chord_tones(ours)),
                    "music21": sorted(theirs),
                }
            )
    return agree, differ


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", default="../shared/data/music/wjazzd")
    parser.add_argument("--limit", type=int, default=None, help="read only the first N files")
    parser.add_argument("--workers", type=int, default=1, help="processes for the cold read")
    args = parser.parse_args(argv)
    files = io.list_music_files(args.folder)[: args.limit]
    symbols = [s for f in files for s in _symbols(f)]
    agree, differ = _music21_check(symbols)
    with tempfile.TemporaryDirectory() as cache:
        start = time.perf_counter()
        cold = io.read_corpus(files, cache_dir=cache, workers=args.workers)
        cold_s = time.perf_counter() - start
        start = time.perf_counter()
        warm = io.read_corpus(files, cache_dir=cache)
        warm_s = time.perf_counter() - start
    spans = [c for solo in cold for c in solo.chords if c.figure != chords.NO_CHORD]
    qualities = collections.Counter(c.quality for c in spans)
    print(
        json.dumps(
            {
                "files": len(files),
                "workers": args.workers,
                "cold_seconds": round(cold_s, 2),
                "warm_seconds": round(warm_s, 3),
                "warm_ms_per_file": round(1000 * warm_s / len(files), 2),
                "cold_over_warm": round(cold_s / warm_s, 1),
                "warm_equals_cold": warm == cold,
                "notes": sum(len(s.notes) for s in cold),
                "chord_symbols_in_files": len(symbols),
                "chord_spans_read": len(spans),
                "chord_symbols_unreadable": 0,  # read_corpus raises ChordError on the first one
                "distinct_symbols": agree + len(differ),
                "distinct_symbols_agreeing_with_music21": agree,
                "disagreements": differ[:20],
                "qualities": dict(qualities.most_common()),
                "machine": {
                    "platform": platform.platform(),
                    "cpus": os.cpu_count(),
                    "python": platform.python_version(),
                },
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
