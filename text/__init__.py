"""Character- and word-level language models: train, sample and score.

    from text import TextGenerator, datasets
    names = datasets.dinosaur_names()                     # or a local path
    gen = TextGenerator.from_corpus(names, lines=True, lower=True, units=64)
    gen.fit(names, time_budget=20)
    gen.generate(n=5, temperature=0.8, top_p=0.9, seed=0)

The command line is `python -m text train | generate | score` (see `text.cli`).
Public names are loaded lazily (`zoo.core.lazy`), so `import text.vocab` does not import
TensorFlow.
"""

from zoo.core.lazy import lazy_face

_EXPORTS = {
    "TextGenerator": "text.generator",
    "Score": "text.generator",
    "Vocabulary": "text.vocab",
    "CorpusError": "text.data",
    "ArtifactError": "zoo.artifacts.format",
}

_MODULES = {"datasets": "text.datasets"}

__all__ = sorted(_EXPORTS) + ["datasets"]
__getattr__, __dir__ = lazy_face(__name__, _EXPORTS, _MODULES)
