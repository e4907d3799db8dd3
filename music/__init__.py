"""Jazz improvisation with an LSTM over chord progressions, written out with music21.

    import music
    solo, midi, xml = music.generate("solo.mid", chords="blues:F", choruses=2, seed=7)
    music.write_solo(music.read_solo("take.musicxml"), "take.mid")

The command line is `python -m music generate | train | evaluate` (see `music.__main__`).
Public names are loaded lazily (`zoo.core.lazy`), so `import music.types` does not import
TensorFlow.
"""

from zoo.core.lazy import lazy_face

_EXPORTS = {
    "generate": "music.model.improvise",
    "Improviser": "music.model.improvise",
    "load_artifact": "music.model.artifact",
    "train": "music.model.train",
    "read_solo": "music.reading.solos",
    "read_corpus": "music.reading.solos",
    "evaluate": "music.evaluation.metrics",
    "write_solo": "music.writing.render",
    "piano_roll": "music.writing.plot",
    "to_audio": "music.writing.audio",
    "Solo": "music.types",
    "Note": "music.types",
    "Chord": "music.types",
    "MusicInputError": "music.errors",
    "ChordError": "music.errors",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_face(__name__, _EXPORTS)
