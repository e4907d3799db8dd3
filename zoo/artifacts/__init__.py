"""The artifact format: a folder with `config.json`, the preprocessing as JSON and `model.keras`.

`zoo.save_artifact` and `zoo.load_artifact` (see `zoo.artifacts.format`) are the one way the
project saves and loads a trained model; the names below load on first use.
"""

from zoo.core.lazy import lazy_face

_EXPORTS = {name: "zoo.artifacts.format" for name in (
    "Artifact", "ArtifactError", "FORMAT", "FORMAT_VERSION", "check_output_folder",
    "folder_kind", "load_artifact", "read_artifact_config", "save_artifact", "RESERVED_KEYS",
    "CONFIG_FILE", "MODEL_FILE")}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_face(__name__, _EXPORTS)
