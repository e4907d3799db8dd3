"""Project exceptions for reading music: every one is a `ValueError` with a message that names the
input (file, bar, symbol) and says what was expected, so a CLI can print it as one line."""


class MusicInputError(ValueError):
    """A music file or music argument that cannot be used (corrupt, empty, no melody, bad meter).

    Example:

    >>> raise MusicInputError("solo.mid: no pitched notes; expected a melody")
    Traceback (most recent call last):
    ...
    music.errors.MusicInputError: solo.mid: no pitched notes; expected a melody
    """


class ChordError(MusicInputError):
    """A chord symbol or chord progression that cannot be read.

    The message names the symbol and, where known, the bar, e.g.
    ``bar 3: cannot read chord symbol 'Xq7'; expected e.g. Cmaj7, Dm7, G7, Bm7b5, C/E, N.C.``
    """


__all__ = ["MusicInputError", "ChordError"]
