"""What every task shares: errors, artifact kinds, data files, the word tokeniser and vocabulary,
right-padding, and training through `zoo.training.engine.fit` with the artifact written on the best
epoch.

A task's preprocessing is saved with its model, and prediction runs the very same functions on
raw text (`tokenize`, `Vocabulary.encode`), so a sentence is cut and numbered exactly as in
training.
"""

import collections
import os
import pathlib
import re
import zipfile

import numpy as np

from zoo.artifacts.format import ArtifactError, check_output_folder, load_artifact, save_artifact
from zoo.io.downloads import fetch_verified

# The artifact kinds written by the tasks (`config.json` "kind"); `python -m zoo.tasks predict`
# dispatches on them.
KINDS = {
    "sentiment": "tasks.sentiment",
    "ner": "tasks.ner",
    "dates": "tasks.dates",
    "addition": "tasks.addition",
}
PAD, UNK = "<pad>", "<unk>"  # ids 0 and 1 of every word vocabulary

# Public sources (NLTK's data) and the sha256 of each file (../shared/data/README.md).
NLTK = "https://raw.githubusercontent.com/nltk/nltk_data/gh-pages/packages/corpora/"
DATASETS = {
    "sentence_polarity": (
        NLTK + "sentence_polarity.zip",
        "6e1ed4405b65c7eabf1d199a7f7c437091ac21da0ea7467b410a74062574566b",
    ),
    "movie_reviews": (
        NLTK + "movie_reviews.zip",
        "a41211ae685019137410268134db6a1a14428c89b671eb83056151a878539008",
    ),
    "conll2002": (
        NLTK + "conll2002.zip",
        "64440e49236d0d393e08e0b266284966d68e2d2a82a50cc41b8e96d98c03b5c8",
    ),
}


class TaskError(ValueError):
    """A bad input to a task (text, file, argument); the message names the input.

    Example:

    >>> raise TaskError("text '': empty; expected at least one word")
    Traceback (most recent call last):
    ...
    zoo.tasks.common.TaskError: text '': empty; expected at least one word
    """


class DataError(TaskError):
    """A data file that cannot be used: missing, wrong sha256, not a zip, malformed line.

    Example:

    >>> raise DataError("data.zip: sha256 abc..., expected def...")
    Traceback (most recent call last):
    ...
    zoo.tasks.common.DataError: data.zip: sha256 abc..., expected def...
    """


def fetch(name, path=None, *, origin=None, cache_dir=None):
    """The local path of a task's data zip: a given file, checked, or a sha256-checked download.

    Args:
        name: a key of `DATASETS` (`"sentence_polarity"`, `"movie_reviews"`, `"conll2002"`).
        path: a local copy (e.g. `../shared/data/tasks/conll2002.zip`) or None to download.
        origin: the URL to download from instead of the public source (tests use `file://`).
        cache_dir: where `keras.utils.get_file` keeps downloads (default `~/.keras`).

    Returns:
        `pathlib.Path` of a zip whose sha256 is the published one.

    Raises:
        DataError: an unknown name, a missing file, a download that fails, or a file whose
            sha256 differs (a corrupt or wrong download); the message names the file or URL
            (`zoo.io.downloads.fetch_verified`).

    Example:

    >>> fetch("no_such_data")
    Traceback (most recent call last):
    ...
    zoo.tasks.common.DataError: dataset 'no_such_data' is unknown; expected one of conll2002, ...
    """
    if name not in DATASETS:
        raise DataError(
            f"dataset {name!r} is unknown; expected one of {', '.join(sorted(DATASETS))}"
        )
    url, expected = DATASETS[name]
    return fetch_verified(
        f"{name}.zip",
        origin or url,
        expected,
        path=path,
        cache_dir=cache_dir,
        cache_subdir="seqzoo_tasks",
        error=DataError,
    )


def open_zip(path):
    """Open a data zip, with a `DataError` naming the file when it is not one.

    Args:
        path: the zip file.

    Returns:
        A `zipfile.ZipFile`.

    Example:

    >>> import tempfile
    >>> f = tempfile.NamedTemporaryFile(suffix=".zip", delete=False); _ = f.write(b"x"); f.close()
    >>> open_zip(f.name)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    zoo.tasks.common.DataError: ...: not a zip file...
    """
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise DataError(f"{path}: not a zip file ({error}); expected the task's data zip") from None


# ----------------------------------------------------------------------------- words

_TOKEN = re.compile(r"\d+(?:[.,:]\d+)+|\w+(?:['’-]\w+)*|([^\w\s])\1*")


def tokenize(text, *, lower=True):
    """Split raw text into words and punctuation, as every word-level task does.

    Numbers keep their inner separators (`"4,5"`, `"100.000"`, `"19.30"`); words keep inner
    apostrophes and hyphens (`"it's"`, `"jean-claud"`); any other punctuation mark is a token,
    a run of the same mark one token (`"--"`, `"..."`). Re-tokenising the (already tokenised)
    corpora gives their own tokens for 91% of the sentence polarity lines and 88% of the
    CoNLL-2002 Spanish test sentences (the rest are corpus quirks such as `"hoy,"`); sentiment
    training and prediction both use this function, so they always agree.

    Args:
        text: str.
        lower: lower-case first. Defaults to True.

    Returns:
        list of str.

    Example:

    >>> tokenize("A gripping, funny film!")
    ['a', 'gripping', ',', 'funny', 'film', '!']
    """
    if not isinstance(text, str):
        raise TaskError(f"text {text!r}: expected a str")
    return [m.group(0) for m in _TOKEN.finditer(text.lower() if lower else text)]


class Vocabulary:
    """Word <-> id, with 0 = padding and 1 = unknown; saved as JSON with the model.

    Args:
        words: list of str, the known words in id order from 2 (the pad and unknown tokens are
            added in front).
        unknown: optional callable word -> a token of `words` to use for an unknown word
            (e.g. a word-shape class), instead of the unknown id.

    Example:

    >>> vocab = Vocabulary.build([["a", "b", "a"], ["a", "c"]], min_count=2)
    >>> vocab.words, vocab.encode(["a", "zzz"])
    (['<pad>', '<unk>', 'a'], [2, 1])
    """

    def __init__(self, words, unknown=None):
        words = [w for w in words if w not in (PAD, UNK)]
        self.words = [PAD, UNK] + list(words)
        self.ids = {w: i for i, w in enumerate(self.words)}
        self.unknown = unknown

    @classmethod
    def build(cls, sentences, *, min_count=1, max_size=None, reserved=(), unknown=None):
        """Count the words of tokenised sentences and keep the frequent ones.

        Args:
            sentences: iterable of lists of str.
            min_count: int, the fewest occurrences a kept word has. Defaults to 1.
            max_size: int or None, the most ids (pad and unknown included).
            reserved: tokens always kept (after pad and unknown), e.g. shape classes.
            unknown: see the class.

        Returns:
            A `Vocabulary` (most frequent words first, ties alphabetical).

        Example:

        >>> Vocabulary.build([["b", "a", "b"]]).words
        ['<pad>', '<unk>', 'b', 'a']
        """
        counts = collections.Counter(w for s in sentences for w in s)
        ranked = sorted(
            (w for w, c in counts.items() if c >= min_count and w not in reserved),
            key=lambda w: (-counts[w], w),
        )
        words = list(reserved) + ranked
        if max_size is not None:
            words = words[: max(0, max_size - 2)]
        return cls(words, unknown)

    @property
    def size(self):
        """The number of ids (pad and unknown included)."""
        return len(self.words)

    def encode(self, tokens):
        """Ids of tokens (unknown words get the unknown id, or their `unknown` class).

        Args:
            tokens: list of str.

        Returns:
            list of int.

        Example:

        >>> Vocabulary(["x"]).encode(["x", "y"])
        [2, 1]
        """
        ids = []
        for token in tokens:
            i = self.ids.get(token)
            if i is None and self.unknown is not None:
                i = self.ids.get(self.unknown(token))
            ids.append(1 if i is None else i)
        return ids

    def to_json(self):
        """The JSON value saved in the artifact (the word list)."""
        return list(self.words)


def pad_right(sequences, *, length=None, dtype="int32"):
    """Right-pad id sequences with 0 into one array, as the zoo's factories require.

    Args:
        sequences: list of lists of ints, none empty.
        length: int or None, the padded length (default: the longest); longer sequences are
            refused.
        dtype: the array dtype. Defaults to `"int32"`.

    Returns:
        numpy array `(len(sequences), length)`.

    Raises:
        TaskError: an empty sequence (the factories refuse empty rows) or one too long.

    Example:

    >>> pad_right([[3, 4, 5], [6]]).tolist()
    [[3, 4, 5], [6, 0, 0]]
    """
    longest = max((len(s) for s in sequences), default=0)
    length = longest if length is None else length
    out = np.zeros((len(sequences), length), dtype)
    for row, seq in enumerate(sequences):
        if not len(seq):
            raise TaskError(f"sequence {row} is empty; every row needs at least one token")
        if len(seq) > length:
            raise TaskError(f"sequence {row} has {len(seq)} tokens, more than {length}")
        out[row, : len(seq)] = seq
    return out


def padded_batches(sequences, targets, *, batch_size, shuffle=False, seed=0):
    """A `tf.data.Dataset` of right-padded batches, each padded only to its own longest row.

    Args:
        sequences: list of lists of ids (none empty).
        targets: array `(n,)` of labels, or list of per-step label lists (padded with 0 too).
        batch_size: int >= 1.
        shuffle: shuffle (seeded) once per epoch. Defaults to False.
        seed: int. Defaults to 0.

    Returns:
        A `tf.data.Dataset` of `(ids (batch, time), targets)`.

    Example:

    >>> ds = padded_batches([[3, 4], [5]], [1, 0], batch_size=2)
    >>> [x.numpy().tolist() for x, _ in ds]
    [[[3, 4], [5, 0]]]
    """
    import tensorflow as tf

    if any(len(s) == 0 for s in sequences):
        raise TaskError("sequences: an empty row; every row needs at least one token")
    lengths = np.asarray([len(s) for s in sequences], "int32")
    x = pad_right(sequences)
    per_step = len(targets) and not np.isscalar(targets[0]) and np.ndim(targets[0]) == 1
    if per_step:
        y = pad_right(targets, length=x.shape[1]) if len(targets) else targets
        ds = tf.data.Dataset.from_tensor_slices((x, lengths, y))
        ds = ds.map(lambda row, n, tags: (row[:n], tags[:n]))
    else:
        ds = tf.data.Dataset.from_tensor_slices((x, lengths, np.asarray(targets, "int32")))
        ds = ds.map(lambda row, n, label: (row[:n], label))
    if shuffle:
        ds = ds.shuffle(len(sequences), seed=seed, reshuffle_each_iteration=True)
    return ds.padded_batch(batch_size).prefetch(2)


def compiled_forward(model):
    """The model's forward pass as one `tf.function` for any batch and length of token ids.

    Calling a recurrent Keras model eagerly runs its time loop op by op; traced once with a
    `(None, None)` signature, tagging or classifying a corpus is several times faster and
    padded batches of any length reuse the same graph.

    Args:
        model: a `keras.Model` taking int32 ids `(batch, time)`.

    Returns:
        A callable ids -> the model's outputs (inference mode).

    Example:

    >>> import numpy as np, zoo
    >>> forward = compiled_forward(zoo.build_many_to_one(vocab_size=5, output_dim=2, units=2))
    >>> tuple(forward(np.array([[1, 2, 0]], "int32")).shape)
    (1, 2)
    """
    import tensorflow as tf

    return tf.function(
        lambda ids: model(ids, training=False),
        autograph=False,
        input_signature=[tf.TensorSpec((None, None), tf.int32)],
    )


# ----------------------------------------------------------------------------- train + save


def train_and_save(
    build,
    train_data,
    *,
    kind,
    out,
    preprocessing,
    config,
    epochs,
    validation_data=None,
    learning_rate=1e-3,
    max_seconds=None,
    precision="float32",
    patience=None,
    verbose=0,
    loss=None,
    extra_metrics=None,
    fresh=False,
    monitor="val_loss",
):
    """Train through `zoo.training.engine.fit`; on every best epoch, write the task's artifact.

    Args:
        build: callable returning the uncompiled model (a zoo factory call).
        train_data, validation_data: datasets of batches, as `zoo.training.engine.fit` takes.
        kind: the artifact kind (a value of `KINDS`).
        out: the artifact folder or None (nothing written, no resume).
        preprocessing: dict name -> JSON value (vocabularies).
        config: dict of the task's settings saved in `config.json`.
        epochs, learning_rate, max_seconds, precision, patience, verbose, loss: passed to
            `zoo.training.engine.fit`.
        extra_metrics: callable model -> dict of metrics measured on the best model before the
            final save, or None.
        fresh: start over instead of resuming (or returning) the run in `out/training`.
            Defaults to False.
        monitor: what picks the best epoch: a log key or a `zoo.training.engine.Monitor` (e.g.
            entity F1 on a development set). Defaults to `"val_loss"`.

    Returns:
        `(model, metrics)`: the best epoch's float32 model and the saved metrics.

    Example:

    >>> import zoo
    >>> x = [[3, 4], [5]]
    >>> model, m = train_and_save(lambda: zoo.build_many_to_one(vocab_size=6, output_dim=2,
    ...                           units=2), padded_batches(x, [1, 0], batch_size=2),
    ...                           kind="tasks.sentiment", out=None, preprocessing={},
    ...                           config={}, epochs=1)
    >>> m["epochs_run"]
    1
    """
    from zoo.training import engine as training

    if out is not None:
        check_output_folder(out, kind=kind, option="out")

    def on_best(model, info):
        if out is not None:
            save_artifact(
                out,
                kind=kind,
                model=model,
                preprocessing=preprocessing,
                config=config,
                metrics={"best_epoch": info["epoch"], info["monitor"]: float(info["value"])},
                option="out",
            )

    result = training.fit(
        build,
        train_data,
        validation_data=validation_data,
        epochs=epochs,
        learning_rate=learning_rate,
        max_seconds=max_seconds,
        precision=precision,
        patience=patience,
        on_best=on_best,
        run_dir=None if out is None else os.path.join(out, "training"),
        verbose=verbose,
        loss=loss,
        fresh=fresh,
        monitor=monitor,
        settings={"kind": kind, **config},
    )
    if result.best_epoch is None:
        raise TaskError(f"training stopped before any epoch finished: {result.message}")
    metrics = {
        "best_epoch": result.best_epoch,
        "epochs_run": result.epochs_run,
        "stopped_reason": result.stopped_reason,
        "train_seconds": round(result.train_seconds, 2),
    }
    if extra_metrics is not None:
        metrics.update(extra_metrics(result.model))
    if out is not None:
        save_artifact(
            out,
            kind=kind,
            model=result.model,
            preprocessing=preprocessing,
            config=config,
            metrics=metrics,
            option="out",
        )
    return result.model, metrics


def load_task(path, *, kind, option="path"):
    """Load a task artifact written by `train_and_save`.

    Args:
        path: the artifact folder.
        kind: the expected kind.
        option: how messages name the path.

    Returns:
        A `zoo.artifacts.format.Artifact`.

    Raises:
        zoo.artifacts.ArtifactError: not such an artifact (the message names the folder).

    Example:

    >>> load_task("no/such/run", kind="tasks.dates")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    zoo.artifacts.layout.ArtifactError: path no/such/run: does not exist; ...
    """
    return load_artifact(path, kind=kind, hint="python -m zoo.tasks train", option=option)


def task_loader(kind, from_artifact, what, returns):
    """The `load(path)` function of a task module, written once and documented for each task.

    Args:
        kind: the artifact kind the task writes (a value of `KINDS`).
        from_artifact: callable `zoo.artifacts.Artifact` -> the task's object (e.g.
            `Tagger.from_artifact`).
        what: str, what it loads, for the docstring (e.g. `"a tagger artifact"`).
        returns: str, the `Returns:` line of the docstring (e.g. ``"A `Tagger`."``).

    Returns:
        A function `load(path)`: `from_artifact` of the artifact `load_task` reads (Keras
        safe mode); a folder that is not such an artifact raises
        `zoo.artifacts.ArtifactError` naming it.

    Example:

    >>> load = task_loader(KINDS["dates"], lambda art: art.config, "a date translator artifact",
    ...                    "The artifact's config.")
    >>> load.__doc__.splitlines()[0]
    'Load a date translator artifact (Keras safe mode).'
    >>> load("no/such/run")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    zoo.artifacts.layout.ArtifactError: path no/such/run: does not exist; ...
    """

    def load(path):
        return from_artifact(load_task(path, kind=kind))

    load.__doc__ = _LOAD_DOC.format(what=what, returns=returns)
    return load


_LOAD_DOC = """Load {what} (Keras safe mode).

    Args:
        path: the folder written by `train(out=...)`.

    Returns:
        {returns}

    Raises:
        zoo.artifacts.ArtifactError: not such an artifact (the message names the folder).

    Example:

    >>> load("runs/task")  # doctest: +SKIP
    """


def artifact_kind(path):
    """The kind of a task artifact folder (for the CLI to pick the task).

    Args:
        path: the folder.

    Returns:
        The task name (a key of `KINDS`).

    Raises:
        ArtifactError: not a task artifact.

    Example:

    >>> artifact_kind("no/such/run")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    zoo.artifacts.layout.ArtifactError: path no/such/run: does not exist...
    """
    from zoo.artifacts.format import folder_kind

    p = pathlib.Path(path)
    if not p.is_dir():
        raise ArtifactError(
            f"path {path}: does not exist or is not a folder; expected a task "
            f"artifact folder (written by python -m zoo.tasks train)"
        )
    found = folder_kind(p)
    for task, kind in KINDS.items():
        if found == kind:
            return task
    raise ArtifactError(
        f"path {path}: is not a task artifact (it holds {found or 'other files'}"
        f"); expected one written by python -m zoo.tasks train"
    )
