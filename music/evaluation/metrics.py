"""Measuring solos: harmony fit, pitch and rhythm statistics, distance to a reference set, copying.

`evaluate(solos, against=reference)` returns one JSON-able dict. Definitions (all pooled over the
given solos, each note judged against the chord of its own solo sounding at its onset):

- **events**: the notes and rests of `Solo.notes`. An event whose onset falls under no chord or
  under N.C. is *unharmonised* and left out of the harmonic figures (counted in
  ``unharmonised_events``); they are still counted in the pitch and rhythm figures.
- **note type** of a harmonised event (the course grammar's letters): ``R`` a rest; ``C`` the
  pitch class is a chord tone (`chord_tones`: root, written tones, slash bass); else ``S`` it is
  in the chord's scale (`scale_for`); else ``A`` it is a half step from a chord tone; else ``X``.
- ``note_type_profile``: the share of each letter among harmonised events (the five sum to 1).
- ``chord_tone_ratio``: C / harmonised notes (rests excluded); ``scale_tone_ratio``: (C + S) /
  harmonised notes, i.e. the share of notes inside the chord's scale.
- ``pitch_range``: lowest and highest MIDI pitch, and the mean over solos of highest - lowest.
- ``pitch_class_entropy``: Shannon entropy in bits of the pitch-class counts of all notes
  (0 for one pitch class, log2 12 = 3.585 for all equally often).
- ``interval_hist``: shares of melodic intervals in semitones between consecutive notes of a
  solo (rests between them ignored), clipped to -12..12 (the end bins hold an octave or more).
- ``rhythm_hist``: shares of note durations (rests excluded), each assigned to the nearest (in
  log time) of 1/12, 1/8, 1/6, 1/4, 1/3, 3/8, 1/2, 2/3, 3/4, 1, 3/2, 2, 3, 4 quarter notes.
- ``interval_hist_distance``, ``rhythm_hist_distance``: the Jensen-Shannon divergence (base 2,
  so 0 = identical, 1 = disjoint) between these histograms and the reference set's.
- ``notes_per_bar``: notes / bars, bars = the solos' lengths over their bar length.
- ``longest_copied_run``: the longest run of consecutive melodic intervals of any solo that
  also occurs, consecutively, in one reference (or `training`) solo; found with a suffix
  automaton of the reference interval sequences, in time linear in the total length.
"""

import functools
import math
from collections import Counter
from fractions import Fraction

from music.errors import MusicInputError
from music.theory.pitch_classes import note_type

NOTE_TYPES = ("C", "S", "A", "X", "R")
INTERVAL_BINS = tuple(range(-12, 13))
RHYTHM_BINS = tuple(
    Fraction(x)
    for x in (
        "1/12",
        "1/8",
        "1/6",
        "1/4",
        "1/3",
        "3/8",
        "1/2",
        "2/3",
        "3/4",
        "1",
        "3/2",
        "2",
        "3",
        "4",
    )
)
_RHYTHM_LOGS = [math.log2(b) for b in RHYTHM_BINS]


@functools.lru_cache(maxsize=65536)
def _letter(pitch_class, root, quality, pitch_classes, bass):
    """`note_type` of a pitch class over a chord, memoised on the chord's content."""
    from music.types import Chord

    chord = Chord(Fraction(0), Fraction(0), root, quality, pitch_classes, "", bass)
    return note_type(None if pitch_class is None else 60 + pitch_class, chord)


def chords_at_onsets(solo):
    """The chord sounding at each event's onset (None where no chord covers it).

    Args:
        solo: a `Solo` (notes and chords in time order).

    Returns:
        list of `Chord` or None, one per `solo.notes` entry (an N.C. chord is returned as is:
        its ``root`` is None).

    Example:

    >>> from music.types import Note, Solo
    >>> from music.theory.progressions import parse_progression
    >>> s = Solo([Note(Fraction(i), Fraction(1), 60) for i in range(8)],
    ...          parse_progression("C | F |"))
    >>> [c.figure for c in chords_at_onsets(s)][3:5]
    ['C', 'F']
    """
    chords = sorted(solo.chords, key=lambda c: c.offset)
    found, j = [], 0
    for note in solo.notes:  # notes and chords are both in time order: one sweep
        while j < len(chords) and chords[j].end <= note.offset:
            j += 1
        found.append(chords[j] if j < len(chords) and chords[j].offset <= note.offset else None)
    return found


def entropy_bits(counts):
    """Shannon entropy in bits of a histogram (0 for one bin, log2 n for n equal bins).

    Args:
        counts: iterable of non-negative numbers (counts or shares).

    Returns:
        float, or None when the counts sum to 0.

    Example:

    >>> entropy_bits([3, 0, 0]), entropy_bits([1, 1, 1, 1])
    (0.0, 2.0)
    """
    counts = [c for c in counts if c > 0]
    total = sum(counts)
    if not total:
        return None
    return max(0.0, -sum(c / total * math.log2(c / total) for c in counts))


def note_types(solo):
    """The course-grammar letter of each event of a solo (None where unharmonised).

    Args:
        solo: a `Solo`.

    Returns:
        list of ``"C"``, ``"S"``, ``"A"``, ``"X"``, ``"R"`` or None, one per `solo.notes` entry.
    """
    letters = []
    for note, chord in zip(solo.notes, chords_at_onsets(solo)):
        if chord is None or chord.root is None:
            letters.append(None)
        else:
            letters.append(
                _letter(
                    None if note.pitch is None else note.pitch % 12,
                    chord.root,
                    chord.quality,
                    chord.pitch_classes,
                    chord.bass,
                )
            )
    return letters


def intervals(solo):
    """Melodic intervals in semitones between consecutive notes of a solo (rests skipped)."""
    pitches = [n.pitch for n in solo.notes if n.pitch is not None]
    return [b - a for a, b in zip(pitches, pitches[1:])]


@functools.lru_cache(maxsize=4096)
def rhythm_bin(duration):
    """The `RHYTHM_BINS` value nearest (in log time) to a duration in quarter notes."""
    value = math.log2(float(duration))
    return RHYTHM_BINS[min(range(len(RHYTHM_BINS)), key=lambda i: abs(_RHYTHM_LOGS[i] - value))]


def _shares(counter, bins):
    total = sum(counter[b] for b in bins)
    return [counter[b] / total if total else 0.0 for b in bins]


def jensen_shannon(p, q):
    """Jensen-Shannon divergence (base 2) of two discrete distributions given as equal-length lists.

    Example:

    >>> jensen_shannon([1, 0], [0, 1]), jensen_shannon([0.5, 0.5], [0.5, 0.5])
    (1.0, 0.0)
    """
    p_total, q_total = sum(p), sum(q)
    if not p_total or not q_total:
        return None
    p = [x / p_total for x in p]
    q = [x / q_total for x in q]
    m = [(a + b) / 2 for a, b in zip(p, q)]

    def kl(a, b):
        return sum(x * math.log2(x / y) for x, y in zip(a, b) if x > 0)

    return max(0.0, min(1.0, (kl(p, m) + kl(q, m)) / 2))


class CopyIndex:
    """A suffix automaton of the interval sequences of reference solos, for the copying check.

    Args:
        solos: the reference (training) solos.

    Example:

    >>> from music.types import Note, Solo
    >>> def solo(ps):
    ...     return Solo([Note(Fraction(i), Fraction(1), p) for i, p in enumerate(ps)], [])
    >>> CopyIndex([solo([60, 62, 64, 65, 67])]).longest_run(solo([50, 52, 54, 55, 40]))
    3
    """

    def __init__(self, solos):
        self.next, self.link, self.length = [{}], [-1], [0]
        self.last = 0
        self.sources = []
        for solo in solos:
            self.sources.append(getattr(solo, "source", ""))
            self.last = 0  # each solo starts again from the root: runs never span two solos
            for symbol in intervals(solo):
                self._extend(symbol)

    def _extend(self, symbol):
        nxt, link, length = self.next, self.link, self.length
        if symbol in nxt[self.last]:  # already a state (generalised automaton): follow it
            q = nxt[self.last][symbol]
            if length[q] == length[self.last] + 1:
                self.last = q
                return
            clone = len(length)
            nxt.append(dict(nxt[q]))
            link.append(link[q])
            length.append(length[self.last] + 1)
            p = self.last
            while p != -1 and nxt[p].get(symbol) == q:
                nxt[p][symbol] = clone
                p = link[p]
            link[q] = clone
            self.last = clone
            return
        current = len(length)
        nxt.append({})
        link.append(0)
        length.append(length[self.last] + 1)
        p = self.last
        while p != -1 and symbol not in nxt[p]:
            nxt[p][symbol] = current
            p = link[p]
        if p != -1:
            q = nxt[p][symbol]
            if length[p] + 1 == length[q]:
                link[current] = q
            else:
                clone = len(length)
                nxt.append(dict(nxt[q]))
                link.append(link[q])
                length.append(length[p] + 1)
                while p != -1 and nxt[p].get(symbol) == q:
                    nxt[p][symbol] = clone
                    p = link[p]
                link[q] = clone
                link[current] = clone
        self.last = current

    def longest_run(self, solo):
        """The length of the longest run of consecutive intervals of `solo` found in the index."""
        state, run, best = 0, 0, 0
        for symbol in intervals(solo):
            while state and symbol not in self.next[state]:
                state = self.link[state]
                run = self.length[state]
            if symbol in self.next[state]:
                state = self.next[state][symbol]
                run += 1
            else:
                state, run = 0, 0
            best = max(best, run)
        return best


def _statistics(solos):
    letters, pcs, interval_counts, rhythm_counts = Counter(), Counter(), Counter(), Counter()
    unharmonised, notes, bars, spans, lowest, highest = 0, 0, Fraction(0), [], None, None
    for solo in solos:
        for note, letter in zip(solo.notes, note_types(solo)):
            if letter is None:
                unharmonised += 1
            else:
                letters[letter] += 1
            if note.pitch is not None:
                notes += 1
                pcs[note.pitch % 12] += 1
                rhythm_counts[rhythm_bin(note.duration)] += 1
        pitches = [n.pitch for n in solo.notes if n.pitch is not None]
        if pitches:
            spans.append(max(pitches) - min(pitches))
            lowest = min(pitches) if lowest is None else min(lowest, min(pitches))
            highest = max(pitches) if highest is None else max(highest, max(pitches))
        for step in intervals(solo):
            interval_counts[max(-12, min(12, step))] += 1
        if solo.bar_length > 0:
            bars += solo.duration / solo.bar_length
    harmonised_notes = sum(letters[t] for t in "CSAX")
    events = harmonised_notes + letters["R"]
    entropy = entropy_bits(pcs.values())
    return {
        "solos": len(solos),
        "notes": notes,
        "bars": round(float(bars), 3),
        "chord_tone_ratio": letters["C"] / harmonised_notes if harmonised_notes else None,
        "scale_tone_ratio": (
            (letters["C"] + letters["S"]) / harmonised_notes if harmonised_notes else None
        ),
        "note_type_profile": {t: (letters[t] / events if events else None) for t in NOTE_TYPES},
        "harmonised_events": events,
        "unharmonised_events": unharmonised,
        "pitch_range": {
            "lowest": lowest,
            "highest": highest,
            "mean_span": sum(spans) / len(spans) if spans else None,
        },
        "pitch_class_entropy": entropy,
        "interval_hist": dict(
            zip((str(b) for b in INTERVAL_BINS), _shares(interval_counts, INTERVAL_BINS))
        ),
        "rhythm_hist": dict(
            zip((str(b) for b in RHYTHM_BINS), _shares(rhythm_counts, RHYTHM_BINS))
        ),
        "notes_per_bar": notes / float(bars) if bars else None,
    }


def evaluate(solos, against=None, *, training=None):
    """Measure solos, and compare them with a reference set (see the module docstring).

    Args:
        solos: a `Solo` or a list of them (e.g. generated solos).
        against: list of `Solo` or None; the reference set (e.g. human solos) for the histogram
            distances, and for the copying check when `training` is not given.
        training: list of `Solo`, a `CopyIndex`, or None; the solos to look for copied interval
            runs in (default `against`).

    Returns:
        dict of JSON values: the figures of the module docstring, ``reference`` (the same
        figures for `against`, without distances), ``longest_copied_run`` and
        ``longest_copied_run_source`` (the solo that holds it), or None where not measurable.

    Raises:
        MusicInputError: when `solos` is empty.

    Example:

    >>> from music.types import Note, Solo
    >>> from music.theory.progressions import parse_progression
    >>> s = Solo([Note(Fraction(0), Fraction(2), 60), Note(Fraction(2), Fraction(2), None)],
    ...          parse_progression("C |"))
    >>> evaluate([s])["note_type_profile"]
    {'C': 0.5, 'S': 0.0, 'A': 0.0, 'X': 0.0, 'R': 0.5}
    """
    if hasattr(solos, "notes"):
        solos = [solos]
    solos = list(solos)
    if not solos:
        raise MusicInputError("evaluate: no solos given; expected at least one Solo")
    result = _statistics(solos)
    result["interval_hist_distance"] = result["rhythm_hist_distance"] = None
    result["reference"] = None
    if against:
        against = list(against)
        reference = _statistics(against)
        result["reference"] = reference
        result["interval_hist_distance"] = jensen_shannon(
            list(result["interval_hist"].values()), list(reference["interval_hist"].values())
        )
        result["rhythm_hist_distance"] = jensen_shannon(
            list(result["rhythm_hist"].values()), list(reference["rhythm_hist"].values())
        )
    source = training if training is not None else against
    result["longest_copied_run"] = result["longest_copied_run_source"] = None
    if source:
        index = source if isinstance(source, CopyIndex) else CopyIndex(source)
        runs = [(index.longest_run(solo), solo.source) for solo in solos]
        best = max(runs, key=lambda r: r[0])
        result["longest_copied_run"], result["longest_copied_run_source"] = best
    return result


__all__ = [
    "evaluate",
    "CopyIndex",
    "note_types",
    "intervals",
    "rhythm_bin",
    "chords_at_onsets",
    "entropy_bits",
    "jensen_shannon",
    "NOTE_TYPES",
    "INTERVAL_BINS",
    "RHYTHM_BINS",
]
