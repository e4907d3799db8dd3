"""Bounds on the work one music file may cause, checked while it is read.

A 37-byte MIDI file can place a note 268 million quarter notes in; laying that out on a grid,
inferring its chords or encoding it would run for hours. `read_solo` refuses such a file as soon
as the reader meets the first note past a limit (or before reading, for the file size).

Each limit has a default that holds every real solo with a wide margin (the longest WJazzD solo
has 998 bars and 7,109 notes), and two ways to allow more:

- in Python: ``read_solo(path, limits=ReadLimits(max_quarters=100_000))`` (also `read_corpus`);
- anywhere, the command lines included: the environment variables ``SEQZOO_MAX_MUSIC_BYTES``,
  ``SEQZOO_MAX_MUSIC_QUARTERS``, ``SEQZOO_MAX_MUSIC_BARS`` and ``SEQZOO_MAX_MUSIC_NOTES``.
"""

import dataclasses
import os

from music.checks import check_whole
from music.errors import MusicInputError

_ENVIRONMENT = {
    "max_bytes": "SEQZOO_MAX_MUSIC_BYTES",
    "max_quarters": "SEQZOO_MAX_MUSIC_QUARTERS",
    "max_bars": "SEQZOO_MAX_MUSIC_BARS",
    "max_notes": "SEQZOO_MAX_MUSIC_NOTES",
}
_UNITS = {
    "max_bytes": "bytes",
    "max_quarters": "quarter notes",
    "max_bars": "bars",
    "max_notes": "notes",
}


@dataclasses.dataclass(frozen=True)
class ReadLimits:
    """The most one music file may hold; a file past any of them is refused while it is read.

    Args:
        max_bytes: int, the largest file (a compressed .mxl counts its unpacked size). Defaults
            to 32 MiB (the largest WJazzD MusicXML file is 2.2 MB).
        max_quarters: int, the latest time anything may sound, in quarter notes. Defaults to
            20,000 (5,000 bars of 4/4; more than 2 hours at 160 BPM).
        max_bars: int, the most bars (MusicXML: measures in a part, counted before music21
            parses the file, whose parse time grows with the square of the number of short
            measures). Defaults to 2,500 (the longest WJazzD solo has 998; a generated solo
            has at most 2,000).
        max_notes: int, the most notes in all parts together (each pitch of a chord counts).
            Defaults to 200,000.

    Example:

    >>> ReadLimits(max_quarters=100).max_quarters
    100
    """

    max_bytes: int = 32 * 2**20
    max_quarters: int = 20_000
    max_bars: int = 2_500
    max_notes: int = 200_000

    def __post_init__(self):
        for field in dataclasses.fields(self):
            object.__setattr__(
                self, field.name, check_whole(f"limits.{field.name}", getattr(self, field.name))
            )

    def exceeded(self, path, name, found):
        """A `MusicInputError` for `path` when `found` passes the limit `name` (else None).

        Args:
            path: the file being read, named in the message.
            name: a field name such as "max_quarters".
            found: the amount met so far (a number of quarter notes, notes, bars or bytes).

        Returns:
            MusicInputError or None.
        """
        limit = getattr(self, name)
        if found <= limit:
            return None
        found = int(found) if found == int(found) else float(found)
        what = {
            "max_quarters": f"sounds at quarter note {found:,}, past the limit of",
            "max_bars": f"lasts {found:,} bars, more than the limit of",
            "max_notes": "has more than the limit of",
            "max_bytes": f"unpacks to {found:,} bytes, more than the limit of",
        }[name]
        return MusicInputError(
            f"{path}: {what} {limit:,} {_UNITS[name]}; expected a shorter file, or allow more "
            f"with the environment variable {_ENVIRONMENT[name]} or read_solo(..., "
            f"limits=ReadLimits({name}=...))"
        )

    def check(self, path, name, found):
        """Raise `exceeded(path, name, found)` when it is not None."""
        error = self.exceeded(path, name, found)
        if error is not None:
            raise error


def read_limits(limits=None):
    """The limits to apply: `limits` if given, else the defaults with environment overrides.

    Args:
        limits: a `ReadLimits`, a dict of its fields, or None (the default limits, each
            replaced by its environment variable when that is set).

    Returns:
        ReadLimits.

    Raises:
        MusicInputError: for a limit (or environment variable) that is not a whole number >= 1.

    Example:

    >>> read_limits({"max_notes": 10}).max_notes
    10
    """
    if isinstance(limits, ReadLimits):
        return limits
    if isinstance(limits, dict):
        unknown = sorted(set(limits) - set(_ENVIRONMENT))
        if unknown:
            raise MusicInputError(
                f"limits: unknown field {unknown[0]!r}; expected some of {', '.join(_ENVIRONMENT)}"
            )
        return ReadLimits(**limits)
    if limits is not None:
        raise MusicInputError(f"limits must be a ReadLimits, a dict or None; got {limits!r}")
    values = {}
    for name, variable in _ENVIRONMENT.items():
        text = os.environ.get(variable, "").strip().replace("_", "")
        if text:
            try:
                values[name] = int(text)
            except ValueError:
                raise MusicInputError(
                    f"environment variable {variable}={text!r}: expected a whole number >= 1"
                ) from None
            if values[name] < 1:
                raise MusicInputError(
                    f"environment variable {variable}={text!r}: expected a whole number >= 1"
                )
    return ReadLimits(**values)


__all__ = ["ReadLimits", "read_limits"]
