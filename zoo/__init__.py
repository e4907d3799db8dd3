"""seqzoo's model zoo: Keras 3 Functional API factories for sequence models.

Every factory takes keyword-only hyperparameters and returns an uncompiled, named, Functional
`keras.Model`. Generative models have single-step twins that share their layers, so generation
costs O(1) per token.

The zoo also runs what it builds: `zoo.training.engine.fit` (also `zoo.fit`) is the one training
engine (schedule, clipping, time budget, best epoch, resume, NaN stop, precision policy,
`tf.distribute`) that the applications and benchmarks use, and `zoo.Sampler` is the one
generation engine (one compiled loop over any step model: extra per-step inputs, logits-mask
hooks with a carry, greedy, sampling, batched beam search, any dtype policy), with
`zoo.Seq2SeqDecoder` over it for encoder-decoders (attention weights included).
`zoo.save_artifact` / `zoo.load_artifact` (`zoo.artifacts.format`) are the one artifact format: a
folder with `config.json` (format version, kind, the factory call that built the model,
settings, metrics), the preprocessing as JSON and `model.keras`, written by one atomic writer
(`zoo.io.atomic`) that never replaces a folder that is not an artifact of the same kind, and
loaded in Keras safe mode.

`zoo.tasks` runs the factories on real tasks through these engines (sentiment, named
entities, date translation with attention, addition; `python -m zoo.tasks`).

Public names are loaded lazily, so `import zoo.reference` stays numpy-only and `import zoo`
is cheap until a factory is used.
"""

import os

# Must happen before TensorFlow is imported anywhere (see ../shared/DESIGN.md).
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from zoo.core.lazy import lazy_face  # noqa: E402  (pure Python: cheap)
from zoo.runtime.threads import apply_thread_settings  # noqa: E402  (os only: cheap)

apply_thread_settings()  # one thread per op on <= 2-CPU machines, unless the user chose

_EXPORTS = {
    "CELLS": "zoo.models.recurrent",
    "build_lm": "zoo.models.lm",
    "build_lm_step": "zoo.models.lm",
    "zero_states": "zoo.models.states",
    "state_names": "zoo.models.states",
    "build_many_to_one": "zoo.models.classifiers",
    "build_many_to_many": "zoo.models.classifiers",
    "build_one_to_many": "zoo.models.one_to_many",
    "build_one_to_many_step": "zoo.models.one_to_many",
    "build_one_to_many_initializer": "zoo.models.one_to_many",
    "build_one_to_many_generator": "zoo.models.one_to_many",
    "build_encoder_decoder": "zoo.models.seq2seq",
    "build_encoder_decoder_inference": "zoo.models.seq2seq",
    "greedy_decode": "zoo.models.seq2seq",
    "TokenSampler": "zoo.models.layers",
    "load_model": "zoo.models.saving",
    "Sampler": "zoo.generation.sampler",
    "Step": "zoo.generation.sampler",
    "Generation": "zoo.generation.sampler",
    "filter_logits": "zoo.generation.choice",
    "choose_tokens": "zoo.generation.choice",
    "Seq2SeqDecoder": "zoo.generation.seq2seq",
    "Decoded": "zoo.generation.seq2seq",
    "fit": "zoo.training.engine",
    "save_artifact": "zoo.artifacts.format",
    "load_artifact": "zoo.artifacts.format",
    "ArtifactError": "zoo.artifacts.format",
    "TrainingResult": "zoo.training.engine",
}

_MODULES = {"plot": "zoo.notebook.plot"}  # `from zoo import plot`, as before the move

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_face(__name__, _EXPORTS, _MODULES)
