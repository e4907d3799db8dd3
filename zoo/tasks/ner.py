"""Named-entity recognition (many-to-many, bidirectional) on CoNLL-2002 Spanish.

Data: `conll2002.zip` (NLTK's packaging): `esp.train` for training, `esp.testa` for model
selection (the best epoch), `esp.testb` for the result; read in place from a local copy or
downloaded with a sha256 check. Words keep their case. The vocabulary holds the training words;
a word outside it is read as its **shape class** (`<Cap>`, `<CAPS>`, `<low>`, `<num>`,
`<hasnum>`, `<other>`), and in training a seeded half of the words seen only once are read as
their shape too, so the model learns what an unknown capitalised word tends to be. This is the
documented fallback for text of unknown words only: it is tagged from the shapes.

Each word is also read by its characters (`char_features=True`, the default): the first and
last `CHAR_LENGTH // 2` characters of the word, case kept, numbered by a character vocabulary
saved with the model, go through the factory's character `Conv1D` (`char_vocab_size`), so a
word outside the vocabulary (read as its shape) is still seen letter by letter.

The model is `zoo.build_many_to_many(bidirectional=True)` over padded, masked batches; the
metric is entity-level F1 with the CoNLL rules (`zoo.tasks.conll.entity_scores`), and the
epoch kept is the one with the best entity F1 on `esp.testa` (`zoo.training.engine.Monitor`).
"""

import collections

import numpy as np

from zoo.core.checks import map_seed
from zoo.tasks.common import (
    KINDS,
    TaskError,
    Vocabulary,
    compiled_forward,
    fetch,
    open_zip,
    pad_right,
    padded_batches,
    task_loader,
    tokenize,
    train_and_save,
)
from zoo.tasks.conll import entities, entity_scores, read_conll

KIND = KINDS["ner"]
CHAR_LENGTH = 16  # character ids per word: its first 8 and last 8 characters
SHAPES = ("<Cap>", "<CAPS>", "<low>", "<num>", "<hasnum>", "<other>")
SPLITS = ("train", "testa", "testb")


def shape(word):
    """The shape class of a word (what an unknown word is read as).

    Args:
        word: str.

    Returns:
        One of `SHAPES`.

    Example:

    >>> [shape(w) for w in ["Madrid", "EFE", "casa", "1998", "B52", "--"]]
    ['<Cap>', '<CAPS>', '<low>', '<num>', '<hasnum>', '<other>']
    """
    if word.isdigit():
        return "<num>"
    if any(c.isdigit() for c in word):
        return "<hasnum>"
    if word.isalpha() and word.isupper() and len(word) > 1:
        return "<CAPS>"
    if word[:1].isupper():
        return "<Cap>"
    if word.isalpha() and word.islower():
        return "<low>"
    return "<other>"


def char_rows(words, chars, length=CHAR_LENGTH):
    """Character ids of each word: its first and last `length // 2` characters, 0-padded.

    Args:
        words: list of str.
        chars: dict character -> id (ids from 2; 1 = unknown character, 0 = padding).
        length: ids per word. Defaults to `CHAR_LENGTH`.

    Returns:
        int32 array `(len(words), length)`.

    Example:

    >>> char_rows(["Ana", "x"], {"A": 2, "n": 3, "a": 4}, length=4).tolist()
    [[2, 3, 4, 0], [1, 0, 0, 0]]
    """
    out = np.zeros((len(words), length), "int32")
    head = length // 2
    for row, word in enumerate(words):
        if len(word) > length:
            word = word[:head] + word[len(word) - (length - head) :]
        out[row, : len(word)] = [chars.get(c, 1) for c in word]
    return out


def _batches(ids, char_ids, tags, *, batch_size, shuffle=False, seed=0):
    """Right-padded batches of `({"tokens", "chars"}, tags)`, each padded to its longest row."""
    import tensorflow as tf

    lengths = np.asarray([len(r) for r in ids], "int32")
    x = pad_right(ids)
    c = np.zeros(x.shape + (char_ids[0].shape[1],), "int32")
    for row, rows in enumerate(char_ids):
        c[row, : len(rows)] = rows
    y = pad_right(tags, length=x.shape[1])
    ds = tf.data.Dataset.from_tensor_slices((x, c, lengths, y))
    ds = ds.map(lambda w, ch, n, t: ({"tokens": w[:n], "chars": ch[:n]}, t[:n]))
    if shuffle:
        ds = ds.shuffle(len(ids), seed=seed, reshuffle_each_iteration=True)
    return ds.padded_batch(batch_size).prefetch(2)


def load_data(path=None, *, language="esp", origin=None):
    """Read CoNLL-2002 from its zip.

    Args:
        path: a local copy of `conll2002.zip`, or None to download it (sha256-checked).
        language: `"esp"` (Spanish) or `"ned"` (Dutch). Defaults to `"esp"`.
        origin: a download URL other than the public one.

    Returns:
        dict `train`/`testa`/`testb` -> list of `(words, tags)`.

    Raises:
        DataError / ConllFormatError: a bad file or a malformed line (named).

    Example:

    >>> data = load_data("../shared/data/tasks/conll2002.zip")  # doctest: +SKIP
    >>> len(data["train"])  # doctest: +SKIP
    8323
    """
    if language not in ("esp", "ned"):
        raise TaskError(f"language {language!r} is not in CoNLL-2002; expected 'esp' or 'ned'")
    with open_zip(fetch("conll2002", path, origin=origin)) as zf:
        return {
            split: read_conll(
                zf.read(f"conll2002/{language}.{split}")
                .decode("latin-1" if language == "ned" else "utf-8", errors="replace")
                .splitlines(),
                name=f"{language}.{split}",
            )
            for split in SPLITS
        }


class Tagger:
    """A trained tagger with its word vocabulary and tag set.

    Args:
        model: a `zoo.build_many_to_many` model.
        vocab: a `Vocabulary` whose unknown words map to their shape.
        tags: list of str, the tag of each output index.
        config: dict with `max_length`.
        chars: list of str, the character of each id from 2 (a model with a `"chars"`
            input), or None (words only).

    Returns:
        A tagger (`predict`, `tag_sentences`).

    Example:

    >>> import zoo
    >>> vocab = Vocabulary(list(SHAPES) + ["Madrid"], unknown=shape)
    >>> tagger = Tagger(zoo.build_many_to_many(vocab_size=vocab.size, output_dim=3, units=2),
    ...                 vocab, ["O", "B-LOC", "I-LOC"], {"max_length": 10})
    >>> tagger.encode([["Madrid", "Sevilla", "es"]])
    [[8, 2, 4]]
    """

    def __init__(self, model, vocab, tags, config, chars=None):
        self.model = model
        self.vocab = vocab
        self.tags = list(tags)
        self.config = dict(config)
        self.chars = None if chars is None else {c: i for i, c in enumerate(chars, 2)}
        self._forward = None

    def _compiled(self):
        """One `tf.function` for any batch shape (words, or words and characters)."""
        if self._forward is None:
            if self.chars is None:
                self._forward = compiled_forward(self.model)
            else:
                import tensorflow as tf

                model = self.model
                spec = [
                    tf.TensorSpec((None, None), tf.int32),
                    tf.TensorSpec((None, None, CHAR_LENGTH), tf.int32),
                ]
                self._forward = tf.function(
                    lambda ids, chars: model({"tokens": ids, "chars": chars}, training=False),
                    autograph=False,
                    input_signature=spec,
                )
        return self._forward

    def encode(self, sentences):
        """Ids of tokenised sentences (unknown words as their shape class).

        Args:
            sentences: list of lists of words.

        Returns:
            list of lists of int.

        Raises:
            TaskError: an empty sentence or one longer than `max_length` tokens (named).

        Example:

        >>> Tagger(None, Vocabulary(list(SHAPES), unknown=shape), ["O"],
        ...        {"max_length": 5}).encode([["Sevilla", "es"]])
        [[2, 4]]
        """
        limit, rows = self.config["max_length"], []
        for words in sentences:
            if not words:
                raise TaskError("text '': empty; expected at least one word")
            if len(words) > limit:
                shown = " ".join(words[:8]) + " ..."
                raise TaskError(
                    f"text {shown!r}: {len(words)} tokens, more than the {limit} "
                    f"this model tags; split it into sentences"
                )
            rows.append(self.vocab.encode(words))
        return rows

    def tag_sentences(self, sentences, *, batch_size=128):
        """Tags of tokenised sentences.

        Args:
            sentences: list of lists of words (case kept).
            batch_size: sentences per model call.

        Returns:
            list of lists of tags.

        Example:

        >>> load("runs/ner").tag_sentences([["Juan", "vive", "en", "Madrid"]])  # doctest: +SKIP
        [['B-PER', 'O', 'O', 'B-LOC']]
        """
        import keras

        rows = self.encode(sentences)
        forward, out = self._compiled(), []
        if self.chars is None:
            batches = (
                (x,)
                for x, _ in padded_batches(
                    rows, np.zeros(len(rows), "int32"), batch_size=batch_size
                )
            )
        else:
            batches = (
                (x["tokens"], x["chars"])
                for x, _ in _batches(
                    rows,
                    [char_rows(w, self.chars) for w in sentences],
                    [[0] * len(r) for r in rows],
                    batch_size=batch_size,
                )
            )
        for inputs in batches:
            best = keras.ops.argmax(forward(*inputs), axis=-1).numpy()
            out += [[self.tags[i] for i in row] for row in best]
        return [tags[: len(words)] for tags, words in zip(out, sentences)]

    def predict(self, text):
        """Tag raw text and list its entities.

        Args:
            text: str (tokenised like the corpus: words and punctuation apart, case kept).

        Returns:
            dict: `tokens`, `tags`, `entities` (list of `{"type", "text", "start", "end"}`).

        Example:

        >>> tagger.predict("El Real Madrid juega en Sevilla")  # doctest: +SKIP
        {'tokens': [...], 'tags': [...], 'entities': [{'type': 'ORG', 'text': 'Real Madrid', ...}]}
        """
        words = tokenize(text, lower=False)
        if not words:
            raise TaskError(f"text {text!r}: empty; expected at least one word")
        tags = self.tag_sentences([words])[0]
        found = [
            {"type": kind, "text": " ".join(words[start:end]), "start": start, "end": end}
            for kind, start, end in sorted(entities(tags), key=lambda e: e[1])
        ]
        return {"tokens": words, "tags": tags, "entities": found}

    @classmethod
    def from_artifact(cls, art):
        """The tagger in an artifact (what `load` returns).

        Unknown words map to their shape class again, and the character vocabulary is the
        saved one (None for a words-only model).

        Args:
            art: a `zoo.artifacts.Artifact` of kind `tasks.ner`.

        Returns:
            A `Tagger`.

        Example:

        >>> Tagger.from_artifact(artifact).tags  # doctest: +SKIP
        ['O', 'B-LOC', ...]
        """
        vocab = Vocabulary(art.preprocessing["vocab"][2:], unknown=shape)
        return cls(
            art.model,
            vocab,
            art.preprocessing["tags"],
            dict(art.config["task"], metrics=art.metrics),
            chars=art.preprocessing.get("chars"),
        )


load = task_loader(KIND, Tagger.from_artifact, "a tagger artifact", "A `Tagger`.")


def train(
    data,
    *,
    max_train=None,
    max_length=250,
    cell="lstm",
    units=128,
    embedding_dim=100,
    num_layers=1,
    dropout=0.3,
    singleton_unknown=0.5,
    epochs=15,
    batch_size=32,
    learning_rate=2e-3,
    max_seconds=None,
    patience=3,
    out=None,
    seed=0,
    verbose=0,
    fresh=False,
    char_features=True,
    embedding_dropout=0.0,
    char_filters=50,
):
    """Train a bidirectional tagger on `data["train"]`, keeping the epoch with the best entity
    F1 on `data["testa"]` (computed after every epoch).

    Args:
        data: from `load_data`.
        max_train: use only the first sentences of the training split (quick runs).
        max_length: the longest sentence tagged, in tokens. Defaults to 200.
        cell, units, embedding_dim, num_layers, dropout, embedding_dropout, char_filters:
            `zoo.build_many_to_many` settings.
        singleton_unknown: share of once-seen training words read as their shape.
        char_features: also read each word's characters (see the module). Defaults to True.
        epochs, batch_size, learning_rate, max_seconds, patience: training settings.
        out: artifact folder or None.
        seed: int, mapped by `zoo.core.checks.map_seed`. Defaults to 0.
        verbose: Keras verbosity.
        fresh: start over instead of resuming the run in `out/training`. Defaults to False.

    Returns:
        `(tagger, metrics)`, metrics with `testa_f1`.

    Example:

    >>> tagger, metrics = train(load_data(path), epochs=1)  # doctest: +SKIP
    """
    import keras

    import zoo
    from zoo.training.engine import Monitor

    seed = map_seed(seed)
    keras.utils.set_random_seed(seed)
    train_split = data["train"][:max_train] if max_train else data["train"]
    train_split = [s for s in train_split if len(s[0]) <= max_length]
    counts = collections.Counter(w for words, _ in train_split for w in words)
    vocab = Vocabulary.build([words for words, _ in train_split], reserved=SHAPES, unknown=shape)
    tags = sorted({t for _, ts in train_split for t in ts}, key=lambda t: (t != "O", t))
    tag_ids = {t: i for i, t in enumerate(tags)}
    rng = np.random.default_rng(seed)

    def ids(words, drop):
        out = vocab.encode(words)
        if drop:
            out = [
                vocab.ids[shape(w)] if counts[w] == 1 and rng.random() < drop else i
                for w, i in zip(words, out)
            ]
        return out

    chars = None
    if char_features:
        char_counts = collections.Counter(c for w in counts for c in w)
        chars = sorted(c for c, n in char_counts.items() if n >= 2)
    char_ids = None if chars is None else {c: i for i, c in enumerate(chars, 2)}

    def dataset(sentences, drop, shuffle):
        sentences = [s for s in sentences if len(s[0]) <= max_length]
        x = [ids(words, drop) for words, _ in sentences]
        y = [[tag_ids.get(t, 0) for t in ts] for _, ts in sentences]
        size = batch_size if shuffle else 256
        if chars is None:
            return padded_batches(x, y, batch_size=size, shuffle=shuffle, seed=seed)
        return _batches(
            x,
            [char_rows(words, char_ids) for words, _ in sentences],
            y,
            batch_size=size,
            shuffle=shuffle,
            seed=seed,
        )

    config = {"max_length": max_length, "seed": seed, "max_train": max_train}
    char_settings = (
        {}
        if chars is None
        else dict(
            char_vocab_size=len(chars) + 2, char_length=CHAR_LENGTH, char_filters=char_filters
        )
    )

    def build():
        return zoo.build_many_to_many(
            vocab_size=vocab.size,
            output_dim=len(tags),
            cell=cell,
            units=units,
            embedding_dim=embedding_dim,
            num_layers=num_layers,
            bidirectional=True,
            dropout=dropout,
            embedding_dropout=embedding_dropout,
            name="ner_tagger",
            **char_settings,
        )

    taggers = {}  # one compiled tagger for the model in training, reused every epoch

    def testa_f1(model):
        if id(model) not in taggers:
            taggers[id(model)] = Tagger(model, vocab, tags, config, chars=chars)
        return evaluate(taggers[id(model)], data["testa"])["f1"]

    def measured(model):
        return {"testa_f1": testa_f1(model)}

    preprocessing = {"vocab": vocab.to_json(), "tags": tags}
    if chars is not None:
        preprocessing["chars"] = chars
    model, metrics = train_and_save(
        build,
        dataset(train_split, singleton_unknown, True),
        validation_data=dataset(data["testa"], 0, False),
        kind=KIND,
        out=out,
        preprocessing=preprocessing,
        config={"task": config},
        epochs=epochs,
        learning_rate=learning_rate,
        max_seconds=max_seconds,
        patience=patience,
        verbose=verbose,
        extra_metrics=measured,
        fresh=fresh,
        monitor=Monitor("testa_f1", testa_f1, mode="max"),
    )
    return Tagger(model, vocab, tags, config, chars=chars), metrics


def evaluate(tagger, sentences):
    """Entity-level precision, recall and F1 (CoNLL rules) on tagged sentences.

    Args:
        tagger: from `train` or `load`.
        sentences: list of `(words, gold tags)` (e.g. `load_data(...)["testb"]`).

    Returns:
        dict as `zoo.tasks.conll.entity_scores` (percentages), with `n` sentences.

    Example:

    >>> evaluate(tagger, data["testb"])["f1"]  # doctest: +SKIP
    75.3
    """
    predicted = tagger.tag_sentences([words for words, _ in sentences])
    scores = entity_scores([tags for _, tags in sentences], predicted)
    return {**scores, "n": len(sentences)}
