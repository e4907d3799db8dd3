"""The artifact format: a folder with `config.json`, the preprocessing as JSON and `model.keras`.

`zoo.save_artifact` and `zoo.load_artifact` (see `zoo.artifacts.format`) are the one way the
project saves and loads a trained model. The format's names and error are in
`zoo.artifacts.layout`, the folder rules in `zoo.artifacts.folders`, the field checks in
`zoo.artifacts.fields` and `zoo.artifacts.lm_fields`; the names below load on first use.
"""

from zoo.core.lazy import lazy_face

_EXPORTS = {
    **{
        name: "zoo.artifacts.layout"
        for name in (
            "Artifact",
            "ArtifactError",
            "FORMAT",
            "FORMAT_VERSION",
            "RESERVED_KEYS",
            "CONFIG_FILE",
            "MODEL_FILE",
        )
    },
    **{name: "zoo.artifacts.folders" for name in ("check_output_folder", "folder_kind")},
    **{
        name: "zoo.artifacts.format"
        for name in ("load_artifact", "read_artifact_config", "save_artifact")
    },
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_face(__name__, _EXPORTS)
