"""The training engine: `fit`, its callback, the run folder, schedules and distribution.

`zoo.training.fit` (also `zoo.fit`) is the one training loop of the project (see
`zoo.training.engine`); the names below load on first use.
"""

from zoo.core.lazy import lazy_face

_EXPORTS = {name: "zoo.training.engine" for name in (
    "fit", "TrainingResult", "Monitor", "Stopwatch", "resolve_precision", "resolve_strategy",
    "hardware_facts", "clear_run", "PRECISIONS", "STOPPED_REASONS", "FAILED_REASONS")}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_face(__name__, _EXPORTS)
