"""The improviser's network and its self-describing artifact folder.

The network is `zoo.build_lm` with conditioning: event tokens (see `music.encoding`) plus the
per-event chord/bar feature vector, one LSTM layer by default, next-event logits out. A saved
improviser is a folder:

    model.keras     the Keras model (built-in layers only: loads with safe_mode=True)
    encoding.json   `Encoding.get_config()`: what the tokens and features mean
    config.json     hyperparameters, training data (sources, held-out list), licence
    metrics.json    measured numbers (losses, epochs, seconds)

`save_artifact` writes into a temporary sibling folder and renames it into place, so an
interrupted save never destroys the previous artifact.
"""

import dataclasses
import json
import pathlib

import zoo  # noqa: F401  (sets the Keras backend and TF flags before keras is imported)
import keras

from music.encoding import FEATURE_DIM, Encoding
from zoo.artifacts import recover_folder, replace_folder_atomically
from music.errors import MusicInputError
from music.paths import naming

PRETRAINED_DIR = pathlib.Path(__file__).resolve().parent / "pretrained"
DEFAULT_HPARAMS = {"cell": "lstm", "units": 256, "num_layers": 1, "embedding_dim": 64,
                   "dropout": 0.1}
FILES = ("model.keras", "encoding.json", "config.json", "metrics.json")
WJAZZD_LICENSE = ("Trained on solos from the Weimar Jazz Database (WJazzD), Jazzomat Research "
                  "Project, HfM Franz Liszt Weimar: database licensed ODbL 1.0, contents DbCL "
                  "1.0. Cite: Pfleiderer et al. (eds.), Inside the Jazzomat, 2017.")


def build_model(encoding: Encoding, **hparams) -> keras.Model:
    """Build the (untrained) improviser network.

    Args:
        encoding: the `Encoding` whose vocabulary and feature size the model uses.
        **hparams: `zoo.build_lm` keyword arguments overriding `DEFAULT_HPARAMS`
            (cell, units, num_layers, embedding_dim, dropout).

    Returns:
        keras.Model: inputs `"tokens"` (batch, time) int32 and `"conditioning"`
        (batch, time, FEATURE_DIM) float32; output next-event logits (batch, time, vocab).

    Example:
        >>> model = build_model(Encoding(), units=32)
        >>> model.output.shape[-1] == Encoding().vocab_size
        True
    """
    params = dict(DEFAULT_HPARAMS)
    params.update(hparams)
    return zoo.build_lm(encoding.vocab_size, conditioning_dim=FEATURE_DIM, name="improviser",
                        **params)


@dataclasses.dataclass
class Artifact:
    """A loaded improviser: the model, its encoding, config and metrics.

    Args:
        model: the full-sequence `keras.Model`.
        encoding: its `Encoding`.
        config: training configuration (dict).
        metrics: measured numbers (dict).
        path: the folder it came from (None when not saved).
    """

    model: keras.Model
    encoding: Encoding
    config: dict
    metrics: dict
    path: object = None


def _write_json(path, data):
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def save_artifact(directory, model, encoding, config, metrics) -> pathlib.Path:
    """Save an improviser folder atomically (temp folder + rename).

    The new folder is complete on disk before the old one is moved aside; if the process dies
    between the two renames the previous artifact survives as `<name>.previous-*`.

    Args:
        directory: target folder (created or replaced).
        model: the trained `keras.Model`.
        encoding: its `Encoding`.
        config: JSON-able training configuration.
        metrics: JSON-able measured numbers.

    Returns:
        pathlib.Path: the folder.

    Example:
        >>> save_artifact("runs/jazz", model, Encoding(), {"units": 32}, {"val_loss": 2.1})
    """
    directory = pathlib.Path(directory).resolve()
    # Keep anything else that lives in the folder (e.g. a package __init__ or README).
    others = ([p.name for p in directory.iterdir() if p.name not in FILES]
              if directory.is_dir() else [])
    with naming(directory), replace_folder_atomically(directory, carry_over=others) as staging:
        if getattr(model, "optimizer", None) is not None:  # ship weights only: no optimizer slots (3x smaller)
            bare = keras.Model.from_config(model.get_config())
            bare.set_weights(model.get_weights())
            model = bare
        model.save(staging / "model.keras")
        _write_json(staging / "encoding.json", encoding.get_config())
        _write_json(staging / "config.json", config)
        _write_json(staging / "metrics.json", metrics)
    return directory


def load_artifact(directory=None) -> Artifact:
    """Load an improviser folder (default: the model shipped in `music/pretrained`).

    The model is loaded with Keras' default `safe_mode=True`.

    Args:
        directory: a folder written by `save_artifact`, or None for the shipped model.

    Returns:
        Artifact: model, encoding, config, metrics.

    Raises:
        MusicInputError: the folder is missing a file or holds something unreadable.

    Example:
        >>> artifact = load_artifact()
        >>> artifact.encoding.vocab_size
    """
    directory = pathlib.Path(directory) if directory is not None else PRETRAINED_DIR
    recover_folder(directory)
    for name in FILES:
        if not (directory / name).is_file():
            raise MusicInputError(f"--model {directory}: missing {name}; expected a folder "
                                  f"written by 'python -m music train' ({', '.join(FILES)})")
    try:
        encoding = Encoding.from_config(json.loads((directory / "encoding.json").read_text()))
        config = json.loads((directory / "config.json").read_text())
        metrics = json.loads((directory / "metrics.json").read_text())
        model = keras.saving.load_model(directory / "model.keras", compile=False)
    except (OSError, ValueError, KeyError) as error:
        raise MusicInputError(f"--model {directory}: cannot load the improviser ({error}); "
                              f"expected a folder written by 'python -m music train'") from None
    return Artifact(model, encoding, config, metrics, directory)


__all__ = ["Artifact", "build_model", "save_artifact", "load_artifact", "DEFAULT_HPARAMS",
           "PRETRAINED_DIR", "WJAZZD_LICENSE"]
