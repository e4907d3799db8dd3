"""Training the improviser: solos -> encoded windows -> `zoo.build_lm` with conditioning.

Data handling:
- hold-out: solos sorted by source name, every `holdout_every`-th one (index % n == n - 1) is
  never trained on or validated on; the list goes into config.json (the benchmark reads it);
- validation: a seeded `val_fraction` of the remaining solos;
- training windows of `seq_len` events, cut at a fresh random offset every epoch, each window
  transposed by a random interval in -5..+6 semitones (augmentation: the interval tokens stay
  but for the first note, the absolute root and the register features move,
  `Encoding.transpose`).

Training runs on `zoo.training.engine.fit`: Adam with gradient-norm clipping, early stopping on
validation loss, and checkpoints: the artifact folder is saved atomically after every epoch that
improves validation loss (the checkpoint *is* the artifact, so an interrupted run leaves its
best model behind) and once more at the end with the final metrics. `out_dir/training` holds
the run state, so the same call continues a killed run.
"""

import math
import os

import keras
import numpy as np

import zoo  # noqa: F401
from music.checks import check_seed
from music.encoding.events import BOS, Encoding
from music.errors import MusicInputError
from music.model.artifact import KIND, WJAZZD_LICENSE, build_model, save_artifact
from music.model.style import STYLE_DIM, StyleTable
from zoo.artifacts.format import check_output_folder


def split_solos(solos, *, holdout_every=10, val_fraction=0.1, seed=0):
    """Split solos into train, validation and held-out lists (see the module docstring).

    Args:
        solos: list of `Solo`.
        holdout_every: int; every n-th solo by sorted source name is held out; 0 disables.
        val_fraction: fraction of the remaining solos used for validation (at least one when
            there are two or more solos; 0 disables).
        seed: int, seeds the validation choice.

    Returns:
        (train, validation, heldout): three lists of `Solo`.

    Example:
        >>> from fractions import Fraction
        >>> from music.types import Note, Solo
        >>> solos = [Solo([Note(Fraction(0), Fraction(4), 60)], [], source=f"solo{k}.xml")
        ...          for k in range(20)]
        >>> training, validation, heldout = split_solos(solos, holdout_every=10)
        >>> len(training), len(validation), [solo.source for solo in heldout]
        (16, 2, ['solo17.xml', 'solo9.xml'])
    """
    ordered = sorted(solos, key=lambda s: (os.path.basename(str(s.source)), str(s.source)))
    heldout, rest = [], []
    for index, solo in enumerate(ordered):
        (heldout if holdout_every and index % holdout_every == holdout_every - 1 else rest).append(
            solo
        )
    order = np.random.default_rng(seed).permutation(len(rest))
    n_val = 0
    if val_fraction and len(rest) >= 2:
        n_val = max(1, int(round(val_fraction * len(rest))))
    val = [rest[i] for i in sorted(order[:n_val])]
    train = [rest[i] for i in sorted(order[n_val:])]
    return train, val, heldout


def _aligned(encoded):
    """(inputs, features, targets) for one encoded solo: inputs are targets shifted right."""
    targets = encoded.tokens
    inputs = np.concatenate([[BOS], targets[:-1]]).astype(np.int32)
    return inputs, encoded.features, targets


class WindowDataset(keras.utils.PyDataset):
    """Batches of fixed-length windows over encoded solos, optionally transposed at random.

    Args:
        encoded: list of `EncodedSolo`.
        encoding: the `Encoding`.
        seq_len: events per window.
        batch_size: windows per batch.
        augment: transpose each window by a random interval in -5..+6 and cut windows at a
            random offset each epoch.
        seed: int.

    Returns (per item): ({"tokens", "conditioning"}, targets, sample_weight); padding has weight 0.
    """

    def __init__(
        self, encoded, encoding, *, seq_len=128, batch_size=32, augment=True, seed=0, **kwargs
    ):
        super().__init__(**kwargs)
        self.solos = [_aligned(e) for e in encoded if len(e.tokens)]
        self.encoding = encoding
        self.seq_len = seq_len
        self.batch_size = batch_size
        self.augment = augment
        self.rng = np.random.default_rng(seed)
        self._cut()

    def _cut(self):
        # A fixed number of windows per solo (Keras wants the same length every epoch): with
        # augmentation, ceil(n / seq_len) + 1 windows shifted back by a random offset.
        windows = []
        for index, (inputs, *_) in enumerate(self.solos):
            n, t = len(inputs), self.seq_len
            count = -(-n // t)
            if self.augment:
                shift = int(self.rng.integers(0, t))
                bounds = [min(n, max(0, k * t - shift)) for k in range(count + 2)]
                windows += [(index, bounds[k], bounds[k + 1]) for k in range(count + 1)]
            else:
                windows += [(index, k * t, min(n, (k + 1) * t)) for k in range(count)]
        order = self.rng.permutation(len(windows)) if self.augment else np.arange(len(windows))
        self.windows = [windows[i] for i in order]
        self.shifts = (
            self.rng.integers(-5, 7, len(self.windows))
            if self.augment
            else np.zeros(len(self.windows), int)
        )

    def __len__(self):
        return math.ceil(len(self.windows) / self.batch_size)

    def __getitem__(self, batch):
        chosen = range(
            batch * self.batch_size, min(len(self.windows), (batch + 1) * self.batch_size)
        )
        n, t = len(chosen), self.seq_len
        tokens = np.zeros((n, t), np.int32)
        features = np.zeros((n, t, self.encoding.feature_dim), np.float32)
        targets = np.zeros((n, t), np.int32)
        weights = np.zeros((n, t), np.float32)
        for row, w in enumerate(chosen):
            index, start, stop = self.windows[w]
            stop = min(stop, start + t)
            inputs, feats, target = self.solos[index]
            length = stop - start
            x, y, f = inputs[start:stop], target[start:stop], feats[start:stop]
            shift = int(self.shifts[w])
            if shift:  # from the event before the window: the first input is that event
                lo = max(0, start - 1)
                moved, f_all = self.encoding.transpose(target[lo:stop], feats[lo:stop], shift)
                y, f = moved[start - lo :], f_all[start - lo :]
                x = np.concatenate([[BOS] if start == 0 else moved[:1], y[:-1]])
            tokens[row, :length], targets[row, :length] = x, y
            features[row, :length] = f
            weights[row, :length] = 1.0
        return {"tokens": tokens, "conditioning": features}, targets, weights

    def on_epoch_end(self):
        if self.augment:
            self._cut()


MUSIC_FIT_DEFAULTS = {
    "learning_rate": 2e-3,
    "final_learning_rate": 1.0,
    "clipnorm": 1.0,
    "patience": 3,
    "precision": "float32",
}
"""The options of `zoo.fit` whose default differs in `train` (recorded in config.json)."""


def _split_options(options):
    """`options` split into `zoo.build_lm` hyperparameters and `zoo.fit` training options;
    a name that is neither goes to `zoo.fit`, which refuses it."""
    import inspect

    model_names = set(inspect.signature(zoo.build_lm).parameters)
    hparams = {k: v for k, v in options.items() if k in model_names}
    return hparams, {
        **MUSIC_FIT_DEFAULTS,
        **{k: v for k, v in options.items() if k not in model_names},
    }


def train(
    solos,
    out_dir,
    *,
    epochs=30,
    seq_len=128,
    batch_size=32,
    holdout_every=10,
    val_fraction=0.1,
    max_minutes=None,
    seed=0,
    style=True,
    command=None,
    **options,
):
    """Train an improviser on solos with `zoo.fit` and save it as an artifact folder.

    The artifact holds the best epoch by validation loss (training loss without validation
    solos): it is saved after every epoch that improves it, and once more at the end with the
    final metrics. The run folder `out_dir/training` lets the same call continue after a kill
    (same epoch counter and optimizer state); a finished run is not trained again. A loss that
    becomes NaN or diverges stops training and leaves the last good artifact.

    Args:
        solos: list of `Solo` (with chords; melody-only solos train unconditioned on N.C.).
        out_dir: the artifact folder to write (replaced atomically at every improvement).
        epochs: int, the most epochs to run. Defaults to 30.
        seq_len: int, events per training window. Defaults to 128.
        batch_size: int, the global batch size. Defaults to 32.
        holdout_every: every n-th solo (sorted by source) is held out entirely; 0 disables.
        val_fraction: fraction of the rest used for validation. Defaults to 0.1.
        max_minutes: optional wall-clock budget, checked after every batch.
        seed: int of any size, seeds weights, the split, windows and transpositions
            (mapped by `music.checks.check_seed`).
        style: bool, condition the model on each solo's style (`music.model.style`: the
            encoding gets a style block, config.json the training solos' `StyleTable`).
            Defaults to True; False leaves the style block out. Either way the encoding is
            version 3 (`music.encoding.events`).
        command: optional string recorded in config.json (the command line that trained it).
        **options: model hyperparameters for `build_model` (the `zoo.build_lm` arguments:
            units, num_layers, cell, embedding_dim, dropout), and the training options of
            `zoo.fit`, forwarded unchanged (learning_rate, final_learning_rate, clipnorm,
            patience, precision, strategy, fresh, verbose, warmup_steps, weight_decay, ...;
            see `zoo.fit`). Defaults that differ from the engine's are `MUSIC_FIT_DEFAULTS`;
            `max_minutes` is the engine's `max_seconds`.

    Returns:
        dict: the metrics written with the artifact: best_epoch, best_val_loss (best_loss
            without validation solos), epochs_run, stopped_early, stopped_reason (see
            `zoo.training.engine.STOPPED_REASONS`; "non_finite_loss" and "diverged" mean training
            failed), message, train_seconds and the per-epoch history; `already_finished`
            when the run folder held a finished run and nothing was trained. config.json
            records the split (train, validation and held-out sources), clipnorm, the
            early-stopping monitor and patience, and how checkpoints are kept.

    Example:
        >>> import pathlib, shutil, tempfile
        >>> from fractions import Fraction
        >>> from music.theory.progressions import parse_progression
        >>> from music.types import Note, Solo
        >>> chords = parse_progression("Dm7 | G7 | Cmaj7 | A7 |")
        >>> solos = [Solo([Note(Fraction(i, 2), Fraction(1, 2), 60 + i * k % 12)
        ...                for i in range(32)], chords, source=f"solo{k}.xml") for k in range(4)]
        >>> folder = pathlib.Path(tempfile.mkdtemp()) / "jazz"
        >>> metrics = train(solos, folder, epochs=1, seq_len=16, units=4, embedding_dim=4,
        ...                 holdout_every=0, verbose=0)
        >>> metrics["epochs_run"], sorted(path.name for path in folder.iterdir())
        (1, ['config.json', 'encoding.json', 'model.keras', 'training'])
        >>> shutil.rmtree(folder.parent)

        On the WJazzD corpus (`music.reading.solos.read_corpus`), twenty minutes at most:

        >>> train(read_corpus(["../shared/data/music/wjazzd"]), "runs/jazz",
        ...       max_minutes=20)  # doctest: +SKIP
    """
    from zoo.training import engine as training

    hparams, fit_options = _split_options(options)
    check_output_folder(out_dir, kind=KIND, option="out_dir")  # before any work
    if not solos:
        raise ValueError("train: no solos given; expected at least one readable solo")
    seed = check_seed(seed)
    keras.utils.set_random_seed(seed)
    train_solos, val_solos, heldout = split_solos(
        solos, holdout_every=holdout_every, val_fraction=val_fraction, seed=seed
    )
    if not train_solos:
        raise ValueError(f"train: all {len(solos)} solos were held out or used for validation")
    table = StyleTable.fit(train_solos) if style else None
    encoding = Encoding(version=3, style_dim=STYLE_DIM if style else 0)

    def style_of(solo):  # the solo's own style (zeros, the mean, where it has none)
        if table is None:
            return None
        known = table.solos.get(os.path.basename(str(solo.source)))
        if known is not None:
            return known
        try:
            return table.vector(solo)
        except MusicInputError:
            return None

    encoded_train = [encoding.encode(s, style_of(s)) for s in train_solos]
    encoded_val = [encoding.encode(s, style_of(s)) for s in val_solos]
    data = WindowDataset(
        encoded_train, encoding, seq_len=seq_len, batch_size=batch_size, augment=True, seed=seed
    )
    val_data = (
        WindowDataset(encoded_val, encoding, seq_len=seq_len, batch_size=batch_size, augment=False)
        if encoded_val
        else None
    )
    monitor = "val_loss" if val_data is not None else "loss"
    sources = {
        "train_sources": [os.path.basename(str(s.source)) for s in train_solos],
        "validation_sources": [os.path.basename(str(s.source)) for s in val_solos],
        "heldout_sources": [os.path.basename(str(s.source)) for s in heldout],
    }
    config = {
        "training": {
            "epochs": epochs,
            "seq_len": seq_len,
            "batch_size": batch_size,
            **{name: fit_options[name] for name in MUSIC_FIT_DEFAULTS},
            "holdout_every": holdout_every,
            "val_fraction": val_fraction,
            "max_minutes": max_minutes,
            "seed": seed,
            "augmentation": "random transposition -5..+6 per window (the first "
            "note's interval, root and register features"
            + (", the style's register)" if style else ")"),
            "early_stopping": {"monitor": monitor, "patience": fit_options["patience"]},
            "checkpoints": f"this folder, saved after every epoch that improves "
            f"{monitor}: it holds the best epoch's weights",
        },
        "data": {**sources, "train_events": int(sum(len(e.tokens) for e in encoded_train))},
        "license": WJAZZD_LICENSE,
        "command": command,
        **({"style": table.to_config()} if table is not None else {}),
    }

    def metrics(history, best_epoch, best_value, seconds, reason=None, message=None, model=None):
        counted = {} if model is None else {"parameters": int(model.count_params())}
        return {
            **counted,
            "best_epoch": best_epoch,
            f"best_{monitor}": best_value,
            "epochs_run": len(history),
            "stopped_early": reason == "early_stopping",
            "stopped_reason": reason,
            "message": message,
            "train_seconds": round(seconds, 1),
            "history": history,
        }

    def on_best(model, info):
        save_artifact(
            out_dir,
            model,
            encoding,
            config,
            metrics(
                info["history"], info["epoch"], info["value"], info["train_seconds"], model=model
            ),
        )

    result = training.fit(
        lambda: build_model(encoding, **hparams),
        data,
        validation_data=val_data,
        epochs=epochs,
        weighted_metrics=["sparse_categorical_accuracy"],
        monitor=monitor,
        max_seconds=max_minutes * 60 if max_minutes else None,
        on_best=on_best,
        run_dir=os.path.join(os.fspath(out_dir), "training"),
        **fit_options,
        settings={
            "encoding": encoding.get_config(),  # a run of another encoding is not resumed
            "seq_len": seq_len,
            "holdout_every": holdout_every,
            "val_fraction": val_fraction,
            "seed": seed,
            "hparams": hparams,
            **sources,
        },
    )
    final = metrics(
        result.history,
        result.best_epoch,
        result.best_value,
        result.train_seconds,
        result.stopped_reason,
        result.message,
    )
    if result.already_finished:
        return {**final, "already_finished": True}
    if not result.failed and result.best_epoch is not None:
        final["parameters"] = int(result.model.count_params())
        save_artifact(out_dir, result.model, encoding, config, final)  # the final metrics
    return final


__all__ = ["train", "split_solos", "WindowDataset", "MUSIC_FIT_DEFAULTS"]
