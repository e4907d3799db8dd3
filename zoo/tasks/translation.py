"""Character-level sequence-to-sequence tasks (dates, addition) on `zoo.build_encoder_decoder`.

`Translator` holds the trained model and its two character vocabularies; it trains through
`zoo.training.engine.fit` (teacher forcing), decodes batches through `zoo.Seq2SeqDecoder` (greedy or
beam) and draws the attention weights the decoder returns as a heat map.

Ids: source 0 = padding, 1.. = the source characters; target 0 = padding, 1 = start,
2 = end, 3.. = the target characters.
"""

import re

import numpy as np

from zoo.core.checks import map_seed
from zoo.tasks.common import TaskError, pad_right, train_and_save

START, END = 1, 2


class Translator:
    """A trained character-level encoder-decoder with its vocabularies.

    Args:
        model: a `zoo.build_encoder_decoder` model.
        source_chars: str, the characters a source may hold (ids 1..).
        target_chars: str, the characters an output may hold (ids 3..).
        config: dict with `kind`, `max_source_length`, `max_target_length`, `lowercase`.

    Returns:
        A translator (`predict`, `decode`, `attention`, `plot_attention`, `save`).

    Example:

    >>> import zoo
    >>> model = zoo.build_encoder_decoder(source_vocab_size=4, target_vocab_size=5, units=4,
    ...                                   attention="dot")
    >>> t = Translator(model, "abc", "xy", {"kind": "demo", "max_source_length": 5,
    ...                "max_target_length": 3, "lowercase": True})
    >>> t.encode(["ab", "C"]).tolist()
    [[1, 2], [3, 0]]
    """

    def __init__(self, model, source_chars, target_chars, config):
        self.model = model
        self.source_chars = source_chars
        self.target_chars = target_chars
        self.config = dict(config)
        self.source_ids = {c: i + 1 for i, c in enumerate(source_chars)}
        self._decoder = None

    # ------------------------------------------------------------------ preprocessing

    def normalize(self, text):
        """The text as the model reads it (spaces collapsed; lower-cased when the task says so).

        Args:
            text: str.

        Returns:
            str.

        Example:

        >>> Translator(None, "ab ", "x", {"lowercase": True}).normalize("  A  b ")
        'a b'
        """
        if not isinstance(text, str):
            raise TaskError(f"text {text!r}: expected a str")
        text = " ".join(text.split())
        if self.config.get("strip_spaces"):
            text = text.replace(" ", "")
        return text.lower() if self.config.get("lowercase") else text

    def encode(self, texts):
        """Right-padded source ids of raw texts.

        Args:
            texts: list of str.

        Returns:
            int32 array `(len(texts), longest)`.

        Raises:
            TaskError: an empty text, a character the model never saw, or a text longer than
                `max_source_length`; the message names the text.

        Example:

        >>> t = Translator(None, "ab", "x", {"max_source_length": 3})
        >>> t.encode(["ab", "b"]).tolist()
        [[1, 2], [2, 0]]
        """
        if isinstance(texts, str):
            texts = [texts]
        rows, limit = [], self.config["max_source_length"]
        for text in texts:
            clean = self.normalize(text)
            if not clean:
                raise TaskError(f"text {text!r}: empty; expected at least one character")
            unknown = sorted({c for c in clean if c not in self.source_ids})
            if unknown:
                raise TaskError(
                    f"text {text!r}: characters {''.join(unknown)!r} are not in "
                    f"the model's alphabet {self.source_chars!r}"
                )
            pattern = self.config.get("source_pattern")
            if pattern and not re.fullmatch(pattern, clean):
                raise TaskError(f"text {text!r}: expected {self.config.get('source_help')}")
            if len(clean) > limit:
                raise TaskError(
                    f"text {text!r}: {len(clean)} characters, more than the "
                    f"{limit} this model reads"
                )
            rows.append([self.source_ids[c] for c in clean])
        return pad_right(rows)

    def encode_targets(self, outputs):
        """Target ids (characters, then the end id), right-padded to `max_target_length + 1`.

        Args:
            outputs: list of str.

        Returns:
            int32 array `(len(outputs), max_target_length + 1)`.

        Example:

        >>> Translator(None, "a", "xy", {"max_target_length": 3}).encode_targets(["yx"]).tolist()
        [[4, 3, 2, 0]]
        """
        ids = {c: i + 3 for i, c in enumerate(self.target_chars)}
        rows = [[ids[c] for c in out] + [END] for out in outputs]
        return pad_right(rows, length=self.config["max_target_length"] + 1)

    def decode_ids(self, row):
        """The output string of one row of decoded ids (up to the end id).

        Args:
            row: ids.

        Returns:
            str.

        Example:

        >>> Translator(None, "a", "xy", {}).decode_ids([4, 3, 2, 3])
        'yx'
        """
        chars = []
        for i in row:
            if i in (END, 0):
                break
            if i >= 3:
                chars.append(self.target_chars[i - 3])
        return "".join(chars)

    # ------------------------------------------------------------------ decoding

    @property
    def decoder(self):
        """The `zoo.Seq2SeqDecoder` over this model's inference twins (built once, so its
        compiled loops are reused).

        Returns:
            A `zoo.Seq2SeqDecoder`.

        Example:

        >>> import zoo
        >>> t = Translator(zoo.build_encoder_decoder(source_vocab_size=3, target_vocab_size=4,
        ...                                          units=2), "ab", "x", {})
        >>> t.decoder is t.decoder
        True
        """
        if self._decoder is None:
            import zoo

            self._decoder = zoo.Seq2SeqDecoder(*zoo.build_encoder_decoder_inference(self.model))
        return self._decoder

    def decode(self, texts, *, method="greedy", width=4):
        """Decode a batch of raw texts through the zoo's decoding engine.

        Args:
            texts: list of str.
            method: `"greedy"` or `"beam"`. Defaults to `"greedy"`.
            width: beams for `"beam"`. Defaults to 4.

        Returns:
            `(outputs, decoded)`: list of str, and the engine's `zoo.generation.seq2seq.Decoded`
            (tokens, log_probs, attention `(batch, max_target_length + 1,
            max_source_length)`, 0 past each source's end, or None without attention).

        Example:

        >>> outputs, decoded = translator.decode(["3 may 1979"])  # doctest: +SKIP
        >>> decoded.attention.shape  # doctest: +SKIP
        (1, 11, 40)
        """
        # One source width for every batch: the compiled decoding loop is traced once.
        source = pad_right(self.encode(texts).tolist(), length=self.config["max_source_length"])
        # Batches are padded to a power of two with copies of the first row (results dropped):
        # the engine compiles once per batch shape, so a few shapes serve every batch.
        rows = len(source)
        bucket = 1 << (rows - 1).bit_length()
        if bucket > rows:
            source = np.concatenate([source, np.repeat(source[:1], bucket - rows, axis=0)])
        decoded = self.decoder(
            source,
            start_id=START,
            end_id=END,
            method=method,
            width=width,
            max_length=self.config["max_target_length"] + 1,
        )
        decoded = type(decoded)(*(None if a is None else a[:rows] for a in decoded))
        return [self.decode_ids(row) for row in decoded.tokens], decoded

    def predict(self, texts, *, method="greedy", width=4, batch_size=512):
        """Translate raw texts, in batches.

        Args:
            texts: a str or list of str.
            method: `"greedy"` or `"beam"`. Defaults to `"greedy"`.
            width: beams for `"beam"`. Defaults to 4.
            batch_size: texts per decoding call. Defaults to 512.

        Returns:
            list of str (one per text).

        Example:

        >>> translator.predict(["3 may 1979", "09/04/19"], method="beam")  # doctest: +SKIP
        ['1979-05-03', '2019-04-09']
        """
        if isinstance(texts, str):
            texts = [texts]
        outputs = []
        for start in range(0, len(texts), batch_size):
            outputs += self.decode(texts[start : start + batch_size], method=method, width=width)[0]
        return outputs

    def exact_match(self, sources, targets, **kwargs):
        """The fraction of sources translated exactly to their targets.

        Args:
            sources: list of str.
            targets: list of str.
            **kwargs: `predict` arguments (method, width).

        Returns:
            float in [0, 1].

        Example:

        >>> translator.exact_match(["3 may 1979"], ["1979-05-03"])  # doctest: +SKIP
        1.0
        """
        outputs = self.predict(list(sources), **kwargs)
        return float(np.mean([o == t for o, t in zip(outputs, targets)]))

    def attention(self, text, *, method="greedy", width=4):
        """The attention weights of one translation.

        Args:
            text: str.
            method, width: as `decode`.

        Returns:
            `(weights, source, output)`: float array `(len(output) + 1, len(source))` (the
            last row is the end token's), the normalized source and the output string.

        Raises:
            TaskError: a model without attention, or a bad text.

        Example:

        >>> weights, source, output = translator.attention("3 may 1979")  # doctest: +SKIP
        >>> weights.shape, source, output  # doctest: +SKIP
        ((11, 10), '3 may 1979', '1979-05-03')
        """
        if not self.config.get("attention"):
            raise TaskError(
                "this model has no attention (trained with attention=None); "
                "there are no attention weights to show"
            )
        outputs, decoded = self.decode([text], method=method, width=width)
        source = self.normalize(text)
        rows = min(len(outputs[0]) + 1, decoded.attention.shape[1])
        return decoded.attention[0, :rows, : len(source)], source, outputs[0]

    def plot_attention(self, text, path, *, method="greedy"):
        """Write the attention heat map of one translation as a PNG.

        Args:
            text: str, any input the model accepts.
            path: the PNG file to write.
            method: `"greedy"` or `"beam"`.

        Returns:
            The output string.

        Raises:
            TaskError: see `attention`.

        Example:

        >>> translator.plot_attention("3 May 1979", "attention.png")  # doctest: +SKIP
        '1979-05-03'
        """
        from zoo.notebook import plot

        weights, source, output = self.attention(text, method=method)
        # An output cut at max_target_length has no end token: one row per output character.
        plot.attention(weights, source, (list(output) + ["<end>"])[: len(weights)], path)
        return output

    # ------------------------------------------------------------------ save / load

    def save(self, path):
        """Write the artifact folder (see `zoo.artifacts.format.save_artifact`).

        Args:
            path: the folder.

        Returns:
            None.

        Example:

        >>> translator.save("runs/dates")  # doctest: +SKIP
        """
        from zoo.artifacts.format import save_artifact

        save_artifact(
            path,
            kind=self.config["kind"],
            model=self.model,
            preprocessing={"source_chars": self.source_chars, "target_chars": self.target_chars},
            config={"task": self.config},
        )

    @classmethod
    def from_artifact(cls, art):
        """The translator of a dates or addition artifact (their `load` calls this).

        Args:
            art: a `zoo.artifacts.Artifact` written by `Translator.train` (as
                `zoo.tasks.common.load_task` reads it).

        Returns:
            A `Translator` with the saved character tables and settings (metrics included).

        Example:

        >>> Translator.from_artifact(artifact)  # doctest: +SKIP
        """
        task = dict(art.config["task"])
        task["metrics"] = art.metrics
        return cls(
            art.model, art.preprocessing["source_chars"], art.preprocessing["target_chars"], task
        )

    @classmethod
    def train(
        cls,
        train_pairs,
        val_pairs,
        *,
        kind,
        source_chars,
        target_chars,
        max_source_length,
        max_target_length,
        lowercase=True,
        attention="dot",
        cell="lstm",
        units=64,
        embedding_dim=32,
        bidirectional=False,
        epochs=10,
        batch_size=64,
        learning_rate=3e-3,
        max_seconds=None,
        out=None,
        seed=0,
        verbose=0,
        extra=None,
        fresh=False,
    ):
        """Train a translator on (source, target) string pairs.

        Args:
            train_pairs, val_pairs: lists of `(source, target)` str pairs.
            kind: the artifact kind.
            source_chars, target_chars: the alphabets.
            max_source_length, max_target_length: the longest source and output.
            lowercase: lower-case sources. Defaults to True.
            attention: None, `"dot"` or `"additive"`. Defaults to `"dot"`.
            cell, units, embedding_dim, bidirectional: `zoo.build_encoder_decoder` arguments.
            epochs, batch_size, learning_rate, max_seconds: training settings.
            out: artifact folder or None.
            seed: int, mapped by `zoo.core.checks.map_seed`. Defaults to 0.
            verbose: Keras verbosity. Defaults to 0.
            extra: dict of JSON settings saved in the config (e.g. the data seeds).
            fresh: start over instead of resuming the run in `out/training`. Defaults to False.

        Returns:
            `(translator, metrics)`.

        Example:

        >>> t, metrics = Translator.train([("ab", "x")] * 8, [("ab", "x")], kind="demo",
        ...                               source_chars="ab", target_chars="x",
        ...                               max_source_length=2, max_target_length=1, units=2,
        ...                               epochs=1)
        >>> metrics["epochs_run"]
        1
        """
        import keras
        import tensorflow as tf

        import zoo

        seed = map_seed(seed)
        keras.utils.set_random_seed(seed)
        config = {
            "kind": kind,
            "max_source_length": max_source_length,
            "max_target_length": max_target_length,
            "lowercase": lowercase,
            "attention": attention,
            **(extra or {}),
        }
        shell = cls(None, source_chars, target_chars, config)

        def arrays(pairs):
            source = pad_right(
                shell.encode([s for s, _ in pairs]).tolist(), length=max_source_length
            )
            target = shell.encode_targets([t for _, t in pairs])
            decoder_in = np.concatenate([np.full((len(pairs), 1), START), target[:, :-1]], 1)
            return (source, decoder_in.astype("int32")), target

        train_x, train_y = arrays(train_pairs)
        ds = tf.data.Dataset.from_tensor_slices((train_x, train_y))
        ds = ds.shuffle(len(train_pairs), seed=seed).batch(batch_size).prefetch(2)
        val = tf.data.Dataset.from_tensor_slices(arrays(val_pairs)).batch(512)

        def build():
            return zoo.build_encoder_decoder(
                source_vocab_size=len(source_chars) + 1,
                target_vocab_size=len(target_chars) + 3,
                cell=cell,
                units=units,
                embedding_dim=embedding_dim,
                bidirectional=bidirectional,
                attention=attention,
                name=kind.replace(".", "_"),
            )

        model, metrics = train_and_save(
            build,
            ds,
            validation_data=val,
            kind=kind,
            out=out,
            preprocessing={"source_chars": source_chars, "target_chars": target_chars},
            config={"task": config},
            epochs=epochs,
            learning_rate=learning_rate,
            max_seconds=max_seconds,
            verbose=verbose,
            fresh=fresh,
            extra_metrics=lambda m: {
                "val_exact_match": cls(m, source_chars, target_chars, config).exact_match(
                    *zip(*val_pairs)
                )
            },
        )
        return cls(model, source_chars, target_chars, config), metrics


def plot_attention(weights, source, output, path):
    """Draw attention weights as a heat map PNG: output steps down, source characters across.

    Args:
        weights: array `(len(output), len(source))`.
        source: the source characters (str or list).
        output: the output tokens (str or list).
        path: the PNG file.

    Returns:
        The path.

    Raises:
        TaskError: matplotlib is not installed (`pip install matplotlib`).

    Example:

    >>> import numpy as np, tempfile, os
    >>> png = os.path.join(tempfile.mkdtemp(), "a.png")
    >>> plot_attention(np.eye(2), "ab", "xy", png) == png
    True
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise TaskError(
            "attention heat maps need matplotlib, which is not installed: pip install matplotlib"
        ) from None
    weights = np.asarray(weights)
    fig, ax = plt.subplots(
        figsize=(max(3, 0.35 * len(source) + 1.5), max(2.5, 0.35 * len(output) + 1.2))
    )
    image = ax.imshow(weights, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(source)), [repr(c)[1:-1] if c != " " else "␣" for c in source])
    ax.set_yticks(range(len(output)), list(output))
    ax.set_xlabel("source")
    ax.set_ylabel("output")
    fig.colorbar(image, ax=ax, fraction=0.04)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
