"""Train the numpy character model on the dinosaur names with the course's settings.

Usage (from the repository root):

    python benchmarks/dinosaurus.py [PATH] [--iterations N]

PATH defaults to ../shared/data/text/dinos.txt beside the repository. Settings are those of
the "Dinosaurus Island" lab: RNN with 50 units, learning rate 0.01, gradients clipped at 5,
names shuffled with seed 0, 22,001 single-name SGD steps. Prints one JSON object with the
smoothed loss curve, the final smoothed loss next to the course's 22.7, sample names, the
machine and the seconds taken.
"""

import argparse
import json
import os
import pathlib
import platform
import sys
import time

import numpy as np

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from zoo.reference.char_trainer import load_names, train_char_model  # noqa: E402

DEFAULT_PATH = REPO_ROOT.parent / "shared" / "data" / "text" / "dinos.txt"
COURSE_LOSS = 22.7  # smoothed per-name loss the course reports at iteration 22,000


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "path",
        nargs="?",
        default=str(DEFAULT_PATH),
        help="names file, one name a line (default ../shared/data/text/dinos.txt)",
    )
    parser.add_argument(
        "--iterations",
        type=int,
        default=22001,
        help="SGD steps, one name each (default 22001, the course's run)",
    )
    args = parser.parse_args(argv)
    try:
        if args.iterations < 1:
            raise ValueError(f"--iterations: expected a positive int, got {args.iterations}")
        names = load_names(args.path)
        start = time.perf_counter()
        result = train_char_model(names, num_iterations=args.iterations)
        seconds = time.perf_counter() - start
    except ValueError as error:
        print(f"dinosaurus.py: {error}", file=sys.stderr)
        return 2
    final = float(result.final_smoothed_loss)
    last = max(result.samples)
    report = {
        "benchmark": "dinosaurus",
        "data": {
            "path": os.path.relpath(args.path, REPO_ROOT),
            "names": len(names),
            "vocab_size": len(result.char_to_ix),
        },
        "settings": {
            "cell": "rnn",
            "n_a": 50,
            "learning_rate": 0.01,
            "clip": 5.0,
            "shuffle_seed": 0,
            "init_seed": 1,
        },
        "iterations": result.iterations,
        "final_smoothed_loss": round(final, 6),
        "course_smoothed_loss": COURSE_LOSS,
        "relative_gap_to_course": round(abs(final - COURSE_LOSS) / COURSE_LOSS, 4),
        "curve": [[int(j), round(float(loss), 4)] for j, loss in result.curve],
        "samples": {"iteration": int(last), "names": result.samples[last]},
        "seconds": round(seconds, 2),
        "seconds_per_iteration": round(seconds / result.iterations, 6),
        "machine": {
            "platform": platform.platform(),
            "processor": platform.processor(),
            "cpu_count": os.cpu_count(),
            "python": platform.python_version(),
            "numpy": np.__version__,
        },
    }
    print(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
