"""A small run of the fuzzer `tests/fuzz.py`: mutated MIDI/MusicXML files and command lines of both
CLIs end ok or with a documented error, never a crash, a hang or a blown memory limit."""

import json
import pathlib
import subprocess
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_a_few_hundred_fuzz_cases_crash_hang_and_blow_memory_never(shared_data):
    command = [
        sys.executable,
        "-m",
        "tests.fuzz",
        "--cases",
        "240",
        "--seed",
        "11",
        "--real",
        "0",
        "--data",
        str(shared_data),
    ]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    failures = json.dumps(summary["examples"], indent=1)[:4000]
    assert summary["cases"] == 240
    assert (summary["crashes"], summary["hangs"], summary["memory"]) == (0, 0, 0), failures
    assert summary["ok"] > 0 and summary["errors"] > 0
    assert all(sum(counts.values()) > 0 for counts in summary["by_kind"].values())
