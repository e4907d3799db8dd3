"""The zoo's C++ kernels: built for this machine on first use, cached, and optional.

`zoo.fused_lstm` trains an LSTM in bfloat16 faster with two small TensorFlow CPU ops,
`SeqzooLstmStep` and `SeqzooLstmStepGrad` (`zoo/csrc/lstm_step.cc`): one LSTM time step's
element-wise math, forward and backward, in one pass instead of a couple of dozen TensorFlow
ops. TensorFlow's pip package ships the headers to build such ops, so `lstm_ops()` compiles
the source once with the machine's C++ compiler (`$CXX`, else `c++` or `g++`; about 20 s on
2 cores), against the TensorFlow that is installed, for this CPU (`-march=native`), and keeps
the library in a cache folder keyed by all of those, so later processes load it at once.

Nothing depends on it. Without a compiler, with a failed build, under XLA, with another
dtype, or with `SEQZOO_NATIVE=0` (or `false`, `no`, `off`) in the environment,
`lstm_ops()` returns None and the zoo runs the same math as TensorFlow ops (a warning names
the reason once per process, except when the environment turned it off).

The cache folder is `$SEQZOO_CACHE`, else `$XDG_CACHE_HOME/seqzoo`, else `~/.cache/seqzoo`;
if it cannot be written, a `seqzoo-native` folder in the system's temporary folder.
"""

import contextlib
import hashlib
import os
import pathlib
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import warnings

__all__ = ["lstm_ops", "disabled", "build", "cache_folder"]

SOURCE = pathlib.Path(__file__).with_name("csrc") / "lstm_step.cc"
"""The C++ source of the LSTM step ops."""

OFF = ("0", "false", "no", "off")
"""Values of `SEQZOO_NATIVE` that turn the native kernels off (any case)."""

BUILD_TIMEOUT_S = 600
"""The longest a build may take before it counts as failed."""

_lock = threading.Lock()
_state = {"ops": None, "tried": False, "disabled": 0}


def cache_folder():
    """The folder where built kernels are kept (see the module's docstring).

    Returns:
        `pathlib.Path` (it may not exist yet).

    Example:

    >>> cache_folder().name in ("seqzoo", "seqzoo-native") or "SEQZOO_CACHE" in os.environ
    True
    """
    if os.environ.get("SEQZOO_CACHE"):
        return pathlib.Path(os.environ["SEQZOO_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache"
    return pathlib.Path(base) / "seqzoo"


def _compiler():
    for name in (os.environ.get("CXX"), "c++", "g++", "clang++"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


def _cpu_flags():
    """This CPU's feature flags (what `-march=native` compiles for), for the cache key."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith(("flags", "Features")):
                    return line.strip()
    except OSError:
        pass
    return platform.processor()


def _command(compiler, source, output):
    import tensorflow as tf

    return ([compiler, "-O3", "-march=native", "-shared", "-fPIC",
             "-Wno-deprecated-declarations", *tf.sysconfig.get_compile_flags(), str(source),
             "-o", str(output), *tf.sysconfig.get_link_flags()])


def _library_name(compiler, source):
    import tensorflow as tf

    try:
        version = subprocess.run([compiler, "--version"], capture_output=True, text=True,
                                 timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        version = ""
    key = hashlib.sha256()
    for part in (pathlib.Path(source).read_bytes(), tf.__version__.encode(),
                 " ".join(_command(compiler, source, "out")).encode(), version.encode(),
                 _cpu_flags().encode(), platform.machine().encode()):
        key.update(part)
        key.update(b"\0")
    return f"{pathlib.Path(source).stem}-{key.hexdigest()[:16]}.so"


def _writable(folder):
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = tempfile.NamedTemporaryFile(dir=folder, prefix=".probe-")
        probe.close()
        return True
    except OSError:
        return False


def build(source=SOURCE, folder=None):
    """Compile `source` into a TensorFlow op library for this machine, or find it built.

    The library is written under a temporary name and renamed into place, so a build that
    fails or is killed leaves nothing behind, and processes building at once each get a
    whole file.

    Args:
        source: path of the C++ source. Defaults to the LSTM step ops.
        folder: where to keep the library. Defaults to `cache_folder()` (or a folder in the
            system's temporary folder when that one cannot be written).

    Returns:
        `pathlib.Path` of the library.

    Raises:
        RuntimeError: no C++ compiler was found, or the build failed (the message ends with
            the compiler's last lines).

    Example:

    >>> build().suffix  # doctest: +SKIP
    '.so'
    """
    compiler = _compiler()
    if compiler is None:
        raise RuntimeError("no C++ compiler found (set CXX, or install g++)")
    if folder is None:
        folder = cache_folder()
        if not _writable(folder):
            folder = pathlib.Path(tempfile.gettempdir()) / f"seqzoo-native-{os.getuid()}"
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    library = folder / _library_name(compiler, source)
    if library.exists():
        return library
    from zoo.atomic import atomic_file

    print(f"seqzoo: building the native LSTM kernel for this machine (once; about 20 s) "
          f"into {folder}", file=sys.stderr, flush=True)
    with atomic_file(library) as temporary:
        try:
            done = subprocess.run(_command(compiler, source, temporary), capture_output=True,
                                  text=True, timeout=BUILD_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"the build took over {BUILD_TIMEOUT_S} s") from None
        if done.returncode != 0 or not temporary.exists():
            tail = " ".join((done.stderr or done.stdout).strip().splitlines()[-3:])
            raise RuntimeError(f"{pathlib.Path(compiler).name} exited {done.returncode}: "
                               f"{tail[-400:]}")
    return library


@contextlib.contextmanager
def disabled():
    """Inside this context `lstm_ops()` returns None: the zoo uses TensorFlow ops only.

    Models traced inside keep the path they were traced with. Used by the tests to check
    that both paths compute the same.

    Example:

    >>> with disabled():
    ...     lstm_ops() is None
    True
    """
    with _lock:
        _state["disabled"] += 1
    try:
        yield
    finally:
        with _lock:
            _state["disabled"] -= 1


def lstm_ops():
    """The loaded LSTM step ops (`seqzoo_lstm_step`, `seqzoo_lstm_step_grad`), or None.

    Builds them on the first call in a process if the cache does not hold them. None when
    `SEQZOO_NATIVE=0`, inside `disabled()`, or when the build or the load failed (then with a
    `RuntimeWarning` naming why, once per process).

    Returns:
        The module `tf.load_op_library` returns, or None.

    Example:

    >>> ops = lstm_ops()
    >>> ops is None or hasattr(ops, "seqzoo_lstm_step")
    True
    """
    if _state["disabled"] or os.environ.get("SEQZOO_NATIVE", "1").strip().lower() in OFF:
        return None
    with _lock:
        if not _state["tried"]:
            _state["tried"] = True
            try:
                import tensorflow as tf

                _state["ops"] = tf.load_op_library(str(build()))
            except Exception as error:  # any failure: the TensorFlow-ops path still works
                warnings.warn(f"seqzoo: the native LSTM kernel is not available ({error}); "
                              "training runs the same math as TensorFlow ops, more slowly. "
                              "Set SEQZOO_NATIVE=0 to skip building it.", RuntimeWarning,
                              stacklevel=2)
        return _state["ops"]
