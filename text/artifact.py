"""The saved form of a text generator: one folder, written atomically.

Layout of an artifact folder:

    config.json   format tag, mode, model hyperparameters, training settings, metrics
    vocab.json    the vocabulary (`text.vocab.Vocabulary.to_json`)
    model.keras   the full-sequence language model (`keras.Model.save`, safe to load)

`write_artifact` builds the new folder beside the target under a temporary name and swaps it in
with renames, so an interrupted save leaves the previous artifact intact. No pickle anywhere.
"""

import json
import os
import shutil
import tempfile

FORMAT = "seqzoo.text.generator"
FORMAT_VERSION = 1
CONFIG_FILE, VOCAB_FILE, MODEL_FILE = "config.json", "vocab.json", "model.keras"


class ArtifactError(ValueError):
    """A path that is missing or is not a text-generator artifact of this package."""


def write_artifact(path, config, vocab, model):
    """Write an artifact folder atomically.

    Args:
        path: str or path-like, the folder to (re)place.
        config: dict, JSON-serialisable; `format` and `version` are added.
        vocab: `text.vocab.Vocabulary`.
        model: `keras.Model`, the full-sequence language model.
    """
    path = os.path.abspath(os.fspath(path))
    if os.path.exists(path) and not os.path.isdir(path):
        raise ArtifactError(f"cannot save a text generator to {path!r}: it exists and is not a folder")
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(path)}.tmp-", dir=parent)
    try:
        model.save(os.path.join(tmp, MODEL_FILE))
        with open(os.path.join(tmp, VOCAB_FILE), "w", encoding="utf-8") as f:
            f.write(vocab.to_json())
        with open(os.path.join(tmp, CONFIG_FILE), "w", encoding="utf-8") as f:
            json.dump({"format": FORMAT, "version": FORMAT_VERSION, **config}, f, indent=1, ensure_ascii=False)
        if os.path.isdir(path):
            old = tmp + ".old"
            os.rename(path, old)  # from here until the next rename, `old` is the artifact
            os.rename(tmp, path)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _recover(path):
    """If a save died between its two renames, put the previous artifact back."""
    if os.path.exists(path):
        return
    parent, base = os.path.split(path)
    if not os.path.isdir(parent):
        return
    for name in sorted(os.listdir(parent)):
        if name.startswith(f".{base}.tmp-") and name.endswith(".old"):
            os.rename(os.path.join(parent, name), path)
            return


def read_artifact(path):
    """Read an artifact folder.

    Args:
        path: str or path-like.

    Returns:
        `(config, vocab_json, model_path)`.

    Raises:
        ArtifactError: the folder is missing, or lacks the files or the format tag.
    """
    path = os.path.abspath(os.fspath(path))
    _recover(path)
    if not os.path.exists(path):
        raise ArtifactError(f"model directory {path!r} does not exist")
    if not os.path.isdir(path):
        raise ArtifactError(f"{path!r} is not a model directory (it is a file)")
    config_path = os.path.join(path, CONFIG_FILE)
    try:
        with open(config_path, encoding="utf-8") as f:
            config = json.load(f)
    except (OSError, json.JSONDecodeError):
        config = None
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ArtifactError(
            f"{path!r} is not a seqzoo text generator (expected {CONFIG_FILE} with format {FORMAT!r}); "
            "create one with `python -m text train`"
        )
    if config.get("version") != FORMAT_VERSION:
        raise ArtifactError(f"{path!r} has artifact version {config.get('version')!r}; this package reads {FORMAT_VERSION}")
    for name in (VOCAB_FILE, MODEL_FILE):
        if not os.path.isfile(os.path.join(path, name)):
            raise ArtifactError(f"text generator {path!r} is incomplete: {name} is missing")
    with open(os.path.join(path, VOCAB_FILE), encoding="utf-8") as f:
        vocab_json = f.read()
    return config, vocab_json, os.path.join(path, MODEL_FILE)
