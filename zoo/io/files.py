"""Reading user files safely: only regular files, never more than a given number of bytes.

A FIFO would block a reader forever, `/dev/zero` never ends, a symlink loop raises a bare
`OSError`: `check_regular_file` and `read_regular_file` turn each into one clear `ValueError`
(or the caller's subclass of it) before or while reading, never after.
"""

import errno
import os
import stat

_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode):
    for test, name in _KINDS:
        if test(mode):
            return name
    return "not a regular file"


def check_regular_file(path, *, max_bytes=None, error=ValueError, what="file", hint=""):
    """Return the size of `path` after checking it is a regular file of at most `max_bytes`.

    Symbolic links are followed (a link to a regular file is fine; a loop is refused).

    Args:
        path: str or path-like.
        max_bytes: int or None, the largest accepted size. Defaults to None (no limit).
        error: the exception class to raise, a `ValueError` subclass. Defaults to `ValueError`.
        what: str, what the file is, for the message (e.g. "corpus file"). Defaults to "file".
        hint: str, appended to the size message: how to allow more (e.g. an environment
            variable). Defaults to "".

    Returns:
        int, the size in bytes.

    Raises:
        error: naming the path, for a missing file, a symlink loop, a path that cannot be
            examined, anything but a regular file, or a file larger than `max_bytes`.

    Example:

    >>> check_regular_file("/dev/null")
    Traceback (most recent call last):
    ...
    ValueError: file '/dev/null' is a character device; expected a regular file
    """
    name = os.fspath(path)
    try:
        info = os.stat(name)
    except OSError as err:
        raise error(_stat_message(name, err, what)) from None
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{what} {name!r} is {_kind(info.st_mode)}; expected a regular file")
    if max_bytes is not None and info.st_size > max_bytes:
        raise error(_size_message(name, what, max_bytes, hint))
    return info.st_size


def read_regular_file(path, *, max_bytes=None, error=ValueError, what="file", hint=""):
    """Read a regular file's bytes, refusing anything else and stopping after `max_bytes`.

    The file is opened without blocking (a FIFO cannot hang the reader), checked to be a
    regular file through the open handle, and read in chunks: a file that grows past
    `max_bytes` while being read is refused without reading the rest.

    Args:
        path: str or path-like.
        max_bytes: int or None, the most bytes accepted. Defaults to None (no limit).
        error: the exception class to raise, a `ValueError` subclass. Defaults to `ValueError`.
        what: str, what the file is, for the message. Defaults to "file".
        hint: str, how to allow more, appended to the size message. Defaults to "".

    Returns:
        bytes.

    Raises:
        error: as for `check_regular_file`, and for a read error.

    Example:

    >>> read_regular_file("/dev/zero", max_bytes=10)
    Traceback (most recent call last):
    ...
    ValueError: file '/dev/zero' is a character device; expected a regular file
    """
    name = os.fspath(path)
    try:
        handle = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        raise error(_stat_message(name, err, what)) from None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise error(f"{what} {name!r} is {_kind(info.st_mode)}; expected a regular file")
        if max_bytes is not None and info.st_size > max_bytes:
            raise error(_size_message(name, what, max_bytes, hint))
        chunks, total = [], 0
        while True:
            chunk = os.read(handle, 1 << 20)
            if not chunk:
                break
            total += len(chunk)
            if max_bytes is not None and total > max_bytes:
                raise error(_size_message(name, what, max_bytes, hint))
            chunks.append(chunk)
        return b"".join(chunks)
    except OSError as err:
        raise error(f"{what} {name!r} cannot be read ({err.strerror or err})") from None
    finally:
        os.close(handle)


def _stat_message(name, err, what):
    if err.errno == errno.ENOENT:
        return f"{what} {name!r} does not exist"
    if err.errno == errno.ELOOP:
        return f"{what} {name!r} is a symbolic link loop; expected a regular file"
    if err.errno == errno.EISDIR:
        return f"{what} {name!r} is a folder; expected a regular file"
    return f"{what} {name!r} cannot be read ({err.strerror or err})"


def _size_message(name, what, max_bytes, hint):
    size = f"{max_bytes / 2**20:g} MiB" if max_bytes >= 2**20 else f"{max_bytes:,} bytes"
    return f"{what} {name!r} is larger than the limit of {size}" + (f"; {hint}" if hint else "")


__all__ = ["check_regular_file", "read_regular_file"]
