"""Execute a notebook headless with nbclient; as a script, run it for real and save its outputs.

    python -m tests.notebooks.execute notebooks/03_text_generation.ipynb [more ...]

runs each notebook from the repository root in a fresh kernel (in full mode unless `SMOKE=1`
is set), writes it back with its outputs, and records in its metadata (`seqzoo_run`) whether
the run was a smoke run and a hash of its code cells, which the tests compare with the code.
Run it under `nice -n 10` on a shared machine.
"""

import hashlib
import os
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient

REPO_ROOT = pathlib.Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = REPO_ROOT / "notebooks"


def code_hash(notebook):
    """sha256 of the notebook's code cells' sources, in order."""
    digest = hashlib.sha256()
    for cell in notebook.cells:
        if cell.cell_type == "code":
            digest.update(cell.source.encode("utf-8") + b"\0")
    return digest.hexdigest()


def execute(path, *, timeout=1800):
    """Run every cell of the notebook at `path` in a fresh python3 kernel, from the repo root.

    Args:
        path: the .ipynb file.
        timeout: seconds allowed per cell.

    Returns:
        The executed `nbformat` notebook (the file is not written).
    """
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        allow_errors=True,
        resources={"metadata": {"path": str(REPO_ROOT)}},
    )
    client.execute()
    return notebook


def main(paths):
    smoke = os.environ.get("SMOKE", "").strip().lower() in ("1", "true", "yes", "on")
    for name in paths:
        path = pathlib.Path(name).resolve()
        started = time.monotonic()
        notebook = execute(path)
        seconds = time.monotonic() - started
        notebook.metadata["seqzoo_run"] = {"smoke": smoke, "code_sha256": code_hash(notebook)}
        nbformat.write(notebook, path)
        failed = [
            cell
            for cell in notebook.cells
            if cell.cell_type == "code"
            and any(o.get("output_type") == "error" for o in cell.get("outputs", []))
        ]
        print(
            f"{path.name}: {seconds:.0f} s, {path.stat().st_size:,} bytes"
            + (f", {len(failed)} cells with errors" if failed else "")
        )


if __name__ == "__main__":
    main(sys.argv[1:])
