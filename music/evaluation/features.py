"""Features of one phrase, for the feature judges of `music.evaluation.discriminator`.

`phrase_features(phrase)` describes a phrase (a few bars of a solo, e.g. one of
`music.evaluation.discriminator.phrases(solo)`) by the `FEATURES` below, in this order. "Notes"
are pitched events; intervals are between consecutive notes in semitones, rests in between
skipped; a feature with nothing to measure (e.g. no intervals) is NaN.

Contour and intervals:

- ``direction_change_rate``: among consecutive pairs of non-zero intervals, the share whose
  signs differ (a zig-zag line scores high, a scale run 0).
- ``repeat_share``, ``step_share``, ``leap5_share``, ``leap8_share``: the shares of intervals
  that are 0 (a repeated pitch), of 1 or 2 semitones, of 5 or more, and of 8 or more.
- ``mean_abs_interval``: the mean interval size in semitones.
- ``chord_change_leap7_share``: among intervals whose two notes sound over chords with different
  roots (N.C. and unharmonised notes left out), the share of 7 semitones or more.
- ``up_share``: the share of non-zero intervals that go up.
- ``longest_monotone_run``: the most non-zero intervals in a row that go the same way
  (repeated notes neither break nor extend a run).
- ``pitch_slope``: the least-squares slope of pitch against onset, in semitones per bar.
- ``peak_position``: where the highest note starts (its first time), as a share of the phrase.

Interval n-grams (shares of consecutive interval pairs, repeats included; of triples for the
last): ``run_pair_share`` (two steps of 1-2 semitones the same way: a scale), ``turn_pair_share``
(two steps opposite ways: a neighbour or an enclosure), ``arpeggio_pair_share`` (two intervals
of 3-4 semitones the same way: a broken chord), ``gap_fill_share`` (a leap of 5 or more, then a
step or a third, 1-4 semitones, the other way), ``leap_pair_share`` (two leaps of 5 or more),
``chromatic_run3_share`` (three semitones the same way).

Register: ``pitch_range``, ``mean_pitch``, ``lowest_pitch``, ``highest_pitch`` (MIDI).

Rhythm: ``sixteenth_share``, ``eighth_share``, ``triplet_share``, ``longer_share``: the shares of
note durations (rests excluded, each rounded with `music.evaluation.metrics.rhythm_bin`) that
are a sixteenth or shorter (1/8, 1/4 quarter), an eighth or dotted sixteenth (3/8, 1/2), a
triplet value (1/12, 1/6, 1/3, 2/3) and a dotted eighth or longer (3/4 and up); and the whole
duration histogram, one share per `music.evaluation.metrics.RHYTHM_BINS` value
(``duration_1_12`` ... ``duration_4``: 1/12 ... 4 quarter notes). ``notes_per_bar``;
``offbeat_onset_share``: the share of notes that start off the beat; ``grooving_similarity``:
the Jazz Transformer's GS within the phrase (`music.evaluation.jazz_transformer`).

Rests and phrase structure: ``rest_share`` (the share of the phrase's time not covered by a
note); a *breath* is a silence (rests or gaps, merged) of at least one beat between two notes
of the phrase: ``breaths_per_bar``, ``mean_breath_beats`` (their mean length in beats, 0 when
none), ``longest_rest_beats`` (the longest silence of any length between two notes, in beats,
0 when none), ``mean_run_bars`` (the mean length in bars of the runs of notes between breaths,
from a run's first onset to its last note's end; human lines come in arches of a few bars).

Harmony: ``chord_tone_ratio``, ``scale_tone_ratio``: the share of harmonised notes that are
chord tones, and that are chord or scale tones (`music.evaluation.metrics.note_types` letters C,
and C or S); ``chord_pc_0`` ... ``chord_pc_11``: the histogram of the harmonised notes' pitch
classes relative to the root of the chord at their onset (0 = the root, 4 = a major third, ...),
and ``chord_pc_entropy`` its entropy in bits; ``pitch_class_entropy``: the entropy in bits of
the phrase's (absolute) pitch-class histogram; ``h1_entropy``, ``h4_entropy``: the Jazz
Transformer's H1 and H4 within the phrase.
"""

import math
from fractions import Fraction

import numpy as np

from music.evaluation.jazz_transformer import grooving_similarity, pitch_class_entropy
from music.evaluation.metrics import (
    RHYTHM_BINS,
    chords_at_onsets,
    entropy_bits,
    note_types,
    rhythm_bin,
)


def _bin_name(value):
    return "duration_" + str(value).replace("/", "_")


FEATURES = (
    "direction_change_rate",
    "repeat_share",
    "step_share",
    "leap5_share",
    "mean_abs_interval",
    "chord_change_leap7_share",
    "pitch_range",
    "mean_pitch",
    "lowest_pitch",
    "highest_pitch",
    "sixteenth_share",
    "eighth_share",
    "triplet_share",
    "longer_share",
    "notes_per_bar",
    "rest_share",
    "offbeat_onset_share",
    "breaths_per_bar",
    "mean_run_bars",
    "chord_tone_ratio",
    "scale_tone_ratio",
    # issue 27: the stronger judge
    "leap8_share",
    "up_share",
    "longest_monotone_run",
    "pitch_slope",
    "peak_position",
    "run_pair_share",
    "turn_pair_share",
    "arpeggio_pair_share",
    "gap_fill_share",
    "leap_pair_share",
    "chromatic_run3_share",
    *(_bin_name(b) for b in RHYTHM_BINS),
    "grooving_similarity",
    "mean_breath_beats",
    "longest_rest_beats",
    *(f"chord_pc_{k}" for k in range(12)),
    "chord_pc_entropy",
    "pitch_class_entropy",
    "h1_entropy",
    "h4_entropy",
)

_SIXTEENTHS = {Fraction(1, 8), Fraction(1, 4)}
_EIGHTHS = {Fraction(3, 8), Fraction(1, 2)}
_TRIPLETS = {Fraction(1, 12), Fraction(1, 6), Fraction(1, 3), Fraction(2, 3)}


def _share(count, total):
    return count / total if total else math.nan


def _nan(value):
    return math.nan if value is None else float(value)


def _contour(steps, moving):
    """up_share, longest_monotone_run and the n-gram shares of a list of intervals."""
    longest, run = 0, 0
    for previous, step in zip([0] + moving, moving):
        run = run + 1 if previous and (previous > 0) == (step > 0) else 1
        longest = max(longest, run)
    pairs = list(zip(steps, steps[1:]))
    triples = list(zip(steps, steps[1:], steps[2:]))

    def same_way(a, b):
        return a * b > 0

    return {
        "up_share": _share(sum(s > 0 for s in moving), len(moving)),
        "longest_monotone_run": float(longest),
        "run_pair_share": _share(
            sum(1 <= abs(a) <= 2 and 1 <= abs(b) <= 2 and same_way(a, b) for a, b in pairs),
            len(pairs),
        ),
        "turn_pair_share": _share(
            sum(1 <= abs(a) <= 2 and 1 <= abs(b) <= 2 and a * b < 0 for a, b in pairs),
            len(pairs),
        ),
        "arpeggio_pair_share": _share(
            sum(3 <= abs(a) <= 4 and 3 <= abs(b) <= 4 and same_way(a, b) for a, b in pairs),
            len(pairs),
        ),
        "gap_fill_share": _share(
            sum(abs(a) >= 5 and 1 <= abs(b) <= 4 and a * b < 0 for a, b in pairs), len(pairs)
        ),
        "leap_pair_share": _share(sum(abs(a) >= 5 and abs(b) >= 5 for a, b in pairs), len(pairs)),
        "chromatic_run3_share": _share(
            sum(abs(a) == 1 and a == b == c for a, b, c in triples), len(triples)
        ),
    }


def phrase_features(phrase, *, bars=None):
    """The `FEATURES` of one phrase (see the module docstring for each definition).

    Args:
        phrase: a `music.types.Solo` starting at time 0 (e.g. one of
            `music.evaluation.discriminator.phrases(solo)`).
        bars: int or None; the phrase's length in bars (default: its notes' length, rounded up
            to whole bars).

    Returns:
        dict, feature name -> float (NaN where there is nothing to measure).

    Raises:
        ValueError: for a value that is not a `Solo`, or a bad `bars`.

    Example:

    >>> from music.types import Note, Solo
    >>> up_down = [60, 62, 64, 62, 60, 67]
    >>> phrase = Solo([Note(Fraction(i, 2), Fraction(1, 2), p) for i, p in enumerate(up_down)],
    ...               [])
    >>> f = phrase_features(phrase, bars=1)
    >>> f["step_share"], f["direction_change_rate"], f["pitch_range"], f["rest_share"]
    (0.8, 0.5, 7.0, 0.25)
    >>> f["run_pair_share"], f["turn_pair_share"], f["longest_monotone_run"]
    (0.5, 0.25, 2.0)
    """
    if not hasattr(phrase, "notes") or not hasattr(phrase, "bar_length"):
        raise ValueError(f"phrase must be a music.types.Solo; got {type(phrase).__name__}")
    beat = phrase.bar_length / phrase.beats_per_bar
    if bars is None:
        bars = max(1, math.ceil(phrase.duration / phrase.bar_length))
    length = Fraction(bars) * phrase.bar_length
    chords = chords_at_onsets(phrase)
    letters = note_types(phrase)
    played = [(n, c, t) for n, c, t in zip(phrase.notes, chords, letters) if n.pitch is not None]
    pitches = [n.pitch for n, _, _ in played]
    onsets = [float(n.offset) for n, _, _ in played]
    steps = [b - a for a, b in zip(pitches, pitches[1:])]
    moving = [s for s in steps if s]
    turns = sum((a > 0) != (b > 0) for a, b in zip(moving, moving[1:]))
    roots = [None if c is None else c.root for _, c, _ in played]
    across = [
        abs(b - a)
        for a, b, ra, rb in zip(pitches, pitches[1:], roots, roots[1:])
        if ra is not None and rb is not None and ra != rb
    ]
    kinds = [rhythm_bin(n.duration) for n, _, _ in played]
    harmonised = [t for _, _, t in played if t is not None]
    relative = [0] * 12
    for pitch, root in zip(pitches, roots):
        if root is not None:
            relative[(pitch - root) % 12] += 1
    absolute = [0] * 12
    for pitch in pitches:
        absolute[pitch % 12] += 1

    # Silences between two notes (rests and gaps merged); breaths are those of a beat or more.
    runs, run_start, last_end, silences = [], None, None, []
    for note, _, _ in played:
        if run_start is None:
            run_start = note.offset
        else:
            silences.append(max(Fraction(0), note.offset - last_end))
            if note.offset - last_end >= beat:
                runs.append(last_end - run_start)
                run_start = note.offset
        last_end = note.end
    if run_start is not None:
        runs.append(last_end - run_start)
    breaths = [s for s in silences if s >= beat]

    sounding = sum((n.duration for n, _, _ in played), Fraction(0))
    offbeat = sum(n.offset % beat != 0 for n, _, _ in played)
    slope = math.nan
    if len(set(onsets)) > 1:
        slope = float(np.polyfit(onsets, pitches, 1)[0] * phrase.bar_length)
    features = {
        "direction_change_rate": _share(turns, len(moving) - 1) if len(moving) > 1 else math.nan,
        "repeat_share": _share(len(steps) - len(moving), len(steps)),
        "step_share": _share(sum(1 <= abs(s) <= 2 for s in steps), len(steps)),
        "leap5_share": _share(sum(abs(s) >= 5 for s in steps), len(steps)),
        "mean_abs_interval": float(np.mean(np.abs(steps))) if steps else math.nan,
        "chord_change_leap7_share": _share(sum(a >= 7 for a in across), len(across)),
        "pitch_range": float(max(pitches) - min(pitches)) if pitches else math.nan,
        "mean_pitch": float(np.mean(pitches)) if pitches else math.nan,
        "lowest_pitch": float(min(pitches)) if pitches else math.nan,
        "highest_pitch": float(max(pitches)) if pitches else math.nan,
        "sixteenth_share": _share(sum(k in _SIXTEENTHS for k in kinds), len(kinds)),
        "eighth_share": _share(sum(k in _EIGHTHS for k in kinds), len(kinds)),
        "triplet_share": _share(sum(k in _TRIPLETS for k in kinds), len(kinds)),
        "longer_share": _share(sum(k >= Fraction(3, 4) for k in kinds), len(kinds)),
        "notes_per_bar": len(played) / bars,
        "rest_share": float(1 - sounding / length),
        "offbeat_onset_share": _share(offbeat, len(played)),
        "breaths_per_bar": (len(runs) - 1) / bars if runs else 0.0,
        "mean_run_bars": float(np.mean(runs) / phrase.bar_length) if runs else math.nan,
        "chord_tone_ratio": _share(sum(t == "C" for t in harmonised), len(harmonised)),
        "scale_tone_ratio": _share(sum(t in ("C", "S") for t in harmonised), len(harmonised)),
        "leap8_share": _share(sum(abs(s) >= 8 for s in steps), len(steps)),
        **_contour(steps, moving),
        "pitch_slope": slope,
        "peak_position": (
            float(played[pitches.index(max(pitches))][0].offset / length) if pitches else math.nan
        ),
        **{_bin_name(b): _share(sum(k == b for k in kinds), len(kinds)) for b in RHYTHM_BINS},
        "grooving_similarity": grooving_similarity(phrase, bars=bars),
        "mean_breath_beats": float(np.mean(breaths) / beat) if breaths else 0.0,
        "longest_rest_beats": float(max(silences) / beat) if silences else 0.0,
        **{f"chord_pc_{k}": _share(relative[k], sum(relative)) for k in range(12)},
        "chord_pc_entropy": _nan(entropy_bits(relative)),
        "pitch_class_entropy": _nan(entropy_bits(absolute)),
        "h1_entropy": pitch_class_entropy(phrase, window=1, bars=bars),
        "h4_entropy": pitch_class_entropy(phrase, window=min(4, bars), bars=bars),
    }
    return {name: features[name] for name in FEATURES}


__all__ = ["FEATURES", "phrase_features"]
