"""Mutation fuzzing of music reading and of both command lines: every case ends ok or with a
documented error, within a time and a memory limit.

Usage::

    python -m tests.fuzz [--cases 5000] [--jobs 2] [--seed 0] [--data ../shared/data]
        [--real 10] [--timeout 20] [--memory-gb 4]

Case kinds (mixed at random, reproducible from `--seed`):

- ``midi``: a MIDI file mutated from a real one (``original_metheny.mid``, and small MIDI files
  written from WJazzD solos at start-up): byte flips, inserted/deleted/duplicated chunks,
  huge delta times (up to 268 million quarter notes), odd header fields, tempo and time
  signature events, truncation. Read with `music.reading.solos.read_solo` (a random harmony mode) and
  encoded with `music.encoding.events.Encoding` (what training does with it).
- ``musicxml``: a WJazzD MusicXML solo mutated as text: numbers replaced by extreme values
  (durations, divisions, beats, offsets), elements deleted or duplicated, bytes flipped,
  truncation; 15% written as compressed .mxl (container sometimes missing, pointing
  elsewhere or damaged). Read and encoded as above.
- ``music-cli``: ``python -m music`` command lines (generate, train, evaluate) built from a
  grammar of flags with extreme, malformed and valid values, mutated files, FIFOs, devices,
  symlink loops and unwritable paths. The model is stubbed (a bar-filling stand-in for
  `Improviser`; `music.model.train.train` stops at once: reaching it counts as ok), so each case
  costs milliseconds but every argument check, file read and file write runs for real.
- ``text-cli``: ``python -m text`` command lines (train, generate, score) built the same way
  around mutated corpora; training stops (ok) once the corpus has been read. Command lines that
  pass argument parsing for generate/score load a tiny real model trained at start-up
  (TensorFlow in the child: seconds each), at most `--real` of them.

Each case runs in a child forked from this process (music21 is imported once, before
forking), with `resource.RLIMIT_AS` at `--memory-gb` and killed after `--timeout` seconds.
Outcomes: ``ok``; ``error`` (a documented error: a `ValueError` subclass of the package from
the library, or exit status 2 with exactly one line on stderr and no traceback from a command
line); ``crash`` (any other exception, exit status or output); ``hang``; ``memory``
(`MemoryError` or an allocation failure).

Prints one JSON object: ``cases``, ``ok``, ``errors``, ``crashes``, ``hangs``, ``memory``,
per-kind counts, up to 10 ``examples`` of each failure (kind, input description, detail),
``seconds`` and ``machine``.
"""

import argparse
import contextlib
import io
import json
import os
import pathlib
import platform
import random
import re
import resource
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
import traceback

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from tests.midi import midi_file, track_chunk, vlq  # noqa: E402  (the tests' MIDI writer)

# ----------------------------------------------------------------------------- values

NUMBERS = [
    "0",
    "-1",
    "1",
    "2",
    "3",
    "0.5",
    "1e9",
    "1e400",
    "-1e400",
    "inf",
    "-inf",
    "nan",
    "NaN",
    "1/0",
    "2/3",
    "3/5",
    "5",
    "1/2",
    "3/4",
    "0.7",
    "0x10",
    "",
    " ",
    "1_000",
    str(2**31),
    str(2**31 - 1),
    str(-(2**31) - 1),
    str(2**63),
    str(2**64),
    "-0",
    "1e-300",
    "abc",
    "½",
    "１２",
    "1.0.0",
    "--",
    "4/4",
    "7/0",
    "0/0",
    "1e9/1",
    "10",
    "100",
    "160",
    "400",
    "20",
    "19.99",
    "400.01",
    "99999999999999999999999",
]
FORMS = [
    "blues:F",
    "blues:Bb",
    "rhythm-changes:Bb",
    "ii-V-I:C",
    "blues:H",
    "blues:",
    ":",
    "rhythm-changes",
    "ii-V-I:C#",
    "blues:Fb",
]
ROOTS = ["C", "D", "Eb", "E", "F#", "G", "Ab", "A", "Bb", "B", "H", "c", "X", "", "Cb", "E#"]
QUALITIES = [
    "",
    "m",
    "7",
    "m7",
    "maj7",
    "m7b5",
    "dim7",
    "6",
    "m6",
    "7sus4",
    "9",
    "13",
    "7#9",
    "7b9",
    "alt",
    "/E",
    "/G",
    "?",
    "xyz",
    "°",
    "ø",
    "(b5)",
    "sus",
    "+",
    "7+",
    "^7",
]
METERS = [
    "4/4",
    "3/4",
    "6/8",
    "5/4",
    "7/8",
    "2/2",
    "12/8",
    "3/5",
    "0/4",
    "17/8",
    "3",
    "1/16",
    "16/16",
    "4/32",
    "x",
    "",
]


def chord_text(rng):
    """A random progression string: bars of chords, sometimes garbled."""
    bars = []
    for _ in range(rng.choice([1, 2, 4, 12, 16, 60, 300, 3000])):
        bars.append(
            " ".join(
                rng.choice(ROOTS) + rng.choice(QUALITIES) for _ in range(rng.choice([1, 1, 2, 4]))
            )
        )
    text = " | ".join(bars) + rng.choice(["", " |", "||", " | %", " N.C. |"])
    if rng.random() < 0.2:
        i = rng.randrange(len(text) + 1)
        text = text[:i] + rng.choice(["|", ".", "%", "/", "(", "\x00", "\n", "3/4", "é"]) + text[i:]
    return text


# ----------------------------------------------------------------------------- MIDI seeds


def solo_to_midi(solo, ppq=480):
    """A format-1 MIDI file (tempo, meter, a named melody track) from a `Solo`'s notes."""
    meta = (
        b"\x00\xff\x51\x03"
        + int(60_000_000 / solo.tempo).to_bytes(3, "big")
        + b"\x00\xff\x58\x04"
        + bytes([solo.beats_per_bar, solo.beat_unit.bit_length() - 1, 24, 8])
        + b"\x00\xff\x2f\x00"
    )
    events, time_now = [], 0
    for note in solo.notes:
        if note.pitch is None:
            continue
        on, off = int(note.offset * ppq), int(note.end * ppq)
        events.append(vlq(on - time_now) + bytes([0x90, note.pitch, note.velocity]))
        events.append(vlq(off - on) + bytes([0x80, note.pitch, 0]))
        time_now = off
    melody = b"\x00\xff\x03\x04Solo" + b"".join(events) + b"\x00\xff\x2f\x00"
    return midi_file([meta, melody], ppq=ppq)


def _tracks(data):
    """(header, [track payloads]) of a well-formed MIDI file, or None."""
    if data[:4] != b"MThd" or len(data) < 14:
        return None
    header, tracks, i = data[:14], [], 14
    while i + 8 <= len(data) and data[i : i + 4] == b"MTrk":
        length = struct.unpack(">I", data[i + 4 : i + 8])[0]
        tracks.append(data[i + 8 : i + 8 + length])
        i += 8 + length
    return (header, tracks) if tracks and i == len(data) else None


def mutate_midi(data, rng):
    """Mutate a MIDI file: mostly inside one track with the chunk lengths kept right (so the
    reader gets to the events), sometimes the raw bytes, header and chunk lengths too."""
    parsed = _tracks(bytes(data))
    if parsed is not None and rng.random() < 0.7:
        header, tracks = parsed
        k = rng.randrange(len(tracks))
        body = mutate_events(tracks[k], rng)
        tracks = tracks[:k] + [body] + tracks[k + 1 :]
        if rng.random() < 0.2:  # and the header
            header = bytearray(header)
            header[rng.choice([9, 11, 12, 13])] = rng.randrange(256)
            header = bytes(header)
        return header + b"".join(track_chunk(t) for t in tracks)
    return mutate_raw_midi(data, rng)


def mutate_events(track, rng):
    """Mutate a track's event bytes: flips, huge delta times, inserted/deleted/duplicated
    events, extreme tempo and meter values, notes far past the end."""
    data = bytearray(track)
    for _ in range(rng.choice([1, 1, 2, 3, 5])):
        op = rng.randrange(7)
        i = rng.randrange(len(data)) if data else 0
        if op == 0:
            for _ in range(rng.randint(1, 4)):
                if data:
                    data[rng.randrange(len(data))] = rng.randrange(256)
        elif op == 1:
            data[i:i] = rng.choice([b"\x8f\xff\xff\x7f", b"\x83\xff\x7f", b"\x81\x00"])
        elif op == 2:
            del data[i : i + rng.randint(1, 16)]
        elif op == 3:
            data[i:i] = data[i : i + rng.randint(3, 48)] * rng.choice([2, 10, 100, 2000])
        elif op == 4:
            for marker, width in ((b"\xff\x51\x03", 3), (b"\xff\x58\x04", 4)):
                k = data.find(marker)
                if k >= 0:
                    data[k + 3 : k + 3 + width] = bytes(
                        rng.choice([0, 1, 255, rng.randrange(256)]) for _ in range(width)
                    )
        elif op == 5:
            data[i:i] = vlq(rng.choice([10**4, 10**5, 10**7, 0x0FFFFFFF])) + bytes(
                [0x90 | rng.randrange(16), rng.randrange(128), rng.randrange(1, 128)]
            )
        else:
            data[i:i] = bytes(
                [
                    0x00,
                    rng.choice([0x90, 0x80, 0xB0, 0xC0, 0xE0, 0xFF, 0xF0]),
                    rng.randrange(256),
                    rng.randrange(256),
                ]
            )
    return bytes(data)


def mutate_raw_midi(data, rng):
    data = bytearray(data)
    for _ in range(rng.choice([1, 1, 2, 3, 5])):
        op = rng.randrange(11)
        i = rng.randrange(14, len(data)) if len(data) > 14 else 0  # header: ops 4 and 9
        if op == 0:  # byte flips
            for _ in range(rng.randint(1, 8)):
                j = rng.randrange(14, len(data)) if len(data) > 14 else 0
                data[j] = rng.randrange(256)
        elif op == 1:  # a huge delta time where a delta time may be
            data[i:i] = rng.choice(
                [b"\x8f\xff\xff\x7f", b"\xff\xff\xff\x7f", b"\x81\x80\x80\x00", b"\x83\xff\x7f"]
            )
        elif op == 2:  # delete a chunk
            del data[i : i + rng.randint(1, 64)]
        elif op == 3:  # duplicate a chunk many times (more notes, longer tracks)
            chunk = data[i : i + rng.randint(4, 64)]
            data[i:i] = chunk * rng.choice([2, 10, 100, 1000])
        elif op == 4:  # header: format, track count, division
            j = rng.choice([8, 9, 10, 11, 12, 13])
            data[j] = rng.randrange(256)
        elif op == 5:  # a track length field
            k = data.find(b"MTrk", rng.randrange(len(data)))
            if k >= 0:
                data[k + 4 : k + 8] = struct.pack(
                    ">I", rng.choice([0, 1, 2**31, 2**32 - 1, rng.randrange(2**20)])
                )
        elif op == 6:  # tempo and meter events
            for marker, width in ((b"\xff\x51\x03", 3), (b"\xff\x58\x04", 4)):
                k = data.find(marker)
                if k >= 0:
                    data[k + 3 : k + 3 + width] = bytes(
                        rng.choice([0, 1, 255, rng.randrange(256)]) for _ in range(width)
                    )
        elif op == 7:  # truncate
            del data[rng.randrange(14, max(15, len(data))) :]
        elif op == 8:  # insert random events
            data[i:i] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 32)))
        elif op == 9:  # change the ticks per quarter note
            data[12:14] = struct.pack(
                ">H", rng.choice([0, 1, 2, 3, 0x7FFF, 0x8000, 0xE728, 0xFFFF])
            )
        else:  # a note far past the end
            data[i:i] = vlq(rng.choice([10**5, 10**7, 0x0FFFFFFF])) + bytes(
                [0x90 | rng.randrange(16), rng.randrange(128), rng.randrange(1, 128)]
            )
    return bytes(data)


# ----------------------------------------------------------------------------- MusicXML

XML_NUMBERS = [
    "0",
    "-1",
    "1e9",
    "268435456",
    "99999999999999",
    "0.0001",
    "-0.5",
    "nan",
    "inf",
    "1e400",
    "",
    "x",
    "3.5",
    "1/3",
    "2",
    "7",
    "64",
    "1024",
    "1000000",
]


ELEMENTS = re.compile(
    r"<(note|measure|harmony|attributes|direction|backup|forward)\b.*?</\1>", re.S
)


def mutate_xml(text, rng):
    for _ in range(rng.choice([1, 1, 2, 3, 6])):
        op = rng.choice(["number"] * 4 + ["delete", "duplicate", "chord", "noise"])
        if op == "number":  # a number in an element replaced by an extreme value
            tag = rng.choice(
                [
                    "duration",
                    "divisions",
                    "beats",
                    "beat-type",
                    "octave",
                    "alter",
                    "offset",
                    "fifths",
                    "per-minute",
                    "staff",
                    "voice",
                    "tempo",
                    "root-alter",
                    "actual-notes",
                    "normal-notes",
                    "number",
                    "step",
                ]
            )
            spots = [m for m in re.finditer(rf"<{tag}\b[^>]*>([^<]*)</{tag}>", text)]
            if spots:
                match = rng.choice(spots)
                value = rng.choice(XML_NUMBERS + ["A", "H", "c"] if tag == "step" else XML_NUMBERS)
                text = text[: match.start(1)] + value + text[match.end(1) :]
        elif op in ("delete", "duplicate"):  # whole elements: notes, measures, chord symbols
            found = list(ELEMENTS.finditer(text[:200_000]))
            if found:
                match = rng.choice(found)
                copies = 0 if op == "delete" else rng.choice([2, 5, 50])
                text = text[: match.start()] + match.group(0) * copies + text[match.end() :]
        elif op == "chord":  # a chord symbol's kind or root replaced
            spots = list(re.finditer(r"<(kind|root-step|bass-step)\b[^>]*>([^<]*)</\1>", text))
            if spots:
                match = rng.choice(spots)
                value = rng.choice(
                    [
                        "H",
                        "",
                        "major",
                        "xyz",
                        "dominant-13th",
                        "none",
                        "other",
                        "pedal",
                        "Tristan",
                        "C",
                        "minor-ninth",
                    ]
                )
                text = text[: match.start(2)] + value + text[match.end(2) :]
        else:  # characters or truncation: not well-formed any more
            chars = list(text)
            if rng.random() < 0.3:
                del chars[rng.randrange(len(chars)) :]
            for _ in range(rng.randint(1, 5)):
                if chars:
                    chars[rng.randrange(len(chars))] = chr(
                        rng.choice([0, 60, 62, 38, 34, 0xE9, rng.randrange(32, 127)])
                    )
            text = "".join(chars)
    return text


def compressed_musicxml(text, rng):
    """An .mxl archive of `text`: a container naming the score, sometimes damaged."""
    import zipfile

    buffer = io.BytesIO()
    target = rng.choice(["score.xml", "score.xml", "missing.xml", "../x.xml", ""])
    container = (
        f'<?xml version="1.0"?><container><rootfiles><rootfile full-path="{target}"/>'
        f"</rootfiles></container>"
    )
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        if rng.random() < 0.9:
            archive.writestr("META-INF/container.xml", container)
        archive.writestr("score.xml", text.encode("utf-8", "surrogatepass"))
    data = bytearray(buffer.getvalue())
    if rng.random() < 0.2:
        for _ in range(rng.randint(1, 6)):
            data[rng.randrange(len(data))] = rng.randrange(256)
    return bytes(data)


# ----------------------------------------------------------------------------- child side


class _Trained(Exception):
    """Raised by the stubbed training: every input was accepted up to the training loop."""


class _StubImproviser:
    """Stands in for `music.model.improvise.Improviser` (no TensorFlow): fills every bar."""

    def __init__(self, artifact):
        self.artifact = artifact

    def improvise(
        self,
        chords,
        *,
        bar_length,
        beats_per_bar,
        beat_unit,
        choruses,
        seed,
        temperature,
        top_p,
        tempo,
        primer=None,
        style=None,
    ):
        from fractions import Fraction

        from music.model.improvise import repeat_form
        from music.types import Note, Solo

        spans, length = repeat_form(chords, bar_length, choruses)
        notes, time_now, step = [], Fraction(0), Fraction(bar_length) / beats_per_bar
        while time_now < length:
            notes.append(Note(time_now, step, 60 + int(time_now) % 12))
            time_now += step
        return Solo(notes, spans, beats_per_bar, beat_unit, float(tempo), "generated")


def _stub_modules(kind):
    """Fake the heavy modules a CLI case would import (see the module docstring)."""
    import types

    if kind == "music-cli":
        import music.model.improvise

        fake = types.ModuleType("music.model.artifact")
        fake.KIND = "music.improviser"
        fake.load_artifact = lambda *args, **kwargs: None
        sys.modules["music.model.artifact"] = fake
        music.model.improvise.Improviser = _StubImproviser
        train = types.ModuleType("music.model.train")

        def stop_training(*args, **kwargs):
            raise _Trained()

        train.train = stop_training
        sys.modules["music.model.train"] = train
    elif kind == "text-cli-train":
        from text import data

        class Generator:
            @classmethod
            def from_corpus(cls, corpus, **kwargs):
                data.read_corpus(corpus)  # the corpus is read for real, then training stops
                raise _Trained()

        fake = types.ModuleType("text.generator")
        fake.KIND = "text.generator"
        fake.TextGenerator = Generator
        sys.modules["text.generator"] = fake


def _run_read(case):
    from music.encoding.events import Encoding
    from music.errors import MusicInputError
    from music.reading.solos import read_solo

    try:
        solo = read_solo(case["path"], harmony=case["harmony"])
        encoded = Encoding().encode(solo)
        return {"outcome": "ok", "detail": f"{len(encoded.tokens)} tokens"}
    except MusicInputError as error:
        return {"outcome": "error", "detail": str(error)[:300]}


def _run_cli(case, folder):
    kind = case["kind"]
    if kind == "text-cli" and case["argv"][0] == "train":
        _stub_modules("text-cli-train")
    elif kind == "music-cli":
        _stub_modules("music-cli")
    if kind == "music-cli":
        from music.__main__ import main
    else:
        from text.cli import main
    stderr_path = os.path.join(folder, "stderr.txt")
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(2)
    with open(stderr_path, "w") as sink:
        os.dup2(sink.fileno(), 2)
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            try:
                code = main(case["argv"])
            except _Trained:
                code = 0
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
    finally:
        sys.stderr.flush()
        os.dup2(saved, 2)
        os.close(saved)
    err = pathlib.Path(stderr_path).read_text(errors="replace")
    lines = [line for line in err.strip().splitlines() if line.strip()]
    if code == 0 and "Traceback" not in err:
        return {"outcome": "ok", "detail": out.getvalue()[-200:]}
    if code == 2 and len(lines) == 1 and "Traceback" not in err:
        return {"outcome": "error", "detail": lines[0][:300]}
    return {"outcome": "crash", "detail": f"exit {code}; stderr: {err[-600:]}"}


def _child(case, folder, memory_bytes, write_fd):
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    os.chdir(folder)
    with open(os.path.join(folder, "output.txt"), "w") as sink:  # music21's warnings
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
    try:
        if case["kind"] in ("midi", "musicxml"):
            result = _run_read(case)
        else:
            result = _run_cli(case, folder)
    except MemoryError:
        result = {"outcome": "memory", "detail": "MemoryError"}
    except BaseException as error:  # anything else is a crash: keep the end of the traceback
        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        outcome = "memory" if "bad_alloc" in text or "Cannot allocate" in text else "crash"
        result = {"outcome": outcome, "detail": text[-800:]}
    payload = json.dumps(result).encode("utf-8")[:60_000]
    os.write(write_fd, payload)
    os._exit(0)


# ----------------------------------------------------------------------------- cases


class Fuzzer:
    def __init__(self, data, work, rng, real_budget):
        self.data, self.work, self.rng, self.real_left = data, work, rng, real_budget
        music = data / "music"
        self.metheny = (music / "original_metheny.mid").read_bytes()
        xmls = sorted((music / "wjazzd").glob("*.xml"), key=lambda p: p.stat().st_size)
        self.xml_texts = [p.read_text(encoding="utf-8") for p in xmls[:40]]
        from music.reading.solos import read_solo

        self.midi_seeds = [solo_to_midi(read_solo(p)) for p in xmls[:12:2]]
        self.midi_seeds.append(self.metheny)
        text_dir = data / "text"
        self.text_seeds = [
            (text_dir / "dinos.txt").read_text(),
            (text_dir / "sonnets.txt").read_text()[:20_000],
        ]
        self.specials = self._specials()
        self.text_model = None
        self.counter = 0

    def _specials(self):
        folder = self.work / "specials"
        folder.mkdir()
        fifo = folder / "pipe.mid"
        os.mkfifo(fifo)
        os.mkfifo(folder / "pipe.txt")
        os.symlink(folder / "loop_b.mid", folder / "loop_a.mid")
        os.symlink(folder / "loop_a.mid", folder / "loop_b.mid")
        os.symlink("/dev/zero", folder / "zero.mid")
        (folder / "empty.mid").write_bytes(b"")
        (folder / "empty.txt").write_text("")
        (folder / "binary.txt").write_bytes(bytes(range(256)) * 4)
        (folder / "dir.mid").mkdir()
        return [
            str(fifo),
            str(folder / "pipe.txt"),
            str(folder / "loop_a.mid"),
            "/dev/zero",
            str(folder / "zero.mid"),
            str(folder / "empty.mid"),
            str(folder / "empty.txt"),
            str(folder / "binary.txt"),
            str(folder / "dir.mid"),
            str(folder / "missing.mid"),
            "/proc",
            "/proc/x.mid",
            "",
        ]

    def train_text_model(self):
        """A tiny real text model for generate/score cases (one subprocess, a few seconds)."""
        folder = self.work / "text_model"
        corpus = self.work / "dinos.txt"
        corpus.write_text(self.text_seeds[0])
        command = [
            sys.executable,
            "-m",
            "text",
            "train",
            str(corpus),
            "--out",
            str(folder),
            "--lines",
            "--units",
            "8",
            "--embedding-dim",
            "4",
            "--epochs",
            "1",
            "--steps-per-epoch",
            "2",
            "--quiet",
        ]
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
        self.text_model = str(folder) if done.returncode == 0 else None

    def case(self, kind):
        rng, self.counter = self.rng, self.counter + 1
        folder = self.work / f"case{self.counter}"
        folder.mkdir()
        if kind == "midi":
            path = folder / rng.choice(["a.mid", "a.midi"])
            path.write_bytes(mutate_midi(rng.choice(self.midi_seeds), rng))
            return {"kind": kind, "path": str(path), "harmony": self._harmony()}, folder
        if kind == "musicxml":
            text = mutate_xml(rng.choice(self.xml_texts), rng)
            if rng.random() < 0.15:  # compressed MusicXML, its container sometimes broken too
                path = folder / "a.mxl"
                path.write_bytes(compressed_musicxml(text, rng))
            else:
                path = folder / rng.choice(["a.xml", "a.musicxml"])
                path.write_text(text, encoding="utf-8", errors="surrogatepass")
            return {"kind": kind, "path": str(path), "harmony": self._harmony()}, folder
        if kind == "music-cli":
            return {"kind": kind, "argv": self._mutate_argv(self._music_argv(folder))}, folder
        return {"kind": kind, "argv": self._mutate_argv(self._text_argv(folder))}, folder

    def _harmony(self):
        return self.rng.choice(["auto", "auto", "symbols", "accompaniment", "melody", "none"])

    def _music_file(self, folder):
        rng = self.rng
        if rng.random() < 0.15:
            return rng.choice(self.specials)
        if rng.random() < 0.5:
            path = folder / f"f{rng.randrange(10**6)}.mid"
            path.write_bytes(
                mutate_midi(rng.choice(self.midi_seeds[:-1]), rng)
                if rng.random() < 0.7
                else rng.choice(self.midi_seeds[:-1])
            )
        else:
            path = folder / f"f{rng.randrange(10**6)}.xml"
            text = rng.choice(self.xml_texts)
            path.write_text(
                mutate_xml(text, rng) if rng.random() < 0.7 else text,
                encoding="utf-8",
                errors="surrogatepass",
            )
        return str(path)

    def _value(self, pool):
        return self.rng.choice(pool if self.rng.random() < 0.9 else NUMBERS)

    def _music_argv(self, folder):
        rng = self.rng
        command = rng.choice(["generate"] * 6 + ["train"] * 2 + ["evaluate"])
        if command == "generate":
            argv = [
                "generate",
                "--out",
                rng.choice(
                    [str(folder / "s.mid")] * 8
                    + [
                        str(folder / "s.xml"),
                        str(folder),
                        str(folder / "no" / "s.mid"),
                        "/proc/s.mid",
                        "",
                        str(folder / "s.MIDI"),
                    ]
                ),
            ]
            options = {
                "--chords": lambda: rng.choice(
                    [rng.choice(FORMS), chord_text(rng), self._music_file(folder)]
                ),
                "--meter": lambda: rng.choice(METERS),
                "--choruses": lambda: self._value(["1", "2", "3", "0", "100000", "170"]),
                "--tempo": lambda: self._value(["160", "20", "400", "1e9", "inf", "0", "-5"]),
                "--seed": lambda: self._value(["0", "7", str(2**31), "-1", str(10**30)]),
                "--temperature": lambda: self._value(["1", "0.5", "0", "-1", "inf", "nan"]),
                "--top-p": lambda: self._value(["1", "0.9", "0", "2", "nan"]),
                "--primer": lambda: self._music_file(folder),
                "--like": lambda: self._music_file(folder),
                "--swing": lambda: self._value(["2/3", "1/2", "3/4", "5", "1/0", "0.6", "-1"]),
            }
        elif command == "train":
            argv = ["train"] + [self._music_file(folder) for _ in range(rng.randint(1, 3))]
            argv += [
                "--out",
                rng.choice([str(folder / "model")] * 5 + [str(folder), "/proc/m", ""]),
            ]
            options = {
                name: (lambda: self._value(["1", "2", "0", "-1", "1e9"]))
                for name in (
                    "--epochs",
                    "--units",
                    "--layers",
                    "--seq-len",
                    "--batch-size",
                    "--patience",
                    "--holdout-every",
                    "--workers",
                )
            }
            options.update(
                {
                    name: (lambda: self._value(["0.1", "0", "1", "-1", "nan", "inf"]))
                    for name in ("--max-minutes", "--dropout", "--learning-rate", "--val-fraction")
                }
            )
            options["--seed"] = lambda: self._value(["0", str(2**31), "-3"])
            options["--harmony"] = lambda: rng.choice(
                ["auto", "symbols", "accompaniment", "melody", "none", "chords"]
            )
            options["--cache-dir"] = lambda: str(folder / "cache")
        else:
            argv = ["evaluate"] + [self._music_file(folder) for _ in range(rng.randint(1, 2))]
            if rng.random() < 0.7:
                argv += ["--against"] + [self._music_file(folder) for _ in range(rng.randint(1, 2))]
            options = {"--cache-dir": lambda: str(folder / "cache")}
        for name in rng.sample(sorted(options), rng.randint(0, min(5, len(options)))):
            argv += [name, options[name]()]
        if command != "generate" and "--cache-dir" not in argv:
            argv += ["--cache-dir", str(folder / "cache")]
        return argv

    def _text_file(self, folder):
        rng = self.rng
        if rng.random() < 0.2:
            return rng.choice(self.specials)
        text = rng.choice(self.text_seeds)
        data = text.encode("utf-8")
        if rng.random() < 0.5:
            data = bytearray(data)
            for _ in range(rng.randint(1, 10)):
                data[rng.randrange(len(data))] = rng.randrange(256)
            data = bytes(data)
        if rng.random() < 0.2:
            data = data[: rng.randrange(1, 200)]
        path = folder / f"c{rng.randrange(10**6)}.txt"
        path.write_bytes(data)
        return str(path)

    def _text_argv(self, folder):
        rng = self.rng
        command = rng.choice(["train"] * 4 + ["generate"] * 4 + ["score"])
        if command == "train":
            argv = ["train"] + [self._text_file(folder) for _ in range(rng.randint(1, 2))]
            argv += [
                "--out",
                rng.choice([str(folder / "model")] * 5 + [str(folder), "/proc/m", ".", ""]),
            ]
            options = {
                name: (lambda: self._value(["1", "4", "0", "-1", "1e9", str(2**40)]))
                for name in (
                    "--units",
                    "--layers",
                    "--embedding-dim",
                    "--epochs",
                    "--steps-per-epoch",
                    "--batch-size",
                    "--seq-len",
                    "--max-vocab",
                )
            }
            options.update(
                {
                    name: (lambda: self._value(["0.1", "0", "1", "-1", "nan", "inf"]))
                    for name in (
                        "--dropout",
                        "--minutes",
                        "--learning-rate",
                        "--clipnorm",
                        "--validation-split",
                    )
                }
            )
            options["--level"] = lambda: rng.choice(["char", "word", "byte"])
            options["--cell"] = lambda: rng.choice(["rnn", "gru", "lstm", "transformer"])
            options["--seed"] = lambda: self._value(["0", str(2**31), "-3", str(10**40)])
            flags = [
                rng.choice(["--lines", "--lower", "--quiet", "--mixed-precision"])
                for _ in range(rng.randint(0, 2))
            ]
        else:
            model = self.text_model or str(folder / "missing")
            argv = [
                command,
                rng.choice(
                    [model] * 6 + [str(folder), "/dev/zero", "", "/proc"] + self.specials[:3]
                ),
            ]
            if command == "score":
                argv += [
                    rng.choice(["hello", "", "é\x00", "abc" * 1000, "\n"])
                    for _ in range(rng.randint(0, 2))
                ]
            options = (
                {
                    "-n": lambda: self._value(["1", "3", "0", str(2**31), "100000"]),
                    "--length": lambda: self._value(["5", "0", "-1", "1000000000", "20"]),
                    "--prefix": lambda: rng.choice(["", "tri", "ÿ\x00", "x" * 5000, "--"]),
                    "--temperature": lambda: self._value(["1", "0.5", "0", "inf", "nan"]),
                    "--top-k": lambda: self._value(["1", "5", "0", str(2**40)]),
                    "--top-p": lambda: self._value(["0.9", "1", "0", "2", "nan"]),
                    "--seed": lambda: self._value(["0", "7", str(2**31), "-1", str(10**30)]),
                    "--beam": lambda: self._value(["1", "3", "0", "100000"]),
                }
                if command == "generate"
                else {}
            )
            flags = []
        for name in rng.sample(sorted(options), rng.randint(0, min(5, len(options)))):
            argv += [name, options[name]()]
        return argv + flags

    def _mutate_argv(self, argv):
        rng = self.rng
        if rng.random() < 0.15 and len(argv) > 1:
            op = rng.randrange(4)
            i = rng.randrange(1, len(argv))
            if op == 0:
                del argv[i]
            elif op == 1:
                argv.insert(i, rng.choice(NUMBERS + ["--", "-x", "--bogus", "=", "--out"]))
            elif op == 2:
                argv[i] = argv[i] + rng.choice(["=1", "x", "\x00", " ", "é"])
            else:
                argv.insert(i, argv[i])
        return argv

    def is_expensive(self, case):
        """A text generate/score command line that parses loads TensorFlow in the child."""
        if case["kind"] != "text-cli" or case["argv"][0] not in ("generate", "score"):
            return False
        from text.cli import build_parser

        try:
            with (
                contextlib.redirect_stderr(io.StringIO()),
                contextlib.redirect_stdout(io.StringIO()),
            ):
                build_parser().parse_args(case["argv"])
        except BaseException:
            return False
        return True


def describe(case):
    if "argv" in case:
        text = " ".join(repr(a) if (not a or " " in a) else a for a in case["argv"])
        return ("python -m " + ("music " if case["kind"] == "music-cli" else "text ") + text)[:400]
    return f"read_solo({pathlib.Path(case['path']).name}, harmony={case['harmony']!r})"


def run(
    cases=5000,
    jobs=2,
    seed=0,
    data=None,
    real=10,
    timeout=20.0,
    memory_gb=4.0,
    mix=(("midi", 0.4), ("musicxml", 0.2), ("music-cli", 0.25), ("text-cli", 0.15)),
    keep=False,
):
    """Run the fuzzer and return the summary dict (see the module docstring)."""
    import music21  # noqa: F401  (imported once, before forking)

    import music.__main__  # noqa: F401
    import music.encoding.events  # noqa: F401
    import music.evaluation.metrics  # noqa: F401
    import music.model.improvise  # noqa: F401
    import music.reading.solos  # noqa: F401
    import music.writing.render  # noqa: F401
    import text.cli  # noqa: F401
    import text.data  # noqa: F401

    data = pathlib.Path(data) if data else ROOT.parent / "shared" / "data"
    rng = random.Random(seed)
    work = pathlib.Path(tempfile.mkdtemp(prefix="seqzoo-fuzz-"))
    started = time.time()
    fuzzer = Fuzzer(data, work, rng, real)
    if real > 0 and any(kind == "text-cli" for kind, _ in mix):
        fuzzer.train_text_model()
    kinds, weights = zip(*mix)
    memory_bytes = int(memory_gb * 2**30)
    counts = {"ok": 0, "error": 0, "crash": 0, "hang": 0, "memory": 0}
    by_kind = {kind: dict.fromkeys(counts, 0) for kind in kinds}
    examples = {"crash": [], "hang": [], "memory": []}
    running, done, skipped, messages = {}, 0, 0, {}

    def finish(pid, outcome, detail):
        case, folder, began, read_fd = running.pop(pid)
        os.close(read_fd)
        counts[outcome] += 1
        by_kind[case["kind"]][outcome] += 1
        if outcome == "error":  # which documented errors the mutations reach
            key = re.sub(r"\S*/\S*|'[^']*'|\d[\d,.]*", "_", detail)[:70]
            messages[key] = messages.get(key, 0) + 1
        if outcome in examples and len(examples[outcome]) < 10:
            examples[outcome].append(
                {
                    "kind": case["kind"],
                    "input": describe(case),
                    "seconds": round(time.time() - began, 1),
                    "detail": detail,
                }
            )
            if keep:
                shutil.copytree(
                    folder,
                    work / f"kept-{outcome}-{len(examples[outcome])}",
                    symlinks=True,
                    ignore_dangling_symlinks=True,
                )
        shutil.rmtree(folder, ignore_errors=True)

    issued = 0
    while done < cases:
        while len(running) < jobs and issued < cases:
            kind = rng.choices(kinds, weights)[0]
            case, folder = fuzzer.case(kind)
            if fuzzer.is_expensive(case):
                if fuzzer.real_left <= 0 or fuzzer.text_model is None:
                    shutil.rmtree(folder, ignore_errors=True)
                    skipped += 1
                    continue
                fuzzer.real_left -= 1
            issued += 1
            read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:  # child
                os.close(read_fd)
                os.setsid()
                _child(case, str(folder), memory_bytes, write_fd)
            os.close(write_fd)
            running[pid] = (case, folder, time.time(), read_fd)
        time.sleep(0.005)
        for pid in list(running):
            case, folder, began, read_fd = running[pid]
            finished, status = os.waitpid(pid, os.WNOHANG)
            if finished == 0:
                if time.time() - began > timeout:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(pid, signal.SIGKILL)
                    os.waitpid(pid, 0)
                    finish(pid, "hang", f"killed after {timeout:g} s")
                    done += 1
                continue
            payload = b""
            while select.select([read_fd], [], [], 0)[0]:
                chunk = os.read(read_fd, 65536)
                if not chunk:
                    break
                payload += chunk
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)  # grandchildren (corpus workers) too
            if payload:
                result = json.loads(payload)
                finish(pid, result["outcome"], result["detail"])
            elif os.WIFSIGNALED(status):
                finish(pid, "crash", f"killed by signal {os.WTERMSIG(status)}")
            else:
                finish(pid, "crash", f"exit status {os.WEXITSTATUS(status)} without a result")
            done += 1
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return {
        "benchmark": "fuzz",
        "cases": done,
        "ok": counts["ok"],
        "errors": counts["error"],
        "crashes": counts["crash"],
        "hangs": counts["hang"],
        "memory": counts["memory"],
        "by_kind": by_kind,
        "real_model_cases": real - fuzzer.real_left,
        "skipped_expensive": skipped,
        "examples": examples,
        "top_errors": dict(sorted(messages.items(), key=lambda item: -item[1])[:15]),
        "settings": {
            "seed": seed,
            "jobs": jobs,
            "timeout_s": timeout,
            "memory_gb": memory_gb,
            "mix": dict(mix),
        },
        "seconds": round(time.time() - started, 1),
        "machine": {
            "platform": platform.platform(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        },
        "kept": str(work) if keep else None,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", default=None, help="the shared data folder")
    parser.add_argument(
        "--real",
        type=int,
        default=10,
        help="most text generate/score cases that load the real tiny model",
    )
    parser.add_argument("--timeout", type=float, default=20.0)
    parser.add_argument("--memory-gb", type=float, default=4.0)
    parser.add_argument(
        "--kinds", default="midi,musicxml,music-cli,text-cli", help="comma-separated case kinds"
    )
    parser.add_argument("--keep", action="store_true", help="keep the inputs of failures")
    args = parser.parse_args(argv)
    weights = {"midi": 0.4, "musicxml": 0.2, "music-cli": 0.25, "text-cli": 0.15}
    mix = tuple((kind, weights[kind]) for kind in args.kinds.split(","))
    summary = run(
        args.cases,
        args.jobs,
        args.seed,
        args.data,
        args.real,
        args.timeout,
        args.memory_gb,
        mix,
        args.keep,
    )
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
