"""Atomic writes: a file or a whole folder is replaced in one step, so a kill never half-writes it.

- `atomic_file` / `write_json_atomically`: one file through a temporary sibling and `os.replace`.
- `replace_folder_atomically`: a folder staged beside its target (`.{name}.staging-*`), then
  swapped in by renames recorded in a journal (`.{name}.swap.json`). The journal lists the old
  folder's own files; every other entry of the old folder (a README, a training run folder)
  moves into the new one, so nothing the user had is lost. A process killed at any point leaves
  either the old or the new folder; `recover_folder` (run by every later save and load) rolls an
  interrupted swap forward from the journal (recovery follows this explicit marker, never name
  order) and removes staging folders that no journal names.
- Saves and recoveries hold an exclusive `flock` on the parent folder, so concurrent saves to one
  folder are serialised: both complete and the last one wins.
"""

import contextlib
import errno
import fcntl
import json
import os
import pathlib
import shutil
import tempfile

from zoo.io import jsonio


@contextlib.contextmanager
def atomic_file(path, *, mode=0o644):
    """Write one file through a temporary sibling that is renamed over `path` on success.

    Args:
        path: the file to create or replace.
        mode: permission bits of the new file. Defaults to 0o644.

    Yields:
        A `pathlib.Path` of the temporary file to write (it does not exist yet). If the block
        raises, the temporary file is removed and `path` is untouched.

    Example:

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "notes.txt"
    >>> with atomic_file(target) as temporary:
    ...     _ = temporary.write_text("hello")
    >>> target.read_text()
    'hello'
    """
    path = pathlib.Path(path)
    try:
        handle, name = tempfile.mkstemp(
            prefix=f".{path.name}.", suffix=".tmp", dir=path.parent if str(path.parent) else "."
        )
    except OSError as error:  # name the user's file, not the temporary one
        raise OSError(error.errno, error.strerror or str(error), str(path)) from None
    os.close(handle)
    temporary = pathlib.Path(name)
    temporary.unlink()
    try:
        yield temporary
        if temporary.exists():
            os.chmod(temporary, mode)
            try:
                os.replace(temporary, path)
            except OSError as error:
                raise OSError(error.errno, error.strerror or str(error), str(path)) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def probe_writable(folder):
    """Create and remove a hidden file in `folder`: the only reliable "can I write here?".

    `os.access` says yes to root everywhere and to folders such as /proc where nothing can be
    created, so this really creates a file.

    Args:
        folder: an existing folder.

    Raises:
        OSError: the folder does not accept a new file (the error of the attempt).

    Example:

    >>> import tempfile
    >>> probe_writable(tempfile.mkdtemp())
    """
    handle, probe = tempfile.mkstemp(prefix=".seqzoo-probe-", suffix=".tmp", dir=folder)
    os.close(handle)
    os.remove(probe)


def write_json_atomically(path, data):
    """Write `data` as JSON (UTF-8, indented) to `path` atomically.

    Args:
        path: the file.
        data: JSON-serialisable value.

    Example:

    >>> import tempfile, pathlib, json
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "state.json"
    >>> write_json_atomically(target, {"epoch": 3})
    >>> json.loads(target.read_text())
    {'epoch': 3}
    """
    text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    with atomic_file(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


@contextlib.contextmanager
def _parent_lock(path):
    """Hold an exclusive lock on the folder that contains `path` (serialises saves)."""
    handle = os.open(path.parent, os.O_RDONLY)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # releases the lock


def _journal(path):
    return path.parent / f".{path.name}.swap.json"


def _finish_swap(path):
    """Roll an interrupted swap forward from its journal; return True when one was found."""
    journal = _journal(path)
    try:
        record = jsonio.read_json(journal)
    except jsonio.JSONFileError:  # a corrupt journal counts as none (see below)
        record = None
    if not isinstance(record, dict):
        if journal.exists():
            journal.unlink()  # written atomically, so an unreadable one was never complete
        return False
    staging = path.parent / record["staging"]
    previous = path.parent / record["previous"]
    if staging.is_dir():  # complete (the journal is written after it), not yet in place
        if path.is_dir():
            own = set(record.get("replaced", ()))
            for entry in path.iterdir():  # the user's files and the run folder move across
                if entry.name not in own and not (staging / entry.name).exists():
                    os.replace(entry, staging / entry.name)
            os.replace(path, previous)
        os.replace(staging, path)
    shutil.rmtree(previous, ignore_errors=True)
    journal.unlink()
    return True


def _remove_leftovers(path):
    """Remove staging/previous folders of `path` that no journal refers to (call under lock)."""
    legacy = []
    for entry in path.parent.glob(f"..{path.name}.swap.json.*.tmp"):  # a journal never finished
        entry.unlink(missing_ok=True)
    for entry in path.parent.glob(f".{path.name}.*"):
        suffix = entry.name[len(path.name) + 2 :]
        if not entry.is_dir():
            continue
        if suffix.startswith(("staging-", "previous-")):  # no journal names it: stale
            shutil.rmtree(entry, ignore_errors=True)
        elif suffix.startswith("tmp-"):  # written by seqzoo before the journal existed
            legacy.append(entry)
    if not path.exists():  # an old-style save died between its renames: newest copy wins
        complete = [e for e in legacy if (e / "model.keras").is_file()]
        if complete:
            os.replace(max(complete, key=lambda e: e.stat().st_mtime), path)
    for entry in legacy:
        if entry.exists():
            shutil.rmtree(entry, ignore_errors=True)


def recover_folder(path):
    """Finish or undo an interrupted save of `path` and remove its stale staging folders.

    Loaders call this before reading; saves call it before writing. It needs write access to
    the parent folder only when there is something to repair.

    Args:
        path: the artifact folder.

    Returns:
        True when an interrupted swap was rolled forward, else False.

    Example:

    >>> recover_folder("no/such/folder")
    False
    """
    path = pathlib.Path(path).absolute()
    if not path.parent.is_dir():
        return False
    if not any(path.parent.glob(f".{path.name}.*")) and not any(
        path.parent.glob(f"..{path.name}.swap.json.*")
    ):
        return False
    try:
        with _parent_lock(path):
            found = _finish_swap(path)
            _remove_leftovers(path)
            return found
    except OSError:  # a read-only location: read what is there
        return False


@contextlib.contextmanager
def replace_folder_atomically(path, *, replaced=None):
    """Stage a folder beside `path` and swap it in when the block succeeds.

    The caller writes the new files into the staging folder; the entries of the existing folder
    named by `replaced` are dropped with it, and every other entry (a README, a training run
    folder) is moved into the new folder by the swap.

    Args:
        path: the folder to create or replace (not a file).
        replaced: None (every entry of the old folder is replaced) or a callable taking the
            old folder's path and returning the names it owns (only those are replaced).

    Yields:
        A `pathlib.Path` to the empty staging folder.

    Raises:
        FileExistsError: `path` is a file.

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
        raise FileExistsError(errno.EEXIST, "it exists and is not a folder", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    with _parent_lock(path):
        _finish_swap(path)
        _remove_leftovers(path)
        staging = pathlib.Path(tempfile.mkdtemp(prefix=f".{path.name}.staging-", dir=path.parent))
        staging.chmod(0o755)  # mkdtemp makes it private; an artifact is an ordinary folder
        try:
            yield staging
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        previous = f".{path.name}.previous-{staging.name.rsplit('-', 1)[-1]}"
        if not path.is_dir():
            owned = []
        elif replaced is None:
            owned = sorted(p.name for p in path.iterdir())
        else:
            owned = sorted(replaced(path))
        write_json_atomically(
            _journal(path), {"staging": staging.name, "previous": previous, "replaced": owned}
        )
        _finish_swap(path)
