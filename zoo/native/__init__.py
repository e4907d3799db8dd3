"""The zoo's C++ kernels for the CPU fast path: built on first use, checked, and optional.

`zoo.native.library` builds and loads them (sources in `csrc/`), `zoo.native.trust` checks a
library before it is loaded, and `zoo.native.fused_lstm` wraps the LSTM training step. Their
two clients are `zoo.models.fast_rnn` (training) and `zoo.generation.native_lstm` (sampling).
"""

from zoo.core.lazy import lazy_face

_EXPORTS = {
    name: "zoo.native.library" for name in ("lstm_ops", "disabled", "build", "cache_folder")
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_face(__name__, _EXPORTS)
