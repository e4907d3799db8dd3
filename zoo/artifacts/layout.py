"""What an artifact folder is made of: the format's names, its error and its loaded form.

The constants below are the whole on-disk vocabulary of `zoo.artifacts.format`: the header
fields, the file names, the run folder kept across saves, and the layouts written before
format 2 that are still read. `zoo.artifacts.folders` and `zoo.artifacts.format` build on it.
"""

import dataclasses
import pathlib

FORMAT = "seqzoo.artifact"
FORMAT_VERSION = 2
CONFIG_FILE, MODEL_FILE, RUN_FOLDER = "config.json", "model.keras", "training"
RESERVED_KEYS = ("format", "version", "kind", "factory", "arguments", "preprocessing", "metrics")
# Layouts written before format 2 (still read; `save_artifact` converts them on the next save).
LEGACY_TEXT_FORMAT = "seqzoo.text.generator"
LEGACY_MUSIC_FILES = ("model.keras", "encoding.json", "config.json", "metrics.json")


class ArtifactError(ValueError):
    """A path that cannot be saved to or loaded from as a seqzoo artifact; the message names it.

    Example:

    >>> raise ArtifactError("runs/x: missing model.keras")
    Traceback (most recent call last):
    ...
    zoo.artifacts.layout.ArtifactError: runs/x: missing model.keras
    """


@dataclasses.dataclass
class Artifact:
    """A loaded artifact.

    Args:
        path: `pathlib.Path`, the folder.
        kind: str, e.g. `"text.generator"`.
        config: dict, the whole `config.json` (legacy layouts converted to this shape).
        preprocessing: dict name -> the JSON value of `<name>.json`.
        model: the `keras.Model` (None when loaded with `load_model=False`).

    Example:

    >>> Artifact(pathlib.Path("runs/x"), "demo", {"metrics": {"loss": 1.5}}, {}).metrics
    {'loss': 1.5}
    """

    path: pathlib.Path
    kind: str
    config: dict
    preprocessing: dict
    model: object = None

    @property
    def metrics(self):
        """The measured numbers saved with the model (a dict)."""
        return self.config.get("metrics", {})


__all__ = [
    "Artifact",
    "ArtifactError",
    "CONFIG_FILE",
    "FORMAT",
    "FORMAT_VERSION",
    "LEGACY_MUSIC_FILES",
    "LEGACY_TEXT_FORMAT",
    "MODEL_FILE",
    "RESERVED_KEYS",
    "RUN_FOLDER",
]
