"""Can a classifier tell generated phrases from human ones? A listening test without listeners.

Solos are cut into phrases of a few bars (8 by default), each phrase is described by plain
features, and two classifiers (a standardised logistic regression and gradient-boosted
trees) are cross-validated at telling the two sides apart. Folds are grouped (one group per
progression or tune), so a tune is never on both sides of a split: a classifier cannot win by
recognising the tune. 0.5 means the sides cannot be told apart; 1.0 means always.

Each phrase is described by the features of `music.evaluation.features` (`FEATURES`); a
feature with nothing to measure is NaN and is filled with the feature's mean before the
logistic regression (the trees take NaN as is). `music.evaluation.neural_judge` is a third
judge on the same folds: a recurrent classifier over the phrase's notes.

scikit-learn is imported only when a classifier runs (`pip install seqzoo[bench]`), so
`import music` never needs it.
"""

import math
from fractions import Fraction

import numpy as np

from music.evaluation.features import FEATURES, phrase_features
from music.types import Note, Solo
from zoo.core.checks import check_int


def phrases(solo, *, bars=8, min_notes=4, start=0):
    """Cut a solo into consecutive phrases of `bars` bars, each a `Solo` starting at time 0.

    The first phrase begins at bar `start` (counted from 0). Only whole phrases are kept (a
    shorter tail is dropped), and only those with at least `min_notes` pitched notes (a phrase
    of silence has no melody to judge). A note belongs to the phrase its onset falls in and is
    cut at the phrase's end; chords are cut likewise. The `k`-th whole phrase from `start`
    (counted from 0, kept or not) has the source ``f"{solo.source}#{k}"``: it begins at bar
    ``start + k * bars``.

    Args:
        solo: a `music.types.Solo`.
        bars: int, bars per phrase (default 8).
        min_notes: int, fewest pitched notes a kept phrase has (default 4).
        start: int >= 0, the bar where the first phrase begins (default 0).

    Returns:
        list of `Solo`, in time order, each `bars` bars long at most.

    Raises:
        ValueError: when `bars` or `min_notes` is not an integer >= 1, or `start` not one
            >= 0.

    Example:

    >>> from music.types import Note, Solo
    >>> solo = Solo([Note(Fraction(i), Fraction(1), 60 + i % 5) for i in range(70)], [])
    >>> [len(p.notes) for p in phrases(solo, bars=8)]  # 70 beats = two whole 8-bar phrases
    [32, 32]
    >>> [p.source for p in phrases(solo, bars=8, start=2)]  # from beat 8: one whole phrase
    ['#0']
    """
    bars, min_notes = check_int("bars", bars, 1), check_int("min_notes", min_notes, 1)
    origin = check_int("start", start, 0) * solo.bar_length
    length = Fraction(bars) * solo.bar_length
    count = max(0, int((solo.duration - origin) // length))
    cut = []
    for k in range(count):
        begin, end = origin + k * length, origin + (k + 1) * length
        notes = [
            Note(n.offset - begin, min(n.duration, end - n.offset), n.pitch, n.velocity)
            for n in solo.notes
            if begin <= n.offset < end
        ]
        if sum(n.pitch is not None for n in notes) < min_notes:
            continue
        chords = [
            c.__class__(
                max(c.offset, begin) - begin,
                min(c.end, end) - max(c.offset, begin),
                c.root,
                c.quality,
                c.pitch_classes,
                c.figure,
                c.bass,
            )
            for c in solo.chords
            if c.offset < end and c.end > begin
        ]
        cut.append(
            Solo(
                notes, chords, solo.beats_per_bar, solo.beat_unit, solo.tempo, f"{solo.source}#{k}"
            )
        )
    return cut


def _check_folds(folds):
    check_int("folds", folds, 2)


def _check_side(name, rows, groups):
    if len(rows) != len(groups):
        raise ValueError(
            f"{name}_groups must have one group per {name} phrase; got "
            f"{len(groups)} groups for {len(rows)} phrases"
        )


def grouped_folds(human, generated, *, human_groups, generated_groups, folds=5):
    """The labels and grouped cross-validation folds every judge of two sides of phrases uses.

    The human phrases come first (label 0), then the generated ones (label 1); the folds are
    `sklearn.model_selection.GroupKFold`'s, so a group (a progression, a tune) is never on both
    sides of a split.

    Args:
        human: list of human phrases (anything with a length: only the count is used).
        generated: list of generated phrases.
        human_groups: list of hashable, the group of each human phrase.
        generated_groups: list of hashable, the group of each generated phrase.
        folds: int >= 2 (default 5).

    Returns:
        tuple ``(y, splits, groups)``: numpy labels, a list of ``(train, test)`` index arrays,
        and the number of distinct groups.

    Raises:
        ValueError: for a bad `folds`, mismatched group lists, fewer than `folds` phrases on a
            side or groups in all, or a training split that holds only one side.

    Example:

    >>> y, splits, groups = grouped_folds("abcd", "efgh", human_groups=[0, 0, 1, 1],
    ...                                   generated_groups=[0, 1, 2, 2], folds=2)
    >>> y.tolist(), len(splits), groups
    ([0, 0, 0, 0, 1, 1, 1, 1], 2, 3)
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
    from sklearn.model_selection import GroupKFold

    y = np.array([0] * len(human) + [1] * len(generated))
    groups = np.array([names[g] for g in groups_all])
    splits = list(GroupKFold(n_splits=folds).split(y, y, groups))
    for train, _ in splits:
        if len(set(y[train])) < 2:
            raise ValueError(
                "too few groups holding both sides: a training split has only "
                f"{'human' if y[train][0] == 0 else 'generated'} phrases; give "
                "more progressions with both human and generated phrases"
            )
    return y, splits, len(names)


def score(y, probability):
    """Balanced accuracy (at probability 0.5) and ROC AUC of out-of-fold predictions.

    Args:
        y: array of 0 (human) and 1 (generated).
        probability: array of the predicted probability of "generated", one per label.

    Returns:
        tuple ``(accuracy, auc)`` of floats rounded to 4 places.

    Example:

    >>> score(np.array([0, 0, 1, 1]), np.array([0.2, 0.6, 0.7, 0.9]))
    (0.75, 1.0)
    """
    from sklearn.metrics import balanced_accuracy_score, roc_auc_score

    accuracy = balanced_accuracy_score(y, np.asarray(probability) >= 0.5)
    return round(float(accuracy), 4), round(float(roc_auc_score(y, probability)), 4)


def phrase_matrix(phrases, *, bars=8):
    """The `FEATURES` of each phrase, one row each (NaN where there is nothing to measure).

    Args:
        phrases: list of `Solo` phrases.
        bars: int, the phrases' length in bars, for the per-bar features (default 8).

    Returns:
        np.ndarray float64 (len(phrases), len(FEATURES)).
    """
    rows = [phrase_features(p, bars=bars) for p in phrases]
    return np.array([[row[f] for f in FEATURES] for row in rows], dtype=np.float64).reshape(
        len(rows), len(FEATURES)
    )


def logistic_judge():
    """The feature judge: NaN -> the feature's mean, standardised, logistic regression
    (classes weighted equally; multinomial for more than two). Needs scikit-learn.

    Returns:
        an unfitted scikit-learn pipeline.
    """
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return make_pipeline(
        SimpleImputer(strategy="mean", keep_empty_features=True),
        StandardScaler(),
        LogisticRegression(C=1.0, max_iter=2000, class_weight="balanced"),
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
    y, splits, count = grouped_folds(
        human, generated, human_groups=human_groups, generated_groups=generated_groups, folds=folds
    )

    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

    x = phrase_matrix(list(human) + list(generated), bars=bars)
    logistic = logistic_judge

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
            result[f"{label}_accuracy"], result[f"{label}_auc"] = score(y, probability)
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
    result["groups"] = count
    result["folds"] = folds
    return result


def _rounded(value):
    value = float(value)
    return None if math.isnan(value) else round(value, 4)


def cut_phrases(human, generated, *, bars=8, min_notes=4, folds=5):
    """Cut two lists of solos into phrases, grouped by index: solo ``i`` of each list is group i.

    Args:
        human: list of `music.types.Solo` played by people.
        generated: list of `Solo`, ``generated[i]`` over the progression of ``human[i]``.
        bars: int, bars per phrase (default 8).
        min_notes: int, fewest notes a phrase must have to count (default 4).
        folds: int >= 2, the folds the phrases are for: each side needs as many (default 5).

    Returns:
        dict with ``human``, ``human_groups``, ``generated``, ``generated_groups`` (lists):
        the arguments of `compare_phrases` (``compare_phrases(**sides)``).

    Raises:
        ValueError: for a bad `bars`, `min_notes` or `folds`, or fewer than `folds` phrases on
            a side.

    Example:

    >>> from music.types import Note, Solo
    >>> solo = Solo([Note(Fraction(i), Fraction(1), 60 + i % 5) for i in range(64)], [])
    >>> sides = cut_phrases([solo, solo], [solo], bars=4, folds=2)
    >>> len(sides["human"]), sides["human_groups"][:5], len(sides["generated"])
    (8, [0, 0, 0, 0, 1], 4)
    """
    _check_folds(folds)
    sides = {}
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
        sides[name], sides[f"{name}_groups"] = cut, groups
    return sides


def human_halves(human, *, bars=8, min_notes=4, folds=5):
    """Human against human: each solo's odd phrases on one side, its even ones on the other.

    A judge's accuracy on these sides is its floor: the same players and tunes on both sides,
    a solo's phrases in one group, so anything above 0.5 is noise or overfitting.

    Args:
        human: list of `music.types.Solo`.
        bars, min_notes, folds: as in `cut_phrases`.

    Returns:
        dict as `cut_phrases`: ``human`` holds each solo's 1st, 3rd, ... phrases and
        ``generated`` its 2nd, 4th, ...; the groups are the solos' indices.

    Raises:
        ValueError: as `cut_phrases`.

    Example:

    >>> from music.types import Note, Solo
    >>> solo = Solo([Note(Fraction(i), Fraction(1), 60 + i % 5) for i in range(64)], [])
    >>> sides = human_halves([solo, solo], bars=4, folds=2)
    >>> len(sides["human"]), len(sides["generated"]), sides["generated_groups"]
    (4, 4, [0, 0, 1, 1])
    """
    whole = cut_phrases(human, human, bars=bars, min_notes=min_notes, folds=folds)
    pairs = list(zip(whole["human"], whole["human_groups"]))
    seen, halves = {}, {"human": [], "human_groups": [], "generated": [], "generated_groups": []}
    for phrase, group in pairs:
        k = seen[group] = seen.get(group, -1) + 1
        side = "human" if k % 2 == 0 else "generated"
        halves[side].append(phrase)
        halves[f"{side}_groups"].append(group)
    for name in ("human", "generated"):
        if len(halves[name]) < folds:
            raise ValueError(
                f"too few phrases for a human-vs-human split: {len(halves[name])} on a side, "
                f"need at least folds={folds}"
            )
    return halves


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
    sides = cut_phrases(human, generated, bars=bars, min_notes=min_notes, folds=folds)
    result = compare_phrases(**sides, folds=folds, seed=seed, top=top, bars=bars)
    result["bars"] = bars
    return result


__all__ = [
    "FEATURES",
    "phrases",
    "phrase_features",
    "grouped_folds",
    "score",
    "compare_phrases",
    "logistic_judge",
    "phrase_matrix",
    "cut_phrases",
    "human_halves",
    "discriminate",
]
