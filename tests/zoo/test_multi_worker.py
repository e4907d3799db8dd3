"""Multi-worker training on real processes: two workers on 127.0.0.1 ports with `TF_CONFIG`,
through `zoo.fit` and through `python -m text train --strategy multi-worker` (zoo.training.distribute).

Each worker is a Python process that imports TensorFlow, so the two-worker tests are `slow`
(tens of seconds each); every process has a hard timeout and is killed in `finally`.
"""

import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest

import zoo  # environment before keras
from zoo.training.distribute import WorkerRole, read_tf_config, worker_run_dir
from zoo.training.run_folder import (
    NO_BACKUP,
    backup_generations,
    common_generation,
    use_generation,
    write_json,
)

REPO = pathlib.Path(__file__).resolve().parents[2]
TIMEOUT_S = 300  # one worker process, at most

# One worker of a cluster (no TF_CONFIG: one process). Trains a tiny LM through zoo.fit on the
# arrays in DATA, prints a JSON line per epoch start and at the end, saves the final weights.
WORKER = textwrap.dedent("""
    import json, os, sys
    import numpy as np
    from zoo.training.engine import fit, resolve_strategy

    strategy = resolve_strategy("multi-worker") if os.environ.get("TF_CONFIG") else None
    import tensorflow as tf, zoo, keras

    data, run, out, epochs, weights = sys.argv[1:6]
    arrays = np.load(data)
    train = tf.data.Dataset.from_tensor_slices((arrays["x"], arrays["y"])).batch(16)
    val = tf.data.Dataset.from_tensor_slices((arrays["vx"], arrays["vy"])).batch(16)

    class Report(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            steps = int(self.model.optimizer.iterations.numpy())
            print(json.dumps({"epoch": epoch, "iterations": steps}), flush=True)

    def on_best(model, info):
        print(json.dumps({"on_best": info["epoch"]}), flush=True)
        model.save(out + ".tmp.keras")
        os.replace(out + ".tmp.keras", out)

    build = lambda: zoo.build_lm(16, units=16, embedding_dim=8)
    if strategy is not None:
        try:
            fit(build, train, epochs=1, max_seconds=60, strategy=strategy, verbose=0)
        except ValueError as error:
            print(json.dumps({"refused": str(error)}), flush=True)
    keras.utils.set_random_seed(0)
    result = fit(build, train, validation_data=val, epochs=int(epochs), learning_rate=1e-2,
                 precision="float32", strategy=strategy, run_dir=run, on_best=on_best,
                 verbose=0, callbacks=[Report()])
    np.savez(weights, *result.model.get_weights())
    print(json.dumps({"done": result.summary()}), flush=True)
""")


def _free_ports(count):
    """Ports the system says are free on 127.0.0.1 (bound to port 0, then released)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


def _tf_config(ports, index):
    return json.dumps(
        {
            "cluster": {"worker": [f"127.0.0.1:{p}" for p in ports]},
            "task": {"type": "worker", "index": index},
        }
    )


def _start(commands, ports, logs):
    """Start one process per command, worker i with TF_CONFIG's task index i."""
    processes = []
    for index, command in enumerate(commands):
        env = dict(
            os.environ,
            PYTHONPATH=str(REPO),
            TF_CPP_MIN_LOG_LEVEL="2",
            TF_CONFIG=_tf_config(ports, index),
        )
        out = open(logs / f"worker-{index}.{len(list(logs.iterdir()))}.log", "w+")
        processes.append(
            (
                subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, text=True),
                out,
            )
        )
    return processes


def _finish(processes, timeout=TIMEOUT_S):
    """Wait for every process (killing any still running after `timeout`); their outputs."""
    deadline = time.monotonic() + timeout
    outputs = []
    try:
        for process, _ in processes:
            process.wait(timeout=max(1, deadline - time.monotonic()))
    finally:
        for process, _ in processes:
            if process.poll() is None:
                process.kill()
                process.wait()
    for process, out in processes:
        out.seek(0)
        outputs.append((process.returncode, out.read()))
        out.close()
    return outputs


def _lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def _data(path):
    """Learnable sequences (t -> (a + b t) mod 16), 8 training batches of 16 and 2 to validate."""
    rng = np.random.default_rng(0)
    a, b = rng.integers(0, 16, (160, 1)), rng.integers(1, 16, (160, 1))
    x = ((a + b * np.arange(13)) % 16).astype("int32")
    np.savez(path, x=x[:128, :-1], y=x[:128, 1:], vx=x[128:, :-1], vy=x[128:, 1:])
    return np.load(path)


# ----------------------------------------------------------------------------- fast: the rules


def test_tf_config_is_checked_before_tensorflow_starts():
    good = {
        "cluster": {"worker": ["127.0.0.1:1", "127.0.0.1:2"]},
        "task": {"type": "worker", "index": 1},
    }
    assert read_tf_config({"TF_CONFIG": json.dumps(good)}) == good
    example = (
        'TF_CONFIG=\'{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
        '"task": {"type": "worker", "index": 0}}\''
    )
    with pytest.raises(ValueError) as error:
        read_tf_config({})
    assert str(error.value) == (
        f"TF_CONFIG is not set: a multi-worker run needs it on every worker, e.g. {example}"
    )
    with pytest.raises(ValueError) as error:
        read_tf_config({"TF_CONFIG": "{cluster"})
    assert str(error.value) == f"TF_CONFIG is not JSON: '{{cluster'; expected e.g. {example}"
    with pytest.raises(ValueError) as error:
        read_tf_config({"TF_CONFIG": '{"cluster": {}}'})
    assert str(error.value) == (
        f"TF_CONFIG must hold a 'cluster' and a 'task'; expected e.g. {example}"
    )
    outside = dict(good, task={"type": "worker", "index": 2})
    with pytest.raises(ValueError) as error:
        read_tf_config({"TF_CONFIG": json.dumps(outside)})
    assert str(error.value) == (
        "TF_CONFIG's task {'type': 'worker', 'index': 2} is not in its "
        "cluster {'worker': ['127.0.0.1:1', '127.0.0.1:2']}"
    )


def test_each_worker_has_its_own_run_folder(tmp_path):
    assert worker_run_dir(tmp_path, WorkerRole(True, None, 2)) == tmp_path
    assert worker_run_dir(tmp_path, WorkerRole(False, "worker-1", 2)) == tmp_path / "worker-1"
    assert worker_run_dir(None, WorkerRole(False, "worker-1", 2)) is None


def _backup(folder, *epochs):
    """A backup folder whose generations (oldest first) end at these epochs."""
    folder.mkdir(parents=True)
    for epoch in epochs:
        for name in ("latest.weights.h5", "training_metadata.json"):
            if (folder / name).exists():
                os.replace(folder / name, folder / f"{name}.bkp")
        (folder / "latest.weights.h5").write_text(f"weights of epoch {epoch}")
        write_json(folder / "training_metadata.json", {"epoch": epoch, "batch": 0})


def test_workers_agree_on_the_newest_backup_they_all_hold(tmp_path):
    chief, worker = tmp_path / "chief", tmp_path / "worker"
    _backup(chief, 2, 3)
    _backup(worker, 1, 2)  # killed before it wrote epoch 3's backup
    generations = [backup_generations(chief), backup_generations(worker)]
    assert generations == [[(3, 0), (2, 0)], [(2, 0), (1, 0)]]
    flat = [[v for pair in g for v in pair] for g in generations]  # as gather_numbers sends
    assert common_generation(flat) == (2, 0)
    use_generation(chief, (2, 0))
    use_generation(worker, (2, 0))
    assert backup_generations(chief)[0] == backup_generations(worker)[0] == (2, 0)
    assert (chief / "latest.weights.h5").read_text() == "weights of epoch 2"
    with pytest.raises(ValueError) as error:
        use_generation(worker, (5, 0))
    assert str(error.value) == f"{worker} holds no backup of epoch 5, batch 0"
    # A worker without a backup: everyone starts over.
    assert common_generation([[3, 0, 2, 0], [-1, -1, -1, -1]]) is None
    use_generation(chief, None)
    assert not chief.exists()
    assert backup_generations(chief) == [NO_BACKUP, NO_BACKUP]


@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["--strategy", "multi-worker"],
            (
                "error: TF_CONFIG is not set: a multi-worker run needs it on every worker, e.g. "
                'TF_CONFIG=\'{"cluster": {"worker": ["host1:12345", "host2:12345"]}, '
                '"task": {"type": "worker", "index": 0}}\''
            ),
        ),
        (
            ["--strategy", "multi-worker", "--minutes", "1"],
            (
                "error: --minutes cannot bound a multi-worker run: each worker's clock would stop it at "
                "a different step; bound it by --epochs and --steps-per-epoch"
            ),
        ),
        (
            ["--strategy", "many"],
            (
                "error: python -m text train: argument --strategy: invalid choice: 'many' (choose from "
                "'auto', 'multi-worker')"
            ),
        ),
    ],
)
def test_the_text_cli_refuses_a_multi_worker_run_it_cannot_do(tmp_path, argv, message):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("abc\n" * 50)
    env = {k: v for k, v in os.environ.items() if k != "TF_CONFIG"}
    done = subprocess.run(
        [sys.executable, "-m", "text", "train", str(corpus), "--out", str(tmp_path / "out"), *argv],
        env=dict(env, PYTHONPATH=str(REPO)),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert (done.returncode, done.stderr.strip(), done.stdout) == (2, message, "")
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_the_strategy_made_after_other_tensorflow_work_is_refused_with_a_reason():
    script = (
        "import tensorflow as tf\n"
        "tf.constant(1) + 1  # TensorFlow starts\n"
        "from zoo.training.engine import resolve_strategy\n"
        "try:\n"
        "    resolve_strategy('multi-worker')\n"
        "except ValueError as error:\n"
        "    print(error)\n"
    )
    env = dict(
        os.environ,
        PYTHONPATH=str(REPO),
        TF_CPP_MIN_LOG_LEVEL="2",
        TF_CONFIG=json.dumps(
            {
                "cluster": {"worker": [f"127.0.0.1:{_free_ports(1)[0]}"]},
                "task": {"type": "worker", "index": 0},
            }
        ),
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == (
        "the multi-worker strategy must be created before any other "
        "TensorFlow work in the process (a dataset, a model): "
        "Collective ops must be configured at program startup"
    )


# ----------------------------------------------------------------------------- two workers


@pytest.mark.slow
def test_two_workers_resume_after_a_kill_and_equal_one_process(tmp_path):
    import keras
    import tensorflow as tf

    from zoo.training.engine import fit

    arrays = _data(tmp_path / "data.npz")
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    run, out, logs = tmp_path / "run", tmp_path / "best.keras", tmp_path / "logs"
    logs.mkdir()
    epochs = 6
    commands = [
        [
            sys.executable,
            str(script),
            str(tmp_path / "data.npz"),
            str(run),
            str(out),
            str(epochs),
            str(tmp_path / f"weights-{i}.npz"),
        ]
        for i in range(2)
    ]
    ports = _free_ports(2)
    backups = [run / "backup", run / "worker-1" / "backup"]

    # 1. Both workers train until each holds two backup generations; worker 1 is killed.
    first = _start(commands, ports, logs)
    try:
        deadline = time.monotonic() + TIMEOUT_S
        while time.monotonic() < deadline and all(p.poll() is None for p, _ in first):
            if all(backup_generations(b)[1] != NO_BACKUP for b in backups):
                break
            time.sleep(0.02)
        assert all(p.poll() is None for p, _ in first), "a worker ended before the kill"
        first[1][0].send_signal(signal.SIGKILL)
        first[1][0].wait()
        first[0][0].wait(timeout=60)  # the chief's collectives fail: it stops by itself
    finally:
        outputs = _finish(first, timeout=1)
    chief_rc, chief_log = outputs[0]
    assert chief_rc == 1 and "UnavailableError" in chief_log, chief_log[-2000:]
    # Each worker's run folder is its own; only the chief wrote the artifact.
    assert (run / "state.json").exists() and (run / "worker-1" / "state.json").exists()
    assert {
        json.loads(line)["on_best"]
        for line in chief_log.splitlines()
        if line.startswith('{"on_best"')
    } and zoo.load_model(out).name == "lm"
    assert '"on_best"' not in outputs[1][1]
    # The library refuses a time budget for a multi-worker run, on every worker.
    refusal = (
        "max_seconds cannot bound a multi-worker run: each worker's clock would stop "
        "it at a different step; bound it by epochs and steps_per_epoch"
    )
    assert all(_lines(text)[0] == {"refused": refusal} for _, text in outputs)

    # 2. As if worker 1 had died between the chief's backup and its own: one generation behind.
    chief_at, _ = backup_generations(backups[0])
    if backup_generations(backups[1])[0] == chief_at:
        use_generation(backups[1], backup_generations(backups[1])[1])
    resume_at = common_generation([backup_generations(b) for b in backups])
    assert resume_at == backup_generations(backups[1])[0] and 1 <= resume_at[0] < chief_at[0]

    # 3. Both restart with the same command: they resume from the backup both hold.
    second = _finish(_start(commands, ports, logs))
    for rc, text in second:
        assert rc == 0, text[-3000:]
        starts = [line for line in _lines(text) if "epoch" in line]
        assert starts[0] == {"epoch": resume_at[0], "iterations": resume_at[0] * 8}
        assert [s["epoch"] for s in starts] == list(range(resume_at[0], epochs))
        done = _lines(text)[-1]["done"]
        assert done["epochs_run"] == epochs and done["resumed"] is True
        assert [h["epoch"] for h in done["history"]] == list(range(1, epochs + 1))
    assert [_lines(t)[-1]["done"]["chief"] for _, t in second] == [True, False]
    assert '"on_best"' in second[0][1] and '"on_best"' not in second[1][1]
    assert not backups[0].exists() and not backups[1].exists()  # finished runs keep no backup
    workers = [np.load(tmp_path / f"weights-{i}.npz") for i in range(2)]
    for name in workers[0]:
        np.testing.assert_array_equal(workers[0][name], workers[1][name])  # mirrored

    # 4. One process, the same global batch of 16, the same seed and data, never killed.
    train = tf.data.Dataset.from_tensor_slices((arrays["x"], arrays["y"])).batch(16)
    val = tf.data.Dataset.from_tensor_slices((arrays["vx"], arrays["vy"])).batch(16)
    keras.utils.set_random_seed(0)
    alone = fit(
        lambda: zoo.build_lm(16, units=16, embedding_dim=8),
        train,
        validation_data=val,
        epochs=epochs,
        learning_rate=1e-2,
        precision="float32",
        verbose=0,
    )
    two = _lines(second[0][1])[-1]["done"]
    # Tolerance: the all-reduce sums in another order than one device does (float32); measured
    # here: weights within 2e-7, losses within 1e-7.
    np.testing.assert_allclose(
        [h["loss"] for h in two["history"]], [h["loss"] for h in alone.history], rtol=1e-5
    )
    np.testing.assert_allclose(
        [h["val_loss"] for h in two["history"]], [h["val_loss"] for h in alone.history], rtol=1e-5
    )
    assert two["best_epoch"] == alone.best_epoch == epochs  # learnable: the loss keeps falling
    difference = max(
        float(np.abs(w - a).max()) for w, a in zip(workers[0].values(), alone.model.get_weights())
    )
    print(f"two workers vs one process: weights differ by at most {difference:.2g}")
    assert difference < 1e-5, difference


@pytest.mark.slow
def test_the_text_cli_trains_on_two_workers_and_only_the_chief_writes_the_model(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("the quick brown fox jumps over the lazy dog\n" * 40)
    outs = [tmp_path / "machine-0" / "model", tmp_path / "machine-1" / "model"]
    logs = tmp_path / "logs"
    logs.mkdir()
    commands = [
        [
            sys.executable,
            "-m",
            "text",
            "train",
            str(corpus),
            "--out",
            str(out),
            "--strategy",
            "multi-worker",
            "--epochs",
            "2",
            "--steps-per-epoch",
            "3",
            "--units",
            "16",
            "--embedding-dim",
            "8",
            "--seq-len",
            "16",
            "--batch-size",
            "8",
            "--quiet",
        ]
        for out in outs
    ]
    (chief_rc, chief_out), (worker_rc, worker_out) = _finish(_start(commands, _free_ports(2), logs))
    assert chief_rc == 0, chief_out[-3000:]
    assert worker_rc == 0, worker_out[-3000:]
    assert f"saved to {outs[0]}" in chief_out
    assert (
        "this worker trained 2 epochs (training ran all its epochs after 2 epochs; the best "
        "epoch is 2"
    ) in worker_out and "saved to" not in worker_out
    # The chief's folder is the model (and its run folder); the worker's holds only its run.
    assert {p.name for p in outs[0].iterdir()} >= {"config.json", "model.keras", "training"}
    assert sorted(p.relative_to(outs[1]).as_posix() for p in outs[1].rglob("*")) == [
        "training",
        "training/worker-1",
        "training/worker-1/best.weights.h5",
        "training/worker-1/run.json",
        "training/worker-1/state.json",
    ]
    config = json.loads((outs[0] / "config.json").read_text())
    assert config["kind"] == "text.generator"
    assert config["training"]["epochs"] == 2
