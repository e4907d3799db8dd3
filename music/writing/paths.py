"""Output paths: fail before any work when an output cannot be written, and name the user's path.

`os.access` is not enough: it says yes to root everywhere and to folders such as /proc where
nothing can be created. So the checks really create (and remove) a hidden temporary file in the
folder that will receive the output.
"""

import contextlib
import os
import pathlib

from music.errors import MusicInputError
from zoo.io.atomic import probe_writable


def _probe(folder, path, option):
    """`zoo.io.atomic.probe_writable`, failing with a MusicInputError that names `path`."""
    try:
        probe_writable(folder)
    except OSError as error:
        raise MusicInputError(
            f"{option}={path}: cannot write in {folder} "
            f"({error.strerror or error}); expected a path in a writable "
            f"folder"
        ) from None


def check_writable(path, *, option="out"):
    """Fail early (before any work) when the file `path` cannot be written.

    Args:
        path: the output file.
        option: the parameter named in the message (``out=solo.mid: ...``; the command line
            shows its flag, ``--out solo.mid: ...``). Defaults to "out".

    Raises:
        MusicInputError: naming the path, when it is a folder, its folder is missing, a file
            cannot be created in its folder, or it exists and is not writable.

    Example:

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     check_writable(pathlib.Path(folder) / "solo.mid")
    >>> check_writable("no/such/folder/solo.mid")
    Traceback (most recent call last):
    ...
    music.errors.MusicInputError: out=no/such/folder/solo.mid: folder no/such/folder does not ...
    """
    path = pathlib.Path(path)
    folder = path.parent if str(path.parent) else pathlib.Path(".")
    if path.is_dir():
        raise MusicInputError(
            f"{option}={path}: is a folder; expected a file name such as solo.mid"
        )
    if not folder.is_dir():
        raise MusicInputError(
            f"{option}={path}: folder {folder} does not exist; expected a path "
            f"in an existing, writable folder"
        )
    _probe(folder, path, option)
    if path.exists() and not os.access(path, os.W_OK):
        raise MusicInputError(
            f"{option}={path}: not writable; expected a path in a writable folder"
        )


@contextlib.contextmanager
def naming(path):
    """Re-raise an OSError from the block with `path` (the user's name) as its file name.

    Atomic writes go through temporary files; an error there should name the file the user
    asked for, not the temporary one.

    Args:
        path: the output the block writes.

    Example:

    >>> with naming("solo.mid"):
    ...     raise PermissionError(13, "Permission denied", "solo.mid.tmp-1234")
    Traceback (most recent call last):
    ...
    PermissionError: [Errno 13] Permission denied: 'solo.mid'
    """
    try:
        yield
    except OSError as error:
        raise OSError(error.errno, error.strerror or str(error), str(path)) from error


__all__ = ["check_writable", "naming"]
