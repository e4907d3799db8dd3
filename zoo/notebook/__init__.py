"""What the notebooks share: their first cell (`setup`) and pictures (`zoo.notebook.plot`).

`from zoo import notebook; notebook.setup(...)` is the first cell of every notebook (see
`zoo.notebook.environment`); the names below load on first use.
"""

from zoo.core.lazy import lazy_face

_EXPORTS = {
    name: "zoo.notebook.environment"
    for name in (
        "setup",
        "Setup",
        "SMOKE",
        "env_flag",
        "in_colab",
        "accelerator",
        "find_repo_root",
        "find_shared_data",
        "setup_cell",
    )
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_face(__name__, _EXPORTS)
