"""The training engine: `fit`, its callback, the run folder, schedules and distribution.

`zoo.training.fit` (also `zoo.fit`) is the one training loop of the project (see
`zoo.training.engine`); the names below load on first use.
"""

from zoo.core.lazy import lazy_face

_EXPORTS = {
    **{name: "zoo.training.engine" for name in ("fit", "TrainingResult")},
    **{
        name: "zoo.training.callback"
        for name in ("Monitor", "Stopwatch", "STOPPED_REASONS", "FAILED_REASONS")
    },
    "clear_run": "zoo.training.run_folder",
    "resolve_strategy": "zoo.training.distribute",
    "resolve_precision": "zoo.runtime.precision",
    "PRECISIONS": "zoo.runtime.precision",
    "hardware_facts": "zoo.runtime.devices",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_face(__name__, _EXPORTS)
