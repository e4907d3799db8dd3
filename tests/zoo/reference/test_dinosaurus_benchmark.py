"""benchmarks/dinosaurus.py: one JSON object on stdout; bad input is one line and exit status 2."""

import json
import pathlib
import subprocess
import sys

SCRIPT = pathlib.Path(__file__).resolve().parents[3] / "benchmarks" / "dinosaurus.py"


def _run(*args):
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=120
    )


def test_short_run_prints_the_report(shared_data):
    done = _run(str(shared_data / "text" / "dinos.txt"), "--iterations", "120")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["iterations"] == 120 and report["data"]["names"] == 1536
    assert report["curve"][0] == [0, 23.0873] and report["curve"][-1][0] == 119
    assert abs(report["final_smoothed_loss"] - report["curve"][-1][1]) < 1e-4
    assert report["samples"]["iteration"] == 0 and len(report["samples"]["names"]) == 7
    assert {"seconds", "machine", "course_smoothed_loss"} <= set(report)


def test_missing_file_is_one_line_and_status_2(tmp_path):
    done = _run(str(tmp_path / "none.txt"))
    assert done.returncode == 2 and done.stdout == ""
    assert (
        done.stderr.count("\n") == 1 and "none.txt" in done.stderr and "no such file" in done.stderr
    )
