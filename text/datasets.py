"""Public text corpora: Tiny Shakespeare, the Dinosaurus Island names and the Sonnets.

Each loader returns the corpus text. Given `path`, it reads that local file (and checks its
sha256); otherwise it downloads the file once from its public source and caches it under
`~/.keras/seqzoo_text` (or `cache_dir`), through `zoo.io.downloads.fetch_verified`. A file whose
sha256 differs from the one below is refused, and a bad download is not kept.

The hashes are those of the copies in `../shared/data/text`. The Tiny Shakespeare URL is the
canonical char-rnn file (same sha256); the dinosaur-names URL is a mirror of the course file
pinned to a commit whose size matches; the Sonnets mirror could not be checked from the
development machine (no network): if it ever differs, the download is refused and `path=`
works.
"""

import os

from text.data import CorpusError, read_corpus
from zoo.io.downloads import fetch_verified

# name -> (file name, public URL, sha256, mode the corpus is meant for)
SOURCES = {
    "tinyshakespeare": (
        "tinyshakespeare.txt",
        "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt",
        "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
        "stream",
    ),
    "dinos": (
        "dinos.txt",
        "https://raw.githubusercontent.com/Kulbear/deep-learning-coursera/f32be387c9eb15ce6a401cfea54e2c6d42c73404/"
        "Sequence%20Models/dinos.txt",
        "ad6465621cf56c08f71d4fbb40cf7eab763f9df42c54cc460d6c4d86e9c927fb",
        "lines",
    ),
    "sonnets": (
        "sonnets.txt",
        "https://raw.githubusercontent.com/Kulbear/deep-learning-coursera/master/Sequence%20Models/shakespeare.txt",
        "1b454b67b44e6f367c83a17ed295c46c5d4a1173cf5d09161882af4041bae023",
        "stream",
    ),
}


def fetch(name, path=None, cache_dir=None):
    """Return the local path of a corpus, downloading and caching it when `path` is None.

    The check and the download are `zoo.io.downloads.fetch_verified`'s: a local copy is
    hashed, a download is verified, hashed again and removed when it does not match.

    Args:
        name: str, one of `"tinyshakespeare"`, `"dinos"`, `"sonnets"`.
        path: str or path-like or None, a local copy (a file, or a folder holding the file
            under its usual name, e.g. `../shared/data/text`). Defaults to None (download).
        cache_dir: str or None, where `keras.utils.get_file` caches downloads (under
            `seqzoo_text`). Defaults to None (`~/.keras`).

    Returns:
        The path (str) of a file whose sha256 matches the published one.

    Raises:
        ValueError: an unknown name.
        CorpusError: a missing local file, a sha256 mismatch or a failed download (the
            message names the file or URL).

    Example:

    >>> fetch("wiki")
    Traceback (most recent call last):
    ...
    ValueError: unknown corpus 'wiki'; expected one of ['dinos', 'sonnets', 'tinyshakespeare']
    """
    if name not in SOURCES:
        raise ValueError(f"unknown corpus {name!r}; expected one of {sorted(SOURCES)}")
    filename, url, sha256, _ = SOURCES[name]
    if path is not None and os.path.isdir(path):
        path = os.path.join(path, filename)
    return str(
        fetch_verified(
            filename,
            url,
            sha256,
            path=path,
            cache_dir=cache_dir,
            cache_subdir="seqzoo_text",
            error=CorpusError,
        )
    )


def load(name, path=None, cache_dir=None):
    """Return the text of a corpus (see `fetch` for the arguments)."""
    import pathlib

    return read_corpus(pathlib.Path(fetch(name, path, cache_dir)))


def tiny_shakespeare(path=None, cache_dir=None):
    """Tiny Shakespeare (1,115,394 characters of plays, 65 symbols), a continuous stream.

    Args:
        path: local copy (file, or folder holding `tinyshakespeare.txt`), or None to download
            from Karpathy's char-rnn repository. Defaults to None.
        cache_dir: download cache folder. Defaults to Keras's (`~/.keras`).

    Returns:
        str, the corpus.

    Example:

    >>> text = tiny_shakespeare("../shared/data/text")  # doctest: +SKIP
    >>> text[:14]  # doctest: +SKIP
    'First Citizen:'
    """
    return load("tinyshakespeare", path, cache_dir)


def dinosaur_names(path=None, cache_dir=None):
    """The 1,536 dinosaur names of the "Dinosaurus Island" lab, one a line (use `lines=True`).

    Args:
        path: local copy (file, or folder holding `dinos.txt`), or None to download.
        cache_dir: download cache folder. Defaults to Keras's.

    Returns:
        str, the names separated by newlines.

    Example:

    >>> names = dinosaur_names("../shared/data/text").split()  # doctest: +SKIP
    >>> names[0]  # doctest: +SKIP
    'Aachenosaurus'
    """
    return load("dinos", path, cache_dir)


def sonnets(path=None, cache_dir=None):
    """Shakespeare's Sonnets (94,275 bytes), a continuous stream.

    Args:
        path: local copy (file, or folder holding `sonnets.txt`), or None to download.
        cache_dir: download cache folder. Defaults to Keras's.

    Returns:
        str, the corpus.

    Example:

    >>> sonnets("../shared/data/text")[:11]  # doctest: +SKIP
    'THE SONNETS'
    """
    return load("sonnets", path, cache_dir)
