"""The notebooks: each runs headless top to bottom in smoke mode, and the committed copies carry
the outputs of a real run of their current code.

Smoke mode is the environment variable `SMOKE=1`, read by `zoo.notebook.environment.setup` (the notebooks'
first cell): every training shrinks to seconds. The kernel runs from the repository root (as
in Colab after a clone), with its work folder in a temporary directory, and without network:
the proxies point at a closed port, so a notebook that tried to download would fail here
instead of passing by luck. Any error output fails the test, and so does any stderr output
that is not one of TensorFlow's C++ start-up log lines.

Committing a notebook: run `python -m tests.notebooks.execute notebooks/NAME.ipynb` (a real,
non-smoke run; it records a hash of the code cells in the notebook's metadata), then commit it.
"""

import re

import nbformat
import pytest

from tests.conftest import REPO_ROOT
from tests.notebooks.execute import NOTEBOOK_DIR, code_hash, execute

NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
EXPECTED = [
    "01_zoo_tour.ipynb",
    "02_rnns_from_scratch.ipynb",
    "03_text_generation.ipynb",
    "04_jazz_solo.ipynb",
]

# TensorFlow's C++ runtime logs at import (oneDNN, CUDA probing) straight to the process's
# stderr; TF_CPP_MIN_LOG_LEVEL does not silence the lines written before absl is initialised.
ALLOWED_STDERR = [
    re.compile(r"^WARNING: All log messages before absl::InitializeLog\(\) is called"),
    re.compile(r"^[IWE]\d{4} [\d:.]+\s+\d+ [\w.]+\.cc:\d+\] "),
    re.compile(r"^\s*$"),
]


def unexpected_stderr(notebook):
    lines = []
    for index, cell in enumerate(notebook.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                lines += [
                    f"cell {index}: {line}"
                    for line in output.get("text", "").splitlines()
                    if not any(p.search(line) for p in ALLOWED_STDERR)
                ]
    return lines


def errors(notebook):
    return [
        f"cell {index}: {output.get('ename')}: {output.get('evalue')}"
        for index, cell in enumerate(notebook.cells)
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.get("output_type") == "error"
    ]


def test_the_four_notebooks_are_there():
    assert [p.name for p in NOTEBOOKS] == EXPECTED


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_in_smoke_mode(path, tmp_path, monkeypatch):
    monkeypatch.setenv("SMOKE", "1")
    monkeypatch.setenv("SEQZOO_WORK", str(tmp_path))
    monkeypatch.delenv("SEQZOO_DRIVE", raising=False)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):  # no network
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.setenv("no_proxy", "")
    notebook = execute(path, timeout=240)
    assert not errors(notebook), errors(notebook)
    assert not unexpected_stderr(notebook), "\n".join(unexpected_stderr(notebook))


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_without_shared_data_or_network(path, tmp_path, monkeypatch):
    """No ../shared/data and no internet: every cell still runs, and the notebook says what it
    does instead (built-in fallback data, or the exact file it needs); no traceback."""
    monkeypatch.setenv("SMOKE", "1")
    monkeypatch.setenv("SEQZOO_WORK", str(tmp_path / "work"))
    monkeypatch.setenv("SEQZOO_SHARED_DATA", str(tmp_path / "no-shared-data"))
    monkeypatch.delenv("SEQZOO_DRIVE", raising=False)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
    monkeypatch.setenv("no_proxy", "")
    notebook = execute(path, timeout=240)
    assert not errors(notebook), errors(notebook)
    said = "".join(
        output.get("text", "")
        for cell in notebook.cells
        for output in cell.get("outputs", [])
        if output.get("output_type") == "stream"
    )
    assert "shared data: none" in said
    assert "../shared/data/" in said  # names the file it would use


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_committed_outputs_are_from_a_real_run_of_this_code(path):
    notebook = nbformat.read(path, as_version=4)
    run = notebook.metadata.get("seqzoo_run", {})
    assert run.get("code_sha256") == code_hash(notebook), (
        f"{path.name}: its code changed since the committed run; re-run it with "
        f"python -m tests.notebooks.execute notebooks/{path.name}"
    )
    assert run.get("smoke") is False, f"{path.name}: committed from a smoke run"
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1)), (
        "every code cell ran once, in order, in one kernel"
    )
    assert not errors(notebook), errors(notebook)
    assert not unexpected_stderr(notebook), "\n".join(unexpected_stderr(notebook))
    kinds = {key for cell in code for output in cell.outputs for key in output.get("data", {})}
    assert "image/png" in kinds, f"{path.name}: no picture in the outputs"
    if path.name.startswith("04"):
        html = "".join(
            output.get("data", {}).get("text/html", "") for cell in code for output in cell.outputs
        )
        assert "<audio" in html, "the jazz notebook shows an audio player"
    assert path.stat().st_size < 2_500_000, f"{path.name} is {path.stat().st_size:,} bytes"


def test_notebooks_name_no_machine_path():
    for path in NOTEBOOKS:
        text = path.read_text(encoding="utf-8")
        assert str(REPO_ROOT) not in text and "/work/" not in text, path.name
