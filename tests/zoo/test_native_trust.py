"""zoo.native.library loads only this user's own library, proven in a child process first: refused
folders and files (another uid, writable by others, links, a planted fallback), a library that
kills its child, the marker, the whole-build time limit and the CPU in the cache key.

Real files, real processes: tiny shared libraries stand in for the kernels under the name
`zoo.native.library` looks for (one that records that it ran, one that raises SIGILL when loaded).
Making a folder of another uid needs root, as the suite runs in CI.
"""

import hashlib
import json
import os
import pathlib
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import types
import warnings

import pytest

pytest.importorskip("tensorflow")

from zoo.native import library as native  # noqa: E402

OTHER_UID = 65534  # nobody
UNSAFE = (
    "seqzoo loads a library only from a folder and a file that belong to this user and "
    "that no one else can write"
)
needs_root = pytest.mark.skipif(
    os.geteuid() != 0,
    reason="making a folder of another uid needs root (CI runs the suite as root)",
)


@pytest.fixture(scope="session")
def libraries(tmp_path_factory):
    """Tiny shared libraries: `good` (loads), `sigill` (raises SIGILL when loaded) and
    `planted` (creates the file `proof` when loaded: no test may ever see it)."""
    compiler = native._compiler()
    if compiler is None:
        pytest.skip("no C++ compiler")
    folder = tmp_path_factory.mktemp("libraries")
    proof = folder / "planted-code-ran"
    sources = {
        "good": 'extern "C" int seqzoo_trust_good() { return 1; }',
        "sigill": "#include <csignal>\n"
        "__attribute__((constructor)) static void die() { std::raise(SIGILL); }",
        "planted": "#include <cstdio>\n"
        "__attribute__((constructor)) static void ran() {\n"
        f'  if (FILE* f = std::fopen("{proof}", "w")) std::fclose(f);\n}}',
    }
    for name, code in sources.items():
        (folder / f"{name}.cc").write_text(code + "\n")
        subprocess.run(
            [
                compiler,
                "-shared",
                "-fPIC",
                "-o",
                str(folder / f"{name}.so"),
                str(folder / f"{name}.cc"),
            ],
            check=True,
            capture_output=True,
        )
    return types.SimpleNamespace(proof=proof, **{name: folder / f"{name}.so" for name in sources})


@pytest.fixture(autouse=True)
def fresh(monkeypatch, tmp_path):
    """Each test starts as a new process would, with its own cache folder."""
    monkeypatch.setattr(native, "_state", native._fresh_state())
    monkeypatch.delenv("SEQZOO_NATIVE", raising=False)
    monkeypatch.setenv("SEQZOO_CACHE", str(tmp_path / "cache"))


def _expected(folder):
    """Where `zoo.native.library` looks for its library in `folder`."""
    return folder / native._library_name(native._compiler(), list(native.SOURCES))


def _sha256(path):
    return hashlib.sha256(pathlib.Path(path).read_bytes()).hexdigest()


def _plant(library, source, vouched_for=None):
    """Copy `source` to `library`, with a marker that vouches for `vouched_for`'s bytes."""
    library.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    shutil.copyfile(source, library)
    os.chmod(library, 0o644)
    marker = {"sha256": _sha256(vouched_for or source)}
    library.with_name(library.name + ".checked").write_text(json.dumps(marker))


def _chown_all(*paths):
    for path in paths:
        os.chown(path, OTHER_UID, OTHER_UID, follow_symlinks=False)


def _two_calls():
    """`lstm_ops()` twice, as a process would; returns both results and the warnings."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        results = native.lstm_ops(), native.lstm_ops()
    return results, [str(w.message) for w in caught if w.category is RuntimeWarning]


def _unavailable(reason):
    return (
        f"seqzoo: the native LSTM kernel is not available ({reason}); training and "
        "generation run the same math as TensorFlow ops, more slowly. Set SEQZOO_NATIVE=0 "
        "to skip building it."
    )


@needs_root
def test_a_cache_folder_of_another_user_is_never_used(libraries, tmp_path):
    cache = tmp_path / "cache"
    library = _expected(cache)
    _plant(library, libraries.planted)
    os.chmod(cache, 0o755)
    _chown_all(cache, library, library.with_name(library.name + ".checked"))
    results, messages = _two_calls()
    assert results == (None, None)
    assert messages == [
        _unavailable(f"{cache} belongs to uid {OTHER_UID}, not to this user (uid 0); {UNSAFE}")
    ]
    assert not libraries.proof.exists()
    assert sorted(os.listdir(cache)) == [library.name, library.name + ".checked"]


@pytest.mark.parametrize("mode, who", [(0o777, "others"), (0o770, "its group")])
def test_a_cache_folder_others_can_write_is_never_used(libraries, tmp_path, mode, who):
    cache = tmp_path / "cache"
    library = _expected(cache)
    _plant(library, libraries.planted)
    os.chmod(cache, mode)
    results, messages = _two_calls()
    assert results == (None, None)
    assert messages == [_unavailable(f"{cache} is writable by {who} (mode {mode:04o}); {UNSAFE}")]
    assert not libraries.proof.exists()


def test_a_symlinked_cache_folder_is_never_used(libraries, tmp_path, monkeypatch):
    real = tmp_path / "real"
    _plant(_expected(real), libraries.planted)
    link = tmp_path / "link"
    link.symlink_to(real)
    monkeypatch.setenv("SEQZOO_CACHE", str(link))
    results, messages = _two_calls()
    assert results == (None, None)
    assert messages == [_unavailable(f"{link} is a symbolic link; {UNSAFE}")]
    assert not libraries.proof.exists()


@pytest.mark.parametrize(
    "change, why",
    [
        ("mode 0666", "is writable by others (mode 0666)"),
        ("mode 0664", "is writable by its group (mode 0664)"),
        pytest.param(
            "owner", f"belongs to uid {OTHER_UID}, not to this user (uid 0)", marks=needs_root
        ),
        ("link", "is a symbolic link"),
    ],
)
def test_a_library_file_others_could_have_written_is_never_loaded(libraries, tmp_path, change, why):
    cache = tmp_path / "cache"
    library = _expected(cache)
    _plant(library, libraries.planted)  # its marker vouches for it: only the file check stops it
    if change.startswith("mode"):
        os.chmod(library, int(change.split()[1], 8))
    elif change == "owner":
        _chown_all(library)
    else:
        library.unlink()
        library.symlink_to(libraries.planted)
    results, messages = _two_calls()
    assert results == (None, None)
    assert messages == [_unavailable(f"{library} {why}; {UNSAFE}")]
    assert not libraries.proof.exists()


@needs_root
def test_a_fallback_folder_planted_by_another_user_is_never_used(libraries, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("SEQZOO_CACHE", str(blocker / "cache"))  # cannot be made: fall back
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    fallback = tmp_path / "tmp" / "seqzoo-native-0"

    with pytest.raises(LookupError, match=re.escape(f"{_expected(fallback)} is not built")):
        native.build(compile=False)  # made by us: private
    assert stat.S_IMODE(fallback.stat().st_mode) == 0o700
    fallback.rmdir()

    library = _expected(fallback)  # another user made it first, with "our" library inside
    _plant(library, libraries.planted)
    os.chmod(fallback, 0o777)
    _chown_all(fallback, library, library.with_name(library.name + ".checked"))
    results, messages = _two_calls()
    assert results == (None, None)
    assert messages == [
        _unavailable(f"{fallback} belongs to uid {OTHER_UID}, not to this user (uid 0); {UNSAFE}")
    ]
    assert not libraries.proof.exists()


@pytest.mark.slow
def test_a_library_that_kills_its_child_is_set_aside_and_never_retried(
    libraries, tmp_path, monkeypatch
):
    """A marker for other bytes vouches for nothing: the library is loaded in a child first,
    the child dies of SIGILL, this process warns once and runs the TensorFlow ops."""
    cache = tmp_path / "cache"
    library = _expected(cache)
    _plant(library, libraries.sigill, vouched_for=libraries.good)
    results, messages = _two_calls()
    assert results == (None, None)
    assert messages == [
        _unavailable(
            f"loading {library.name} in a child process killed it "
            f"with SIGILL; it is set aside as {library}.failed"
        )
    ]
    assert os.listdir(cache) == [library.name + ".failed"]

    monkeypatch.setattr(native, "_state", native._fresh_state())  # a later process
    results, messages = _two_calls()
    assert results == (None, None)
    assert messages == [
        _unavailable(
            f"{library.name} was set aside as {library}.failed when it failed to load in a child "
            f"process; delete that file to build it again"
        )
    ]
    assert os.listdir(cache) == [library.name + ".failed"]  # not built again


@pytest.mark.slow
def test_a_good_library_is_marked_once_then_loads_without_a_child(libraries, tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    library = _expected(cache)
    library.parent.mkdir(mode=0o700)
    shutil.copyfile(libraries.good, library)
    assert native.build(compile=False) == library  # loaded in a child: it passes
    marker = json.loads(library.with_name(library.name + ".checked").read_text())
    assert marker["sha256"] == _sha256(libraries.good)

    monkeypatch.setattr(sys, "executable", shutil.which("false"))  # a child would now fail
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ops = native.lstm_ops()  # no child: loaded here, through the checked descriptor
    assert ops is not None and not hasattr(ops, "seqzoo_lstm_step")

    with open(library, "ab") as extra:  # the file changes: the marker no longer vouches
        extra.write(b"\0")
    monkeypatch.setattr(native, "_state", native._fresh_state())
    results, messages = _two_calls()
    assert results == (None, None)
    assert messages == [
        _unavailable(
            f"loading {library.name} in a child process made it exit "
            f"1; it is set aside as {library}.failed"
        )
    ]


def test_the_hash_is_of_the_file_held_open_not_of_the_path(libraries, tmp_path):
    """trust hashes the descriptor it opened and checked (zoo.io.downloads.sha256_of reads
    it with os.pread): a file renamed over the path afterwards is not what is vouched for."""
    from zoo.io.downloads import sha256_of
    from zoo.native import trust

    folder = tmp_path / "held"
    folder.mkdir(mode=0o700)
    shutil.copyfile(libraries.good, folder / "lib.so")
    folder_fd = trust.open_folder(folder)
    try:
        handle = os.open("lib.so", os.O_RDONLY | os.O_NOFOLLOW, dir_fd=folder_fd)
        shutil.copyfile(libraries.planted, folder / "swap.so")
        os.replace(folder / "swap.so", folder / "lib.so")  # the path now names other bytes
        assert sha256_of(handle) == _sha256(libraries.good) != _sha256(folder / "lib.so")
        assert sha256_of(handle) == _sha256(libraries.good)  # its offset did not move
        os.close(handle)
    finally:
        os.close(folder_fd)
    assert not libraries.proof.exists()


def test_a_child_stopped_from_outside_sets_nothing_aside(libraries, tmp_path, monkeypatch):
    """Ctrl-C, a shutdown or the out-of-memory killer is not the library's doing: it is not
    loaded in this process, and stays for a later process to check again."""
    cache = tmp_path / "cache"
    library = _expected(cache)
    library.parent.mkdir(mode=0o700)
    shutil.copyfile(libraries.good, library)
    stopped = tmp_path / "stopped-python"
    stopped.write_text("#!/bin/sh\nkill -TERM $$\n")
    stopped.chmod(0o755)
    monkeypatch.setattr(sys, "executable", str(stopped))
    results, messages = _two_calls()
    assert results == (None, None)
    assert messages == [
        _unavailable(f"the child process loading {library.name} was stopped by SIGTERM")
    ]
    assert os.listdir(cache) == [library.name]


def test_the_build_runs_in_private_folders_within_one_time_limit(tmp_path, monkeypatch):
    """A stand-in compiler records the mode of the folder it writes into. It fails at once:
    both compiles wrote into a folder of mode 0700. It takes 0.7 s: two compiles at once,
    then the link, go over a 1 s limit together, though each process alone is under it."""
    log = tmp_path / "folder-modes"
    compiler = tmp_path / "fake-c++"
    compiler.write_text(
        f"#!{sys.executable}\n"
        "import os, sys, time\n"
        "if '--version' in sys.argv or '-dM' in sys.argv: sys.exit(0)\n"
        "out = os.path.dirname(sys.argv[sys.argv.index('-o') + 1])\n"
        f"with open({str(log)!r}, 'a') as log:\n"
        "    log.write(f'{os.stat(out).st_mode & 0o777:o}\\n')\n"
        "if os.environ.get('FAKE_CXX_FAILS'): sys.exit(1)\n"
        "time.sleep(0.7)\n"
    )
    compiler.chmod(0o755)
    monkeypatch.setenv("CXX", str(compiler))
    sources = [tmp_path / "a.cc", tmp_path / "b.cc"]
    for source in sources:
        source.write_text("\n")
    cache = tmp_path / "cache"

    monkeypatch.setenv("FAKE_CXX_FAILS", "1")
    with pytest.raises(RuntimeError, match=r"^fake-c\+\+ exited 1: $"):
        native.build(sources, cache)
    assert log.read_text().split() == ["700", "700"]  # the build's temporary folder
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700 and os.listdir(cache) == []

    monkeypatch.delenv("FAKE_CXX_FAILS")
    monkeypatch.setattr(native, "BUILD_TIMEOUT_S", 1)
    with pytest.raises(RuntimeError, match=r"^the build took over 1 s$"):
        native.build(sources, cache)
    assert os.listdir(cache) == []


@pytest.mark.skipif(not os.path.exists("/proc/cpuinfo"), reason="reads /proc/cpuinfo (Linux)")
def test_the_cache_key_holds_the_cpu_features_and_the_compilers_target(libraries):
    with open("/proc/cpuinfo") as info:
        flags = next(line for line in info if line.startswith(("flags", "Features")))
    assert set(flags.split(":", 1)[1].split()) <= set(native._cpu_features().split())
    target = native._native_target(native._compiler())
    assert "#define __x86_64__ 1" in target or "#define __aarch64__ 1" in target
