"""The shared first cell of seqzoo's notebooks: where am I, what runs me, where do files go.

Every notebook's first code cell is `setup_cell(name, extras)`: the same text in all of them
but for the notebook's name and the package extras it needs (the tests check that). It runs
in any Jupyter kernel, even one holding nothing but Jupyter's kernel packages: when seqzoo is
not installed there, it installs it (with its dependencies) from the clone the notebook sits
in, else from `$SEQZOO_REPO_URL` (or `REPO_URL` in the cell), and in Colab it also installs
FluidSynth and a General MIDI SoundFont when the notebook asks for the `audio` extra. It then
calls `setup()`, which:

- detects Colab and the accelerator (GPU name, TPU, or CPU);
- mounts Google Drive when asked (`drive=True` or `$SEQZOO_DRIVE=1`, Colab only) and puts the
  work folder there, so checkpoints survive a disconnect and re-running a training cell
  resumes from them (`zoo.training.engine.fit`'s `run_dir`);
- finds the shared data folder (`$SEQZOO_SHARED_DATA`, else `../shared/data` beside the
  clone) and says so when it is missing;
- reads `SMOKE` from the environment (`SMOKE=1`: the tests' tiny settings).

`data_file(relative)` then gives a local copy of a data file or None, and `size(smoke, full)`
picks a setting by mode. Nothing here imports TensorFlow, so the cell stays fast.
"""

import dataclasses
import importlib.util
import os
import pathlib
import shutil
import subprocess
import sys

TRUE = ("1", "true", "yes", "on")


def env_flag(name, default=False):
    """Read a yes/no environment variable (`1`, `true`, `yes`, `on` are yes).

    Args:
        name: str, the variable.
        default: bool when the variable is unset or empty. Defaults to False.

    Returns:
        bool.

    Example:

    >>> os.environ["SEQZOO_EXAMPLE_FLAG"] = "1"
    >>> env_flag("SEQZOO_EXAMPLE_FLAG")
    True
    """
    value = os.environ.get(name, "").strip().lower()
    return default if not value else value in TRUE


SMOKE = env_flag("SMOKE")


def in_colab():
    """Whether this runs in Google Colab.

    Returns:
        bool.

    Example:

    >>> isinstance(in_colab(), bool)
    True
    """
    if "google.colab" in sys.modules:  # Colab's kernel imports it at start
        return True
    try:
        return importlib.util.find_spec("google.colab") is not None
    except ModuleNotFoundError:  # no `google` package at all (a bare kernel)
        return False


def accelerator():
    """The accelerator TensorFlow will use, without importing TensorFlow.

    Looks for `nvidia-smi` (a CUDA GPU) and Colab's TPU variable.

    Returns:
        str: `"GPU: <name>"`, `"TPU"` or `"CPU"`.

    Example:

    >>> accelerator().split(":")[0] in ("GPU", "TPU", "CPU")
    True
    """
    if shutil.which("nvidia-smi"):
        try:
            names = subprocess.run(
                ["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                capture_output=True,
                text=True,
                timeout=20,
            ).stdout.split("\n")
        except (OSError, subprocess.SubprocessError):
            names = []
        names = [n.strip() for n in names if n.strip()]
        if names:
            return f"GPU: {names[0]}" + (f" (x{len(names)})" if len(names) > 1 else "")
    if os.environ.get("COLAB_TPU_ADDR") or os.environ.get("TPU_NAME"):
        return "TPU"
    return "CPU"


def find_repo_root(start=None):
    """The clone this runs in: the nearest folder up from `start` with `setup.cfg` and `zoo/`.

    Args:
        start: folder to search from. Defaults to the current directory.

    Returns:
        `pathlib.Path` or None outside a clone.

    Example:

    >>> find_repo_root("/") is None
    True
    """
    here = pathlib.Path(start or os.getcwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "setup.cfg").is_file() and (folder / "zoo" / "__init__.py").is_file():
            return folder
    return None


def find_shared_data(repo_root=None):
    """The shared data folder: `$SEQZOO_SHARED_DATA`, else `../shared/data` beside the clone.

    A set `$SEQZOO_SHARED_DATA` is the only place looked at: naming a folder that does not
    exist means "no shared data" (how the tests run the notebooks without it).

    Args:
        repo_root: the clone (defaults to `find_repo_root()`).

    Returns:
        `pathlib.Path` or None when there is none.

    Example:

    >>> find_shared_data("/nonexistent") is None or True
    True
    """
    candidates = []
    if os.environ.get("SEQZOO_SHARED_DATA"):
        candidates.append(pathlib.Path(os.environ["SEQZOO_SHARED_DATA"]))
    else:
        root = pathlib.Path(repo_root) if repo_root else find_repo_root()
        if root is not None:
            candidates.append(root.parent / "shared" / "data")
    return next((c.resolve() for c in candidates if c.is_dir()), None)


def _shown(path):
    """A path as the user would type it: relative to the current folder when that is short."""
    relative = os.path.relpath(path)
    return relative if relative.count("..") <= 2 else str(path)


@dataclasses.dataclass
class Setup:
    """What `setup()` found.

    Args:
        colab: bool, running in Google Colab.
        accelerator: str, `"GPU: <name>"`, `"TPU"` or `"CPU"`.
        smoke: bool, the tests' tiny settings (`SMOKE=1`).
        repo_root: the clone, or None.
        work: `pathlib.Path` where the notebook writes (on Drive when mounted).
        data: the shared data folder, or None.
        drive: bool, Google Drive is mounted and `work` is on it.
    """

    colab: bool
    accelerator: str
    smoke: bool
    repo_root: object
    work: pathlib.Path
    data: object
    drive: bool

    @property
    def gpu(self):
        """bool: a CUDA GPU is attached."""
        return self.accelerator.startswith("GPU")

    def data_file(self, relative):
        """A local copy of a shared data file, or None (the loader then downloads, or falls back).

        Args:
            relative: str, the path inside the data folder, e.g. `"text/dinos.txt"`.

        Returns:
            `pathlib.Path` or None.
        """
        if self.data is None:
            return None
        path = pathlib.Path(self.data) / relative
        return path if path.exists() else None

    def size(self, smoke, full):
        """Pick a setting by mode: `smoke` under `SMOKE=1`, else `full`.

        Args:
            smoke: the value for the tests' smoke run.
            full: the value for a real run.

        Returns:
            One of them.
        """
        return smoke if self.smoke else full

    def describe(self):
        """One line per fact, for the first cell's output.

        Returns:
            str.
        """
        data = (
            _shown(self.data)
            if self.data
            else ("none: loaders download their data (sha256-checked) or use a built-in fallback")
        )
        lines = [
            f"running in: {'Colab' if self.colab else 'a local Jupyter kernel'}",
            f"accelerator: {self.accelerator}",
            f"mode: {'SMOKE (tiny settings for the tests)' if self.smoke else 'full'}",
            f"work folder: {_shown(self.work)}{' (Google Drive)' if self.drive else ''}",
            f"shared data: {data}",
        ]
        return "\n".join(lines)


def setup(name="seqzoo", *, drive=None, work=None, smoke=None):
    """Detect the environment, mount Drive when asked, and choose the work folder.

    Args:
        name: str, a sub-folder for this notebook's files (e.g. `"04_jazz_solo"`).
        drive: bool or None: mount Google Drive (Colab only) and work in
            `MyDrive/seqzoo/<name>`. None reads `$SEQZOO_DRIVE`. Defaults to None.
        work: optional folder to work in, overriding the default (`runs/<name>` in the clone,
            else `./seqzoo_runs/<name>`). `$SEQZOO_WORK` overrides it too.
        smoke: bool or None; None reads `$SMOKE`.

    Returns:
        `Setup`.

    Raises:
        ValueError: `drive=True` outside Colab.

    Example:

    >>> info = setup("example", work=__import__("tempfile").mkdtemp())
    >>> info.accelerator.split(":")[0] in ("GPU", "TPU", "CPU")
    True
    """
    colab = in_colab()
    drive = env_flag("SEQZOO_DRIVE") if drive is None else bool(drive)
    smoke = env_flag("SMOKE") if smoke is None else bool(smoke)
    repo_root = find_repo_root()
    mounted = False
    if drive:
        if not colab:
            raise ValueError(
                "drive=True: Google Drive can be mounted only in Colab; "
                "set drive=False (or unset SEQZOO_DRIVE) to work in a local folder"
            )
        from google.colab import drive as colab_drive

        colab_drive.mount("/content/drive")
        folder = pathlib.Path("/content/drive/MyDrive/seqzoo") / name
        mounted = True
    elif work or os.environ.get("SEQZOO_WORK"):
        folder = pathlib.Path(work or os.environ["SEQZOO_WORK"]) / ("" if work else name)
    elif repo_root is not None:
        folder = repo_root / "runs" / name
    else:
        folder = pathlib.Path("seqzoo_runs") / name
    folder.mkdir(parents=True, exist_ok=True)
    return Setup(
        colab=colab,
        accelerator=accelerator(),
        smoke=smoke,
        repo_root=repo_root,
        work=folder.resolve(),
        data=find_shared_data(repo_root),
        drive=mounted,
    )


_SETUP_CELL_HEAD = """\
# Set up: run this cell first (in Colab, or in a Jupyter kernel inside a clone of the repository).
# When this kernel lacks seqzoo, the cell installs it: from the clone the notebook sits in, else
# from REPO_URL, the git URL of this repository or your fork, e.g.
# "https://github.com/<owner>/seqzoo.git" (set it here or in the SEQZOO_REPO_URL variable).
# SEQZOO_DRIVE=1 (or DRIVE = True) keeps the work folder on Google Drive, so training resumes
# after a disconnect.
import importlib, importlib.metadata, os, pathlib, subprocess, sys

"""

_SETUP_CELL_BODY = """\
REPO_URL = os.environ.get("SEQZOO_REPO_URL", "")
DRIVE = os.environ.get("SEQZOO_DRIVE", "") == "1"

here = pathlib.Path.cwd().resolve()
# Installed = a seqzoo distribution outside this folder (a clone's own seqzoo.egg-info is not one).
if not any(importlib.metadata.distributions(
        name="seqzoo", path=[p for p in sys.path if p and pathlib.Path(p).resolve() != here])):
    colab = "google.colab" in sys.modules
    wanted = f"[{EXTRAS}]" if EXTRAS else ""
    clone = next((p for p in (here, *here.parents)
                  if (p / "setup.cfg").is_file() and (p / "zoo").is_dir()), None)
    if clone is not None:
        package = ["-e", f"{clone}{wanted}"]
    elif REPO_URL:
        url = REPO_URL if REPO_URL.startswith("git+") else f"git+{REPO_URL}"
        package = [f"seqzoo{wanted} @ {url}"]
    else:
        raise SystemExit("seqzoo is not installed: set REPO_URL at the top of this cell "
                         "(or the SEQZOO_REPO_URL variable) to the repository's git URL")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", *package], check=True)
    if colab and "audio" in EXTRAS:  # FluidSynth and a General MIDI SoundFont for music.writing.audio
        subprocess.run(["apt-get", "-qq", "install", "-y", "fluidsynth", "fluid-soundfont-gm"],
                       stdout=subprocess.DEVNULL, check=False)  # without it: the synthesiser
    if clone is not None:  # an editable install is on the path of new kernels only
        sys.path.insert(0, str(clone))
    importlib.invalidate_caches()

from zoo import notebook

info = notebook.setup(NOTEBOOK, drive=DRIVE or None)
SMOKE = info.smoke
print(info.describe())"""


def setup_cell(name, extras=""):
    """The text of a notebook's first code cell (every notebook holds this text).

    The cell installs seqzoo when the kernel lacks it (see the module docstring), then runs
    `setup(name)` and prints what it found.

    Args:
        name: str, the notebook's name without `.ipynb` (its work folder's name).
        extras: str, seqzoo's extras the notebook needs, comma-separated (e.g. `"audio"`).
            Defaults to `""`.

    Returns:
        str, the cell's source.

    Example:

    >>> print(setup_cell("04_jazz_solo", "audio").splitlines()[8])
    NOTEBOOK, EXTRAS = "04_jazz_solo", "audio"  # this notebook's work folder; seqzoo's extras
    """
    return (
        _SETUP_CELL_HEAD
        + f'NOTEBOOK, EXTRAS = "{name}", "{extras}"  # this notebook\'s work folder; seqzoo\'s extras\n'
        + _SETUP_CELL_BODY
    )


__all__ = [
    "setup",
    "Setup",
    "SMOKE",
    "env_flag",
    "in_colab",
    "accelerator",
    "find_repo_root",
    "find_shared_data",
    "setup_cell",
]
