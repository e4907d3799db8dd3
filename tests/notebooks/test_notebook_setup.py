"""zoo.notebook.environment: the notebooks' first cell, outside Colab, down to a kernel that holds nothing
but Jupyter's kernel packages (a fresh virtual environment; the first cell installs seqzoo from
a clone, and from `SEQZOO_REPO_URL`)."""

import doctest
import json
import os
import pathlib
import shutil
import subprocess
import sys

import nbformat
import pytest

from tests.conftest import REPO_ROOT
from zoo import notebook
from zoo.notebook import environment


def test_setup_in_the_clone(monkeypatch, tmp_path):
    monkeypatch.delenv("SEQZOO_DRIVE", raising=False)
    monkeypatch.delenv("SEQZOO_WORK", raising=False)
    monkeypatch.setenv("SMOKE", "1")
    monkeypatch.setenv("SEQZOO_SHARED_DATA", str(tmp_path))
    (tmp_path / "text").mkdir()
    (tmp_path / "text" / "dinos.txt").write_text("aachenosaurus\n")
    info = notebook.setup("unit", work=tmp_path / "work")
    assert info.smoke and not info.colab and not info.drive
    assert info.work.is_dir()
    assert info.data_file("text/dinos.txt") == tmp_path.resolve() / "text" / "dinos.txt"
    assert info.data_file("text/missing.txt") is None
    assert info.size(1, 100) == 1
    assert "accelerator:" in info.describe()


def test_no_shared_data_is_said(monkeypatch, tmp_path):
    monkeypatch.setenv("SEQZOO_SHARED_DATA", str(tmp_path / "absent"))
    monkeypatch.chdir(tmp_path)
    info = notebook.setup("unit", smoke=False)
    assert info.data is None and info.data_file("text/dinos.txt") is None
    assert info.work == (tmp_path / "seqzoo_runs" / "unit").resolve()
    assert "download" in info.describe()
    assert info.size(1, 100) == 100


def test_drive_outside_colab_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("SEQZOO_DRIVE", "1")
    with pytest.raises(ValueError, match="only in Colab"):
        notebook.setup("unit", work=tmp_path)


def test_docstring_examples():
    result = doctest.testmod(environment, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0


def test_in_colab_without_a_google_package():
    # A bare interpreter (no site-packages, so no `google` namespace package): no Colab, no error.
    code = "import sys; sys.path.insert(0, sys.argv[1]); from zoo import notebook; print(notebook.in_colab())"
    run = subprocess.run(
        [sys.executable, "-S", "-c", code, str(REPO_ROOT)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (run.returncode, run.stdout, run.stderr) == (0, "False\n", "")


# --- The first cell in a bare kernel -----------------------------------------------------------

NOTEBOOKS = sorted((REPO_ROOT / "notebooks").glob("*.ipynb"))
EXTRAS = {"04_jazz_solo": "audio"}  # the notebooks that need an extra of seqzoo


def first_code_cell(path):
    return next(
        cell.source for cell in nbformat.read(path, as_version=4).cells if cell.cell_type == "code"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_every_notebook_starts_with_the_shared_setup_cell(path):
    expected = notebook.setup_cell(path.stem, EXTRAS.get(path.stem, ""))
    assert first_code_cell(path) == expected, (
        f"{path.name}: its first code cell is not zoo.notebook.environment.setup_cell({path.stem!r}, "
        f"{EXTRAS.get(path.stem, '')!r}); paste that text in, then re-run the notebook"
    )


# Run by the bare environment's own Python: a notebook of the setup cell and a check cell,
# executed by nbclient in a fresh kernel of that environment, from the folder given.
RUNNER = """
import sys, nbformat
from nbclient import NotebookClient

cell, check, folder, out = sys.argv[1:5]
book = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(open(cell).read()),
                                       nbformat.v4.new_code_cell(check)])
NotebookClient(book, timeout=1200, kernel_name="python3", allow_errors=True,
               resources={"metadata": {"path": folder}}).execute()
nbformat.write(book, out)
"""

CHECK = """
import importlib.metadata, json, sys
import zoo
print("CHECK " + json.dumps({
    "prefix": sys.prefix, "zoo": zoo.__file__, "smoke": SMOKE, "work": str(info.work),
    "versions": {name: importlib.metadata.version(name)
                 for name in ("seqzoo", "tensorflow", "keras", "music21", "pretty_midi")}}))
"""


def _run(command, timeout, **kwargs):
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )


@pytest.fixture(scope="module")
def bare(tmp_path_factory):
    """A fresh virtual environment holding only Jupyter's kernel packages, and a clone.

    Both tests share it (the second uninstalls only seqzoo): 110 s in all on the 2-CPU machine
    at a load average of 2 (6 min at 11), most of it pip installing TensorFlow."""
    if shutil.which("git") is None:
        pytest.skip("needs git (the clone, and pip's git+file:// install)")
    root = tmp_path_factory.mktemp("bare")
    venv = root / "venv"
    # --upgrade-deps: the pip that ensurepip bundles with Python 3.11 (23.2) cannot parse
    # "seqzoo[audio] @ git+file:///..." (a URL without a host); a current pip can.
    made = _run([sys.executable, "-m", "venv", "--upgrade-deps", str(venv)], 300)
    if made.returncode:
        pytest.skip(f"cannot make a virtual environment here: {made.stderr.strip()[-300:]}")
    python = str(venv / "bin" / "python")
    kernel = _run([python, "-m", "pip", "install", "-q", "ipykernel", "nbclient", "nbformat"], 600)
    if kernel.returncode:
        pytest.skip(
            f"cannot install ipykernel, nbclient and nbformat (no package index?): "
            f"{kernel.stderr.strip()[-300:]}"
        )
    # The clone: this working tree's files (tracked and new, not ignored) in a fresh repository.
    clone = root / "clone"
    listed = _run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], 60, cwd=REPO_ROOT
    )
    if listed.returncode:
        pytest.skip(f"the clone is made from a git checkout; {REPO_ROOT.name} is not one")
    for name in filter(None, listed.stdout.split("\0")):
        if (REPO_ROOT / name).is_file():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, clone / name)
    git = ["git", "-c", "user.name=seqzoo tests", "-c", "user.email=tests@seqzoo.invalid"]
    for step in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "clone"]):
        assert _run(git + step, 120, cwd=clone).returncode == 0
    (root / "runner.py").write_text(RUNNER)
    (root / "cell.py").write_text(first_code_cell(REPO_ROOT / "notebooks" / "04_jazz_solo.ipynb"))
    return {"root": root, "venv": venv, "python": python, "clone": clone}


def run_first_cell(bare, folder, **env):
    """Run the 04 notebook's first cell (the shared one, with the audio extra) in a fresh kernel
    of the bare environment, from `folder`; return the check cell's facts and the outputs."""
    environment = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SEQZOO_REPO_URL", "VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME")
    }
    jupyter = bare["root"] / "jupyter"
    environment.update(
        PATH=f"{bare['venv'] / 'bin'}{os.pathsep}{environment.get('PATH', '')}",
        PYTHONNOUSERSITE="1",
        JUPYTER_DATA_DIR=str(jupyter / "data"),
        JUPYTER_CONFIG_DIR=str(jupyter / "config"),
        IPYTHONDIR=str(jupyter / "ipython"),
        SMOKE="1",
        SEQZOO_WORK=str(bare["root"] / "work"),
        SEQZOO_SHARED_DATA=str(bare["root"] / "no-shared-data"),
        PIP_NO_COMPILE="1",  # TensorFlow's .pyc files would double the install time
        **env,
    )
    environment.pop("SEQZOO_DRIVE", None)
    out = bare["root"] / "out.ipynb"
    ran = _run(
        [
            bare["python"],
            str(bare["root"] / "runner.py"),
            str(bare["root"] / "cell.py"),
            CHECK,
            str(folder),
            str(out),
        ],
        1500,
        env=environment,
    )
    assert ran.returncode == 0, ran.stderr[-3000:]
    cells = nbformat.read(out, as_version=4).cells
    outputs = [output for cell in cells for output in cell.outputs]
    failed = [f"{o.ename}: {o.evalue}" for o in outputs if o.output_type == "error"]
    assert not failed, (failed, ran.stderr[-3000:])  # pip's own errors go to the kernel's stderr
    said = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    facts = json.loads(said.split("CHECK ", 1)[1].splitlines()[0])
    assert pathlib.Path(facts["prefix"]).resolve() == bare["venv"].resolve()  # the bare kernel
    assert facts["smoke"] is True
    assert facts["work"] == str((bare["root"] / "work" / "04_jazz_solo").resolve())
    assert "running in: a local Jupyter kernel" in said
    return facts, said


@pytest.mark.slow
def test_first_cell_in_a_bare_kernel_installs_from_the_clone(bare):
    facts, _ = run_first_cell(bare, bare["clone"] / "notebooks")
    assert pathlib.Path(facts["zoo"]).resolve() == (bare["clone"] / "zoo" / "__init__.py").resolve()
    assert facts["versions"]["seqzoo"] == "0.1.0" and facts["versions"]["pretty_midi"]


@pytest.mark.slow
def test_first_cell_in_a_bare_kernel_installs_from_seqzoo_repo_url(bare):
    # The same environment without seqzoo (its dependencies may stay): installed from the URL.
    _run([bare["python"], "-m", "pip", "uninstall", "-q", "-y", "seqzoo"], 300)
    elsewhere = bare["root"] / "elsewhere"
    elsewhere.mkdir()
    facts, _ = run_first_cell(bare, elsewhere, SEQZOO_REPO_URL=f"git+file://{bare['clone']}")
    site = pathlib.Path(facts["zoo"]).resolve()
    assert bare["venv"].resolve() in site.parents and bare["clone"].resolve() not in site.parents
