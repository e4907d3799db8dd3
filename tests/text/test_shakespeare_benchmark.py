"""A seconds-long run of `benchmarks/shakespeare.py` on a tiny model: the JSON it prints holds
what the README quotes (the loss, the curve, the settings, how training stopped)."""

import json
import math
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_short_run_prints_the_loss_curve_settings_and_the_budget_stop(shared_data):
    command = [
        sys.executable,
        str(REPO / "benchmarks" / "shakespeare.py"),
        "--data",
        str(shared_data / "text"),
        "--minutes",
        "0.3",
        "--eval-every",
        "0.1",
        "--units",
        "16",
        "--embedding-dim",
        "8",
        "--seq-len",
        "32",
        "--batch-size",
        "16",
        "--weight-decay",
        "0.1",
        "--no-mixed-precision",
    ]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["stopped_reason"] == "time_budget" and result["epochs_run"] >= 1
    assert 0.3 <= result["minutes"] < 1.0
    uniform = math.log(result["model"]["vocab"] - 1)
    assert 0 < result["val_loss"] < uniform  # learned something in 18 seconds
    assert result["val_loss"] == result["curve"][-1][1] and len(result["curve"]) >= 2
    assert result["training"]["optimizer"] == "AdamW" and result["training"]["weight_decay"] == 0.1
    assert result["training"]["steps"] > 0 and result["model"]["units"] == 16
    assert result["training"]["schedule"].endswith("cosine to 0% when the budget is spent")
