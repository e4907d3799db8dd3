"""The improviser's network and its self-describing artifact folder.

The network is `zoo.build_lm` with conditioning: event tokens (intervals and durations, see
`music.encoding.events`) plus the per-event chord/bar/melody feature vector
(`music.encoding.features`), one LSTM layer by default, next-event logits out. A saved
improviser is a `zoo.artifacts.format` folder of kind "music.improviser":

    model.keras     the Keras model (loads with safe_mode=True)
    encoding.json   `Encoding.get_config()`: what the tokens and features mean, with the
                    encoding version (a folder of another version is refused, naming both)
    config.json     the factory call (`arguments`: the hyperparameters), the training settings
                    and data (sources, held-out list), licence, the measured metrics
                    (losses, epochs, seconds, the parameter count) and, for a model with a
                    style block, `style`: the training solos' styles (`music.model.style`,
                    `StyleTable.to_config`); for a calibrated model, `calibration`: each
                    event's sampling bias (`music.model.calibration`); folders written before
                    may also hold `hparams`, the factory call again with the parameter count,
                    which is still read and checked against the model

Every field of both JSON files is checked on load (`check_artifact_fields`, with the shared
rules of `zoo.artifacts.fields`), and the recorded model against `model.keras`'s layers: a
corrupt folder is refused in one line naming the file and the field, never played.
"""

import dataclasses
import json
import pathlib

import keras

import zoo  # noqa: F401  (sets the Keras backend and TF flags before keras is imported)
from music.encoding.events import Encoding, EncodingVersionError
from music.errors import MusicInputError
from music.model.style import STYLE_DIM, StyleTable
from zoo.artifacts import fields as checks
from zoo.artifacts import lm_fields
from zoo.artifacts.format import RESERVED_KEYS, ArtifactError
from zoo.artifacts.format import load_artifact as load_zoo_artifact
from zoo.artifacts.format import save_artifact as save_zoo_artifact
from zoo.models.recording import set_factory_call
from zoo.training.engine import PRECISIONS

PRETRAINED_DIR = pathlib.Path(__file__).resolve().parents[1] / "pretrained"
DEFAULT_HPARAMS = {
    "cell": "lstm",
    "units": 256,
    "num_layers": 1,
    "embedding_dim": 64,
    "dropout": 0.1,
}
WJAZZD_LICENSE = (
    "Trained on solos from the Weimar Jazz Database (WJazzD), Jazzomat Research "
    "Project, HfM Franz Liszt Weimar: database licensed ODbL 1.0, contents DbCL "
    "1.0. Cite: Pfleiderer et al. (eds.), Inside the Jazzomat, 2017."
)


def build_model(encoding: Encoding, **hparams) -> keras.Model:
    """Build the (untrained) improviser network.

    Args:
        encoding: the `Encoding` whose vocabulary and feature size the model uses.
        **hparams: `zoo.build_lm` keyword arguments overriding `DEFAULT_HPARAMS`
            (cell, units, num_layers, embedding_dim, dropout).

    Returns:
        keras.Model: inputs `"tokens"` (batch, time) int32 and `"conditioning"`
        (batch, time, encoding.feature_dim) float32; output next-event logits (batch, time, vocab).

    Example:
        >>> model = build_model(Encoding(), units=32)
        >>> model.output.shape[-1] == Encoding().vocab_size
        True
    """
    params = dict(DEFAULT_HPARAMS)
    params.update(hparams)
    return zoo.build_lm(
        encoding.vocab_size, conditioning_dim=encoding.feature_dim, name="improviser", **params
    )


@dataclasses.dataclass
class Artifact:
    """A loaded improviser: the model, its encoding, config and metrics.

    Args:
        model: the full-sequence `keras.Model`.
        encoding: its `Encoding`.
        config: training configuration (dict).
        metrics: measured numbers (dict).
        path: the folder it came from (None when not saved).
        arguments: the `zoo.build_lm` keyword arguments that built the model (config.json's
            `arguments`; from `hparams` in the layout before format 2).
        style: the `music.model.style.StyleTable` of a model with a style block, else None.
        calibration: float32 (vocab_size,), each event's bias of a calibrated model
            (`music.model.calibration`), else None.
    """

    model: keras.Model
    encoding: Encoding
    config: dict
    metrics: dict
    path: object = None
    arguments: dict = dataclasses.field(default_factory=dict)
    style: object = None
    calibration: object = None


KIND = "music.improviser"
HINT = "python -m music train"

TRAINING_FIELDS = {
    "epochs": checks.integer(low=1),
    "seq_len": checks.integer(low=1),
    "batch_size": checks.integer(low=1),
    "learning_rate": checks.number(low=0, low_open=True),
    "final_learning_rate": checks.number(0, 1),
    "clipnorm": checks.optional(checks.number(low=0, low_open=True)),
    "patience": checks.integer(low=0),
    "holdout_every": checks.integer(low=0),
    "val_fraction": checks.number(0, 1, high_open=True),
    "max_minutes": checks.optional(checks.number(low=0, low_open=True)),
    "seed": checks.integer(),
    "precision": checks.choice(*PRECISIONS),
    "augmentation": checks.text(),
    "early_stopping": checks.obj(),
    "checkpoints": checks.text(),
}
"""The settings `music.model.train.train` records in config.json's `training` (each optional)."""

SOURCES = ("train_sources", "validation_sources", "heldout_sources")
MUSIC_METRICS = {
    "best_val_loss": checks.optional(checks.number()),
    "best_loss": checks.optional(checks.number()),
    "stopped_early": checks.boolean(),
    "message": checks.optional(checks.text()),
    "parameters": checks.integer(low=1),
}
"""The numbers `music.model.train.train` adds to the engine's metrics (each optional)."""


def check_artifact_fields(artifact, where):
    """Check every field of an improviser's `encoding.json` and `config.json`.

    Run by `load_artifact` (through `zoo.artifacts.format.load_artifact`) before the model loads;
    the zoo checks the header, the factory call and, once the model is loaded, its layers.
    `encoding.json`: see `Encoding.from_config`. `config.json`: `factory` is `"zoo.build_lm"`
    (null only in the layout before format 2), `preprocessing` is `["encoding"]`; the model
    takes the encoding's `vocab_size` and `feature_dim` conditioning; a model with a style
    block has a valid `style` section (`StyleTable.from_config`), one without has none; a
    `calibration` section, when present, is valid for the encoding (`read_calibration`);
    `hparams` (when
    present) is the factory call plus `parameters`; `training`, `data` and `metrics` hold
    valid settings and numbers (`TRAINING_FIELDS`, `MUSIC_METRICS`), the early-stopping
    patience is the training patience, and no solo is in two of the train, validation and
    held-out lists; `license` and `command` are strings.

    Args:
        artifact: the `zoo.artifacts.format.Artifact`, before its model loads.
        where: `"--model <folder>"`, the start of every message.

    Returns:
        dict: the sections read on the way, `style` (`read_style`) and `calibration`
        (`read_calibration`), so that `load_artifact` need not read them again.

    Raises:
        zoo.artifacts.fields.FieldError: one line naming the file and the field.
        EncodingVersionError: encoding.json is of another encoding version.
    """
    config = artifact.config
    fields = checks.Fields(config, f"{where}: config.json")
    legacy = "legacy_format" in config
    fields.read(
        "factory",
        checks.optional(checks.text())
        if legacy
        else checks.exactly("zoo.build_lm", "the improviser's model"),
    )
    fields.read("preprocessing", checks.exactly(["encoding"], "its encoding"))
    encoding = Encoding.from_config(
        artifact.preprocessing["encoding"], source=f"{where}: encoding.json"
    )
    calls = [("arguments", config["arguments"])] if config.get("arguments") else []
    hparams = fields.section("hparams", default=None)
    if hparams is not None:
        specs = {**lm_fields.LM_ARGUMENTS, "parameters": checks.integer(low=1)}
        record = hparams.read_all(
            specs, optional_names=tuple(specs), closed=True, what="the model's hyperparameters"
        )
        for key, value in (config.get("arguments") or {}).items():
            if key in record and record[key] != value:
                hparams.fail(
                    key,
                    f"is {json.dumps(record.get(key))}, but arguments.{key} is "
                    f"{json.dumps(value)}; expected the same value",
                )
        calls.append(("hparams", record))
    for name, call in calls:  # the model reads the encoding's tokens and features
        for key, field, size in (
            ("vocab_size", "vocab_size", encoding.vocab_size),
            ("conditioning_dim", "feature_dim", encoding.feature_dim),
        ):
            if call.get(key, size) != size:
                fields.fail(
                    f"{name}.{key}",
                    f"is {json.dumps(call[key])}, but encoding.json's "
                    f"{field} is {size}; expected the same number",
                )
    training = fields.section("training", default=None)
    if training is not None:
        settings = training.read_all(TRAINING_FIELDS, optional_names=tuple(TRAINING_FIELDS))
        if "early_stopping" in settings:
            stopping = training.section("early_stopping").read_all(
                {"monitor": checks.choice("val_loss", "loss"), "patience": checks.integer(low=0)},
                optional_names=("monitor", "patience"),
            )
            if (
                "patience" in settings
                and stopping.get("patience", settings["patience"]) != settings["patience"]
            ):
                training.fail(
                    "early_stopping.patience",
                    f"is {stopping['patience']}, but patience is "
                    f"{settings['patience']}; expected the same number",
                )
    data = fields.section("data", default=None)
    if data is not None:
        names = checks.list_of(checks.text(), distinct=True, what="a list of file names, each once")
        lists = data.read_all(
            {**{name: names for name in SOURCES}, "train_events": checks.integer(low=0)},
            optional_names=(*SOURCES, "train_events"),
        )
        for i, first in enumerate(SOURCES):
            for second in SOURCES[i + 1 :]:
                shared = sorted(set(lists.get(first, ())) & set(lists.get(second, ())))
                if shared:
                    data.fail(
                        second,
                        f"holds {json.dumps(shared[0])}, which is also in "
                        f"{first}; expected each solo in one list only",
                    )
    sections = {
        "style": read_style(fields, encoding),
        "calibration": read_calibration(fields, encoding),
    }
    fields.read("license", checks.text(), default=None)
    fields.read("command", checks.optional(checks.text()), default=None)
    metrics = fields.section("metrics")
    lm_fields.check_training_metrics(metrics)
    metrics.read_all(MUSIC_METRICS, optional_names=tuple(MUSIC_METRICS))
    return sections


def read_style(fields, encoding):
    """config.json's `style` section, checked against the encoding's style block.

    Args:
        fields: `zoo.artifacts.fields.Fields` over config.json.
        encoding: the folder's `Encoding`.

    Returns:
        `StyleTable`, or None for a model without a style block.

    Raises:
        zoo.artifacts.fields.FieldError: a style section that is missing (the encoding has
            a style block), present without one, or invalid.
    """
    if not encoding.style_dim:
        if "style" in fields.document:
            fields.fail("style", "is present, but encoding.json has no style block")
        return None
    if encoding.style_dim != STYLE_DIM:
        fields.fail(
            "style",
            f"has {STYLE_DIM} figures in this seqzoo, but encoding.json's style_dim is "
            f"{encoding.style_dim}; expected the same number",
        )
    return StyleTable.from_config(fields.section("style"))


def read_calibration(fields, encoding):
    """config.json's `calibration` section (`music.model.calibration.calibrate`), checked.

    Args:
        fields: `zoo.artifacts.fields.Fields` over config.json.
        encoding: the folder's `Encoding`.

    Returns:
        np.ndarray float32 (encoding.vocab_size,), each event's bias in nats, or None when the
        model is not calibrated.

    Raises:
        zoo.artifacts.fields.FieldError: a section whose bias is not one number per event
            within +-clip, or whose record of how it was measured is invalid.
    """
    import numpy as np

    if "calibration" not in fields.document:
        return None
    section = fields.section("calibration")
    size = encoding.vocab_size
    number = checks.number()
    values = section.read_all(
        {
            "bias": checks.Spec(
                lambda v: isinstance(v, list) and len(v) == size and all(map(number, v)),
                f"a list of {size} finite numbers (one per event of encoding.json)",
            ),
            "clip": checks.number(low=0, low_open=True),
            "smoothing": checks.number(low=0, low_open=True),
            "solos": checks.integer(low=1),
            "bars": checks.integer(low=1),
            "seed": checks.integer(),
            "events": checks.obj(),
            "sampling": checks.obj(),
        },
        optional_names=("solos", "bars", "seed", "events", "smoothing", "sampling"),
        closed=True,
        what="the calibration section",
    )
    bias = np.asarray(values["bias"], np.float32)
    largest = float(np.abs(bias).max())
    if largest > values["clip"] + 1e-6:
        section.fail(
            "bias",
            f"reaches {largest:g}, beyond clip {values['clip']:g}; expected "
            "every bias within +-clip",
        )
    return bias


def _check_against_model(loaded, source):
    """After the model loads: the recorded parameter count (`metrics.parameters`, and
    `hparams.parameters` in older folders) is the model's, and `hparams` (when present)
    describes its layers; the zoo has already compared `arguments` with its layers."""
    count = int(loaded.model.count_params())
    recorded = [("metrics.parameters", loaded.metrics.get("parameters", count))]
    hparams = loaded.config.get("hparams")
    if hparams:
        lm_fields.check_lm_model(
            {k: v for k, v in hparams.items() if k != "parameters"},
            loaded.model,
            source,
            prefix="hparams.",
        )
        recorded.append(("hparams.parameters", hparams.get("parameters", count)))
    for field, value in recorded:
        if value != count:
            raise checks.FieldError(
                f"{source}: field {field} is {value}, but model.keras "
                f"holds {count} parameters; expected the same number"
            )


def save_artifact(directory, model, encoding, config, metrics) -> pathlib.Path:
    """Save an improviser folder atomically (the `zoo.artifacts.format` format).

    The folder holds `model.keras`, `encoding.json` and `config.json` (the factory call that
    built the model, `config`'s settings and `metrics`). An existing folder is replaced only if
    it is an improviser artifact, by an atomic swap that keeps every other file in it (and the
    `training/` run folder); any other existing folder is refused.

    Args:
        directory: target folder (created or replaced).
        model: the trained `keras.Model`.
        encoding: its `Encoding`.
        config: JSON-able training configuration (training, data, licence, command); the
            model's hyperparameters are its recorded factory call.
        metrics: JSON-able measured numbers.

    Returns:
        pathlib.Path: the folder.

    Raises:
        zoo.artifacts.ArtifactError: (a MusicInputError-compatible ValueError) naming
            the folder.

    Example:
        >>> import tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp()) / "jazz"
        >>> model = build_model(Encoding(), units=4, embedding_dim=4)
        >>> save_artifact(folder, model, Encoding(), {}, {"val_loss": 2.1}).name
        'jazz'
        >>> "hparams" in json.loads((folder / "config.json").read_text())
        False
        >>> import shutil; shutil.rmtree(folder.parent)
    """
    return save_zoo_artifact(
        directory,
        kind=KIND,
        model=model,
        preprocessing={"encoding": encoding.get_config()},
        config=config,
        metrics=metrics,
        option="--out",
    )


def load_artifact(directory=None) -> Artifact:
    """Load an improviser folder (default: the model shipped in `music/pretrained`).

    Reads the `zoo.artifacts.format` format and the layout written before it (model.keras,
    encoding.json, config.json, metrics.json). The model is loaded in Keras safe mode.

    Args:
        directory: a folder written by `save_artifact`, or None for the shipped model.

    Returns:
        Artifact: model, encoding, config (the training settings), metrics.

    Raises:
        MusicInputError: the folder is missing, is not an improviser, misses a file or holds
            something unreadable, or was written for another encoding version (the message
            names both versions), or a field of encoding.json or config.json is missing, of
            the wrong type, out of range or inconsistent with another or with the model's
            layers (`check_artifact_fields`); one line naming the folder (and the file and
            the field).

    Example:
        >>> artifact = load_artifact()
        >>> artifact.arguments["units"], artifact.encoding.vocab_size
        (384, 1201)
    """
    directory = pathlib.Path(directory) if directory is not None else PRETRAINED_DIR
    sections = {}  # the style and calibration, read once while the fields are checked
    try:
        loaded = load_zoo_artifact(
            directory,
            kind=KIND,
            hint=HINT,
            option="--model",
            check=lambda artifact, where: sections.update(check_artifact_fields(artifact, where)),
        )
        encoding = Encoding.from_config(loaded.preprocessing["encoding"])
        _check_against_model(loaded, f"--model {directory}: config.json")
        if loaded.config["factory"] is None and "vocab_size" in (
            loaded.config.get("hparams") or {}
        ):
            # The layout before format 2: record the call, so the next save writes it.
            set_factory_call(
                loaded.model,
                {
                    "factory": "zoo.build_lm",
                    "arguments": {
                        k: v for k, v in loaded.config["hparams"].items() if k != "parameters"
                    },
                },
            )
    except (ArtifactError, checks.FieldError) as error:
        raise MusicInputError(str(error)) from None
    except EncodingVersionError as error:
        raise MusicInputError(
            f"--model {directory}: the model was trained with {error} "
            f"(encoding.json field version); retrain it with {HINT}"
        ) from None
    settings = {
        k: v for k, v in loaded.config.items() if k not in RESERVED_KEYS and k != "legacy_format"
    }
    arguments = loaded.config.get("arguments") or {
        k: v for k, v in (loaded.config.get("hparams") or {}).items() if k != "parameters"
    }
    return Artifact(
        loaded.model,
        encoding,
        settings,
        dict(loaded.metrics),
        directory,
        dict(arguments),
        sections["style"],
        sections["calibration"],
    )


__all__ = [
    "Artifact",
    "build_model",
    "save_artifact",
    "load_artifact",
    "DEFAULT_HPARAMS",
    "KIND",
    "PRETRAINED_DIR",
    "WJAZZD_LICENSE",
]
