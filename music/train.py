"""Training the improviser: solos -> encoded windows -> `zoo.build_lm` with conditioning.

Data handling:
- hold-out: solos sorted by source name, every `holdout_every`-th one (index % n == n - 1) is
  never trained on or validated on; the list goes into config.json (the benchmark reads it);
- validation: a seeded `val_fraction` of the remaining solos;
- training windows of `seq_len` events, cut at a fresh random offset every epoch, each window
  transposed by a random interval in -5..+6 semitones (augmentation).

Training: Adam with gradient-norm clipping, early stopping on validation loss, and checkpoints:
the artifact folder is saved atomically when validation loss improves (at most once a minute;
the checkpoint *is* the artifact, so an interrupted run leaves its best saved model behind) and
once more at the end with the best weights.
"""

import math
import os
import time

import numpy as np

import zoo  # noqa: F401
import keras

from music.encoding import BOS, FEATURE_DIM, Encoding
from music.model import WJAZZD_LICENSE, build_model, save_artifact
from music.paths import check_writable_folder


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
        >>> train, val, held = split_solos(solos, holdout_every=10)
    """
    ordered = sorted(solos, key=lambda s: (os.path.basename(str(s.source)), str(s.source)))
    heldout, rest = [], []
    for index, solo in enumerate(ordered):
        (heldout if holdout_every and index % holdout_every == holdout_every - 1 else rest).append(
            solo)
    order = np.random.default_rng(seed).permutation(len(rest))
    n_val = 0
    if val_fraction and len(rest) >= 2:
        n_val = max(1, int(round(val_fraction * len(rest))))
    val = [rest[i] for i in sorted(order[:n_val])]
    train = [rest[i] for i in sorted(order[n_val:])]
    return train, val, heldout


def _aligned(encoded):
    """(inputs, features, targets, roots) for one encoded solo: inputs are targets shifted right."""
    targets = encoded.tokens
    inputs = np.concatenate([[BOS], targets[:-1]]).astype(np.int32)
    input_roots = np.concatenate([[0], encoded.roots[:-1]]).astype(np.int32)
    return inputs, encoded.features, targets, encoded.roots, input_roots


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

    def __init__(self, encoded, encoding, *, seq_len=128, batch_size=32, augment=True, seed=0,
                 **kwargs):
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
        self.shifts = (self.rng.integers(-5, 7, len(self.windows)) if self.augment
                       else np.zeros(len(self.windows), int))

    def __len__(self):
        return math.ceil(len(self.windows) / self.batch_size)

    def __getitem__(self, batch):
        chosen = range(batch * self.batch_size, min(len(self.windows), (batch + 1) * self.batch_size))
        n, t = len(chosen), self.seq_len
        tokens = np.zeros((n, t), np.int32)
        features = np.zeros((n, t, FEATURE_DIM), np.float32)
        targets = np.zeros((n, t), np.int32)
        weights = np.zeros((n, t), np.float32)
        for row, w in enumerate(chosen):
            index, start, stop = self.windows[w]
            stop = min(stop, start + t)
            inputs, feats, target, roots, input_roots = self.solos[index]
            length = stop - start
            x, y, f = inputs[start:stop], target[start:stop], feats[start:stop]
            shift = int(self.shifts[w])
            if shift:
                x, _ = self.encoding.transpose_tokens(x, input_roots[start:stop], shift)
                y, _ = self.encoding.transpose_tokens(y, roots[start:stop], shift)
                f = self.encoding.transpose_features(f, shift)
            tokens[row, :length], targets[row, :length] = x, y
            features[row, :length] = f
            weights[row, :length] = 1.0
        return {"tokens": tokens, "conditioning": features}, targets, weights

    def on_epoch_end(self):
        if self.augment:
            self._cut()


class _TimeLimit(keras.callbacks.Callback):
    """Stops training once `seconds` have passed (checked after each epoch)."""

    def __init__(self, seconds):
        super().__init__()
        self.seconds = seconds
        self.start = time.time()

    def on_epoch_end(self, epoch, logs=None):
        if self.seconds and time.time() - self.start > self.seconds:
            self.model.stop_training = True


class _SaveBest(keras.callbacks.Callback):
    """Keeps the best weights (by `monitor`) and writes the artifact folder atomically.

    A checkpoint is written when the monitored loss improves and at least `save_every` seconds
    passed since the last one; at the end of training the best weights are put back into the
    model and written if the last improvement was not saved yet.
    """

    def __init__(self, out_dir, encoding, config, monitor, save_every=60.0, stopper=None):
        super().__init__()
        self.out_dir, self.encoding, self.config, self.monitor = out_dir, encoding, config, monitor
        self.save_every = save_every
        self.stopper = stopper  # the EarlyStopping callback, to record whether it stopped
        self.best = math.inf
        self.best_weights = None
        self.unsaved = False
        self.start = time.time()
        self.last_save = -math.inf
        self.history = []

    def metrics(self):
        best_epoch = 1 + int(np.argmin([h.get(self.monitor, math.inf) for h in self.history]))
        return {"best_epoch": best_epoch, f"best_{self.monitor}": self.best,
                "epochs_run": len(self.history),
                "stopped_early": bool(self.stopper is not None and self.stopper.stopped_epoch),
                "train_seconds": round(time.time() - self.start, 1), "history": self.history}

    def _save(self):
        save_artifact(self.out_dir, self.model, self.encoding, self.config, self.metrics())
        self.last_save, self.unsaved = time.time(), False

    def on_epoch_end(self, epoch, logs=None):
        logs = dict(logs or {})
        self.history.append({k: float(v) for k, v in logs.items()})
        value = logs.get(self.monitor)
        if value is not None and value < self.best:
            self.best = float(value)
            self.best_weights = self.model.get_weights()
            self.unsaved = True
            if time.time() - self.last_save >= self.save_every:
                self._save()

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)
        self._save()


def train(solos, out_dir, *, epochs=30, seq_len=128, batch_size=32, learning_rate=2e-3,
          clipnorm=1.0, patience=3, holdout_every=10, val_fraction=0.1, max_minutes=None,
          seed=0, verbose=1, command=None, **hparams):
    """Train an improviser on solos and save it as an artifact folder.

    Args:
        solos: list of `Solo` (with chords; melody-only solos train unconditioned on N.C.).
        out_dir: the artifact folder to write (replaced atomically at every improvement).
        epochs: int, the most epochs to run. Defaults to 30.
        seq_len: int, events per training window. Defaults to 128.
        batch_size: int. Defaults to 32.
        learning_rate: Adam learning rate. Defaults to 2e-3.
        clipnorm: gradient-norm clipping. Defaults to 1.0.
        patience: early-stopping patience in epochs (on validation loss). Defaults to 3.
        holdout_every: every n-th solo (sorted by source) is held out entirely; 0 disables.
        val_fraction: fraction of the rest used for validation. Defaults to 0.1.
        max_minutes: optional wall-clock budget; training stops after the epoch that passes it.
        seed: int, seeds weights, the split, windows and transpositions.
        verbose: Keras fit verbosity.
        command: optional string recorded in config.json (the command line that trained it).
        **hparams: model hyperparameters for `build_model` (units, num_layers, cell, ...).

    Returns:
        dict: the metrics written to metrics.json: best_epoch, best_val_loss (best_loss without
            validation solos), epochs_run, stopped_early, train_seconds and the per-epoch
            history. config.json records the split (train, validation and held-out sources),
            clipnorm, the early-stopping monitor and patience, and how checkpoints are kept.

    Example:
        >>> train(read_corpus(["../shared/data/music/wjazzd"]), "runs/jazz", max_minutes=20)
    """
    check_writable_folder(out_dir)  # before any work: an unwritable --out fails now
    if not solos:
        raise ValueError("train: no solos given; expected at least one readable solo")
    keras.utils.set_random_seed(seed)
    encoding = Encoding()
    train_solos, val_solos, heldout = split_solos(
        solos, holdout_every=holdout_every, val_fraction=val_fraction, seed=seed)
    if not train_solos:
        raise ValueError(f"train: all {len(solos)} solos were held out or used for validation")
    started = time.time()
    encoded_train = [encoding.encode(s) for s in train_solos]
    encoded_val = [encoding.encode(s) for s in val_solos]
    model = build_model(encoding, **hparams)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate, clipnorm=clipnorm),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  weighted_metrics=["sparse_categorical_accuracy"])
    data = WindowDataset(encoded_train, encoding, seq_len=seq_len, batch_size=batch_size,
                         augment=True, seed=seed)
    val_data = WindowDataset(encoded_val, encoding, seq_len=seq_len, batch_size=batch_size,
                             augment=False) if encoded_val else None
    monitor = "val_loss" if val_data is not None else "loss"
    config = {
        "hparams": {**_model_hparams(model)},
        "training": {"epochs": epochs, "seq_len": seq_len, "batch_size": batch_size,
                     "learning_rate": learning_rate, "clipnorm": clipnorm, "patience": patience,
                     "holdout_every": holdout_every, "val_fraction": val_fraction,
                     "max_minutes": max_minutes, "seed": seed,
                     "augmentation": "random transposition -5..+6 per window",
                     "early_stopping": {"monitor": monitor, "patience": patience},
                     "checkpoints": f"this folder, saved when {monitor} improves (at most once "
                                    f"a minute) and at the end with the best epoch's weights"},
        "data": {"train_sources": [os.path.basename(str(s.source)) for s in train_solos],
                 "validation_sources": [os.path.basename(str(s.source)) for s in val_solos],
                 "heldout_sources": [os.path.basename(str(s.source)) for s in heldout],
                 "train_events": int(sum(len(e.tokens) for e in encoded_train))},
        "license": WJAZZD_LICENSE,
        "command": command,
    }
    stopper = keras.callbacks.EarlyStopping(monitor=monitor, patience=patience)
    saver = _SaveBest(out_dir, encoding, config, monitor, stopper=stopper)
    callbacks = [stopper, saver]
    if max_minutes:
        callbacks.append(_TimeLimit(max_minutes * 60))
    model.fit(data, validation_data=val_data, epochs=epochs, callbacks=callbacks, verbose=verbose)
    return saver.metrics()


def _model_hparams(model):
    lstm_layers = [layer for layer in model.layers if layer.name.split("_")[0] in ("lstm", "gru", "rnn")
                   and layer.name.split("_")[-1].isdigit()]
    return {"cell": lstm_layers[0].name.split("_")[0] if lstm_layers else None,
            "units": int(lstm_layers[0].units) if lstm_layers else None,
            "num_layers": len(lstm_layers),
            "embedding_dim": int(model.get_layer("embedding").output_dim),
            "vocab_size": int(model.get_layer("logits").units),
            "parameters": int(model.count_params())}


__all__ = ["train", "split_solos", "WindowDataset"]
