"""THE artifact format of seqzoo: one folder per trained model, written by one atomic writer.

Layout of an artifact folder (its names are in `zoo.artifacts.layout`):

    config.json     {"format": "seqzoo.artifact", "version": 2, "kind": "text.generator",
                     "factory": "zoo.build_lm", "arguments": {...the exact factory call...},
                     "preprocessing": ["vocab"], "metrics": {...}, ...the application's settings}
    vocab.json      one JSON file per preprocessing entry (a vocabulary, a music encoding)
    model.keras     the model, float32 weights, no optimizer; loaded in Keras safe mode
    training/       (optional) the training engine's run folder: kept across saves

Loading checks every field before the model is used (`zoo.artifacts.fields`): the header and
the factory call here, the application's own files through `load_artifact(check=...)`, and the
recorded `zoo.build_lm` call against the loaded model's layers; a refusal is one line naming the
file and the field.

Safety rules (nothing a user had is lost):
- `zoo.artifacts.folders.check_output_folder` refuses, before any work, a path that exists
  and is not an artifact of the same kind (or an empty folder, or a run folder of ours): a
  user's folder is never replaced, and `.`/the current folder or one of its parents never is.
- A save goes through `zoo.io.atomic.replace_folder_atomically`: staged beside the target, swapped
  in by renames recorded in a journal, rolled forward by the next save or load if a process
  dies mid-swap. Everything in the old folder that is not one of its own artifact files (a
  README, the `training/` run folder) moves into the new one. Concurrent saves to one folder
  are serialised by a lock.
"""

import errno
import json
import os
import pathlib

from zoo.artifacts.fields import FieldError, Fields, choice, integer, list_of, obj, optional, text
from zoo.artifacts.folders import check_output_folder, folder_kind, own_files, read_config
from zoo.artifacts.layout import (
    CONFIG_FILE,
    FORMAT,
    FORMAT_VERSION,
    LEGACY_TEXT_FORMAT,
    MODEL_FILE,
    RESERVED_KEYS,
    Artifact,
    ArtifactError,
)
from zoo.artifacts.lm_fields import check_lm_arguments, check_lm_model
from zoo.io.atomic import recover_folder, replace_folder_atomically
from zoo.io.jsonio import JSONFileError, read_json
from zoo.models.recording import factory_call, set_factory_call
from zoo.runtime.precision import float32_copy

# ----------------------------------------------------------------------------- save and load


def save_artifact(
    path, *, kind, model, preprocessing=None, config=None, metrics=None, option="path"
):
    """Save a model and its preprocessing as an artifact folder, atomically.

    Args:
        path: the folder (see `check_output_folder` for what may be replaced).
        kind: str naming what the artifact is, e.g. `"text.generator"`; loaders check it.
        model: the `keras.Model`. Saved with float32 weights and without optimizer state. The
            factory call recorded by the zoo factory that built it goes into `config.json`.
        preprocessing: dict name -> JSON value, each written as `<name>.json`.
        config: dict of the application's settings (training, data, licence, ...), merged into
            `config.json`; it must not use the keys in `RESERVED_KEYS`.
        metrics: dict of measured numbers.
        option: how error messages name the path (a CLI passes `"--out"`).

    Returns:
        The folder as an absolute `pathlib.Path`.

    Raises:
        ArtifactError: the path may not be replaced, or writing failed (the previous artifact
            is then untouched).

    Example:

    >>> import tempfile, os, zoo
    >>> folder = os.path.join(tempfile.mkdtemp(), "lm")
    >>> _ = save_artifact(folder, kind="demo", model=zoo.build_lm(9, units=4),
    ...                   preprocessing={"vocab": ["a", "b"]}, metrics={"loss": 1.5})
    >>> loaded = load_artifact(folder, kind="demo")
    >>> loaded.config["factory"], loaded.preprocessing["vocab"], loaded.metrics["loss"]
    ('zoo.build_lm', ['a', 'b'], 1.5)
    """
    shown = os.fspath(path) if isinstance(path, (str, os.PathLike)) else path
    path = check_output_folder(path, kind=kind, option=option)
    config = dict(config or {})
    clash = sorted(set(config) & set(RESERVED_KEYS))
    if clash:
        raise ArtifactError(f"config uses reserved keys {clash}; put them elsewhere")
    preprocessing = dict(preprocessing or {})
    call = factory_call(model) or {"factory": None, "arguments": None}
    document = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "kind": kind,
        **call,
        "preprocessing": sorted(preprocessing),
        "metrics": dict(metrics or {}),
        **config,
    }
    try:
        text = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        files = {
            f"{name}.json": json.dumps(value, indent=1, ensure_ascii=False) + "\n"
            for name, value in preprocessing.items()
        }
    except (TypeError, ValueError) as error:
        raise ArtifactError(f"cannot save to {shown}: the config is not JSON ({error})") from None
    bare = float32_copy(model)
    try:
        with replace_folder_atomically(path, replaced=own_files) as staging:
            bare.save(staging / MODEL_FILE)
            for name, content in files.items():
                (staging / name).write_text(content, encoding="utf-8")
            (staging / CONFIG_FILE).write_text(text, encoding="utf-8")
    except OSError as error:
        raise ArtifactError(
            f"{option} {shown}: cannot save ({error.strerror or error}); the "
            f"previous contents are untouched"
        ) from None
    return path


def _convert_legacy(path, config):
    """Read the layouts written before format 2 into the format-2 shape."""
    if config.get("format") == LEGACY_TEXT_FORMAT:
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "kind": "text.generator",
            "factory": "zoo.build_lm",
            "arguments": dict(config.get("model", {})),
            "preprocessing": ["vocab"],
            "metrics": config.get("metrics", {}),
            **{k: v for k, v in config.items() if k not in RESERVED_KEYS and k != "model"},
            "legacy_format": 1,
        }
    try:
        metrics = read_json(path / "metrics.json")
    except JSONFileError:  # the legacy layout's optional record: unreadable counts as none
        metrics = None
    return {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "kind": "music.improviser",
        "factory": None,
        "arguments": None,
        "preprocessing": ["encoding"],
        "metrics": metrics if isinstance(metrics, dict) else {},
        **{k: v for k, v in config.items() if k not in RESERVED_KEYS},
        "legacy_format": 1,
    }


def _check_header(config, where):
    """The fields that say what a folder is: `format`, `version`, `kind` (format 2)."""
    fields = Fields(config, f"{where}: {CONFIG_FILE}")
    if config.get("format") == FORMAT:
        version = fields.read("version", integer())
        if version > FORMAT_VERSION:
            raise FieldError(
                f"{where}: written in artifact format version {version}, but this "
                f"seqzoo reads versions up to {FORMAT_VERSION}; upgrade seqzoo"
            )
        if version != FORMAT_VERSION:
            fields.fail(
                "version",
                f"is {version}, an unknown artifact format version; expected {FORMAT_VERSION}",
            )
        fields.read("kind", text())
    elif "format" in config or "kind" in config:
        fields.read("format", choice(FORMAT, LEGACY_TEXT_FORMAT))


def _check_record(config, source):
    """The fields every artifact holds: the factory call, `preprocessing`, `metrics`."""
    fields = Fields(config, source)
    factory = fields.read("factory", optional(text()))
    fields.read("arguments", obj() if factory is not None else optional(obj()))
    if factory == "zoo.build_lm":  # the layout before format 2 recorded fewer arguments
        check_lm_arguments(
            fields.section("arguments"),
            optional_names=(
                ("vocab_size", "conditioning_dim", "bidirectional", "name")
                if "legacy_format" in config
                else ()
            ),
        )
    fields.read(
        "preprocessing", list_of(text(), distinct=True, what="a list of file names without .json")
    )
    fields.read("metrics", obj())


def read_artifact_config(path, *, kind, hint="", option="path"):
    """Read and check an artifact's `config.json` without loading the model.

    Args:
        path: the folder.
        kind: the expected kind.
        hint: what writes such an artifact, for messages (e.g. `"python -m text train"`).
        option: how messages name the path.

    Returns:
        The config dict (legacy layouts converted to the format-2 shape).

    Raises:
        ArtifactError: missing folder, not an artifact, another kind, a newer format version,
            or a missing file; the message names the folder and what was expected.

    Example:

    >>> read_artifact_config("no/such/folder", kind="text.generator")
    Traceback (most recent call last):
    ...
    zoo.artifacts.layout.ArtifactError: path no/such/folder: does not exist; expected a text.generator artifact folder
    """
    shown = os.fspath(path) if isinstance(path, (str, os.PathLike)) else repr(path)
    expected = f"expected a {kind} artifact folder" + (f" (written by {hint})" if hint else "")
    path = pathlib.Path(path)
    recover_folder(path)
    if not path.exists():
        raise ArtifactError(f"{option} {shown}: does not exist; {expected}")
    if not path.is_dir():
        raise ArtifactError(f"{option} {shown}: is a file; {expected}")
    config = read_config(path)
    if not isinstance(config, dict):
        raise ArtifactError(
            f"{option} {shown}: not a seqzoo artifact (no readable {CONFIG_FILE}); {expected}"
        )
    try:
        _check_header(config, f"{option} {shown}")
    except FieldError as error:
        raise ArtifactError(str(error)) from None
    found = folder_kind(path, config)
    if found in (None, "empty", "run"):
        raise ArtifactError(f"{option} {shown}: not a seqzoo artifact; {expected}")
    if found != kind:
        raise ArtifactError(f"{option} {shown}: is a {found} artifact; {expected}")
    if config.get("format") != FORMAT:
        config = _convert_legacy(path, config)
    try:
        _check_record(config, f"{option} {shown}: {CONFIG_FILE}")
    except FieldError as error:
        raise ArtifactError(str(error)) from None
    names = config["preprocessing"]
    for name in [MODEL_FILE, *(f"{n}.json" for n in names)]:
        if not (path / name).is_file():
            raise ArtifactError(f"{option} {shown}: incomplete, {name} is missing; {expected}")
    return config


def load_artifact(path, *, kind, hint="", option="path", load_model=True, check=None):
    """Load an artifact folder: config, preprocessing and the model (Keras safe mode).

    Every field is checked before the model loads (`zoo.artifacts.fields`): the header and
    record fields of `config.json` here, the application's own fields by `check`. After the
    model loads, a recorded `zoo.build_lm` call must match its layers (`check_lm_model`).

    Args:
        path: the folder.
        kind: the expected kind (e.g. `"music.improviser"`).
        hint: what writes such an artifact, for messages.
        option: how messages name the path (a CLI passes its flag, e.g. `"--model"`).
        load_model: bool; False reads only the JSON files. Defaults to True.
        check: callable `(artifact, where)` or None: the application's field checks, given the
            `Artifact` before its model loads and `where` (`"<option> <path>"`, to start each
            message with); it raises `zoo.artifacts.fields.FieldError`. Defaults to None.

    Returns:
        An `Artifact`. The model (uncompiled) carries its recorded factory call.

    Raises:
        ArtifactError: see `read_artifact_config`; a field that is missing, of the wrong type,
            out of range or inconsistent with another field or with the model's layers (one
            line naming the file and the field); also any failure of Keras to load
            `model.keras` (including a layer or function that safe mode refuses), as one line.

    Example:

    >>> load_artifact("no/such/folder", kind="music.improviser", option="--model")
    Traceback (most recent call last):
    ...
    zoo.artifacts.layout.ArtifactError: --model no/such/folder: does not exist; expected a music.improviser ...
    """
    shown = os.fspath(path) if isinstance(path, (str, os.PathLike)) else repr(path)
    config = read_artifact_config(path, kind=kind, hint=hint, option=option)
    path = pathlib.Path(path)
    preprocessing = {}
    for name in config["preprocessing"]:
        try:
            value = read_json(path / f"{name}.json")
        except JSONFileError:
            value = None
        if value is None:
            raise ArtifactError(f"{option} {shown}: {name}.json is not readable JSON")
        preprocessing[name] = value
    artifact = Artifact(path.absolute(), kind, config, preprocessing, None)
    where = f"{option} {shown}"
    try:
        if check is not None:
            check(artifact, where)
        if load_model:
            artifact.model = _load_keras(path / MODEL_FILE, shown, option)
            if config.get("factory") == "zoo.build_lm":
                check_lm_model(config["arguments"], artifact.model, f"{where}: {CONFIG_FILE}")
    except FieldError as error:
        raise ArtifactError(str(error)) from None
    if artifact.model is not None and config.get("factory"):
        set_factory_call(
            artifact.model, {"factory": config["factory"], "arguments": config["arguments"]}
        )
    return artifact


def _load_keras(model_path, shown, option):
    from zoo.models.saving import load_model  # lazy: TensorFlow (registers the zoo's layers)

    try:
        return load_model(model_path, compile=False, safe_mode=True)
    except Exception as error:  # noqa: BLE001  Keras raises many types for a bad file
        first = (str(error).strip().splitlines() or [type(error).__name__])[0]
        if isinstance(error, OSError) and error.errno == errno.ENOENT:
            first = "model.keras is missing"
        raise ArtifactError(
            f"{option} {shown}: cannot load {MODEL_FILE} ({type(error).__name__}: {first[:300]})"
        ) from None


__all__ = ["load_artifact", "read_artifact_config", "save_artifact"]
