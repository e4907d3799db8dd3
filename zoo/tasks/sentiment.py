"""Sentiment classification (many-to-one) on the sentence polarity and movie review corpora.

Data: `sentence_polarity.zip` (10,662 one-sentence snippets, Pang & Lee 2005) and
`movie_reviews.zip` (2,000 full reviews, Pang & Lee 2004), NLTK's packaging, read in place
from a local copy or downloaded with a sha256 check (`zoo.tasks.common.fetch`). Texts are cut
by `zoo.tasks.common.tokenize` and numbered by a `Vocabulary` built on the training folds and
saved with the model; `Classifier.predict` runs the same two steps on raw text.

The model is `zoo.build_many_to_one` over padded and masked variable-length batches (each batch
padded on the right to its own longest text). The standard metric is 10-fold cross-validated
accuracy (`cross_validate`); `train` holds out one fold (`test_fold`) for `evaluate`.
`PRESETS` holds the measured settings: max+mean pooling over the bidirectional states
(`pooling="max_mean"`; the last state alone learns poorly on 600-token reviews) and strong
dropout; `embeddings=` starts the embedding from word vectors trained on unlabelled text
(`zoo.tasks.embeddings`), e.g. the movie review corpus for sentence polarity.

Documents longer than `max_length` tokens keep their **last** `max_length` tokens in training
(a review's verdict is usually at its end); `predict` refuses longer texts unless
`truncate=True`, which cuts them the same way.
"""

import numpy as np

from zoo.core.checks import map_seed
from zoo.tasks.common import (
    KINDS,
    TaskError,
    Vocabulary,
    compiled_forward,
    fetch,
    open_zip,
    padded_batches,
    task_loader,
    tokenize,
    train_and_save,
)

KIND = KINDS["sentiment"]
LABELS = ("negative", "positive")
DATASETS = ("sentence_polarity", "movie_reviews")
# The settings `benchmarks/tasks.py` measured (docs/results/tasks.md), as `train` keyword
# arguments; the CLI trains with them. Long reviews need pooling over every state, not the last
# one.
PRESETS = {
    "sentence_polarity": dict(
        pooling="max_mean",
        embedding_dropout=0.3,
        dropout=0.5,
        epochs=2,
        batch_size=128,
        learning_rate=3e-3,
    ),
    "movie_reviews": dict(
        pooling="max_mean",
        embedding_dropout=0.3,
        dropout=0.5,
        epochs=8,
        patience=3,
        batch_size=32,
        max_length=600,
    ),
}


def load_data(dataset="sentence_polarity", path=None, *, origin=None):
    """Read a sentiment corpus.

    Args:
        dataset: `"sentence_polarity"` or `"movie_reviews"`.
        path: a local copy of the zip, or None to download it (sha256-checked).
        origin: a download URL other than the public one (tests use `file://`).

    Returns:
        `(texts, labels)`: list of str and int array (0 negative, 1 positive), in the zip's
        order (negatives first).

    Raises:
        DataError: a missing, corrupt or wrong file (the message names it).

    Example:

    >>> texts, labels = load_data("sentence_polarity",
    ...                           "../shared/data/tasks/sentence_polarity.zip")  # doctest: +SKIP
    >>> len(texts), labels.mean()  # doctest: +SKIP
    (10662, 0.5)
    """
    if dataset not in DATASETS:
        raise TaskError(f"dataset {dataset!r} is unknown; expected one of {', '.join(DATASETS)}")
    zf = open_zip(fetch(dataset, path, origin=origin))
    texts, labels = [], []
    with zf:
        for label, name in enumerate(LABELS):
            short = name[:3]
            if dataset == "sentence_polarity":
                raw = zf.read(f"sentence_polarity/rt-polarity.{short}")
                lines = raw.decode("utf-8", errors="replace").splitlines()
                docs = [line for line in lines if line.strip()]
            else:
                names = sorted(
                    n
                    for n in zf.namelist()
                    if n.startswith(f"movie_reviews/{short}/") and n.endswith(".txt")
                )
                docs = [zf.read(n).decode("utf-8", errors="replace") for n in names]
            texts += docs
            labels += [label] * len(docs)
    return texts, np.asarray(labels, "int32")


def folds_of(n, folds=10, *, seed=0):
    """A seeded fold number (0..folds-1) for each of `n` examples, as balanced as possible.

    Args:
        n: number of examples.
        folds: int >= 2. Defaults to 10.
        seed: int. Defaults to 0.

    Returns:
        int array `(n,)`.

    Example:

    >>> np.bincount(folds_of(25, 5)).tolist()
    [5, 5, 5, 5, 5]
    """
    order = np.random.default_rng(seed).permutation(n)
    fold = np.empty(n, "int32")
    fold[order] = np.arange(n) % folds
    return fold


class Classifier:
    """A trained sentiment model with its vocabulary.

    Args:
        model: a `zoo.build_many_to_one` model with two logits.
        vocab: a `Vocabulary`.
        config: dict with `max_length` (and the training settings).

    Returns:
        A classifier (`predict`, `probabilities`, `accuracy`).

    Example:

    >>> import zoo
    >>> vocab = Vocabulary(["good", "bad"])
    >>> clf = Classifier(zoo.build_many_to_one(vocab_size=vocab.size, output_dim=2, units=2),
    ...                  vocab, {"max_length": 5})
    >>> clf.encode(["Good, bad!"])
    [[2, 1, 3, 1]]
    """

    def __init__(self, model, vocab, config):
        self.model = model
        self.vocab = vocab
        self.config = dict(config)
        self._forward = None

    def logits(self, ids):
        """The model's logits for a padded batch of ids (one compiled graph for any shape).

        Args:
            ids: int32 `(batch, time)`, right-padded.

        Returns:
            float tensor `(batch, 2)`.

        Example:

        >>> load("runs/mr").logits(np.array([[5, 6, 0]], "int32"))  # doctest: +SKIP
        """
        if self._forward is None:
            self._forward = compiled_forward(self.model)
        return self._forward(ids)

    def encode(self, texts, *, truncate=False, check=True):
        """Token ids of raw texts, exactly as in training.

        Args:
            texts: list of str.
            truncate: keep the last `max_length` tokens of longer texts instead of refusing
                them. Defaults to False.
            check: refuse texts of unknown words only. Defaults to True.

        Returns:
            list of lists of int (none empty).

        Raises:
            TaskError: an empty text, one of unknown words only, or one longer than
                `max_length` tokens (without `truncate`); the message names the text.

        Example:

        >>> Classifier(None, Vocabulary(["good"]), {"max_length": 3}).encode(["Good!"])
        [[2, 1]]
        """
        limit, rows = self.config["max_length"], []
        for text in texts:
            tokens = tokenize(text)
            shown = text if len(text) <= 60 else text[:57] + "..."
            if not tokens:
                raise TaskError(f"text {shown!r}: empty; expected at least one word")
            ids = self.vocab.encode(tokens)
            if check and all(i == 1 for i in ids):
                raise TaskError(
                    f"text {shown!r}: none of its words is in the model's "
                    f"vocabulary of {self.vocab.size} words; nothing to judge"
                )
            if len(ids) > limit:
                if not truncate:
                    raise TaskError(
                        f"text {shown!r}: {len(ids)} tokens, more than the {limit} "
                        f"this model reads (truncate=True keeps the last {limit})"
                    )
                ids = ids[-limit:]
            rows.append(ids)
        return rows

    def probabilities(self, texts, *, truncate=False, batch_size=128):
        """P(positive) for each raw text.

        Args:
            texts: str or list of str.
            truncate: see `encode`.
            batch_size: texts per model call.

        Returns:
            float array `(len(texts),)`.

        Example:

        >>> load("runs/mr").probabilities(["a gripping, funny film"])  # doctest: +SKIP
        array([0.93], dtype=float32)
        """
        import keras

        if isinstance(texts, str):
            texts = [texts]
        rows = self.encode(texts, truncate=truncate)
        out = []
        for x, _ in padded_batches(rows, np.zeros(len(rows), "int32"), batch_size=batch_size):
            out.append(keras.ops.softmax(self.logits(x), axis=-1).numpy()[:, 1])
        return np.concatenate(out) if out else np.zeros(0, "float32")

    def predict(self, texts, *, truncate=False):
        """Label raw texts.

        Args:
            texts: str or list of str.
            truncate: see `encode`.

        Returns:
            list of `(label, probability of that label)` with label `"positive"` or
            `"negative"`.

        Example:

        >>> load("runs/mr").predict("a gripping, funny film")  # doctest: +SKIP
        [('positive', 0.93)]
        """
        p = self.probabilities(texts, truncate=truncate)
        return [(LABELS[int(q >= 0.5)], float(max(q, 1 - q))) for q in p]

    def accuracy(self, texts, labels):
        """Accuracy on labelled texts (long ones truncated as in training; texts of unknown
        words only are classified too, as the model sees them).

        Args:
            texts: list of str.
            labels: ints (0 negative, 1 positive).

        Returns:
            float in [0, 1].

        Example:

        >>> load("runs/mr").accuracy(["a gripping, funny film"], [1])  # doctest: +SKIP
        1.0
        """
        import keras

        rows = self.encode(texts, truncate=True, check=False)
        correct = 0
        for x, y in padded_batches(rows, np.asarray(labels), batch_size=128):
            guess = keras.ops.argmax(self.logits(x), axis=-1).numpy()
            correct += int((guess == y.numpy()).sum())
        return correct / len(rows)

    @classmethod
    def from_artifact(cls, art):
        """The classifier saved in a sentiment artifact: its model, and the vocabulary rebuilt
        from the saved word list (`load` reads the folder and calls this).

        Args:
            art: a `zoo.artifacts.Artifact` of kind `tasks.sentiment`.

        Returns:
            A `Classifier` whose config holds the training settings and metrics.

        Example:

        >>> Classifier.from_artifact(artifact)  # doctest: +SKIP
        """
        config = dict(art.config["task"], metrics=art.metrics)
        return cls(art.model, Vocabulary(art.preprocessing["vocab"][2:]), config)


load = task_loader(KIND, Classifier.from_artifact, "a sentiment artifact", "A `Classifier`.")


def train(
    texts,
    labels,
    *,
    test_fold=0,
    folds=10,
    val_fraction=0.1,
    max_length=60,
    min_count=2,
    max_vocab=20000,
    cell="gru",
    units=64,
    embedding_dim=128,
    bidirectional=True,
    dropout=0.3,
    epochs=6,
    batch_size=64,
    learning_rate=2e-3,
    max_seconds=None,
    patience=2,
    out=None,
    seed=0,
    verbose=0,
    dataset=None,
    fresh=False,
    pooling="last",
    embedding_dropout=0.0,
    embeddings=None,
):
    """Train a classifier on all folds but `test_fold` (None: on everything).

    A `val_fraction` of the training folds picks the best epoch; the vocabulary comes from
    the training folds only.

    Args:
        texts, labels: from `load_data`.
        test_fold: the held-out fold, or None. Defaults to 0.
        folds: number of folds. Defaults to 10.
        val_fraction: share of the training folds used for model selection. Defaults to 0.1.
        max_length: the most tokens read (longer texts keep their last ones). Defaults to 60.
        min_count, max_vocab: vocabulary settings.
        cell, units, embedding_dim, bidirectional, dropout, pooling, embedding_dropout:
            `zoo.build_many_to_one` settings (`pooling="max_mean"` for long documents).
        embeddings: None (random initial word vectors), a `WordVectors` (e.g. from
            `zoo.tasks.embeddings.train_word_vectors` on unlabelled text) whose vectors
            initialise the embedding of the words they know (`embedding_dim` becomes their
            size; the embedding is fine-tuned with the rest), or `"train"`: 100-d vectors
            trained first on the lines of the training texts (never the held-out fold).
        epochs, batch_size, learning_rate, max_seconds, patience: training settings.
        out: artifact folder or None.
        seed: int: folds, split, weights (mapped by `zoo.core.checks.map_seed`). Defaults
            to 0.
        verbose: Keras verbosity.
        dataset: the dataset name, recorded for `evaluate`.
        fresh: start over instead of resuming the run in `out/training`. Defaults to False.

    Returns:
        `(classifier, metrics)`; metrics has `test_accuracy` when a fold is held out.

    Example:

    >>> texts, labels = ["good film", "bad film"] * 20, [1, 0] * 20
    >>> clf, metrics = train(texts, labels, test_fold=None, units=4, epochs=1)  # doctest: +SKIP
    """
    import keras

    import zoo

    if len(texts) != len(labels) or not len(texts):
        raise TaskError(
            f"texts and labels: {len(texts)} texts and {len(labels)} labels; "
            f"expected the same non-zero number"
        )
    labels = np.asarray(labels, "int32")
    seed = map_seed(seed)
    keras.utils.set_random_seed(seed)
    fold = folds_of(len(texts), folds, seed=seed)
    pool = np.flatnonzero(fold != test_fold) if test_fold is not None else np.arange(len(texts))
    pool = np.random.default_rng(seed + 1).permutation(pool)
    n_val = max(1, int(round(val_fraction * len(pool))))
    val_idx, train_idx = pool[:n_val], pool[n_val:]
    tokens = [tokenize(t) for t in texts]
    vocab = Vocabulary.build(
        [tokens[i] for i in train_idx], min_count=min_count, max_size=max_vocab
    )
    config = {
        "max_length": max_length,
        "test_fold": test_fold,
        "folds": folds,
        "seed": seed,
        "dataset": dataset,
        "n_texts": len(texts),
    }

    def rows(index):
        return [(vocab.encode(tokens[i]) or [1])[-max_length:] for i in index]

    train_ds = padded_batches(
        rows(train_idx), labels[train_idx], batch_size=batch_size, shuffle=True, seed=seed
    )
    val_ds = padded_batches(rows(val_idx), labels[val_idx], batch_size=256)

    initial = None
    if isinstance(embeddings, str):
        if embeddings != "train":
            raise TaskError(f"embeddings {embeddings!r}: expected None, 'train' or WordVectors")
        from zoo.tasks.embeddings import train_word_vectors

        embeddings = train_word_vectors(
            [tokenize(line) for i in pool for line in texts[i].splitlines() if line.strip()],
            dim=100,
            source=f"the {len(pool)} training texts",
            seed=seed,
        )
    if embeddings is not None:
        initial = embeddings.matrix_for(vocab.words, seed=seed)
        embedding_dim = initial.shape[1]
        config["embeddings"] = embeddings.describe()

    def build():
        model = zoo.build_many_to_one(
            vocab_size=vocab.size,
            output_dim=2,
            cell=cell,
            units=units,
            embedding_dim=embedding_dim,
            bidirectional=bidirectional,
            dropout=dropout,
            pooling=pooling,
            embedding_dropout=embedding_dropout,
            name="sentiment",
        )
        if initial is not None:
            model.get_layer("embedding").set_weights([initial])
        return model

    def measured(model):
        clf = Classifier(model, vocab, config)
        found = {"val_accuracy": clf.accuracy([texts[i] for i in val_idx], labels[val_idx])}
        if test_fold is not None:
            test_idx = np.flatnonzero(fold == test_fold)
            found["test_accuracy"] = clf.accuracy([texts[i] for i in test_idx], labels[test_idx])
        return found

    model, metrics = train_and_save(
        build,
        train_ds,
        validation_data=val_ds,
        kind=KIND,
        out=out,
        preprocessing={"vocab": vocab.to_json()},
        config={"task": config},
        epochs=epochs,
        learning_rate=learning_rate,
        max_seconds=max_seconds,
        patience=patience,
        verbose=verbose,
        extra_metrics=measured,
        fresh=fresh,
    )
    return Classifier(model, vocab, config), metrics


def cross_validate(texts, labels, *, folds=10, max_folds=None, seed=0, **kwargs):
    """k-fold cross-validated accuracy: train on k-1 folds, test on the last, k times.

    Args:
        texts, labels: from `load_data`.
        folds: int >= 2. Defaults to 10.
        max_folds: run only the first few folds (a quick estimate), or None for all.
        seed: int.
        **kwargs: `train` settings.

    Returns:
        dict: `accuracy` (mean), `accuracy_std`, `fold_accuracies`, `folds`, `seconds`.

    Example:

    >>> cross_validate(texts, labels, folds=10)  # doctest: +SKIP
    {'accuracy': 0.77, ...}
    """
    import time

    start, scores = time.monotonic(), []
    for k in range(folds if max_folds is None else min(folds, max_folds)):
        _, metrics = train(texts, labels, test_fold=k, folds=folds, seed=seed, **kwargs)
        scores.append(metrics["test_accuracy"])
    return {
        "accuracy": float(np.mean(scores)),
        "accuracy_std": float(np.std(scores)),
        "fold_accuracies": scores,
        "folds": folds,
        "seconds": round(time.monotonic() - start, 1),
    }


def evaluate(classifier, texts, labels):
    """Accuracy on the artifact's held-out fold of the corpus it was trained on.

    Args:
        classifier: from `train` or `load`.
        texts, labels: the whole corpus (from `load_data`), split as in training.

    Returns:
        dict: `accuracy`, `n`.

    Example:

    >>> evaluate(load("runs/mr"), *load_data(path=...))  # doctest: +SKIP
    {'accuracy': 0.76, 'n': 1067}
    """
    config = classifier.config
    if config.get("test_fold") is None:
        index = np.arange(len(texts))
    else:
        if config.get("n_texts") not in (None, len(texts)):
            raise TaskError(
                f"texts: {len(texts)} texts, but the model was trained on a corpus "
                f"of {config['n_texts']}; evaluate on the same corpus"
            )
        fold = folds_of(len(texts), config["folds"], seed=config["seed"])
        index = np.flatnonzero(fold == config["test_fold"])
    labels = np.asarray(labels)
    return {
        "accuracy": classifier.accuracy([texts[i] for i in index], labels[index]),
        "n": int(len(index)),
    }
