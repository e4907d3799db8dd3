"""Can a classifier tell generated phrases from human ones? A listening test without listeners.

Solos are cut into phrases of a few bars (8 by default), each phrase is described by the plain
features below, and two classifiers (a standardised logistic regression and gradient-boosted
trees) are cross-validated at telling the two sides apart. Folds are grouped (one group per
progression or tune), so a tune is never on both sides of a split: a classifier cannot win by
recognising the tune. 0.5 means the sides cannot be told apart; 1.0 means always.

Features of one phrase (`FEATURES`, in this order). "Notes" are pitched events; intervals are
between consecutive notes in semitones, rests in between skipped; a feature with nothing to
measure (e.g. no intervals) is NaN and is filled with the feature's mean before the logistic
regression (the trees take NaN as is).

- ``direction_change_rate`` (contour): among consecutive pairs of non-zero intervals, the share
  whose signs differ (a zig-zag line scores high, a scale run 0).
- ``repeat_share``: the share of intervals that are 0 (a repeated pitch).
- ``step_share``: the share of intervals of 1 or 2 semitones (up or down).
- ``leap5_share``: the share of intervals of 5 semitones or more.
- ``mean_abs_interval``: the mean interval size in semitones.
- ``chord_change_leap7_share``: among intervals whose two notes sound over chords with different
  roots (N.C. and unharmonised notes left out), the share of 7 semitones or more.
- ``pitch_range``, ``mean_pitch``, ``lowest_pitch``, ``highest_pitch`` (register): highest -
  lowest MIDI pitch, the mean MIDI pitch, the lowest and the highest.
- ``sixteenth_share``, ``eighth_share``, ``triplet_share``, ``longer_share`` (rhythm): the shares
  of note durations (rests excluded, each rounded with `music.evaluation.metrics.rhythm_bin`) that are a
  sixteenth or shorter (1/8, 1/4 quarter), an eighth or dotted sixteenth (3/8, 1/2), a triplet
  value (1/12, 1/6, 1/3, 2/3) and a dotted eighth or longer (3/4 and up); the four sum to 1.
- ``notes_per_bar`` (density): notes / bars of the phrase.
- ``rest_share``: the share of the phrase's time not covered by a note.
- ``offbeat_onset_share``: the share of notes that start off the beat.
- ``breaths_per_bar`` (phrase structure): silences (rests or gaps, merged) of at least one beat
  between two notes of the phrase, per bar.
- ``mean_run_bars``: the mean length in bars of the runs of notes between such breaths (from a
  run's first onset to its last note's end); human lines come in arches of a few bars.
- ``chord_tone_ratio``, ``scale_tone_ratio`` (harmony): the share of harmonised notes that are
  chord tones, and that are chord or scale tones (`music.evaluation.metrics.note_types` letters C, and C or
  S).

scikit-learn is imported only when a classifier runs (`pip install seqzoo[bench]`), so
`import music` never needs it.
"""

import math
from fractions import Fraction

import numpy as np

from music.evaluation.metrics import note_types, rhythm_bin
from music.types import Note, Solo
from zoo.core.checks import check_int

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
)

_SIXTEENTHS = {Fraction(1, 8), Fraction(1, 4)}
_EIGHTHS = {Fraction(3, 8), Fraction(1, 2)}
_TRIPLETS = {Fraction(1, 12), Fraction(1, 6), Fraction(1, 3), Fraction(2, 3)}


def phrases(solo, *, bars=8, min_notes=4):
    """Cut a solo into consecutive phrases of `bars` bars, each a `Solo` starting at time 0.

    Only whole phrases are kept (a shorter tail is dropped), and only those with at least
    `min_notes` pitched notes (a phrase of silence has no melody to judge). A note belongs to
    the phrase its onset falls in and is cut at the phrase's end; chords are cut likewise.

    Args:
        solo: a `music.types.Solo`.
        bars: int, bars per phrase (default 8).
        min_notes: int, fewest pitched notes a kept phrase has (default 4).

    Returns:
        list of `Solo`, in time order, each `bars` bars long at most.

    Raises:
        ValueError: when `bars` or `min_notes` is not an integer >= 1.

    Example:

    >>> from music.types import Note, Solo
    >>> solo = Solo([Note(Fraction(i), Fraction(1), 60 + i % 5) for i in range(70)], [])
    >>> [len(p.notes) for p in phrases(solo, bars=8)]  # 70 beats = two whole 8-bar phrases
    [32, 32]
    """
    bars, min_notes = check_int("bars", bars, 1), check_int("min_notes", min_notes, 1)
    length = Fraction(bars) * solo.bar_length
    count = int(solo.duration // length)
    cut = []
    for k in range(count):
        start, end = k * length, (k + 1) * length
        notes = [
            Note(n.offset - start, min(n.duration, end - n.offset), n.pitch, n.velocity)
            for n in solo.notes
            if start <= n.offset < end
        ]
        if sum(n.pitch is not None for n in notes) < min_notes:
            continue
        chords = [
            c.__class__(
                max(c.offset, start) - start,
                min(c.end, end) - max(c.offset, start),
                c.root,
                c.quality,
                c.pitch_classes,
                c.figure,
                c.bass,
            )
            for c in solo.chords
            if c.offset < end and c.end > start
        ]
        cut.append(
            Solo(
                notes, chords, solo.beats_per_bar, solo.beat_unit, solo.tempo, f"{solo.source}#{k}"
            )
        )
    return cut


def _share(count, total):
    return count / total if total else math.nan


def _roots_at_onsets(solo):
    """The chord root (None for N.C. or no chord) sounding at each note's onset."""
    chords = sorted(solo.chords, key=lambda c: c.offset)
    roots, j = [], 0
    for note in solo.notes:
        while j < len(chords) and chords[j].end <= note.offset:
            j += 1
        chord = chords[j] if j < len(chords) and chords[j].offset <= note.offset else None
        roots.append(None if chord is None else chord.root)
    return roots


def phrase_features(phrase, *, bars=None):
    """The `FEATURES` of one phrase (see the module docstring for each definition).

    Args:
        phrase: a `music.types.Solo` starting at time 0 (e.g. one of `phrases(solo)`).
        bars: int or None; the phrase's length in bars (default: its notes' length, rounded up
            to whole bars).

    Returns:
        dict, feature name -> float (NaN where there is nothing to measure).

    Example:

    >>> from music.types import Note, Solo
    >>> up_down = [60, 62, 64, 62, 60, 67]
    >>> phrase = Solo([Note(Fraction(i, 2), Fraction(1, 2), p) for i, p in enumerate(up_down)],
    ...               [])
    >>> f = phrase_features(phrase, bars=1)
    >>> f["step_share"], f["direction_change_rate"], f["pitch_range"], f["rest_share"]
    (0.8, 0.5, 7.0, 0.25)
    """
    beat = phrase.bar_length / phrase.beats_per_bar
    if bars is None:
        bars = max(1, math.ceil(phrase.duration / phrase.bar_length))
    length = Fraction(bars) * phrase.bar_length
    events = list(phrase.notes)
    roots = _roots_at_onsets(phrase)
    letters = note_types(phrase)
    played = [(n, r, t) for n, r, t in zip(events, roots, letters) if n.pitch is not None]
    pitches = [n.pitch for n, _, _ in played]
    steps = [b - a for a, b in zip(pitches, pitches[1:])]
    moving = [s for s in steps if s]
    turns = sum((a > 0) != (b > 0) for a, b in zip(moving, moving[1:]))
    across = [
        abs(b[0].pitch - a[0].pitch)
        for a, b in zip(played, played[1:])
        if a[1] is not None and b[1] is not None and a[1] != b[1]
    ]
    kinds = [rhythm_bin(n.duration) for n, _, _ in played]
    harmonised = [t for _, _, t in played if t is not None]

    # Breaths: silences of at least a beat between two notes (rests and gaps merged).
    runs, run_start, last_end = [], None, None
    for note, _, _ in played:
        if run_start is None:
            run_start = note.offset
        elif note.offset - last_end >= beat:
            runs.append(last_end - run_start)
            run_start = note.offset
        last_end = note.end
    if run_start is not None:
        runs.append(last_end - run_start)

    sounding = sum((n.duration for n, _, _ in played), Fraction(0))
    offbeat = sum(n.offset % beat != 0 for n, _, _ in played)
    return {
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
    }


def _check_folds(folds):
    check_int("folds", folds, 2)


def _check_side(name, rows, groups):
    if len(rows) != len(groups):
        raise ValueError(
            f"{name}_groups must have one group per {name} phrase; got "
            f"{len(groups)} groups for {len(rows)} phrases"
        )


def compare_phrases(
    human, generated, *, human_groups, generated_groups, folds=5, seed=0, top=5, bars=8
):
    """Cross-validate two classifiers at telling generated phrases from human ones.

    Both classifiers are scored on out-of-fold predictions pooled over a `GroupKFold` split:
    every phrase is predicted by models that never saw its group. Accuracy is *balanced*
    (the mean of the two sides' recall), so 0.5 is chance even when the sides differ in size,
    and both classifiers weight the sides equally; ROC AUC is from the predicted probability of
    "generated". The give-away features are ranked by the size of the logistic regression's
    coefficients, refitted on all phrases with standardised features: a positive coefficient
    means "more of it looks generated".

    Args:
        human: list of phrases (`Solo`, e.g. from `phrases`) played by people.
        generated: list of generated phrases.
        human_groups: list of hashable, the group (progression, tune) of each human phrase.
        generated_groups: list of hashable, the group of each generated phrase; a group shared
            with human phrases is always on the same side of a split as they are.
        folds: int, cross-validation folds, >= 2 (default 5).
        seed: int, for the boosted trees (default 0).
        top: int, how many give-away features to report (default 5).
        bars: int, the phrases' length in bars, for the per-bar features (default 8).

    Returns:
        dict with ``logistic_accuracy``, ``logistic_auc``, ``boosted_accuracy``,
        ``boosted_auc`` (floats), ``top_features`` (list of dicts with ``name``,
        ``human_mean``, ``generated_mean``, ``coefficient``), ``phrases`` (``{"human": n,
        "generated": n}``), ``groups`` and ``folds`` (ints).

    Raises:
        ValueError: for too few phrases or groups to cross-validate (each side needs at least
            `folds` phrases, there must be at least `folds` groups, and every training split
            must hold both sides), or mismatched group lists.

    Example:

    >>> result = compare_phrases(human_phrases, generated_phrases,  # doctest: +SKIP
    ...                          human_groups=tunes, generated_groups=tunes)
    >>> result["logistic_auc"]  # doctest: +SKIP
    0.93
    """
    _check_folds(folds)
    _check_side("human", human, human_groups)
    _check_side("generated", generated, generated_groups)
    for name, side in (("human", human), ("generated", generated)):
        if len(side) < folds:
            raise ValueError(
                f"too few {name} phrases to cross-validate: {len(side)}, need at "
                f"least folds={folds} (use longer solos, more solos or fewer bars "
                "per phrase)"
            )
    groups_all = list(human_groups) + list(generated_groups)
    names = {g: i for i, g in enumerate(dict.fromkeys(groups_all))}
    if len(names) < folds:
        raise ValueError(
            f"too few groups to cross-validate: {len(names)} distinct "
            f"progressions, need at least folds={folds}"
        )

    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score
    from sklearn.model_selection import GroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

    rows = [phrase_features(p, bars=bars) for p in list(human) + list(generated)]
    x = np.array([[row[f] for f in FEATURES] for row in rows], dtype=np.float64)
    y = np.array([0] * len(human) + [1] * len(generated))
    groups = np.array([names[g] for g in groups_all])
    splits = list(GroupKFold(n_splits=folds).split(x, y, groups))
    for train, _ in splits:
        if len(set(y[train])) < 2:
            raise ValueError(
                "too few groups holding both sides: a training split has only "
                f"{'human' if y[train][0] == 0 else 'generated'} phrases; give "
                "more progressions with both human and generated phrases"
            )

    def logistic():
        return make_pipeline(
            SimpleImputer(strategy="mean", keep_empty_features=True),
            StandardScaler(),
            LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced"),
        )

    def boosted():
        return HistGradientBoostingClassifier(
            max_iter=100,
            learning_rate=0.1,
            max_leaf_nodes=15,
            min_samples_leaf=10,
            class_weight="balanced",
            random_state=seed,
        )

    result = {}
    # A few hundred phrases: one thread is many times faster than OpenMP's start-up per tree.
    with threadpool_limits(limits=1):
        for label, make in (("logistic", logistic), ("boosted", boosted)):
            probability = np.zeros(len(y))
            for train, test in splits:
                model = make().fit(x[train], y[train])
                probability[test] = model.predict_proba(x[test])[:, 1]
            result[f"{label}_accuracy"] = round(
                float(balanced_accuracy_score(y, probability >= 0.5)), 4
            )
            result[f"{label}_auc"] = round(float(roc_auc_score(y, probability)), 4)
        coefficients = logistic().fit(x, y)[-1].coef_[0]
    order = np.argsort(-np.abs(coefficients))[:top]
    with np.errstate(all="ignore"):
        human_means = np.nanmean(x[y == 0], axis=0)
        generated_means = np.nanmean(x[y == 1], axis=0)
    result["top_features"] = [
        {
            "name": FEATURES[i],
            "human_mean": _rounded(human_means[i]),
            "generated_mean": _rounded(generated_means[i]),
            "coefficient": _rounded(coefficients[i]),
        }
        for i in order
    ]
    result["phrases"] = {"human": len(human), "generated": len(generated)}
    result["groups"] = len(names)
    result["folds"] = folds
    return result


def _rounded(value):
    value = float(value)
    return None if math.isnan(value) else round(value, 4)


def discriminate(human, generated, *, bars=8, folds=5, seed=0, top=5, min_notes=4):
    """How well classifiers tell generated solos' phrases from human solos' phrases.

    Solo ``i`` of each list is taken to be over progression ``i`` (the benchmark plays the
    generator over each held-out human solo's own chords), so the phrases of `human[i]` and
    `generated[i]` form group ``i`` and are never on both sides of a split. The lists may differ
    in length (the extra solos form groups of one side).

    Args:
        human: list of `music.types.Solo` played by people.
        generated: list of `Solo`, ``generated[i]`` over the progression of ``human[i]``.
        bars: int, bars per phrase (default 8).
        folds: int, grouped cross-validation folds (default 5).
        seed: int (default 0).
        top: int, give-away features to report (default 5).
        min_notes: int, fewest notes a phrase must have to count (default 4).

    Returns:
        dict, as `compare_phrases`, with ``bars`` added.

    Raises:
        ValueError: as `compare_phrases` (too few phrases or progressions), or bad `bars`.

    Example:

    >>> result = discriminate(held_out_solos, generated_solos)  # doctest: +SKIP
    >>> result["logistic_accuracy"], result["phrases"]  # doctest: +SKIP
    (0.84, {'human': 310, 'generated': 305})
    """
    _check_folds(folds)
    sides = []
    for name, solos in (("human", human), ("generated", generated)):
        cut, groups = [], []
        for i, solo in enumerate(solos):
            pieces = phrases(solo, bars=bars, min_notes=min_notes)
            cut.extend(pieces)
            groups.extend([i] * len(pieces))
        if len(cut) < folds:
            raise ValueError(
                f"too few {name} phrases to cross-validate: {len(cut)} whole "
                f"{bars}-bar phrases with at least min_notes={min_notes} notes in "
                f"{len(solos)} solos, need at least folds={folds}"
            )
        sides.append((cut, groups))
    result = compare_phrases(
        sides[0][0],
        sides[1][0],
        human_groups=sides[0][1],
        generated_groups=sides[1][1],
        folds=folds,
        seed=seed,
        top=top,
        bars=bars,
    )
    result["bars"] = bars
    return result


__all__ = ["FEATURES", "phrases", "phrase_features", "compare_phrases", "discriminate"]
