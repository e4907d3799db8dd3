"""Console helpers shared by the command lines of `text` and `music`."""

import contextlib
import os
import sys


@contextlib.contextmanager
def quiet_native_stderr():
    """Send native (C++) writes to file descriptor 2 to /dev/null; Python's `sys.stderr` still works.

    TensorFlow prints start-up lines from C++ (oneDNN, CUDA probing) whatever
    `TF_CPP_MIN_LOG_LEVEL` says, and a command-line error must be one line. Inside this
    context those native lines are dropped while Python's own writes to `sys.stderr`
    (errors, warnings, progress bars) still reach the terminal. Set `SEQZOO_VERBOSE=1` to
    keep the native lines. When `sys.stderr` is not file descriptor 2 (pytest's capture, a
    notebook), Python's writes are left where they go.

    Example:

    >>> with quiet_native_stderr():
    ...     print("still shown", file=sys.stderr)
    """
    if os.environ.get("SEQZOO_VERBOSE"):
        yield
        return
    try:
        python_on_fd2 = sys.stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):  # captured (pytest, notebooks): leave it be
        python_on_fd2 = False
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    python_stderr = sys.stderr
    try:
        os.dup2(devnull, 2)
        if python_on_fd2:
            sys.stderr = os.fdopen(os.dup(saved), "w", buffering=1)
        yield
    finally:
        if python_on_fd2:
            sys.stderr.flush()
            sys.stderr.close()
            sys.stderr = python_stderr
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
