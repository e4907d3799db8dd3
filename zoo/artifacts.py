"""Atomic replacement of an artifact folder: an interrupted save never loses the previous one.

A save writes everything into a staging folder beside the target, then swaps it in with two
renames. Between those renames the previous artifact sits under `.{name}.previous-*`; if a
process dies exactly there, `recover_folder` (called by the loaders) puts it back.
"""

import contextlib
import os
import pathlib
import shutil
import tempfile


@contextlib.contextmanager
def replace_folder_atomically(path, *, carry_over=()):
    """Write a folder by staging it beside `path` and swapping it in when the block succeeds.

    Args:
        path: the folder to create or replace. It must not be a file.
        carry_over: names of files to copy from the existing folder into the new one when the
            block did not write them (e.g. a README kept beside a model).

    Yields:
        A `pathlib.Path` to the empty staging folder; write the artifact's files there.

    Raises:
        ValueError: `path` exists and is not a folder.

    Example:

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "run"
    >>> with replace_folder_atomically(target) as staging:
    ...     _ = (staging / "config.json").write_text("{}")
    >>> sorted(p.name for p in target.iterdir())
    ['config.json']
    """
    path = pathlib.Path(path).absolute()
    if path.exists() and not path.is_dir():
        raise ValueError(f"cannot save to {path}: it exists and is not a folder")
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = pathlib.Path(tempfile.mkdtemp(prefix=f".{path.name}.tmp-", dir=path.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; an artifact is an ordinary folder
    try:
        yield staging
        if not path.exists():
            os.replace(staging, path)
            return
        for name in carry_over:
            if (path / name).is_file() and not (staging / name).exists():
                shutil.copy2(path / name, staging / name)
        previous = pathlib.Path(tempfile.mkdtemp(prefix=f".{path.name}.previous-",
                                                 dir=path.parent))
        previous.rmdir()
        os.replace(path, previous)  # until the next rename, `previous` is the artifact
        os.replace(staging, path)
        shutil.rmtree(previous, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def recover_folder(path):
    """Put back the previous artifact if a save died between its two renames.

    Args:
        path: the artifact folder a loader is about to read.

    Returns:
        True when a previous artifact was restored, else False.

    Example:

    >>> recover_folder("no/such/folder")
    False
    """
    path = pathlib.Path(path).absolute()
    if path.exists() or not path.parent.is_dir():
        return False
    for candidate in sorted(path.parent.glob(f".{path.name}.previous-*")):
        if candidate.is_dir():
            os.replace(candidate, path)
            return True
    return False
