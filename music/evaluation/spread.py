"""How much solos differ from one another: the spread across solos of a few per-solo figures.

Players play each tune in their own way; a generator that plays every tune alike has a small
spread even when its means match theirs. For each solo: ``chord_tone_ratio`` (as
`music.evaluation.metrics.evaluate`), ``H1`` (the Jazz Transformer's 1-bar pitch-class entropy,
`music.evaluation.jazz_transformer.pitch_class_entropy`), ``notes_per_bar`` (as `evaluate`) and
``mean_pitch`` (the mean MIDI pitch of its notes); the spread of each is its sample standard
deviation across the solos (``ddof=1``), solos without a value left out.
"""

import math

import numpy as np

from music.evaluation.jazz_transformer import pitch_class_entropy
from music.evaluation.metrics import evaluate

SPREAD_FIGURES = ("chord_tone_ratio", "H1", "notes_per_bar", "mean_pitch")


def solo_figures(solo):
    """The `SPREAD_FIGURES` of one solo.

    Args:
        solo: a `music.types.Solo`.

    Returns:
        dict, figure name -> float (NaN where there is nothing to measure).

    Raises:
        ValueError: for a value that is not a `Solo`.

    Example:

    >>> from fractions import Fraction
    >>> from music.types import Note, Solo
    >>> from music.theory.progressions import parse_progression
    >>> solo = Solo([Note(Fraction(i), Fraction(1), p) for i, p in enumerate([60, 64, 62, 67])],
    ...             parse_progression("C |"))
    >>> solo_figures(solo)
    {'chord_tone_ratio': 0.75, 'H1': 2.0, 'notes_per_bar': 4.0, 'mean_pitch': 63.25}
    """
    if not hasattr(solo, "notes") or not hasattr(solo, "bar_length"):
        raise ValueError(f"solo must be a music.types.Solo; got {type(solo).__name__}")
    measured = evaluate([solo])
    pitches = [n.pitch for n in solo.notes if n.pitch is not None]
    return {
        "chord_tone_ratio": _nan(measured["chord_tone_ratio"]),
        "H1": pitch_class_entropy(solo, window=1),
        "notes_per_bar": _nan(measured["notes_per_bar"]),
        "mean_pitch": float(np.mean(pitches)) if pitches else math.nan,
    }


def _nan(value):
    return math.nan if value is None else float(value)


def spread(solos):
    """The standard deviation across solos of each of `SPREAD_FIGURES`.

    Args:
        solos: list of `music.types.Solo` (at least two).

    Returns:
        dict, figure name -> float (None where fewer than two solos have a value).

    Raises:
        ValueError: for fewer than two solos, or a value that is not a `Solo`.

    Example:

    >>> from fractions import Fraction
    >>> from music.types import Note, Solo
    >>> low, high = (Solo([Note(Fraction(i), Fraction(1), p) for i in range(4)], [])
    ...              for p in (60, 62))
    >>> spread([low, high])["mean_pitch"]  # 60 and 62: sd 1.414
    1.4142
    """
    solos = list(solos)
    if len(solos) < 2:
        raise ValueError(f"spread needs at least two solos; got {len(solos)}")
    rows = [solo_figures(s) for s in solos]
    result = {}
    for name in SPREAD_FIGURES:
        values = [row[name] for row in rows if not math.isnan(row[name])]
        result[name] = round(float(np.std(values, ddof=1)), 4) if len(values) > 1 else None
    return result


__all__ = ["SPREAD_FIGURES", "solo_figures", "spread"]
