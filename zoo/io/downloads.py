"""Downloads checked by sha256: the one way the project fetches a public data file.

`fetch_verified` takes a local copy (checked) or downloads the file once with
`keras.utils.get_file`, hashes what it got again (Keras keeps a cached file whose check failed),
removes a bad file and raises one clear error naming the file or URL. `sha256_of` hashes a file
by path or by an open descriptor, without moving the descriptor's offset.
"""

import hashlib
import os
import pathlib

_BLOCK = 1 << 20  # bytes read at a time


def sha256_of(path_or_fd):
    """The hex sha256 of a file's bytes, by path or by an open file descriptor.

    A descriptor is read with `os.pread` from offset 0 to its end, so its own offset does not
    move: a caller that opened and checked a file (e.g. `zoo.native.trust`) hashes exactly
    the file it holds, not whatever the path names by then.

    Args:
        path_or_fd: str or path-like (the file), or int (an open descriptor, readable).

    Returns:
        str, 64 hex digits.

    Raises:
        OSError: the file cannot be opened or read.

    Example:

    >>> import os, tempfile
    >>> f = tempfile.NamedTemporaryFile(delete=False); f.close()
    >>> sha256_of(f.name)[:8]
    'e3b0c442'
    >>> fd = os.open(f.name, os.O_RDONLY); sha256_of(fd)[:8]; os.close(fd)
    'e3b0c442'
    """
    digest = hashlib.sha256()
    if isinstance(path_or_fd, int) and not isinstance(path_or_fd, bool):
        offset = 0
        while chunk := os.pread(path_or_fd, _BLOCK, offset):
            digest.update(chunk)
            offset += len(chunk)
    else:
        with open(path_or_fd, "rb") as handle:
            for block in iter(lambda: handle.read(_BLOCK), b""):
                digest.update(block)
    return digest.hexdigest()


def fetch_verified(
    filename, url, sha256, *, path=None, cache_dir=None, cache_subdir="datasets", error=ValueError
):
    """The local path of a file whose sha256 is `sha256`: a given copy, or a checked download.

    With `path`, that file is hashed and returned when it matches. Without it, the file is
    downloaded once from `url` with `keras.utils.get_file` (which verifies and caches it under
    `cache_dir/cache_subdir`); the result is hashed again, and a file that does not match is
    removed, so nothing corrupt stays in the cache.

    Args:
        filename: str, the file's name: the name it is cached under, and how messages name it.
        url: str, where to download it from (a `file://` URL works too).
        sha256: str, the published 64 hex digits.
        path: str, path-like or None, a local copy to use instead of downloading. Defaults to
            None (download).
        cache_dir: str or None, the cache root of `keras.utils.get_file`. Defaults to None
            (`~/.keras`).
        cache_subdir: str, the folder under `cache_dir`. Defaults to `"datasets"`.
        error: the exception class raised, a `ValueError` subclass. Defaults to `ValueError`.

    Returns:
        `pathlib.Path` of a file whose sha256 is `sha256`.

    Raises:
        ValueError: (or `error`) a missing local file, a file whose sha256 differs (a corrupt
            or wrong file), or a download that fails; the message names the file or URL.

    Example:

    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / "a.txt").write_text("abc")
    3
    >>> digest = sha256_of(folder / "a.txt")
    >>> fetch_verified("a.txt", "https://example.org/a.txt", digest, path=folder / "a.txt").name
    'a.txt'
    >>> fetch_verified("a.txt", "https://example.org/a.txt", "0" * 64, path=folder / "a.txt")
    Traceback (most recent call last):
    ...
    ValueError: ...a.txt: sha256 ba7816bf8f01..., expected 000000000000... for a.txt; ...
    """
    if path is not None:
        path = pathlib.Path(path)
        if not path.is_file():
            raise error(
                f"{path}: no such file; expected {filename} (or no path, to download it from {url})"
            )
        found = sha256_of(path)
        if found != sha256:
            raise error(
                f"{path}: sha256 {found[:12]}..., expected {sha256[:12]}... for "
                f"{filename}; the file is corrupt or another file"
            )
        return path
    import keras  # lazy: TensorFlow

    if cache_dir is not None:  # Keras uses /tmp/.keras instead of a folder that does not exist
        os.makedirs(cache_dir, exist_ok=True)
    where = dict(origin=url, cache_dir=cache_dir, cache_subdir=cache_subdir)
    try:
        local = keras.utils.get_file(filename, file_hash=sha256, hash_algorithm="sha256", **where)
    except ValueError as failure:  # Keras: "Incomplete or corrupted file detected ..."
        # Keras keeps the bad download; without a hash it returns that cached file's path.
        os.remove(keras.utils.get_file(filename, **where))
        raise error(
            f"{url}: the download's sha256 is not {sha256[:12]}... ({failure}); nothing was kept"
        ) from None
    except Exception as failure:  # noqa: BLE001  urllib raises many types
        raise error(
            f"{url}: cannot download {filename} ({type(failure).__name__}: {failure})"
        ) from None
    if sha256_of(local) != sha256:  # changed since Keras checked it
        os.remove(local)
        raise error(
            f"{url}: the download's sha256 is not {sha256[:12]}...; the file is "
            f"corrupt or another file, nothing was kept"
        )
    return pathlib.Path(local)
