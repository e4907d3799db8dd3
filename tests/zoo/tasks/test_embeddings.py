"""Word vectors trained on unlabelled text (PPMI + SVD) and their use as an initial embedding."""

import numpy as np
import pytest

from zoo.tasks.common import TaskError
from zoo.tasks.embeddings import WordVectors, train_word_vectors


def test_words_in_the_same_contexts_get_close_vectors():
    rng = np.random.default_rng(0)
    good, bad = ["great", "superb", "fine"], ["awful", "dull", "poor"]
    text = []
    for _ in range(300):
        side = good if rng.random() < 0.5 else bad
        context = ["loved", "enjoyed", "fun"] if side is good else ["hated", "boring", "waste"]
        text.append(["a", side[rng.integers(3)], "film", context[rng.integers(3)], "it"])
    wv = train_word_vectors(text, dim=4, window=2, min_count=1, source="toy")
    v = {w: wv.vectors[wv.index[w]] for w in good + bad}
    assert np.allclose(np.linalg.norm(wv.vectors, axis=1), 1, atol=1e-5)
    assert v["great"] @ v["superb"] > v["great"] @ v["awful"]
    assert v["dull"] @ v["poor"] > v["dull"] @ v["fine"]
    assert wv.describe()["dim"] == 4 and "PPMI-SVD on toy" in wv.describe()["source"]


def test_matrix_for_a_vocabulary_and_bad_input():
    wv = WordVectors(["good", "bad"], [[1.0, 0.0], [0.0, 1.0]], "toy")
    m = wv.matrix_for(["<pad>", "<unk>", "bad", "unseen"], seed=1)
    assert m.shape == (4, 2) and m[0].tolist() == [0, 0] and m[2].tolist() == [0, 1]
    assert wv.coverage(["good", "zzz"]) == 0.5
    with pytest.raises(TaskError, match="expected more than dim=8"):
        train_word_vectors([["a", "b", "a"]], dim=8, min_count=1)
    with pytest.raises(TaskError, match="one row per word"):
        WordVectors(["a"], np.zeros((2, 3)), "toy")
