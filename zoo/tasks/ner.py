"""Named-entity recognition (many-to-many, bidirectional) on CoNLL-2002 Spanish.

Data: `conll2002.zip` (NLTK's packaging): `esp.train` for training, `esp.testa` for model
selection (the best epoch), `esp.testb` for the result; read in place from a local copy or
downloaded with a sha256 check. Words keep their case. The vocabulary holds the training words;
a word outside it is read as its **shape class** (`<Cap>`, `<CAPS>`, `<low>`, `<num>`,
`<hasnum>`, `<other>`), and in training a seeded half of the words seen only once are read as
their shape too, so the model learns what an unknown capitalised word tends to be. This is the
documented fallback for text of unknown words only: it is tagged from the shapes.

The model is `zoo.build_many_to_many(bidirectional=True)` over padded, masked batches; the
metric is entity-level F1 with the CoNLL rules (`zoo.tasks.conll.entity_scores`).
"""

import collections

import numpy as np

from zoo.tasks.common import (KINDS, TaskError, Vocabulary, compiled_forward, fetch, load_task,
                              open_zip, padded_batches, tokenize, train_and_save)
from zoo.tasks.conll import entities, entity_scores, read_conll

KIND = KINDS["ner"]
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
        return {split: read_conll(zf.read(f"conll2002/{language}.{split}")
                                  .decode("latin-1" if language == "ned" else "utf-8",
                                          errors="replace").splitlines(),
                                  name=f"{language}.{split}")
                for split in SPLITS}


class Tagger:
    """A trained tagger with its word vocabulary and tag set.

    Args:
        model: a `zoo.build_many_to_many` model.
        vocab: a `Vocabulary` whose unknown words map to their shape.
        tags: list of str, the tag of each output index.
        config: dict with `max_length`.

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

    def __init__(self, model, vocab, tags, config):
        self.model = model
        self.vocab = vocab
        self.tags = list(tags)
        self.config = dict(config)
        self._forward = None

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
                raise TaskError(f"text {shown!r}: {len(words)} tokens, more than the {limit} "
                                f"this model tags; split it into sentences")
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
        if self._forward is None:
            self._forward = compiled_forward(self.model)
        out = []
        for x, _ in padded_batches(rows, np.zeros(len(rows), "int32"), batch_size=batch_size):
            best = keras.ops.argmax(self._forward(x), axis=-1).numpy()
            out += [[self.tags[i] for i in row] for row in best]
        return [tags[:len(words)] for tags, words in zip(out, sentences)]

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
        found = [{"type": kind, "text": " ".join(words[start:end]), "start": start, "end": end}
                 for kind, start, end in sorted(entities(tags), key=lambda e: e[1])]
        return {"tokens": words, "tags": tags, "entities": found}

    @classmethod
    def load(cls, path):
        """Load a tagger artifact (Keras safe mode).

        Args:
            path: the folder.

        Returns:
            A `Tagger`.

        Example:

        >>> Tagger.load("runs/ner")  # doctest: +SKIP
        """
        art = load_task(path, kind=KIND)
        vocab = Vocabulary(art.preprocessing["vocab"][2:], unknown=shape)
        return cls(art.model, vocab, art.preprocessing["tags"],
                   dict(art.config["task"], metrics=art.metrics))


def load(path):
    """Load a tagger artifact.

    Args:
        path: the folder written by `train(out=...)`.

    Returns:
        A `Tagger`.

    Example:

    >>> load("no/such/run")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    zoo.artifacts.ArtifactError: path no/such/run: does not exist; ...
    """
    return Tagger.load(path)


def train(data, *, max_train=None, max_length=250, cell="lstm", units=128, embedding_dim=100,
          num_layers=1, dropout=0.3, singleton_unknown=0.5, epochs=15, batch_size=32,
          learning_rate=2e-3, max_seconds=None, patience=3, out=None, seed=0, verbose=0,
          fresh=False):
    """Train a bidirectional tagger on `data["train"]`, choosing the epoch on `data["testa"]`.

    Args:
        data: from `load_data`.
        max_train: use only the first sentences of the training split (quick runs).
        max_length: the longest sentence tagged, in tokens. Defaults to 200.
        cell, units, embedding_dim, num_layers, dropout: `zoo.build_many_to_many` settings.
        singleton_unknown: share of once-seen training words read as their shape.
        epochs, batch_size, learning_rate, max_seconds, patience: training settings.
        out: artifact folder or None.
        seed: int.
        verbose: Keras verbosity.
        fresh: start over instead of resuming the run in `out/training`. Defaults to False.

    Returns:
        `(tagger, metrics)`, metrics with `testa_f1`.

    Example:

    >>> tagger, metrics = train(load_data(path), epochs=1)  # doctest: +SKIP
    """
    import keras

    import zoo

    keras.utils.set_random_seed(seed)
    train_split = data["train"][:max_train] if max_train else data["train"]
    train_split = [s for s in train_split if len(s[0]) <= max_length]
    counts = collections.Counter(w for words, _ in train_split for w in words)
    vocab = Vocabulary.build([words for words, _ in train_split], reserved=SHAPES,
                             unknown=shape)
    tags = sorted({t for _, ts in train_split for t in ts}, key=lambda t: (t != "O", t))
    tag_ids = {t: i for i, t in enumerate(tags)}
    rng = np.random.default_rng(seed)

    def ids(words, drop):
        out = vocab.encode(words)
        if drop:
            out = [vocab.ids[shape(w)] if counts[w] == 1 and rng.random() < drop else i
                   for w, i in zip(words, out)]
        return out

    def dataset(sentences, drop, shuffle):
        sentences = [s for s in sentences if len(s[0]) <= max_length]
        x = [ids(words, drop) for words, _ in sentences]
        y = [[tag_ids.get(t, 0) for t in ts] for _, ts in sentences]
        return padded_batches(x, y, batch_size=batch_size if shuffle else 256, shuffle=shuffle,
                              seed=seed)

    config = {"max_length": max_length, "seed": seed, "max_train": max_train}

    def build():
        return zoo.build_many_to_many(vocab_size=vocab.size, output_dim=len(tags), cell=cell,
                                      units=units, embedding_dim=embedding_dim,
                                      num_layers=num_layers, bidirectional=True,
                                      dropout=dropout, name="ner_tagger")

    def measured(model):
        scores = evaluate(Tagger(model, vocab, tags, config), data["testa"])
        return {"testa_f1": scores["f1"]}

    model, metrics = train_and_save(
        build, dataset(train_split, singleton_unknown, True),
        validation_data=dataset(data["testa"], 0, False), kind=KIND, out=out,
        preprocessing={"vocab": vocab.to_json(), "tags": tags}, config={"task": config},
        epochs=epochs, learning_rate=learning_rate, max_seconds=max_seconds,
        patience=patience, verbose=verbose, extra_metrics=measured, fresh=fresh)
    return Tagger(model, vocab, tags, config), metrics


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
