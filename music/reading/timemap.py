"""A file's measures laid on a uniform bar grid: pickups, underfull and overfull bars.

`music.reading.solos.read_solo` maps every onset and end through a `TimeMap`, so that every bar line of
the file falls on a multiple of the bar length (see the `music.reading.solos` module docstring, step 3).
"""

import bisect
from fractions import Fraction

from music.reading.parts import to_fraction


class TimeMap:
    """Maps times in the file to times on a uniform bar grid, measure by measure.

    Args:
        measures: list of ``(start, length)`` of the file's measures in quarter notes.
        bar_length: Fraction, the bar length of the time signature.
        sounding: list of ``(onset, end)`` of every pitched note (to tell silent overflow).

    Example:

    >>> m = TimeMap([(Fraction(0), Fraction(2)), (Fraction(2), Fraction(5)),
    ...              (Fraction(7), Fraction(4))], Fraction(4), [])
    >>> m.start(Fraction(0)), m.start(Fraction(2)), m.start(Fraction(7)), m.start(Fraction(6))
    (Fraction(2, 1), Fraction(4, 1), Fraction(8, 1), None)
    """

    def __init__(self, measures, bar_length, sounding):
        self.starts, self.rows = [], []  # rows: (source start, kept length, target start)
        target, previous_end = None, None
        for start, length in measures:
            if length <= 0 or (previous_end is not None and start < previous_end):
                continue
            previous_end = start + length
            if target is None:  # the first measure: a pickup is right-aligned to bar 1
                target = bar_length - length if length < bar_length else Fraction(0)
            kept, advance = length, max(length, bar_length)
            if length > bar_length:
                low, high = start + bar_length, start + length
                if any(on < high and off > low for on, off in sounding):
                    advance = -(-length // bar_length) * bar_length
                else:
                    kept, advance = bar_length, bar_length
            elif target % bar_length:
                advance = length  # the pickup ends at the first bar line
            self.starts.append(start)
            self.rows.append((start, kept, target))
            target += advance
        self.end = target if target is not None else Fraction(0)

    def start(self, time):
        """Map a start time; None when it falls in a dropped (silent) overflow."""
        i = bisect.bisect_right(self.starts, time) - 1
        if i < 0:
            return time
        source, kept, target = self.rows[i]
        if time - source < kept or i == len(self.rows) - 1:
            return target + (time - source)
        return None

    def stop(self, time, onset):
        """Map an end time, given the mapped start; clipped to the end of its measure."""
        i = bisect.bisect_left(self.starts, time) - 1
        if i < 0:
            return max(time, onset)
        source, kept, target = self.rows[i]
        if i < len(self.rows) - 1:
            return max(target + min(time - source, kept), onset)
        return max(target + (time - source), onset)


def score_time_map(score, bar_length, parts):
    """The `TimeMap` of a music21 score: the measures of its part with the most of them.

    Args:
        score: a `music21.stream.Score` (a score without parts stands in for its only part).
        bar_length: Fraction, the bar length of the time signature in quarter notes.
        parts: list of `music.reading.parts.PartEvents` of the score, to tell a silent overflow.

    Returns:
        TimeMap.

    Example:

    >>> from music21 import note, stream
    >>> pickup = stream.Measure([note.Note("C", quarterLength=2)])
    >>> part = stream.Part([pickup, stream.Measure([note.Note("D", quarterLength=4)])])
    >>> time_map = score_time_map(stream.Score([part]), Fraction(4), [])
    >>> time_map.start(Fraction(0)), time_map.start(Fraction(2)), time_map.end
    (Fraction(2, 1), Fraction(4, 1), Fraction(8, 1))
    """
    from music21 import stream

    best = []
    for part in list(score.parts) or [score]:
        measures = [
            (to_fraction(m.offset), to_fraction(m.duration.quarterLength))
            for m in part.getElementsByClass(stream.Measure)
        ]
        if len(measures) > len(best):
            best = measures
    sounding = [(e[0], e[1]) for p in parts if not p.percussion for e in p.events]
    return TimeMap(best, bar_length, sounding)


__all__ = ["TimeMap", "score_time_map"]
