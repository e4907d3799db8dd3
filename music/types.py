"""Plain data types shared by every part of `music`: a solo is notes over chords in bars.

All times are in quarter notes as `fractions.Fraction`, so triplets stay exact.
"""

import dataclasses
from fractions import Fraction


@dataclasses.dataclass(frozen=True)
class Note:
    """One melody event: a pitched note or a rest.

    Args:
        offset: start, in quarter notes from the beginning of the solo.
        duration: length in quarter notes (> 0).
        pitch: MIDI pitch number 0..127, or None for a rest.
        velocity: MIDI velocity 1..127 (ignored for rests).
    """

    offset: Fraction
    duration: Fraction
    pitch: int | None
    velocity: int = 90

    @property
    def is_rest(self) -> bool:
        return self.pitch is None

    @property
    def end(self) -> Fraction:
        return self.offset + self.duration


@dataclasses.dataclass(frozen=True)
class Chord:
    """One chord symbol sounding over a time span.

    Args:
        offset: start, in quarter notes.
        duration: length in quarter notes.
        root: pitch class of the root, 0 (C) .. 11 (B); None for "N.C." (no chord).
        quality: normalised quality name, e.g. "maj7", "m7", "7", "m7b5", "dim7".
        pitch_classes: the chord's pitch classes relative to the root (0 = root), sorted.
        figure: the symbol as written, e.g. "Dm7", "C7#9", "N.C.".
        bass: pitch class of a slash bass (C/E -> 4), or None.
    """

    offset: Fraction
    duration: Fraction
    root: int | None
    quality: str
    pitch_classes: tuple[int, ...]
    figure: str
    bass: int | None = None

    @property
    def end(self) -> Fraction:
        return self.offset + self.duration


@dataclasses.dataclass
class Solo:
    """A monophonic solo with its harmony.

    Args:
        notes: melody events in time order, gap-free (rests fill silences), non-overlapping.
        chords: chord spans in time order covering the solo (may be empty for melody-only files).
        beats_per_bar: numerator of the time signature, e.g. 4.
        beat_unit: denominator of the time signature, e.g. 4.
        tempo: quarter-note beats per minute.
        source: where it came from (a file name), for messages and the memorisation check.
    """

    notes: list[Note]
    chords: list[Chord]
    beats_per_bar: int = 4
    beat_unit: int = 4
    tempo: float = 120.0
    source: str = ""

    @property
    def bar_length(self) -> Fraction:
        """Length of one bar in quarter notes (4/4 -> 4, 3/4 -> 3, 6/8 -> 3)."""
        return Fraction(self.beats_per_bar * 4, self.beat_unit)

    @property
    def duration(self) -> Fraction:
        return self.notes[-1].end if self.notes else Fraction(0)

    def first_bars(self, bars: int) -> "Solo":
        """The solo's first `bars` bars (at most all its bars, the last one counted whole):
        notes and chords that start before the end, cut at it.

        Example:
            >>> solo = Solo([Note(Fraction(0), Fraction(6), 60)], [], 4, 4)
            >>> [note.duration for note in solo.first_bars(1).notes]
            [Fraction(4, 1)]
        """
        end = min(
            Fraction(bars) * self.bar_length, -(-self.duration // self.bar_length) * self.bar_length
        )
        notes = [
            dataclasses.replace(n, duration=min(n.duration, end - n.offset))
            for n in self.notes
            if n.offset < end
        ]
        chords = [
            dataclasses.replace(c, duration=min(c.duration, end - c.offset))
            for c in self.chords
            if c.offset < end
        ]
        return dataclasses.replace(self, notes=notes, chords=chords)


__all__ = ["Note", "Chord", "Solo", "Fraction"]
