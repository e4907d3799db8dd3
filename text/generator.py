"""`TextGenerator`: train, sample, beam-search and score a character- or word-level LM.

The model is `zoo.build_lm` (token ids -> next-token logits); generation runs its single-step
twin from `zoo.build_lm_step` inside one compiled loop (`zoo.generation.sampler.Sampler`).

Unknown tokens in a prefix or a scored text are mapped to `<UNK>` with a `UserWarning` that
names them (the model has never been trained to predict `<UNK>`, so scores of such texts are
very low).
"""

import hashlib
import inspect
import json
import math
import os
import warnings

import keras
import numpy as np

import zoo  # noqa: F401  (sets the TensorFlow environment before keras is imported)
from text import data, limits
from text.vocab import EOS_ID, PAD_ID, Vocabulary
from zoo.artifacts import fields as checks
from zoo.artifacts import lm_fields
from zoo.artifacts.format import load_artifact, save_artifact
from zoo.core.checks import check_choice, check_int, map_seed
from zoo.core.results import Result
from zoo.models.recording import set_factory_call
from zoo.runtime.precision import PRECISIONS

KIND = "text.generator"

MODEL_KEYS = ("cell", "units", "num_layers", "embedding_dim", "dropout")


TRAINING_FIELDS = {
    "epochs": checks.integer(low=1),
    "batch_size": checks.integer(low=1),
    "seq_len": checks.integer(low=1),
    "learning_rate": checks.number(low=0, low_open=True),
    "clipnorm": checks.optional(checks.number(low=0, low_open=True)),
    "validation_split": checks.number(0, 1, high_open=True),
    "warmup_steps": checks.integer(low=0),
    "steps_per_epoch": checks.optional(checks.integer(low=1)),
    "time_budget": checks.optional(checks.number(low=0, low_open=True)),
    "decay_steps": checks.optional(checks.integer(low=1)),
    "decay_over": checks.choice("steps", "time"),
    "final_learning_rate": checks.number(0, 1),
    "weight_decay": checks.number(low=0),
    "precision": checks.choice(*PRECISIONS),
    "seed": checks.integer(),
}
"""The settings `fit` records in config.json's `training` (each optional: an untrained
generator records none)."""

TEXT_METRICS = {
    "train_loss": checks.optional(checks.number()),
    "val_loss": checks.optional(checks.number()),
    "uniform_loss": checks.number(low=0),
    "checkpoint_epoch": checks.integer(low=1),
    "checkpoint_loss": checks.optional(checks.number()),
}
"""The numbers `fit` adds to the engine's metrics (`zoo.artifacts.lm_fields.TRAINING_METRICS`)."""


def check_artifact_fields(artifact, where):
    """Check every field of a text generator's `config.json` and `vocab.json`.

    Run by `TextGenerator.load` (through `zoo.artifacts.format.load_artifact`) before the model
    loads. `config.json`: `factory` is `"zoo.build_lm"` (its arguments are the zoo's to
    check, and the one record of the model settings), `preprocessing` is `["vocab"]`, `mode`
    is `"stream"` or `"lines"`; `model`, written only by seqzoo before issue 26, holds exactly
    `MODEL_KEYS`, each equal to the recorded argument, when present; `training` and `metrics` hold
    valid settings and numbers (`TRAINING_FIELDS`, `TEXT_METRICS`). `vocab.json`: see
    `Vocabulary.from_config`; its token count must equal `arguments.vocab_size`.

    Args:
        artifact: the `zoo.artifacts.format.Artifact`, before its model loads.
        where: `"<option> <folder>"`, the start of every message.

    Raises:
        zoo.artifacts.fields.FieldError: one line naming the file and the field.
    """
    source = f"{where}: config.json"
    fields = checks.Fields(artifact.config, source)
    fields.read("factory", checks.exactly("zoo.build_lm", "the text generator's model"))
    fields.read("preprocessing", checks.exactly(["vocab"], "its vocabulary"))
    fields.read("mode", checks.choice(*data.MODES))
    arguments = artifact.config["arguments"]
    # Artifacts written before issue 26 also hold the settings as "model" (before format 2,
    # "model" became "arguments"): still read and cross-checked, never written.
    if "model" in artifact.config and "legacy_format" not in artifact.config:
        model = fields.section("model").read_all(
            {k: lm_fields.LM_ARGUMENTS[k] for k in MODEL_KEYS},
            closed=True,
            what="the model settings",
        )
        for key, value in model.items():
            if arguments.get(key, value) != value:
                fields.fail(
                    f"model.{key}",
                    f"is {json.dumps(value)}, but arguments.{key} is "
                    f"{json.dumps(arguments[key])}; expected the same "
                    f"value",
                )
    fields.section("training").read_all(TRAINING_FIELDS, optional_names=tuple(TRAINING_FIELDS))
    metrics = fields.section("metrics")
    lm_fields.check_training_metrics(metrics)
    metrics.read_all(TEXT_METRICS, optional_names=tuple(TEXT_METRICS))
    vocab = Vocabulary.from_config(artifact.preprocessing["vocab"], source=f"{where}: vocab.json")
    if arguments.get("vocab_size", vocab.size) != vocab.size:
        raise checks.FieldError(
            f"{where}: vocab.json: field tokens holds {vocab.size} tokens, "
            f"but config.json's arguments.vocab_size is "
            f"{arguments['vocab_size']}; expected the same number"
        )


TEXT_FIT_DEFAULTS = {"learning_rate": 2e-3, "warmup_steps": 100, "precision": "float32"}
"""The options of `zoo.fit` whose default differs in `TextGenerator.fit`."""

OWN_FIT_OPTIONS = (
    "build_model",
    "train_data",
    "validation_data",
    "batch_size",
    "loss",
    "max_seconds",
    "on_best",
    "settings",
)
"""Options of `zoo.fit` that `TextGenerator.fit` sets itself (`max_seconds` is its
`time_budget`; `batch_size` cuts the windows)."""


def _engine_options(engine_fit, options):
    """`options` if each names an option of `engine_fit` that `TextGenerator.fit` forwards.

    Raises:
        ValueError: one line naming the first option that is refused.
    """
    accepted = inspect.signature(engine_fit).parameters
    for name in options:
        if name in OWN_FIT_OPTIONS:
            raise ValueError(
                f"TextGenerator.fit sets the training option {name!r} itself; remove it"
            )
        if name not in accepted or accepted[name].kind is not inspect.Parameter.KEYWORD_ONLY:
            known = ", ".join(
                sorted(
                    n
                    for n, p in accepted.items()
                    if p.kind is inspect.Parameter.KEYWORD_ONLY and n not in OWN_FIT_OPTIONS
                )
            )
            raise ValueError(
                f"{name!r} is not a training option of zoo.fit; expected one of {known}"
            )
    return dict(options)


class Score(Result):
    """The result of `TextGenerator.score`: a `zoo.core.results.Result` (a dict with
    attribute access).

    Keys: `log_prob` (natural log, summed), `num_tokens`, `nats_per_token` and `perplexity`
    (= exp(nats_per_token)), `unknown` (tokens mapped to `<UNK>`).
    """


class TextGenerator:
    """A language model over a vocabulary, with training, sampling, beam search and scoring.

    Args:
        vocab: `text.vocab.Vocabulary`.
        mode: `"stream"` (continuous text such as plays) or `"lines"` (one example per line,
            such as names; generation stops at the end of a line). Defaults to `"stream"`.
        cell: `"rnn"`, `"gru"` or `"lstm"`. Defaults to `"lstm"`.
        units: int, hidden units per layer. Defaults to 256.
        num_layers: int. Defaults to 1.
        embedding_dim: int. Defaults to 64.
        dropout: float in [0, 1), dropout after each recurrent layer. Defaults to 0.

    Example:

    >>> gen = TextGenerator.from_corpus("abc\\nabd\\n" * 50, lines=True, units=16)
    >>> gen.fit("abc\\nabd\\n" * 50, epochs=1, verbose=0)  # doctest: +ELLIPSIS
    {...}
    >>> len(gen.generate(n=3, seed=1))
    3
    """

    def __init__(
        self,
        vocab,
        *,
        mode="stream",
        cell="lstm",
        units=256,
        num_layers=1,
        embedding_dim=64,
        dropout=0.0,
    ):
        if not isinstance(vocab, Vocabulary):
            raise ValueError(f"vocab must be a text.vocab.Vocabulary, got {type(vocab).__name__}")
        check_choice("mode", mode, data.MODES)
        self.vocab = vocab
        self.mode = mode
        self.model_config = dict(
            cell=cell,
            units=units,
            num_layers=num_layers,
            embedding_dim=embedding_dim,
            dropout=dropout,
        )
        self.model = zoo.build_lm(vocab.size, name="text_lm", **self.model_config)
        self.training_config = {}
        self.metrics = {}
        self.training_result = None
        self._sampler = None

    @classmethod
    def from_corpus(
        cls,
        corpus,
        *,
        level="char",
        lower=False,
        lines=False,
        max_vocab=None,
        min_count=1,
        **model_kwargs,
    ):
        """Build a vocabulary from a corpus and an untrained generator over it.

        Args:
            corpus: str (the text), a path, or a list of paths (see `text.data.read_corpus`).
            level: `"char"` or `"word"`. Defaults to `"char"`.
            lower: bool, lower-case the text. Defaults to False.
            lines: bool, one example per line (`mode="lines"`) instead of a stream.
            max_vocab: int or None, keep the most frequent tokens only (word level).
            min_count: int, drop rarer tokens. Defaults to 1.
            **model_kwargs: `cell`, `units`, `num_layers`, `embedding_dim`, `dropout`.

        Returns:
            A `TextGenerator`.
        """
        text = data.read_corpus(corpus)
        vocab = Vocabulary.build(
            text if not lines else data.corpus_lines(text),
            level=level,
            lower=lower,
            max_size=max_vocab,
            min_count=min_count,
        )
        return cls(vocab, mode="lines" if lines else "stream", **model_kwargs)

    # ----------------------------------------------------------------------------- training

    def _loss(self):
        return keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=PAD_ID)

    def fit(
        self,
        corpus,
        *,
        epochs=10,
        batch_size=64,
        seq_len=100,
        validation_split=0.1,
        steps_per_epoch=None,
        time_budget=None,
        checkpoint=None,
        seed=0,
        mixed_precision=None,
        **fit_options,
    ):
        """Train on a corpus with the zoo's training engine, `zoo.fit`.

        The text is cut into windows (`text.data.make_datasets`) and the model trained with
        teacher forcing by `zoo.fit`, whose documentation describes every training option
        (schedule, clipping, weight decay, precision, distribution, resume, callbacks) and the
        rules of the run. The best epoch by validation loss (training loss without validation
        text) is what the generator keeps; with `checkpoint`, it is saved there after every
        improving epoch, and a killed run resumes when `fit` is called again with the same
        arguments (its state lives in `<checkpoint>/training`). A loss that becomes NaN or
        diverges stops training; `self.training_result.failed` is then True.

        Args:
            corpus: str (the text), a path or a list of paths.
            epochs: int >= 1, passes over the training windows. Defaults to 10.
            batch_size: int >= 1, the global batch size. Defaults to 64.
            seq_len: int >= 1, tokens per window (stream) or the longest example (lines).
                Defaults to 100.
            validation_split: float in [0, 1), the last part of the corpus held out.
                Defaults to 0.1.
            steps_per_epoch: int or None, batches per epoch (stream mode draws fresh random
                windows every epoch). Defaults to one pass over the training tokens.
            time_budget: float or None, stop after this many seconds of training (the
                engine's `max_seconds`).
            checkpoint: path or None, save the artifact here after every best epoch; the run
                folder defaults to `<checkpoint>/training`.
            seed: int of any size (numpy integers too), seeds the weights, the shuffling and
                the window offsets (mapped by `zoo.core.checks.map_seed`). Defaults to 0.
            mixed_precision: deprecated alias: True means `precision="mixed_bfloat16"`.
            **fit_options: options of `zoo.fit`, forwarded unchanged (see `zoo.fit`):
                `learning_rate`, `warmup_steps`, `decay_steps`, `decay_over`,
                `final_learning_rate`, `clipnorm`, `weight_decay`, `precision`, `strategy`,
                `run_dir`, `fresh`, `callbacks`, `verbose`, `clock`, ... Defaults that differ
                from the engine's are `TEXT_FIT_DEFAULTS`.

        Returns:
            dict: the per-epoch history (`loss`, `val_loss`, ... lists) of the whole run.

        Raises:
            ValueError: a bad argument, or an option that `zoo.fit` does not take (or that
                `fit` sets itself), named in the message.
        """
        from zoo.training import engine as training

        options = {**TEXT_FIT_DEFAULTS, **_engine_options(training.fit, fit_options)}
        text = data.read_corpus(corpus)
        for name, value in (("epochs", epochs), ("batch_size", batch_size), ("seq_len", seq_len)):
            check_int(name, value, 1)
        seed = map_seed(seed)
        if time_budget is not None and not time_budget > 0:
            raise ValueError(
                f"time_budget must be a number of seconds > 0 or None, got {time_budget!r}"
            )
        if mixed_precision is not None:
            warnings.warn(
                "mixed_precision is deprecated; use precision='mixed_bfloat16' (or 'auto')",
                DeprecationWarning,
                stacklevel=2,
            )
            if mixed_precision:
                options["precision"] = "mixed_bfloat16"
        keras.utils.set_random_seed(seed)
        train_ds, val_ds = data.make_datasets(
            text,
            self.vocab,
            mode=self.mode,
            seq_len=seq_len,
            batch_size=batch_size,
            validation_split=validation_split,
            seed=seed,
        )
        if steps_per_epoch is not None:
            check_int("steps_per_epoch", steps_per_epoch, 1)
            train_ds = train_ds.repeat()
        if options.get("run_dir") is None and checkpoint is not None:
            options["run_dir"] = os.path.join(os.fspath(checkpoint), "training")
        initial = self.model.get_weights()
        vocab_size, model_config = self.vocab.size, dict(self.model_config)

        def build():
            model = zoo.build_lm(vocab_size, name="text_lm", **model_config)
            model.set_weights(initial)
            return model

        def on_best(model, info):
            self.model.set_weights(model.get_weights())
            self._record(info["history"], info["epoch"])
            self.metrics.update(checkpoint_epoch=info["epoch"], checkpoint_loss=info["value"])
            if checkpoint is not None:
                self.save(checkpoint)

        engine_defaults = {
            name: p.default for name, p in inspect.signature(training.fit).parameters.items()
        }
        chosen = {**engine_defaults, **options}
        self.training_config = {
            **{k: chosen[k] for k in TRAINING_FIELDS if k in chosen},
            "epochs": epochs,
            "batch_size": batch_size,
            "seq_len": seq_len,
            "validation_split": validation_split,
            "steps_per_epoch": steps_per_epoch,
            "time_budget": time_budget,
            "seed": seed,
        }
        settings = {
            "mode": self.mode,
            "vocab_size": vocab_size,
            "level": self.vocab.level,
            "model": model_config,
            "seq_len": seq_len,
            "validation_split": validation_split,
            "seed": seed,
            "corpus_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest()[:16],
        }
        result = self.training_result = training.fit(
            build,
            train_ds,
            validation_data=val_ds,
            epochs=epochs,
            steps_per_epoch=steps_per_epoch,
            loss=self._loss(),
            max_seconds=time_budget,
            on_best=on_best,
            settings=settings,
            **options,
        )
        self.training_config.update(
            precision=result.precision,
            steps_per_epoch=result.get("steps_per_epoch", steps_per_epoch),
        )
        self.model.set_weights(result.model.get_weights())  # the best epoch, not the last
        self._sampler = None
        self._record(result.history, result.best_epoch)
        self.metrics.update(
            epochs_run=result.epochs_run,
            stopped_reason=result.stopped_reason,
            train_seconds=round(result.train_seconds, 2),
        )
        keys = sorted({k for h in result.history for k in h if k != "epoch"})
        return {k: [h.get(k) for h in result.history] for k in keys}

    def _record(self, history, best_epoch):
        """Put the kept (best) epoch's losses into `metrics`."""
        best = next((h for h in history if h["epoch"] == best_epoch), {})
        self.metrics.update(
            train_loss=best.get("loss"),
            val_loss=best.get("val_loss"),
            best_epoch=best_epoch,
            uniform_loss=math.log(self.vocab.size - 1),
        )

    def evaluate(self, corpus, *, seq_len=None, batch_size=64):
        """Mean loss (nats per target token) on a corpus, cut into windows like the training data.

        Args:
            corpus: str, path or list of paths.
            seq_len: window length; defaults to the one used in `fit` (else 100).
            batch_size: int. Defaults to 64.

        Returns:
            float.
        """
        text = data.read_corpus(corpus)
        seq_len = seq_len or self.training_config.get("seq_len", 100)
        if self.mode == "stream":
            ids = data.encode_corpus(text, self.vocab, "stream")
            ds = data.stream_windows(ids, seq_len, batch_size=batch_size, shuffle=False)
        else:
            ds = data.line_windows(
                data.encode_corpus(text, self.vocab, "lines"),
                seq_len,
                batch_size=batch_size,
                shuffle=False,
            )
        total, count = 0.0, 0
        for x, y in ds:
            logits = self._forward(x)
            losses = keras.ops.sparse_categorical_crossentropy(y, logits, from_logits=True).numpy()
            mask = y.numpy() != PAD_ID
            total += float(losses[mask].sum())
            count += int(mask.sum())
        return total / count

    def _forward(self, tokens):
        """Logits of the full-sequence model, through one cached `tf.function` (an eager call
        would run the recurrent loop op by op in Python: minutes for a long text)."""
        if getattr(self, "_forward_fn", None) is None or self._forward_model is not self.model:
            import tensorflow as tf

            model = self.model

            def forward(tokens):  # (batch, time) -> (batch, time, vocab)
                return model(tokens, training=False)

            self._forward_fn = tf.function(
                forward, input_signature=[tf.TensorSpec([None, None], tf.int32)]
            )
            self._forward_model = model
        return self._forward_fn(tokens)

    # ----------------------------------------------------------------------------- generation

    @property
    def sampler(self):
        """The compiled `zoo.generation.sampler.Sampler` over this model's single-step twin."""
        if self._sampler is None:
            from zoo.generation.sampler import Sampler

            self._sampler = Sampler(zoo.build_lm_step(self.model))
        return self._sampler

    def _encode_prefix(self, prefix, what="prefix"):
        if not isinstance(prefix, str):
            raise ValueError(f"{what} must be a str, got {type(prefix).__name__}")
        unknown = self.vocab.unknown_tokens(prefix)
        if unknown:
            warnings.warn(
                f"{what} has {len(unknown)} token(s) the vocabulary has never seen, mapped to <UNK>: "
                + ", ".join(repr(t) for t in unknown[:10]),
                UserWarning,
                stacklevel=3,
            )
        return [EOS_ID] + self.vocab.encode(prefix), unknown

    def _default_length(self, length):
        if length is None:
            return self.training_config.get("seq_len", 100) if self.mode == "lines" else 200
        return check_int("length", length, 0)

    def generate(
        self,
        n=1,
        *,
        length=None,
        prefix="",
        temperature=1.0,
        top_k=None,
        top_p=None,
        seed=None,
        stop_at_eos=None,
    ):
        """Sample `n` texts at once.

        Args:
            n: int >= 1, how many samples (at most `text.limits.MAX_SAMPLES`, 10,000).
            length: int >= 0, the most tokens to add after the prefix. Defaults to the training
                `seq_len` in lines mode, 200 in stream mode. `n * length` is at most
                `text.limits.MAX_GENERATED_TOKENS` (1,000,000; the environment variable
                ``SEQZOO_MAX_GENERATED_TOKENS`` allows more).
            prefix: str, the text every sample starts with (it is part of the result).
            temperature: float > 0. Defaults to 1.
            top_k: int >= 1 or None: sample among the k most likely tokens only.
            top_p: float in (0, 1] or None: nucleus sampling.
            seed: int of any size (numpy integers too) or None: the same seed gives the same
                samples, here and through `python -m text generate --seed` (both map it with
                `zoo.core.checks.map_seed`). None draws a fresh seed.
            stop_at_eos: bool or None: stop a sample at `<EOS>`. Defaults to True in lines mode.

        Returns:
            list of `n` str.

        Example:

        >>> gen.generate(n=2, prefix="Tri", top_k=5, seed=7)  # doctest: +SKIP
        ['Triceratops', 'Trisaurus']
        """
        n = check_int("n", n, 1)
        seed = map_seed(int.from_bytes(os.urandom(8), "little") if seed is None else seed)
        length = self._default_length(length)
        stop = (self.mode == "lines") if stop_at_eos is None else bool(stop_at_eos)
        prime, _ = self._encode_prefix(prefix)
        limits.check_generation(n, length, prefix=len(prime) - 1)  # bounded: text.limits
        tokens = self.sampler(
            np.tile(np.asarray(prime, np.int32), (n, 1)),
            length,
            temperature=temperature,
            top_k=top_k,
            top_p=top_p,
            seed=seed,
            eos_id=EOS_ID if stop else None,
            pad_id=PAD_ID,
        )
        # What the prefix encodes to (lower-cased, <UNK>) is what the model continued from.
        head = self.vocab.decode(prime[1:])
        return [head + self.vocab.decode(row, stop_at_eos=stop) for row in tokens]

    def beam_search(self, prefix="", *, width=5, length=None):
        """The `width` most likely continuations of a prefix (beam search).

        Args:
            prefix: str. Defaults to "" (from the start symbol).
            width: int >= 1, beams kept; 1 is greedy decoding. Defaults to 5.
            length: int >= 0, the most tokens to add. Defaults as in `generate`.

        Returns:
            A list of `(text, log_prob)` best first; `log_prob` sums the natural-log
            probabilities of the added tokens, the closing `<EOS>` included in lines mode.
        """
        length = self._default_length(length)
        width = check_int("width", width, 1)
        prime, _ = self._encode_prefix(prefix)
        limits.check_generation(int(width), length, prefix=len(prime) - 1, count_name="width")
        stop = self.mode == "lines"
        tokens, scores = self.sampler.beam_search(
            np.asarray(prime, np.int32),
            length,
            width=width,
            eos_id=EOS_ID if stop else None,
            pad_id=PAD_ID,
        )
        head = self.vocab.decode(prime[1:])
        return [
            (head + self.vocab.decode(row, stop_at_eos=stop), float(s))
            for row, s in zip(tokens, scores)
            if np.isfinite(s)
        ]

    def score(self, text, *, add_eos=None):
        """Log-probability of a text under the model, and its perplexity.

        The text is encoded, primed with the start symbol and run through the full-sequence
        model once; the result sums `log p(token_i | start, token_1..i-1)`.

        Args:
            text: str.
            add_eos: bool or None: also score the closing `<EOS>` (a complete line). Defaults
                to True in lines mode, False in stream mode.

        Returns:
            A `Score` (dict): `log_prob`, `num_tokens`, `nats_per_token`, `perplexity`, `unknown`.

        Example:

        >>> pear = gen.score("The apple and pear salad")  # doctest: +SKIP
        >>> pear.log_prob > gen.score("The apple and pair salad").log_prob  # doctest: +SKIP
        True
        """
        ids, unknown = self._encode_prefix(text, what="text")
        if len(ids) == 1:
            raise ValueError("text to score is empty; expected at least one token")
        if add_eos if add_eos is not None else self.mode == "lines":
            ids = ids + [EOS_ID]
        ids = np.asarray(ids, np.int32)
        logits = self._forward(ids[None, :-1])  # (1, time, vocab)
        logp = keras.ops.log_softmax(keras.ops.cast(logits, "float32"), axis=-1).numpy()[0]
        total = float(np.take_along_axis(logp, ids[1:, None], axis=1).astype(np.float64).sum())
        count = len(ids) - 1
        return Score(
            log_prob=total,
            num_tokens=count,
            nats_per_token=-total / count,
            perplexity=math.exp(-total / count),
            unknown=unknown,
        )

    # ----------------------------------------------------------------------------- saving

    def save(self, path, *, option="path"):
        """Save the generator as one `zoo.artifacts.format` folder (model, vocabulary, config, metrics).

        The folder is staged and swapped in atomically, so an interrupted save leaves the
        previous artifact intact. An existing folder is replaced only when it is a text
        generator artifact; any other folder is refused before anything is written.

        Args:
            path: the artifact folder.
            option: how error messages name the path (the CLI passes `"--out"`).

        Raises:
            zoo.artifacts.ArtifactError: the path may not be replaced or cannot be written.
        """
        save_artifact(
            path,
            kind=KIND,
            model=self.model,
            preprocessing={"vocab": self.vocab.get_config()},
            config={"mode": self.mode, "training": dict(self.training_config)},
            metrics=self.metrics,
            option=option,
        )

    @classmethod
    def load(cls, path, *, option="path"):
        """Load a generator saved by `save` (or by seqzoo before the `zoo.artifacts.format` format).

        Args:
            path: the artifact folder.
            option: how error messages name the path.

        Every field of `config.json` and `vocab.json` is checked before the model loads
        (`check_artifact_fields`), and the recorded model call against the model's layers.

        Raises:
            zoo.artifacts.ArtifactError: the path is missing, is not a text generator, its
                files cannot be read, or a field is missing, of the wrong type, out of range or
                inconsistent (one line naming the folder, the file and the field).
        """
        loaded = load_artifact(
            path, kind=KIND, hint="python -m text train", option=option, check=check_artifact_fields
        )
        config = loaded.config
        vocab = Vocabulary.from_config(loaded.preprocessing["vocab"])
        mode = config["mode"]
        model_config = {k: config["arguments"][k] for k in MODEL_KEYS}
        if "vocab_size" not in config["arguments"]:  # the layout before format 2: complete it
            set_factory_call(
                loaded.model,
                {
                    "factory": "zoo.build_lm",
                    "arguments": {
                        "vocab_size": vocab.size,
                        **model_config,
                        "conditioning_dim": None,
                        "bidirectional": False,
                        "name": loaded.model.name,
                    },
                },
            )
        gen = cls.__new__(cls)
        gen.vocab = vocab
        gen.mode = mode
        gen.model_config = model_config
        gen.model = loaded.model
        gen.training_config = dict(config.get("training", {}))
        gen.metrics = dict(loaded.metrics)
        gen.training_result = None
        gen._sampler = None
        return gen

    def __repr__(self):
        return (
            f"TextGenerator(mode={self.mode!r}, level={self.vocab.level!r}, vocab={self.vocab.size}, "
            + ", ".join(f"{k}={v!r}" for k, v in self.model_config.items())
            + ")"
        )
