"""Character- and word-level language models: train, sample and score.

    from text import TextGenerator, datasets
    names = datasets.dinosaur_names()                     # or a local path
    gen = TextGenerator.from_corpus(names, lines=True, lower=True, units=64)
    gen.fit(names, time_budget=20)
    gen.generate(n=5, temperature=0.8, top_p=0.9, seed=0)

The command line is `python -m text train | generate | score` (see `text.cli`).
Public names are loaded lazily, so `import text.vocab` does not import TensorFlow.
"""

import importlib

_EXPORTS = {
    "TextGenerator": "text.generator",
    "Score": "text.generator",
    "Vocabulary": "text.vocab",
    "CorpusError": "text.data",
    "ArtifactError": "zoo.artifacts.format",
}

__all__ = sorted(_EXPORTS) + ["datasets"]


def __getattr__(name):
    if name == "datasets":
        return importlib.import_module("text.datasets")
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'text' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
