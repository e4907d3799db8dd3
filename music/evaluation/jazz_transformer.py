"""The Jazz Transformer's objective metrics: pitch-class entropy over 1 and 4 bars, grooving.

Written here from the definitions in Wu & Yang, "The Jazz Transformer on the Front Line:
Exploring the Shortcomings of AI-composed Music through Quantitative Measures" (ISMIR 2020),
section 5. For one solo:

- **H1, H4** (`pitch_class_entropy`): for every window of `bars` consecutive bars (one window
  starting at each bar, so windows overlap when `bars` > 1), the pitch-class histogram of the
  notes whose onset falls in the window (each note counts once, whatever its length), normalised
  to sum to 1, and its Shannon entropy in bits: 0 when every note has one pitch class, log2 12 =
  3.585 when all twelve are equally common. The solo's value is the mean over the windows that
  hold a note (a window of rests has no histogram). Low values mean a line that centres on a
  few pitch classes (a tonality); high ones a line that wanders.
- **GS** (`grooving_similarity`): each bar's *grooving pattern* is a binary vector over
  `positions_per_quarter` x (bar length in quarters) onset positions (64 for a 4/4 bar at the
  paper's 16 per quarter), 1 where a note starts (onsets rounded to the nearest position).
  The similarity of two bars is 1 - (positions where exactly one of them has an onset) / Q;
  the solo's GS is the mean over all pairs of distinct bars that hold a note. High values mean a
  steady rhythmic feel.

`jazz_transformer_metrics(solos)` gives the three as means over solos (each solo weighs the
same). Rests (``pitch is None``) are not notes here.
"""

import math
from fractions import Fraction

import numpy as np

from music.evaluation.metrics import entropy_bits
from zoo.core.checks import check_int

POSITIONS_PER_QUARTER = 16  # the paper's grid: 64 positions in a 4/4 bar


def _bar_count(solo, bars):
    if bars is not None:
        return check_int("bars", bars, 1)
    return max(1, math.ceil(solo.duration / solo.bar_length)) if solo.notes else 0


def _check_solo(solo):
    if not hasattr(solo, "notes") or not hasattr(solo, "bar_length"):
        raise ValueError(f"solo must be a music.types.Solo; got {type(solo).__name__}")
    if solo.bar_length <= 0:
        raise ValueError(f"solo {solo.source!r} has bar_length {solo.bar_length}; expected > 0")


def bar_pitch_classes(solo, *, bars=None):
    """The pitch-class counts of the notes starting in each bar.

    Args:
        solo: a `music.types.Solo`.
        bars: int >= 1 or None; how many bars to count (notes after them are left out).
            Defaults to the solo's length rounded up to whole bars.

    Returns:
        numpy int array of shape ``(bars, 12)``.

    Raises:
        ValueError: for a value that is not a `Solo`, or a bad `bars`.

    Example:

    >>> from music.types import Note, Solo
    >>> solo = Solo([Note(Fraction(i), Fraction(1), 60 + 7 * (i // 4)) for i in range(8)], [])
    >>> bar_pitch_classes(solo)[:, [0, 7]].tolist()
    [[4, 0], [0, 4]]
    """
    _check_solo(solo)
    count = _bar_count(solo, bars)
    table = np.zeros((count, 12), dtype=np.int64)
    for note in solo.notes:
        bar = int(note.offset // solo.bar_length)
        if note.pitch is not None and 0 <= bar < count:
            table[bar, note.pitch % 12] += 1
    return table


def pitch_class_entropy(solo, *, window=1, bars=None):
    """H1 (`window=1`) or H4 (`window=4`): mean pitch-class entropy of `window`-bar windows.

    See the module docstring for the definition.

    Args:
        solo: a `music.types.Solo`.
        window: int >= 1, bars per window. Defaults to 1.
        bars: int >= 1 or None, the solo's length in bars (default: its notes' length rounded
            up to whole bars).

    Returns:
        float, bits in [0, log2 12]; NaN when no window holds a note (or the solo is shorter
        than one window).

    Raises:
        ValueError: for a value that is not a `Solo`, or a bad `window` or `bars`.

    Example:

    >>> from music.types import Note, Solo
    >>> chromatic = Solo([Note(Fraction(i, 3), Fraction(1, 3), 60 + i) for i in range(12)], [])
    >>> round(pitch_class_entropy(chromatic), 3), pitch_class_entropy(
    ...     Solo([Note(Fraction(i), Fraction(1), 60 + 12 * i) for i in range(4)], []))
    (3.585, 0.0)
    """
    window = check_int("window", window, 1)
    table = bar_pitch_classes(solo, bars=bars)
    if len(table) < window:
        return math.nan
    # Window sums from cumulative sums: windows[b] = bars b .. b + window - 1.
    cumulative = np.concatenate([np.zeros((1, 12), np.int64), np.cumsum(table, axis=0)])
    windows = cumulative[window:] - cumulative[:-window]
    values = [entropy_bits(row) for row in windows.tolist() if sum(row)]
    return float(np.mean(values)) if values else math.nan


def grooving_patterns(solo, *, bars=None, positions_per_quarter=POSITIONS_PER_QUARTER):
    """Each bar's grooving pattern: 1 at the grid positions where a note starts.

    Args:
        solo: a `music.types.Solo`.
        bars: int >= 1 or None, as in `bar_pitch_classes`.
        positions_per_quarter: int >= 1, the grid (default 16: 64 positions in a 4/4 bar).

    Returns:
        numpy uint8 array of shape ``(bars, Q)``, Q = positions per bar.

    Raises:
        ValueError: for a value that is not a `Solo`, a bad `bars` or `positions_per_quarter`,
            or a bar length that is not a whole number of grid positions.

    Example:

    >>> from music.types import Note, Solo
    >>> solo = Solo([Note(Fraction(i), Fraction(1), 60) for i in range(4)], [])
    >>> grooving_patterns(solo).nonzero()[1].tolist()
    [0, 16, 32, 48]
    """
    _check_solo(solo)
    grid = check_int("positions_per_quarter", positions_per_quarter, 1)
    per_bar = Fraction(solo.bar_length) * grid
    if per_bar.denominator != 1:
        raise ValueError(
            f"bar_length {solo.bar_length} is not a whole number of grid positions at "
            f"positions_per_quarter={grid}"
        )
    per_bar = int(per_bar)
    count = _bar_count(solo, bars)
    patterns = np.zeros((count, per_bar), dtype=np.uint8)
    for note in solo.notes:
        position = round(Fraction(note.offset) * grid)  # nearest grid position
        bar, where = divmod(position, per_bar)
        if note.pitch is not None and 0 <= bar < count:
            patterns[bar, where] = 1
    return patterns


def grooving_similarity(solo, *, bars=None, positions_per_quarter=POSITIONS_PER_QUARTER):
    """GS: the mean grooving-pattern similarity over all pairs of bars that hold a note.

    See the module docstring for the definition.

    Args:
        solo: a `music.types.Solo`.
        bars: int >= 1 or None, as in `bar_pitch_classes`.
        positions_per_quarter: int >= 1, the grid (default 16, the paper's).

    Returns:
        float in [0, 1]; NaN when fewer than two bars hold a note.

    Raises:
        ValueError: as `grooving_patterns`.

    Example:

    >>> from music.types import Note, Solo
    >>> quarters = Solo([Note(Fraction(i), Fraction(1), 60) for i in range(8)], [])
    >>> grooving_similarity(quarters)  # two identical bars
    1.0
    >>> halves = Solo(quarters.notes[:4] + [Note(Fraction(4), Fraction(4), 60)], [])
    >>> grooving_similarity(halves)  # 3 of 64 positions differ
    0.953125
    """
    patterns = grooving_patterns(solo, bars=bars, positions_per_quarter=positions_per_quarter)
    patterns = patterns[patterns.any(axis=1)].astype(np.int64)
    if len(patterns) < 2:
        return math.nan
    onsets = patterns.sum(axis=1)
    # Positions where exactly one of two bars has an onset: |a| + |b| - 2 (a . b).
    differ = onsets[:, None] + onsets[None, :] - 2 * patterns @ patterns.T
    upper = np.triu_indices(len(patterns), k=1)
    return float(1 - np.mean(differ[upper]) / patterns.shape[1])


def jazz_transformer_metrics(solos):
    """H1, H4 and GS of solos, each the mean of its per-solo values (NaN solos left out).

    Args:
        solos: a `music.types.Solo` or a list of them.

    Returns:
        dict ``{"H1": float, "H4": float, "GS": float}`` (None where no solo has a value).

    Raises:
        ValueError: when `solos` is empty or holds a value that is not a `Solo`.

    Example:

    >>> from music.types import Note, Solo
    >>> solo = Solo([Note(Fraction(i), Fraction(1), 60 + 2 * (i % 8)) for i in range(16)], [])
    >>> jazz_transformer_metrics([solo])
    {'H1': 2.0, 'H4': 2.5, 'GS': 1.0}
    """
    if hasattr(solos, "notes"):
        solos = [solos]
    solos = list(solos)
    if not solos:
        raise ValueError("solos is empty; expected at least one music.types.Solo")
    columns = {
        "H1": [pitch_class_entropy(s, window=1) for s in solos],
        "H4": [pitch_class_entropy(s, window=4) for s in solos],
        "GS": [grooving_similarity(s) for s in solos],
    }
    return {name: _mean(values) for name, values in columns.items()}


def _mean(values):
    values = [v for v in values if not math.isnan(v)]
    return float(np.mean(values)) if values else None


__all__ = [
    "POSITIONS_PER_QUARTER",
    "bar_pitch_classes",
    "pitch_class_entropy",
    "grooving_patterns",
    "grooving_similarity",
    "jazz_transformer_metrics",
]
