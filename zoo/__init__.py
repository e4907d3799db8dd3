"""seqzoo's model zoo: Keras 3 Functional API factories for sequence models.

Every factory takes keyword-only hyperparameters and returns an uncompiled, named, Functional
`keras.Model`. Generative models have single-step twins that share their layers, so generation
costs O(1) per token.

The zoo also runs what it builds: `zoo.training.fit` (also `zoo.fit`) is the one training
engine (schedule, clipping, time budget, best epoch, resume, NaN stop, precision policy,
`tf.distribute`) that the applications and benchmarks use, and `zoo.Sampler` is the one
generation engine (one compiled loop over any step model: extra per-step inputs, logits-mask
hooks with a carry, greedy, sampling, batched beam search, any dtype policy), with
`zoo.Seq2SeqDecoder` over it for encoder-decoders (attention weights included).
`zoo.save_artifact` / `zoo.load_artifact` (`zoo.artifacts`) are the one artifact format: a
folder with `config.json` (format version, kind, the factory call that built the model,
settings, metrics), the preprocessing as JSON and `model.keras`, written by one atomic writer
(`zoo.atomic`) that never replaces a folder that is not an artifact of the same kind, and
loaded in Keras safe mode.

`zoo.tasks` runs the factories on real tasks through these engines (sentiment, named
entities, date translation with attention, addition; `python -m zoo.tasks`).

Public names are loaded lazily, so `import zoo.reference` stays numpy-only and `import zoo`
is cheap until a factory is used.
"""

import importlib
import os

# Must happen before TensorFlow is imported anywhere (see ../shared/DESIGN.md).
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
from zoo.threads import apply_thread_settings  # noqa: E402  (os only: cheap)

apply_thread_settings()  # one thread per op on <= 2-CPU machines, unless the user chose

_EXPORTS = {
    "CELLS": "zoo.recurrent",
    "build_lm": "zoo.lm",
    "build_lm_step": "zoo.lm",
    "zero_states": "zoo.states",
    "state_names": "zoo.states",
    "build_many_to_one": "zoo.classifiers",
    "build_many_to_many": "zoo.classifiers",
    "build_one_to_many": "zoo.one_to_many",
    "build_one_to_many_step": "zoo.one_to_many",
    "build_one_to_many_initializer": "zoo.one_to_many",
    "build_one_to_many_generator": "zoo.one_to_many",
    "build_encoder_decoder": "zoo.seq2seq",
    "build_encoder_decoder_inference": "zoo.seq2seq",
    "greedy_decode": "zoo.seq2seq",
    "TokenSampler": "zoo.layers",
    "load_model": "zoo.layers",
    "Sampler": "zoo.sampling",
    "Step": "zoo.sampling",
    "Generation": "zoo.sampling",
    "filter_logits": "zoo.logits",
    "choose_tokens": "zoo.logits",
    "Seq2SeqDecoder": "zoo.decoding",
    "Decoded": "zoo.decoding",
    "fit": "zoo.training",
    "save_artifact": "zoo.artifacts",
    "load_artifact": "zoo.artifacts",
    "ArtifactError": "zoo.artifacts",
    "TrainingResult": "zoo.training",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'zoo' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
