"""The zoo's C++ kernels: built for this machine on first use, cached, checked, and optional.

`zoo.native.fused_lstm` trains an LSTM in bfloat16 faster with two small TensorFlow CPU ops,
`SeqzooLstmStep` and `SeqzooLstmStepGrad` (`zoo/native/csrc/lstm_step.cc`): one LSTM time step's
element-wise math, forward and backward, in one pass instead of a couple of dozen TensorFlow
ops. `zoo.generation.native_lstm` runs a whole sampling loop of an LSTM language model in one op,
`SeqzooLstmSample` (`zoo/native/csrc/lstm_sample.cc`). TensorFlow's pip package ships the headers to
build such ops, so `lstm_ops()` compiles the sources once into one library with the machine's
C++ compiler (`$CXX`, else `c++` or `g++`; about 20 s on 2 cores), against the TensorFlow
that is installed, for this CPU (`-march=native`), and keeps it in a cache folder keyed by
all of those (the CPU by its feature flags: `/proc/cpuinfo` on Linux, `sysctl` on macOS, and
what the compiler makes of `-march=native`), so later processes load it at once.

The cache folder is `$SEQZOO_CACHE`, else `$XDG_CACHE_HOME/seqzoo/native`, else
`~/.cache/seqzoo/native` (a folder of its own: `~/.cache/seqzoo`, shared with the music
corpus cache, may have been made group-writable by a umask); when that cannot be written,
`seqzoo-native-<uid>` in the system's temporary folder. Either is
created with mode 0700. Before every load `zoo.native.trust` checks the folder and the library
(no symbolic link, this user's, writable by no one else, and, once per file, loaded in a child
process first: a library that crashes there is set aside, never loaded again).

Nothing depends on it. Without a compiler, with a failed build or check, under XLA, with
another dtype, or with `SEQZOO_NATIVE=0` (or `false`, `no`, `off`) in the environment,
`lstm_ops()` returns None and the zoo runs the same math as TensorFlow ops (a warning names
the reason once per process, except when the environment turned it off).
"""

import contextlib
import functools
import hashlib
import os
import pathlib
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings

from zoo.io.atomic import atomic_file, probe_writable
from zoo.native import trust as native_trust

__all__ = ["lstm_ops", "disabled", "build", "cache_folder", "vector_bits"]

SOURCES = tuple(
    pathlib.Path(__file__).with_name("csrc") / name for name in ("lstm_step.cc", "lstm_sample.cc")
)
"""The C++ sources of the ops, built into one library: the LSTM step ops and the sampler."""

HEADERS = (pathlib.Path(__file__).with_name("csrc") / "seqzoo_ops.h",)
"""The header they share (part of the cache key)."""

OFF = ("0", "false", "no", "off")
"""Values of `SEQZOO_NATIVE` that turn the native kernels off (any case)."""

BUILD_TIMEOUT_S = 600
"""The longest a whole build (every compile and the link together) may take before it counts
as failed."""


def _fresh_state():
    """A process's state before its first `lstm_ops()`. The test hook: a test starts over as a
    new process would with `monkeypatch.setattr(native, "_state", native._fresh_state())`."""
    return {"ops": None, "tried": False, "disabled": 0}


_lock = threading.Lock()
_state = _fresh_state()


def cache_folder():
    """The folder where built kernels are kept (see the module's docstring).

    Returns:
        `pathlib.Path` (it may not exist yet).

    Example:

    >>> cache_folder().parts[-2:] == ("seqzoo", "native") or "SEQZOO_CACHE" in os.environ
    True
    """
    if os.environ.get("SEQZOO_CACHE"):
        return pathlib.Path(os.environ["SEQZOO_CACHE"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache"
    return pathlib.Path(base) / "seqzoo" / "native"


def _fallback_folder():
    """The folder used when `cache_folder()` cannot be written."""
    return pathlib.Path(tempfile.gettempdir()) / f"seqzoo-native-{os.geteuid()}"


def _compiler():
    for name in (os.environ.get("CXX"), "c++", "g++", "clang++"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


@functools.cache
def _cpu_features():
    """This CPU's feature flags, for the cache key (read once per process).

    Linux: every distinct `flags` (x86), `Features` (ARM) or `isa` line of `/proc/cpuinfo`;
    macOS: `sysctl machdep.cpu hw.optional` (x86's feature words, Apple silicon's
    `hw.optional.arm.FEAT_*`); elsewhere, `platform.processor()`."""
    lines = set()
    if platform.system() == "Darwin":
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            sysctl = shutil.which("sysctl") or "/usr/sbin/sysctl"
            lines.update(
                subprocess.run(
                    [sysctl, "machdep.cpu", "hw.optional"],
                    capture_output=True,
                    text=True,
                    timeout=60,
                    check=False,
                ).stdout.splitlines()
            )
    else:
        with contextlib.suppress(OSError), open("/proc/cpuinfo") as info:
            for line in info:
                if line.split(":", 1)[0].strip() in ("flags", "Features", "isa"):
                    lines.add(" ".join(line.split()))
    return "\n".join(sorted(lines)) or platform.processor()


@functools.cache
def _native_target(compiler):
    """The macros `compiler -march=native` predefines: the instruction sets it compiles for
    on this CPU (asked once per process; empty where the compiler does not say)."""
    try:
        return subprocess.run(
            [compiler, "-march=native", "-dM", "-E", "-x", "c++", os.devnull],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def vector_bits():
    """The width of the vector registers the kernels are compiled for on this CPU.

    What `-march=native` means to the machine's compiler: 512 with AVX-512, 256 with AVX or
    AVX2, else 128 (SSE, NEON), and 0 without a compiler. `zoo.generation.native_lstm` runs its
    sampling op only at 512 bits, where its register blocks were measured faster than the XLA
    loop.

    Returns:
        int.

    Example:

    >>> vector_bits() in (0, 128, 256, 512)
    True
    """
    compiler = _compiler()
    macros = _native_target(compiler) if compiler else ""
    if not compiler:
        return 0
    if "__AVX512F__" in macros:
        return 512
    return 256 if "__AVX__" in macros else 128


def _compile_command(compiler, source, output):
    import tensorflow as tf  # lazy: TensorFlow

    return [
        compiler,
        "-O3",
        "-march=native",
        "-fPIC",
        "-Wno-deprecated-declarations",
        *tf.sysconfig.get_compile_flags(),
        "-c",
        str(source),
        "-o",
        str(output),
    ]


def _link_command(compiler, objects, output):
    import tensorflow as tf  # lazy: TensorFlow

    return [
        compiler,
        "-shared",
        *[str(o) for o in objects],
        "-o",
        str(output),
        *tf.sysconfig.get_link_flags(),
    ]


def _command(compiler, sources, output):
    """Every command of a build, as one list (the cache key's part)."""
    return [
        *[arg for source in sources for arg in _compile_command(compiler, source, "o")],
        *_link_command(compiler, ["o"], output),
    ]


def _run_all(commands, deadline):
    """Run `commands` at once (one compile per source, on as many cores); raise RuntimeError
    naming the first that failed, or when `time.monotonic()` passes `deadline` (the whole
    build's, `BUILD_TIMEOUT_S` after it started) before they are done."""
    running = [
        subprocess.Popen(
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        for command in commands
    ]
    failures = []
    try:
        for command, process in zip(commands, running):
            _, err = process.communicate(timeout=max(0.0, deadline - time.monotonic()))
            if process.returncode != 0:
                tail = " ".join(err.strip().splitlines()[-3:])
                failures.append(
                    f"{pathlib.Path(command[0]).name} exited {process.returncode}: {tail[-400:]}"
                )
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"the build took over {BUILD_TIMEOUT_S} s") from None
    finally:
        for process in running:
            if process.poll() is None:
                process.kill()
                process.wait()
    if failures:
        raise RuntimeError(failures[0])


@functools.cache
def _compiler_version(compiler):
    """`compiler --version` (asked once per process: generation looks the library up often)."""
    try:
        return subprocess.run(
            [compiler, "--version"], capture_output=True, text=True, timeout=60, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def _library_name(compiler, sources):
    import tensorflow as tf  # lazy: TensorFlow

    version = _compiler_version(compiler)
    key = hashlib.sha256()
    for part in (
        *[pathlib.Path(path).read_bytes() for path in (*sources, *HEADERS)],
        tf.__version__.encode(),
        " ".join(_command(compiler, sources, "out")).encode(),
        version.encode(),
        _cpu_features().encode(),
        _native_target(compiler).encode(),
        platform.machine().encode(),
    ):
        key.update(part)
        key.update(b"\0")
    return f"{pathlib.Path(sources[0]).stem}-{key.hexdigest()[:16]}.so"


def _writable(folder):
    """Whether `folder` exists or can be made (mode 0700) and accepts a new file."""
    try:
        pathlib.Path(folder).mkdir(mode=0o700, parents=True, exist_ok=True)
        probe_writable(folder)
        return True
    except OSError:
        return False


def _find(sources, folder, compile):
    """`build`'s work: returns `(library, handle)`, the checked library's open descriptor."""
    sources = [sources] if isinstance(sources, (str, os.PathLike)) else list(sources)
    compiler = _compiler()
    if compiler is None:
        if not compile:
            raise LookupError("no C++ compiler found")
        raise RuntimeError("no C++ compiler found (set CXX, or install g++)")
    if folder is None:
        folder = cache_folder()
        if not _writable(folder):
            folder = _fallback_folder()
    folder = pathlib.Path(folder).expanduser().absolute()
    folder_fd = native_trust.open_folder(folder)
    try:
        library = folder / _library_name(compiler, sources)
        native_trust.refuse_set_aside(folder_fd, library)
        try:
            return library, native_trust.open_library(folder_fd, library)
        except FileNotFoundError:
            if not compile:
                raise LookupError(f"{library} is not built") from None
        _compile(compiler, sources, library)
        try:
            return library, native_trust.open_library(folder_fd, library)
        except FileNotFoundError:  # the path no longer leads to the folder checked
            raise RuntimeError(
                f"{library} is not in the folder checked after the build; nothing is loaded"
            ) from None
    finally:
        os.close(folder_fd)


def _compile(compiler, sources, library):
    """Compile and link `sources` into `library` (through a private temporary folder and a
    temporary name renamed into place), all within `BUILD_TIMEOUT_S`."""
    print(
        f"seqzoo: building the native LSTM kernels for this machine (once; about 20 s) "
        f"into {library.parent}",
        file=sys.stderr,
        flush=True,
    )
    deadline = time.monotonic() + BUILD_TIMEOUT_S
    with (
        tempfile.TemporaryDirectory(dir=library.parent, prefix=".build-") as work,
        atomic_file(library) as temporary,
    ):  # mkdtemp: mode 0700
        objects = [
            pathlib.Path(work) / f"{i}-{pathlib.Path(source).stem}.o"
            for i, source in enumerate(sources)
        ]
        _run_all(
            [_compile_command(compiler, source, obj) for source, obj in zip(sources, objects)],
            deadline,
        )
        _run_all([_link_command(compiler, objects, temporary)], deadline)
        if not temporary.exists():
            raise RuntimeError(f"{pathlib.Path(compiler).name} wrote no library")


def build(sources=SOURCES, folder=None, compile=True):
    """Compile `sources` into one TensorFlow op library for this machine, or find it built;
    return it once it is checked.

    Each source compiles in its own process (at once, one per core), then they are linked,
    all within `BUILD_TIMEOUT_S`. The library is written under a temporary name and renamed
    into place, so a build that fails or is killed leaves nothing behind, and processes
    building at once each get a whole file. The folder and the library are checked by
    `zoo.native.trust` (this user's, writable by no one else, no links, loaded once in a
    child process); a library that fails in the child is set aside and not built again.

    Args:
        sources: path of a C++ source, or a list of them. Defaults to `SOURCES`.
        folder: where to keep the library. Defaults to `cache_folder()` (or
            `seqzoo-native-<uid>` in the system's temporary folder when that one cannot be
            written). Created with mode 0700 when missing.
        compile: bool, build the library when it is not there. False only finds it.
            Defaults to True.

    Returns:
        `pathlib.Path` of the library.

    Raises:
        RuntimeError: no C++ compiler was found, the build failed or took over
            `BUILD_TIMEOUT_S` (the message ends with the compiler's last lines), the folder or
            the library failed a check (the message names it and why), or the library failed
            in its child process now or earlier (it is set aside).
        LookupError: `compile=False` and the library is not built (or no compiler is found).

    Example:

    >>> build().suffix  # doctest: +SKIP
    '.so'
    """
    library, handle = _find(sources, folder, compile)
    os.close(handle)
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


def lstm_ops(build_missing=True):
    """The loaded native ops (`seqzoo_lstm_step`, `seqzoo_lstm_step_grad`,
    `seqzoo_lstm_sample`), or None.

    Builds them on the first call in a process if the cache does not hold them, and loads
    them only after `build`'s checks. None when `SEQZOO_NATIVE=0`, inside `disabled()`, or
    when the build, a check or the load failed (then with a `RuntimeWarning` naming why,
    once per process).

    Args:
        build_missing: bool. False returns None, silently, when the library is not built
            yet (a later call may still build it). Defaults to True.

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
            try:
                import tensorflow as tf  # lazy: TensorFlow

                library, handle = _find(SOURCES, None, build_missing)
                # the descriptor stays open: on Linux the loader opens the library through it,
                # and its number, never reused, keeps the name unique to this library
                _state["ops"] = tf.load_op_library(native_trust.load_name(handle, library))
            except LookupError:  # not built, and this caller does not build it
                return None
            except Exception as error:  # any failure: the TensorFlow-ops path still works
                warnings.warn(
                    f"seqzoo: the native LSTM kernel is not available ({error}); "
                    "training and generation run the same math as TensorFlow ops, "
                    "more slowly. Set SEQZOO_NATIVE=0 to skip building it.",
                    RuntimeWarning,
                    stacklevel=2,
                )
            _state["tried"] = True
        return _state["ops"]
