"""Music files: the one list of readable suffixes, and the checks a file passes before music21.

`SUFFIXES` is every suffix `music.reading.solos.read_solo` reads (MusicXML, MIDI, ABC), and the folders of
`music.reading.solos.list_music_files` are searched for; `check_file` refuses a missing, empty, oversized,
unsupported or hostile file (a FIFO, a 1000000/4 time signature, a zip bomb) with one clear
`MusicInputError` before music21 is asked to parse it.
"""

import os
import pathlib
import re

from music.errors import MusicInputError
from zoo.io.files import check_regular_file

MUSICXML_SUFFIXES = (".xml", ".musicxml", ".mxl")
MIDI_SUFFIXES = (".mid", ".midi")
ABC_SUFFIXES = (".abc",)
SUFFIXES = MUSICXML_SUFFIXES + MIDI_SUFFIXES + ABC_SUFFIXES
"""Every file suffix `music.reading.solos` reads (compared in lower case)."""

EXPECTED_FILE = (
    f"expected a MusicXML ({', '.join(MUSICXML_SUFFIXES)}), MIDI "
    f"({', '.join(MIDI_SUFFIXES)}) or ABC ({', '.join(ABC_SUFFIXES)}) file"
)
SIZE_HINT = (
    "allow more with the environment variable SEQZOO_MAX_MUSIC_BYTES or "
    "read_solo(..., limits=ReadLimits(max_bytes=...))"
)


def suffix(path):
    """The suffix of `path` in lower case, e.g. ``".mid"`` for ``"Solo.MID"``.

    Example:

    >>> suffix("Solo.MID"), suffix("tune")
    ('.mid', '')
    """
    return pathlib.Path(path).suffix.lower()


def is_music_file_name(path):
    """Whether the name `path` ends in one of `SUFFIXES` (any case); the file need not exist.

    Example:

    >>> is_music_file_name("lead.musicxml"), is_music_file_name("Dm7 G7 |")
    (True, False)
    """
    return os.fspath(path).lower().endswith(SUFFIXES)


def is_midi(path):
    """Whether `path` ends in one of `MIDI_SUFFIXES` (any case).

    Example:

    >>> is_midi("solo.MIDI"), is_midi("solo.xml")
    (True, False)
    """
    return suffix(path) in MIDI_SUFFIXES


def short_reason(error):
    """A short, printable reason from a music21 exception (no raw bytes, one line).

    Example:

    >>> short_reason(ValueError("bad header\\nmore"))
    'bad header'
    """
    text = str(error).split(", got")[0].splitlines()[0] if str(error) else ""
    text = "".join(c for c in text if c.isprintable())[:100].strip()
    return text or type(error).__name__


def path_argument(value, name):
    """`value` as a str path, or a `MusicInputError` naming the parameter `name`.

    Example:

    >>> path_argument(pathlib.Path("solo.mid"), "path")
    'solo.mid'
    """
    if isinstance(value, bytes) or not isinstance(value, (str, os.PathLike)):
        raise MusicInputError(f"{name} must be a path (a str or os.PathLike); got {value!r:.80}")
    return os.fspath(value)


def check_file(source, limits):
    """Refuse a file that is not a readable music file within `limits`, before parsing it.

    Args:
        source: str, the file.
        limits: `music.reading.limits.ReadLimits`.

    Raises:
        MusicInputError: naming the file when it is missing, not a regular file, past the size
            limit (an .mxl: its unpacked size too), of an unsupported type, empty, or when its
            MusicXML text has too many measures or notes or an absurd time signature.
    """
    if not os.path.lexists(source):
        raise MusicInputError(f"{source}: no such file; {EXPECTED_FILE}")
    size = check_regular_file(
        source, max_bytes=limits.max_bytes, error=MusicInputError, what="music file", hint=SIZE_HINT
    )
    kind = suffix(source)
    if kind not in SUFFIXES:
        raise MusicInputError(f"{source}: unsupported file type; {EXPECTED_FILE}")
    if size == 0:
        raise MusicInputError(f"{source}: file is empty; {EXPECTED_FILE}")
    if kind not in MIDI_SUFFIXES and kind != ".mxl":  # text: uncompressed MusicXML, ABC
        with open(source, "rb") as handle:
            _prescan(source, limits, handle.read(limits.max_bytes + 1))
    if kind == ".mxl":
        import zipfile
        import zlib

        try:
            with zipfile.ZipFile(source) as archive:
                members = archive.infolist()
                limits.check(source, "max_bytes", sum(info.file_size for info in members))
                for info in members:  # the scores inside get the same checks as a .xml file
                    if not info.filename.startswith("META-INF") and not info.is_dir():
                        _prescan(source, limits, archive.read(info))
        except (
            zipfile.BadZipFile,
            zlib.error,
            OSError,
            ValueError,
            EOFError,
            NotImplementedError,
        ) as error:
            if isinstance(error, MusicInputError):
                raise
            raise MusicInputError(
                f"{source}: cannot be read as a compressed MusicXML file "
                f"({short_reason(error)}); {EXPECTED_FILE}"
            ) from None


_MAX_METER_NUMBER = 64
_METER_NUMBERS = re.compile(
    rb"<(beats|beat-type)>([^<]*)</(?:beats|beat-type)>|"
    rb"^M:\s*([^\n%]*)",
    re.M,
)
_PART = re.compile(rb"<part[\s>]")
_MEASURE = re.compile(rb"<measure[\s>]")
_NOTE = re.compile(rb"<note[\s>]")


def _prescan(source, limits, data):
    """Count measures (per part) and notes in the raw MusicXML `data` before music21 parses it.

    music21's parse time grows with the square of the number of short measures in a part and
    it hangs on a time signature such as 1000000/4, so these are checked in the text first.
    """
    starts = [m.start() for m in _PART.finditer(data)] + [len(data)]
    measures = max(
        (len(_MEASURE.findall(data, a, b)) for a, b in zip(starts, starts[1:])), default=0
    )
    limits.check(source, "max_bars", measures)
    limits.check(source, "max_notes", len(_NOTE.findall(data)))
    for match in _METER_NUMBERS.finditer(data):  # music21 hangs on a 1000000/4 time signature
        text = (match.group(2) if match.group(1) else match.group(3)) or b""
        if any(int(n) > _MAX_METER_NUMBER for n in re.findall(rb"\d+", text)):
            shown = text.decode("latin-1", "replace").strip()[:40]
            raise MusicInputError(
                f"{source}: time signature {shown!r} is not supported; "
                f"expected numbers up to {_MAX_METER_NUMBER} (e.g. 4/4, 3/4, "
                f"6/8)"
            )


__all__ = [
    "MUSICXML_SUFFIXES",
    "MIDI_SUFFIXES",
    "ABC_SUFFIXES",
    "SUFFIXES",
    "EXPECTED_FILE",
    "SIZE_HINT",
    "suffix",
    "is_music_file_name",
    "is_midi",
    "short_reason",
    "path_argument",
    "check_file",
]
