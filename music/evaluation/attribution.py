"""Who played it? A performer classifier over phrases, to measure how well a style is imitated.

`PerformerJudge.fit` trains the feature judge of `music.evaluation.discriminator`
(`logistic_judge` over `phrase_matrix`: the phrase features of `music.evaluation.features`) to
tell performers apart by the 8-bar phrases of their solos, for the performers with at least
`min_solos` solos (WJazzD names the performer in every file name,
`music.reading.performers.performer_of`). `PerformerJudge.attribute` then names the player of
other solos: each phrase gets a probability per performer, a solo's scores are the sums of its
phrases' log-probabilities, and the solo is attributed to the top-scoring performers. Top-1 and
top-3 accuracy are reported for whole solos and for single phrases, beside chance (1 / the
number of performers).

Used by `benchmarks/jazz.py`: the judge trains on the human training solos; it attributes
held-out human solos (what the judge can do on people) and solos generated with
``style=<performer>`` (does the style carry the performer's way of playing?).
"""

import math

import numpy as np

from music.evaluation.discriminator import logistic_judge, phrase_matrix, phrases
from music.reading.performers import performer_of
from zoo.core.checks import check_int


class PerformerJudge:
    """A performer classifier over phrases (see the module docstring).

    Args:
        bars: int, bars per phrase (default 8).

    Example:

    >>> judge = PerformerJudge().fit(training_solos)  # doctest: +SKIP
    >>> judge.attribute(generated_solos, performers)["top1"]  # doctest: +SKIP
    0.41
    """

    def __init__(self, *, bars=8):
        self.bars = check_int("bars", bars, 1)
        self.performers = []
        self.model = None

    def fit(self, solos, *, min_solos=5):
        """Train on the phrases of the solos of performers with at least `min_solos` solos.

        Args:
            solos: list of `music.types.Solo` whose `source` is a WJazzD file name.
            min_solos: int >= 1, the fewest solos a performer needs to be one of the classes.

        Returns:
            self.

        Raises:
            ValueError: fewer than two performers with `min_solos` solos and a phrase.
        """
        min_solos = check_int("min_solos", min_solos, 1)
        counts = {}
        for solo in solos:
            name = performer_of(solo.source)
            counts[name] = counts.get(name, 0) + 1
        chosen = sorted(name for name, count in counts.items() if name and count >= min_solos)
        cut, labels = [], []
        for solo in solos:
            name = performer_of(solo.source)
            if name in chosen:
                kept = phrases(solo, bars=self.bars)
                cut += kept
                labels += [name] * len(kept)
        self.performers = sorted(set(labels))
        if len(self.performers) < 2:
            raise ValueError(
                f"a performer judge needs at least two performers with {min_solos} solos or "
                f"more and a phrase; got {len(self.performers)}"
            )
        from threadpoolctl import threadpool_limits  # a dependency of scikit-learn

        with threadpool_limits(limits=1):
            self.model = logistic_judge().fit(phrase_matrix(cut, bars=self.bars), labels)
        return self

    def log_probabilities(self, solo):
        """Per phrase of `solo`, the log-probability of each of `performers` (rows, columns).

        Returns:
            np.ndarray float64 (phrases, len(performers)); no rows for a solo without a phrase.
        """
        cut = phrases(solo, bars=self.bars)
        if not cut:
            return np.zeros((0, len(self.performers)))
        probability = self.model.predict_proba(phrase_matrix(cut, bars=self.bars))
        order = [list(self.model.classes_).index(name) for name in self.performers]
        return np.log(np.maximum(probability[:, order], 1e-12))

    def attribute(self, solos, performers):
        """How often the judge names the right performer.

        Args:
            solos: list of `Solo`.
            performers: list of str, the performer each solo is by (or imitates), each one of
                `self.performers`.

        Returns:
            dict: ``top1``, ``top3`` (shares of solos whose performer is the first, or among
            the first three, by summed log-probability), ``phrase_top1``, ``phrase_top3`` (the
            same per phrase), ``chance`` (1 / performers), ``players``, ``solos`` and
            ``phrases`` (counted; solos without a phrase are left out).

        Raises:
            ValueError: for a performer the judge does not know, or mismatched lists.
        """
        if len(solos) != len(performers):
            raise ValueError(f"{len(solos)} solos but {len(performers)} performers")
        unknown = sorted(set(performers) - set(self.performers))
        if unknown:
            raise ValueError(f"the judge does not know {unknown[0]!r}; it knows {self.performers}")
        solo_ranks, phrase_ranks = [], []
        for solo, name in zip(solos, performers):
            scores = self.log_probabilities(solo)
            if not len(scores):
                continue
            column = self.performers.index(name)
            solo_ranks.append(_rank(scores.sum(axis=0), column))
            phrase_ranks += [_rank(row, column) for row in scores]
        return {
            "top1": _share(solo_ranks, 1),
            "top3": _share(solo_ranks, 3),
            "phrase_top1": _share(phrase_ranks, 1),
            "phrase_top3": _share(phrase_ranks, 3),
            "chance": round(1 / len(self.performers), 4),
            "players": len(self.performers),
            "solos": len(solo_ranks),
            "phrases": len(phrase_ranks),
        }


def _rank(scores, column):
    """1 + how many performers score strictly higher than `column`."""
    return 1 + int(np.sum(scores > scores[column]))


def _share(ranks, k):
    return round(sum(r <= k for r in ranks) / len(ranks), 4) if ranks else math.nan


__all__ = ["PerformerJudge"]
