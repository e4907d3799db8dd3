"""What `zoo.native.library` checks before it loads a library: only this user's own, proven code runs.

A TensorFlow op library is native code: loading it runs it. `zoo.native.library` builds one into a
cache folder and loads it in later processes, so the folder and the file must be such that
no one else could have put code there, and a library that crashes must not crash every later
process. Before every load:

- the folder is not a symbolic link, belongs to this user and is not writable by its group or
  others (`open_folder`; it is created with mode 0700 when missing). It is opened without
  following a link and the checks are made on the open descriptor, and the library is opened
  relative to that descriptor, so the folder checked is the folder used;
- the library is opened without following a link, and the open file is checked the same way:
  a regular file of this user, not writable by group or others (`open_library`). On Linux
  that open file is what the loader opens (`load_name`: `/proc/self/fd/N`), so the file
  checked is the file loaded (elsewhere the loader opens the path: that relies on no other
  user being able to rename a folder above the cache folder, as with a home folder or /tmp);
- the library has loaded, and its step ops have run, in a child process: a marker beside it
  (`<library>.checked`, JSON) records the sha256 of the file that passed, and a file without
  a matching marker is checked first. One that kills its child (SIGILL, on a CPU it was not
  built for; SIGSEGV) or makes it exit non-zero is renamed to `<library>.failed`, and
  `refuse_set_aside` refuses that library in every later process until the file is deleted.
"""

import contextlib
import json
import os
import signal
import stat
import subprocess
import sys

from zoo.io.atomic import write_json_atomically
from zoo.io.downloads import sha256_of

__all__ = ["CHECK_TIMEOUT_S", "load_name", "open_folder", "open_library", "refuse_set_aside"]

CHECK_TIMEOUT_S = 300
"""The longest the child process that first loads a library may take (it imports
TensorFlow); past it the library is not loaded in this process, and a later one checks again."""

_NOFOLLOW = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC

_CHECK = """
import os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import tensorflow as tf
ops = tf.load_op_library(sys.argv[1])
if hasattr(ops, "seqzoo_lstm_step"):  # run the step ops once, in both dtypes
    for dtype in (tf.float32, tf.bfloat16):
        _, _, derivatives = ops.seqzoo_lstm_step(
            tf.ones((2, 3, 8), dtype), tf.ones(8), 1, tf.ones((3, 8), dtype), tf.ones((3, 2)))
        ops.seqzoo_lstm_step_grad(tf.ones((3, 2), dtype), tf.ones((3, 2, 2), dtype),
                                  derivatives, 1, tf.ones((3, 2)))
"""
"""What the child process runs: load the library named by its argument, then run the step ops
(where the library has them) once on tiny inputs."""

_FROM_OUTSIDE = (signal.SIGINT, signal.SIGTERM, signal.SIGKILL, signal.SIGHUP)
"""Signals that stop a child from outside (Ctrl-C, a shutdown, the out-of-memory killer): the
library is not set aside for them."""

_UNSAFE = (
    "seqzoo loads a library only from a folder and a file that belong to this user and "
    "that no one else can write"
)


def _refuse(path, why):
    return RuntimeError(f"{path} {why}; {_UNSAFE}")


def _check_ours(info, path):
    """Raise unless `info` (an `os.stat_result`) belongs to this user and is not writable by
    its group or others."""
    uid = os.geteuid()
    if info.st_uid != uid:
        raise _refuse(path, f"belongs to uid {info.st_uid}, not to this user (uid {uid})")
    if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        who = "others" if info.st_mode & stat.S_IWOTH else "its group"
        raise _refuse(path, f"is writable by {who} (mode {stat.S_IMODE(info.st_mode):04o})")


def open_folder(folder):
    """Create `folder` (mode 0700) when missing, check it, and return an open descriptor of it.

    Args:
        folder: `pathlib.Path` of the folder for libraries.

    Returns:
        int, a descriptor of the folder (the caller closes it).

    Raises:
        RuntimeError: the folder is a symbolic link, belongs to another user, is writable by
            its group or others, or cannot be made (the message names it and why).

    Example:

    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp()) / "kernels"
    >>> os.close(open_folder(folder))
    >>> oct(folder.stat().st_mode & 0o777)
    '0o700'
    """
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        if stat.S_ISLNK(os.lstat(folder).st_mode):
            raise _refuse(folder, "is a symbolic link")
        handle = os.open(folder, _NOFOLLOW | os.O_DIRECTORY)
    except OSError as error:
        if os.path.islink(folder):  # a dangling link, or one put there after the lstat
            raise _refuse(folder, "is a symbolic link") from None
        raise RuntimeError(
            f"cannot use {folder} for the native kernels: {error.strerror or error}"
        ) from None
    try:
        _check_ours(os.fstat(handle), folder)
    except BaseException:
        os.close(handle)
        raise
    return handle


def _open_file(folder_fd, path):
    """Open `path.name` in the folder `folder_fd` without following a link; return the
    descriptor of a regular file of this user that no one else can write, else raise
    (`FileNotFoundError` when there is none)."""
    try:
        handle = os.open(path.name, _NOFOLLOW, dir_fd=folder_fd)
    except FileNotFoundError:
        raise
    except OSError as error:
        if stat.S_ISLNK(os.lstat(path.name, dir_fd=folder_fd).st_mode):
            raise _refuse(path, "is a symbolic link") from None
        raise RuntimeError(f"cannot open {path}: {error.strerror or error}") from None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode):
            raise _refuse(path, "is not a regular file")
        _check_ours(info, path)
    except BaseException:
        os.close(handle)
        raise
    return handle


def _marker(library):
    return library.with_name(library.name + ".checked")


def _set_aside(library):
    return library.with_name(library.name + ".failed")


def load_name(handle, library):
    """The name to hand to the loader for the checked open library `handle`.

    Args:
        handle: int, the descriptor `open_library` returned.
        library: `pathlib.Path` of the library.

    Returns:
        str: on Linux the open file itself (`/proc/self/fd/N`: the file checked is the file
        loaded; keep the descriptor open while it is loaded, so its number, and so the name,
        is not reused for another library); elsewhere the library's path.

    Example:

    >>> import pathlib
    >>> load_name(0, pathlib.Path("lib.so")) in ("/proc/self/fd/0", "lib.so")
    True
    """
    name = f"/proc/self/fd/{handle}"
    return name if os.path.exists(name) else str(library)


def _marked(folder_fd, library, digest):
    """Whether `library`'s marker (checked like the library) records `digest`."""
    try:
        handle = _open_file(folder_fd, _marker(library))
    except (OSError, RuntimeError):
        return False
    try:
        with os.fdopen(handle, "rb") as marker:
            return json.loads(marker.read(4096)).get("sha256") == digest
    except (OSError, ValueError, AttributeError):
        return False


def _check_in_child(folder_fd, library, handle):
    """Load the library (and run its step ops) in a child process; set it aside and raise
    RuntimeError saying why when the child does not exit 0."""
    try:
        child = subprocess.run(
            [sys.executable, "-c", _CHECK, load_name(handle, library)],
            capture_output=True,
            text=True,
            stdin=subprocess.DEVNULL,
            pass_fds=(handle,),
            timeout=CHECK_TIMEOUT_S,
            check=False,
            env={**os.environ, "CUDA_VISIBLE_DEVICES": ""},
        )  # CPU ops
    except subprocess.TimeoutExpired:
        raise RuntimeError(
            f"loading {library.name} in a child process took over {CHECK_TIMEOUT_S} s"
        ) from None
    if child.returncode == 0:
        return
    if -child.returncode in _FROM_OUTSIDE:  # not the library's doing: a later process retries
        raise RuntimeError(
            f"the child process loading {library.name} was stopped by "
            f"{signal.Signals(-child.returncode).name}"
        )
    if child.returncode < 0:
        names = {int(s): s.name for s in signal.Signals}
        how = f"killed it with {names.get(-child.returncode, f'signal {-child.returncode}')}"
    else:
        last = (child.stderr.strip().splitlines() or [""])[-1][-300:]
        how = f"made it exit {child.returncode}" + (f" ({last})" if last else "")
    with contextlib.suppress(FileNotFoundError):  # another process set it aside first
        os.replace(
            library.name, _set_aside(library).name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd
        )
    with contextlib.suppress(FileNotFoundError):  # a marker left by an earlier file
        os.unlink(_marker(library).name, dir_fd=folder_fd)
    raise RuntimeError(
        f"loading {library.name} in a child process {how}; it is set aside as {_set_aside(library)}"
    )


def open_library(folder_fd, library):
    """Open `library` in the checked folder, check it, prove it in a child process when no
    marker vouches for this file, and return its open descriptor.

    Args:
        folder_fd: int, the folder's descriptor from `open_folder`.
        library: `pathlib.Path` of the library (its name is looked up in `folder_fd`).

    Returns:
        int, the library's descriptor (see `load_name`).

    Raises:
        FileNotFoundError: there is no such library.
        RuntimeError: the library is a symbolic link, not a regular file, belongs to another
            user or is writable by others; or it failed in its child process (it is now set
            aside), or the child took over `CHECK_TIMEOUT_S`.

    Example:

    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> handle = open_folder(folder)
    >>> open_library(handle, folder / "lib.so")
    Traceback (most recent call last):
    ...
    FileNotFoundError: [Errno 2] No such file or directory: 'lib.so'
    >>> os.close(handle)
    """
    handle = _open_file(folder_fd, library)  # the only FileNotFoundError: no such library
    try:
        digest = sha256_of(handle)  # the descriptor opened and checked, read with pread
        if not _marked(folder_fd, library, digest):
            _check_in_child(folder_fd, library, handle)
            write_json_atomically(
                _marker(library),
                {"sha256": digest, "checked": "loaded (and its step ops run) in a child process"},
            )
    except FileNotFoundError as error:  # the folder changed under us
        os.close(handle)
        raise RuntimeError(f"cannot check {library}: {error}") from None
    except BaseException:
        os.close(handle)
        raise
    return handle


def refuse_set_aside(folder_fd, library):
    """Raise when an earlier process set `library` aside (it failed in its child process).

    Args:
        folder_fd: int, the folder's descriptor from `open_folder`.
        library: `pathlib.Path` of the library.

    Raises:
        RuntimeError: `<library>.failed` exists (the message says to delete it to retry).

    Example:

    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> handle = open_folder(folder)
    >>> refuse_set_aside(handle, folder / "lib.so")
    >>> os.close(handle)
    """
    with contextlib.suppress(FileNotFoundError):
        os.lstat(_set_aside(library).name, dir_fd=folder_fd)
        raise RuntimeError(
            f"{library.name} was set aside as {_set_aside(library)} when it "
            f"failed to load in a child process; delete that file to build it "
            f"again"
        )
