"""The improviser's network and its self-describing artifact folder.

The network is `zoo.build_lm` with conditioning: event tokens (intervals and durations, see
`music.encoding`) plus the per-event chord/bar/melody feature vector, one LSTM layer by default,
next-event logits out. A saved
improviser is a `zoo.artifacts` folder of kind "music.improviser":

    model.keras     the Keras model (loads with safe_mode=True)
    encoding.json   `Encoding.get_config()`: what the tokens and features mean, with the
                    encoding version (a folder of another version is refused, naming both)
    config.json     the factory call, hyperparameters, training data (sources, held-out list),
                    licence, and the measured metrics (losses, epochs, seconds)
"""

import dataclasses
import pathlib

import zoo  # noqa: F401  (sets the Keras backend and TF flags before keras is imported)
import keras

from music.encoding import FEATURE_DIM, Encoding, EncodingVersionError
from music.errors import MusicInputError
from zoo.artifacts import RESERVED_KEYS, ArtifactError
from zoo.artifacts import load_artifact as load_zoo_artifact
from zoo.artifacts import save_artifact as save_zoo_artifact

PRETRAINED_DIR = pathlib.Path(__file__).resolve().parent / "pretrained"
DEFAULT_HPARAMS = {"cell": "lstm", "units": 256, "num_layers": 1, "embedding_dim": 64,
                   "dropout": 0.1}
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


KIND = "music.improviser"
HINT = "python -m music train"


def save_artifact(directory, model, encoding, config, metrics) -> pathlib.Path:
    """Save an improviser folder atomically (the `zoo.artifacts` format).

    The folder holds `model.keras`, `encoding.json` and `config.json` (the factory call that
    built the model, `config`'s settings and `metrics`). An existing folder is replaced only if
    it is an improviser artifact, by an atomic swap that keeps every other file in it (and the
    `training/` run folder); any other existing folder is refused.

    Args:
        directory: target folder (created or replaced).
        model: the trained `keras.Model`.
        encoding: its `Encoding`.
        config: JSON-able training configuration (hparams, training, data, licence, command).
        metrics: JSON-able measured numbers.

    Returns:
        pathlib.Path: the folder.

    Raises:
        zoo.artifacts.ArtifactError: (a MusicInputError-compatible ValueError) naming the folder.

    Example:
        >>> save_artifact("runs/jazz", model, Encoding(), {"hparams": {}}, {"val_loss": 2.1})
    """
    return save_zoo_artifact(directory, kind=KIND, model=model,
                             preprocessing={"encoding": encoding.get_config()},
                             config=config, metrics=metrics, option="--out")


def load_artifact(directory=None) -> Artifact:
    """Load an improviser folder (default: the model shipped in `music/pretrained`).

    Reads the `zoo.artifacts` format and the layout written before it (model.keras,
    encoding.json, config.json, metrics.json). The model is loaded in Keras safe mode.

    Args:
        directory: a folder written by `save_artifact`, or None for the shipped model.

    Returns:
        Artifact: model, encoding, config (the training settings), metrics.

    Raises:
        MusicInputError: the folder is missing, is not an improviser, misses a file or holds
            something unreadable, or was written for another encoding version (the message
            names both versions); one line naming the folder.

    Example:
        >>> artifact = load_artifact()
        >>> artifact.encoding.vocab_size
    """
    directory = pathlib.Path(directory) if directory is not None else PRETRAINED_DIR
    try:
        loaded = load_zoo_artifact(directory, kind=KIND, hint=HINT, option="--model")
        encoding = Encoding.from_config(loaded.preprocessing["encoding"])
    except ArtifactError as error:
        raise MusicInputError(str(error)) from None
    except EncodingVersionError as error:
        raise MusicInputError(f"--model {directory}: the model was trained with {error}; "
                              f"retrain it with {HINT}") from None
    except (TypeError, ValueError, KeyError) as error:
        raise MusicInputError(f"--model {directory}: encoding.json is not a music encoding "
                              f"({error}); expected a folder written by {HINT}") from None
    settings = {k: v for k, v in loaded.config.items()
                if k not in RESERVED_KEYS and k != "legacy_format"}
    return Artifact(loaded.model, encoding, settings, dict(loaded.metrics), directory)


__all__ = ["Artifact", "build_model", "save_artifact", "load_artifact", "DEFAULT_HPARAMS",
           "KIND", "PRETRAINED_DIR", "WJAZZD_LICENSE"]
