"""zoo.training.engine: resume after SIGKILL, NaN stop, best epoch, precision, tf.distribute, run
folders."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import keras
import numpy as np
import pytest

import zoo  # noqa: F401  (environment before keras)
from zoo.training import engine as training
from zoo.training.engine import fit, resolve_precision

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# A tiny LM trained on random tokens; prints one JSON line per epoch start and one at the end.
SCRIPT = textwrap.dedent("""
    import json, os, sys
    import numpy as np
    import zoo, keras
    from zoo.training.engine import fit

    run, out = sys.argv[1], sys.argv[2]
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).integers(0, 20, (640, 24)).astype("int32")

    class Report(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            print(json.dumps({"epoch": epoch, "iterations": int(self.model.optimizer.iterations)}),
                  flush=True)

    def on_best(model, info):
        tmp = out + ".tmp.keras"
        model.save(tmp)
        os.replace(tmp, out)  # the artifact is replaced whole, never half-written

    result = fit(lambda: zoo.build_lm(20, units=48, embedding_dim=8), (x[:, :-1], x[:, 1:]),
                 epochs=12, batch_size=16, learning_rate=1e-2, warmup_steps=5,
                 precision="float32", run_dir=run, on_best=on_best, verbose=0,
                 callbacks=[Report()], settings={"data": "random-20"})
    print(result.message if result.already_finished else "", flush=True)
    print(json.dumps({"done": result.summary()}), flush=True)
""")


def _lines(text):
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


@pytest.mark.slow
def test_a_killed_run_resumes_with_its_epoch_counter_optimizer_state_and_best(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(SCRIPT)
    run, out = tmp_path / "run", tmp_path / "best.keras"
    command = [sys.executable, str(script), str(run), str(out)]
    env = dict(os.environ, PYTHONPATH=REPO)
    log = open(tmp_path / "first.log", "w+")
    first = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.DEVNULL)
    metadata = run / "backup" / "training_metadata.json"
    loads = 0
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and first.poll() is None:
            if metadata.exists():
                break
            time.sleep(0.02)
        assert first.poll() is None, "the run ended before it could be killed"
        assert metadata.exists(), "no backup appeared"
        first.send_signal(signal.SIGKILL)
        first.wait()
    finally:
        if first.poll() is None:
            first.kill()
    log.seek(0)
    before = _lines(log.read())
    state = json.loads((run / "state.json").read_text())
    killed_after = json.loads(metadata.read_text())["epoch"]
    assert 1 <= killed_after < 12 and state["epochs_done"] >= killed_after
    assert zoo.load_model(out).name == "lm"  # the best-so-far artifact loads
    loads += 1

    second = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    while second.poll() is None:  # the artifact stays loadable while the run goes on
        if loads < 4:
            zoo.load_model(out)
            loads += 1
        time.sleep(0.2)
    after = _lines(second.stdout.read())
    assert second.returncode == 0
    starts = [line for line in after if "epoch" in line]
    # It continues: the first epoch is the one after the backup, with the optimizer's steps.
    assert starts[0]["epoch"] == killed_after
    assert starts[0]["iterations"] == killed_after * 40  # 640 rows / 16 = 40 steps per epoch
    assert [s["epoch"] for s in starts] == list(range(killed_after, 12))
    done = after[-1]["done"]
    # ... and ends like an uninterrupted run: all 12 epochs, one history entry each.
    assert done["epochs_run"] == 12 and done["stopped_reason"] == "finished"
    assert [h["epoch"] for h in done["history"]] == list(range(1, 13))
    assert done["resumed"] is True
    assert before and before[0] == {"epoch": 0, "iterations": 0}
    losses = [h["loss"] for h in done["history"]]
    assert done["best_value"] == pytest.approx(min(losses), rel=1e-6)
    assert not (run / "backup").exists()  # a finished run leaves no backup
    zoo.load_model(out)

    # Re-running the finished command trains nothing and returns the recorded result.
    third = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert third.returncode == 0
    lines = _lines(third.stdout)
    assert not [line for line in lines if "epoch" in line]
    assert lines[-1]["done"]["already_finished"] is True
    assert lines[-1]["done"]["history"] == done["history"]
    assert "holds a finished run" in third.stdout


class _Poisoned(keras.utils.PyDataset):
    """Regression batches; from epoch `bad_epoch` (1-based) on, the inputs are NaN or huge."""

    def __init__(self, bad_epoch, poison, **kwargs):
        super().__init__(**kwargs)
        self.epoch, self.bad_epoch, self.poison = 1, bad_epoch, poison
        rng = np.random.default_rng(0)
        self.x = rng.normal(size=(8, 16, 3)).astype("float32")
        self.y = (self.x @ np.array([1.0, -2.0, 0.5], "float32"))[..., None]

    def __len__(self):
        return 8

    def __getitem__(self, i):
        x = self.x[i]
        if self.epoch >= self.bad_epoch:
            x = x * self.poison
        return x, self.y[i]


class _SetEpoch(keras.callbacks.Callback):
    def __init__(self, data):
        super().__init__()
        self.data = data

    def on_epoch_begin(self, epoch, logs=None):
        self.data.epoch = epoch + 1


def _regression():
    inputs = keras.Input((3,))
    return keras.Model(inputs, keras.layers.Dense(1, name="logits")(inputs), name="reg")


@pytest.mark.parametrize(
    "poison, reason, where",
    [
        (np.nan, "non_finite_loss", "the loss became nan at epoch 3, step 1"),
        (1e4, "diverged", "the loss diverged at epoch 3"),
    ],
)
def test_a_nan_or_diverged_loss_stops_and_keeps_the_last_good_artifact(
    tmp_path, poison, reason, where
):
    saved = tmp_path / "artifact.keras"
    calls = []

    def on_best(model, info):
        assert all(np.isfinite(w).all() for w in model.get_weights())
        calls.append(info["epoch"])
        model.save(saved)

    keras.utils.set_random_seed(0)
    data = _Poisoned(3, poison)
    result = fit(
        _regression,
        data,
        epochs=6,
        learning_rate=1e-2,
        loss="mse",
        precision="float32",
        run_dir=tmp_path / "run",
        on_best=on_best,
        callbacks=[_SetEpoch(data)],
        verbose=0,
    )
    assert result.stopped_reason == reason and result.failed
    assert where in result.message
    assert calls == [1, 2] and result.best_epoch == 2 and result.epochs_run == 2
    before = saved.read_bytes()
    weights = result.model.get_weights()
    assert all(np.isfinite(w).all() for w in weights)
    again = keras.saving.load_model(saved)
    for a, b in zip(again.get_weights(), weights):
        np.testing.assert_array_equal(a, b)
    state = json.loads((tmp_path / "run" / "state.json").read_text())
    assert state["stopped_reason"] == reason and state["finished"]
    # Re-running does not train on: the failure is reported again and the artifact is untouched.
    rerun = fit(
        _regression,
        _Poisoned(3, poison),
        epochs=6,
        learning_rate=1e-2,
        loss="mse",
        precision="float32",
        run_dir=tmp_path / "run",
        on_best=on_best,
        verbose=0,
    )
    assert rerun.already_finished and rerun.stopped_reason == reason
    assert saved.read_bytes() == before and calls == [1, 2]


@pytest.mark.slow
def test_best_epoch_is_returned_not_the_last_and_patience_stops(tmp_path):
    # A learning rate that makes the loss worse after a while: the best epoch is kept.
    calls = []
    keras.utils.set_random_seed(1)
    x = np.random.default_rng(1).integers(0, 12, (64, 10)).astype("int32")
    val = (x[:16, :-1], x[:16, 1:])
    result = fit(
        lambda: zoo.build_lm(12, units=16, embedding_dim=4),
        (x[:, :-1], x[:, 1:]),
        validation_data=val,
        epochs=8,
        batch_size=8,
        learning_rate=0.3,
        clipnorm=None,
        divergence_factor=None,
        patience=1,
        precision="float32",
        verbose=0,
        on_best=lambda model, info: calls.append((info["epoch"], info["value"])),
    )
    values = [h["val_loss"] for h in result.history]
    assert result.best_epoch == 1 + int(np.argmin(values))
    assert result.best_value == pytest.approx(min(values))
    assert [c[0] for c in calls] == [e for e, v in enumerate(values, 1) if v == min(values[:e])]
    if result.stopped_reason == "early_stopping":
        assert result.epochs_run == result.best_epoch + 1
    model = result.model
    model.compile(loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    assert model.evaluate(*val, verbose=0) == pytest.approx(result.best_value, rel=1e-4)


@pytest.mark.slow
def test_mismatched_settings_are_refused_and_a_finished_run_is_not_retrained(tmp_path):
    x = np.random.default_rng(2).integers(0, 6, (16, 5)).astype("int32")
    common = dict(epochs=1, batch_size=8, precision="float32", verbose=0, run_dir=tmp_path / "run")
    build = lambda: zoo.build_lm(6, units=4, embedding_dim=2)  # noqa: E731
    first = fit(build, (x, x), learning_rate=1e-2, settings={"corpus": "a"}, **common)
    assert first.stopped_reason == "finished" and not first.already_finished
    with pytest.raises(ValueError) as error:
        fit(build, (x, x), learning_rate=2e-2, settings={"corpus": "b"}, **common)
    message = str(error.value)
    assert "learning_rate 0.01 (recorded) vs 0.02 (now)" in message
    assert "corpus 'a' (recorded) vs 'b' (now)" in message and "fresh=True" in message

    class Count(keras.callbacks.Callback):
        batches = 0

        def on_train_batch_end(self, batch, logs=None):
            Count.batches += 1

    again = fit(
        build, (x, x), learning_rate=1e-2, settings={"corpus": "a"}, callbacks=[Count()], **common
    )
    assert again.already_finished and Count.batches == 0
    assert again.history == first.history
    np.testing.assert_array_equal(again.model.get_weights()[0], first.model.get_weights()[0])
    fresh = fit(build, (x, x), learning_rate=2e-2, fresh=True, callbacks=[Count()], **common)
    assert not fresh.already_finished and Count.batches == 2
    (tmp_path / "mine.txt").write_text("keep")
    training.clear_run(tmp_path)
    assert (tmp_path / "mine.txt").read_text() == "keep"


@pytest.mark.slow
@pytest.mark.parametrize("record", ["run.json", "state.json"])
def test_an_unreadable_run_record_is_named_and_settings_must_be_json(tmp_path, record):
    x = np.random.default_rng(2).integers(0, 6, (16, 5)).astype("int32")
    common = dict(epochs=1, batch_size=8, precision="float32", verbose=0, run_dir=tmp_path / "run")
    build = lambda: zoo.build_lm(6, units=4, embedding_dim=2)  # noqa: E731
    fit(build, (x, x), **common)
    (tmp_path / "run" / record).write_text('{"settings": ')  # cut short
    with pytest.raises(
        ValueError,
        match=rf"run/{record} cannot be read as JSON \(.*\); it is "
        r"no training record: start fresh with fresh=True",
    ):
        fit(build, (x, x), **common)
    assert fit(build, (x, x), fresh=True, **common).stopped_reason == "finished"
    with pytest.raises(ValueError, match=r"^settings = .* is not JSON: expected JSON values"):
        fit(build, (x, x), settings={"corpus": {"a", "b"}}, **common)


@pytest.mark.parametrize(
    "facts, expected",
    [
        ({"tpu": False, "gpus": 1, "cpu_flags": {"avx512_bf16"}}, "mixed_float16"),
        ({"tpu": True, "gpus": 0, "cpu_flags": set()}, "mixed_bfloat16"),
        ({"tpu": False, "gpus": 0, "cpu_flags": {"avx512f", "avx512_bf16"}}, "mixed_bfloat16"),
        ({"tpu": False, "gpus": 0, "cpu_flags": {"avx512f"}}, "float32"),
    ],
)
def test_auto_precision_follows_the_hardware(facts, expected):
    assert resolve_precision("auto", facts=facts) == expected


def test_auto_precision_on_this_machine_and_bad_names():
    with open("/proc/cpuinfo") as f:
        bf16 = "avx512_bf16" in f.read()
    facts = training.hardware_facts()
    assert ("avx512_bf16" in facts["cpu_flags"]) == bf16
    if not facts["gpus"] and not facts["tpu"]:
        assert resolve_precision("auto") == ("mixed_bfloat16" if bf16 else "float32")
    with pytest.raises(
        ValueError,
        match="precision must be one of auto, float32, mixed_float16, mixed_bfloat16; got 'float8'",
    ):
        fit(lambda: None, (np.zeros((2, 2)), np.zeros((2, 2))), epochs=1, precision="float8")
    with pytest.warns(UserWarning, match="float16 is emulated"):
        resolve_precision("mixed_float16", facts={"tpu": False, "gpus": 0, "cpu_flags": set()})
    if facts["gpus"] < 2 and not facts["tpu"]:
        assert training.resolve_strategy("auto").num_replicas_in_sync == 1
    with pytest.raises(
        ValueError,
        match="strategy must be None, 'auto', 'multi-worker' or a "
        "tf.distribute.Strategy; got 'gpus'",
    ):
        training.resolve_strategy("gpus")


@pytest.mark.slow
@pytest.mark.parametrize("precision", ["mixed_bfloat16", "mixed_float16"])
def test_mixed_precision_keeps_weights_logits_and_the_saved_model_float32(precision, tmp_path):
    seen = {}

    class Inspect(keras.callbacks.Callback):
        def on_train_end(self, logs=None):
            seen["model"] = self.model

    x = np.random.default_rng(3).integers(0, 10, (16, 6)).astype("int32")
    with (
        pytest.warns(UserWarning)
        if precision == "mixed_float16" and not training.hardware_facts()["gpus"]
        else _nothing()
    ):
        result = fit(
            lambda: zoo.build_lm(10, units=8, embedding_dim=4),
            (x, x),
            epochs=1,
            batch_size=8,
            precision=precision,
            callbacks=[Inspect()],
            verbose=0,
            on_best=lambda model, info: model.save(tmp_path / "m.keras"),
        )
    model = seen["model"]
    assert result.precision == precision
    assert model.dtype_policy.name == precision
    assert model.get_layer("embedding").compute_dtype == precision.split("_")[1]
    assert model.get_layer("logits").compute_dtype == "float32"
    assert keras.ops.convert_to_numpy(model(x)).dtype == np.float32
    assert all(w.dtype == np.float32 for w in model.get_weights())
    is_scaled = isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert is_scaled == (precision == "mixed_float16")
    saved = keras.saving.load_model(tmp_path / "m.keras")
    assert saved.dtype_policy.name == "float32"
    assert all(layer.dtype_policy.name == "float32" for layer in saved.layers)
    assert all(w.dtype == np.float32 for w in saved.get_weights())
    np.testing.assert_allclose(saved.get_weights()[0], result.model.get_weights()[0])


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


MIRRORED = textwrap.dedent("""
    import json
    import tensorflow as tf
    tf.config.set_logical_device_configuration(
        tf.config.list_physical_devices("CPU")[0],
        [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()])
    import numpy as np
    import zoo, keras
    from zoo.training.engine import fit

    x = np.random.default_rng(0).integers(0, 16, (64, 12)).astype("int32")
    data = tf.data.Dataset.from_tensor_slices((x[:, :-1], x[:, 1:])).batch(16)
    losses = {}
    for name, strategy in (("none", None),
                           ("mirrored", tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"]))):
        keras.utils.set_random_seed(0)
        result = fit(lambda: zoo.build_lm(16, units=16, embedding_dim=8), data, epochs=3,
                     learning_rate=1e-2, precision="float32", strategy=strategy, verbose=0)
        losses[name] = [h["loss"] for h in result.history]
        if strategy is not None:
            losses["replicas"] = strategy.num_replicas_in_sync
    print(json.dumps(losses))
""")


@pytest.mark.slow
def test_mirrored_strategy_on_two_logical_cpus_gives_the_same_losses(tmp_path):
    script = tmp_path / "mirrored.py"
    script.write_text(MIRRORED)
    done = subprocess.run(
        [sys.executable, str(script)],
        env=dict(os.environ, PYTHONPATH=REPO),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    losses = json.loads(done.stdout.strip().splitlines()[-1])
    assert losses["replicas"] == 2
    np.testing.assert_allclose(losses["mirrored"], losses["none"], rtol=1e-4)
    assert losses["none"][-1] < losses["none"][0]


@pytest.mark.slow
def test_bad_arguments_name_the_parameter():
    x = np.zeros((4, 3), "int32")
    build = lambda: zoo.build_lm(4, units=2, embedding_dim=2)  # noqa: E731
    for kwargs, message in (
        ({"epochs": 0}, "epochs must be an integer >= 1; got 0"),
        (
            {"epochs": 1, "learning_rate": -1.0},
            r"learning_rate must be a number in \(0, inf\); got -1.0",
        ),
        (
            {"epochs": 1, "max_seconds": float("nan")},
            r"max_seconds must be a number in \(0, inf\); got nan",
        ),
    ):
        with pytest.raises(ValueError, match=message):
            fit(build, (x, x), precision="float32", verbose=0, **kwargs)
    with pytest.raises(ValueError, match="build_model must return a keras.Model; got NoneType"):
        fit(lambda: None, (x, x), epochs=1, precision="float32", verbose=0)
    with pytest.raises(
        ValueError, match="monitor='val_acc' is not among the values training logs: loss, val_loss"
    ):
        fit(
            build,
            (x, x),
            validation_data=(x, x),
            epochs=1,
            monitor="val_acc",
            precision="float32",
            verbose=0,
        )


@pytest.mark.slow
def test_weight_decay_shrinks_the_weight_matrices_and_leaves_biases_alone(tmp_path):
    """AdamW, decoupled: after one step the decayed run's matrices differ from the plain run's
    by exactly `w0 * weight_decay * learning_rate` (the decay uses the weights before the
    update, the Adam step is the same); biases are equal."""
    x = np.random.default_rng(6).integers(0, 6, (8, 5)).astype("int32")
    keras.utils.set_random_seed(0)
    initial = zoo.build_lm(6, units=4, embedding_dim=3).get_weights()

    def build():
        model = zoo.build_lm(6, units=4, embedding_dim=3)
        model.set_weights(initial)
        return model

    def trained(decay, **extra):
        result = fit(
            build,
            (x, x),
            epochs=1,
            batch_size=8,
            learning_rate=0.05,
            weight_decay=decay,
            precision="float32",
            verbose=0,
            **extra,
        )
        model = result.model
        return {v.path: np.array(v.numpy()) for v in model.trainable_variables}

    plain, decayed = trained(0.0), trained(0.4)
    before = {v.path: v.numpy() for v in build().trainable_variables}
    names = {path.rsplit("/", 1)[-1] for path in plain}
    assert {"embeddings", "kernel", "recurrent_kernel", "bias"} <= names
    for path, w0 in before.items():
        if path.endswith("/bias"):
            np.testing.assert_array_equal(decayed[path], plain[path])
        else:
            np.testing.assert_allclose(
                plain[path] - decayed[path], w0 * 0.4 * 0.05, rtol=1e-4, atol=1e-7
            )
    run = tmp_path / "run"
    trained(0.4, run_dir=run)
    assert json.loads((run / "run.json").read_text())["settings"]["weight_decay"] == 0.4
    with pytest.raises(ValueError, match=r"weight_decay 0.4 \(recorded\) vs None \(now\)"):
        trained(0.0, run_dir=run)
    with pytest.raises(ValueError, match=r"weight_decay must be a number in \[0, inf\); got -0.1"):
        trained(-0.1)


@pytest.mark.slow
def test_backups_inside_an_epoch_keep_the_optimizer_steps(tmp_path):
    """`backup_every_steps`: a crash in the middle of epoch 2 resumes from the last backup's
    weights and optimizer steps; the interrupted epoch runs again from its first batch."""
    x = np.random.default_rng(4).integers(0, 6, (64, 5)).astype("int32")

    class Crash(keras.callbacks.Callback):
        def on_train_batch_begin(self, batch, logs=None):
            if int(self.model.optimizer.iterations) == 13:  # epoch 2 (8 steps each), batch 6
                raise KeyboardInterrupt

    class Starts(keras.callbacks.Callback):
        seen = []

        def on_epoch_begin(self, epoch, logs=None):
            Starts.seen.append((epoch, int(self.model.optimizer.iterations)))

    args = dict(
        epochs=3,
        batch_size=8,
        precision="float32",
        verbose=0,
        run_dir=tmp_path / "run",
        backup_every_steps=4,
    )
    build = lambda: zoo.build_lm(6, units=4, embedding_dim=2)  # noqa: E731
    with pytest.raises(KeyboardInterrupt):
        fit(build, (x, x), callbacks=[Crash()], **args)
    result = fit(build, (x, x), callbacks=[Starts()], **args)
    assert Starts.seen == [(1, 12), (2, 20)]  # the backup after step 12 (epoch 2, batch 4)
    assert result.epochs_run == 3 and [h["epoch"] for h in result.history] == [1, 2, 3]


@pytest.mark.slow
def test_a_backup_cut_while_its_epoch_record_was_written_falls_back_a_generation(tmp_path):
    x = np.random.default_rng(5).integers(0, 6, (32, 5)).astype("int32")
    args = dict(epochs=3, batch_size=8, precision="float32", verbose=0, run_dir=tmp_path / "run")
    build = lambda: zoo.build_lm(6, units=4, embedding_dim=2)  # noqa: E731

    class Crash(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        fit(build, (x, x), callbacks=[Crash()], **args)
    backup = tmp_path / "run" / "backup"
    assert json.loads((backup / "training_metadata.json.bkp").read_text())["epoch"] == 1
    (backup / "training_metadata.json").write_text('{"epo')  # cut mid-write
    result = fit(build, (x, x), **args)
    assert result.epochs_run == 3 and [h["epoch"] for h in result.history] == [1, 2, 3]


@pytest.mark.slow
def test_a_computed_metric_picks_the_best_epoch_highest_first(tmp_path):
    # A scripted "development F1" per epoch: the best epoch is its highest, not val_loss's.
    scripted = iter([0.2, 0.7, 0.4, 0.5])
    seen = []

    def dev_f1(model):
        seen.append(model.count_params())  # the model being trained is passed
        return next(scripted)

    keras.utils.set_random_seed(2)
    x = np.random.default_rng(2).integers(0, 10, (32, 8)).astype("int32")
    calls = []
    result = fit(
        lambda: zoo.build_lm(10, units=4, embedding_dim=3),
        (x[:, :-1], x[:, 1:]),
        validation_data=(x[:8, :-1], x[:8, 1:]),
        epochs=4,
        batch_size=8,
        monitor=training.Monitor("dev_f1", dev_f1, mode="max"),
        precision="float32",
        verbose=0,
        run_dir=tmp_path / "run",
        on_best=lambda model, info: calls.append((info["epoch"], info["value"])),
    )
    assert [h["dev_f1"] for h in result.history] == [0.2, 0.7, 0.4, 0.5]
    assert "val_loss" in result.history[0] and len(seen) == 4
    assert (result.best_epoch, result.best_value, result.monitor) == (2, 0.7, "dev_f1")
    assert calls == [(1, 0.2), (2, 0.7)]
    state = json.loads((tmp_path / "run" / "state.json").read_text())
    assert state["best_epoch"] == 2 and state["history"][3]["dev_f1"] == 0.5


@pytest.mark.slow
def test_monitor_mode_max_on_a_log_key_and_bad_monitors_are_named():
    x = np.random.default_rng(3).integers(0, 10, (16, 6)).astype("int32")

    def run(monitor, **kwargs):
        return fit(
            lambda: zoo.build_lm(10, units=2, embedding_dim=2),
            (x[:, :-1], x[:, 1:]),
            epochs=2,
            batch_size=8,
            precision="float32",
            verbose=0,
            monitor=monitor,
            **kwargs,
        )

    result = run(training.Monitor("loss", mode="max"))  # highest training loss is "best"
    losses = [h["loss"] for h in result.history]
    assert result.best_epoch == 1 + int(np.argmax(losses))
    with pytest.raises(ValueError, match="monitor mode must be 'min' or 'max'"):
        training.Monitor("x", mode="up")
    with pytest.raises(ValueError, match="monitor fn must be a callable"):
        training.Monitor("x", fn=3)
    with pytest.raises(ValueError, match="'loss' is a Keras log key"):
        run(training.Monitor("loss", lambda model: 1.0))
    with pytest.raises(ValueError, match="fn returned 'high'; expected a float"):
        run(training.Monitor("dev", lambda model: "high"))
    with pytest.raises(ValueError, match="monitor must be a log key"):
        run(3)


class _Clock:
    """A clock the test moves: one second after every batch (a `Tick` callback)."""

    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


@pytest.mark.slow
def test_decay_over_time_ends_the_cosine_with_the_budget(tmp_path):
    """With `decay_over="time"` the learning rate of every step is the warm-up ramp (in steps)
    times the cosine of the budget's spent fraction (computed here independently), and the
    run stops when the budget is spent, not when a step count is reached."""
    x = np.random.default_rng(7).integers(0, 6, (64, 5)).astype("int32")
    clock, seen = _Clock(), []

    class Tick(keras.callbacks.Callback):  # runs after the engine's own callback
        def on_train_batch_begin(self, batch, logs=None):
            seen.append(
                (int(self.model.optimizer.iterations), float(self.model.optimizer.learning_rate))
            )

        def on_train_batch_end(self, batch, logs=None):
            clock.now += 1.0

    peak, warmup, final, budget = 0.02, 2, 0.1, 6.0
    settings = dict(
        epochs=10,
        batch_size=16,
        learning_rate=peak,
        warmup_steps=warmup,
        final_learning_rate=final,
        max_seconds=budget,
        decay_over="time",
        precision="float32",
        verbose=0,
        callbacks=[Tick()],
        clock=clock,
    )
    result = fit(
        lambda: zoo.build_lm(6, units=4, embedding_dim=3),
        (x, x),
        **settings,
        run_dir=tmp_path / "run",
    )
    # the engine checks the budget before `Tick` moves the clock: the 7th batch starts at 6 s,
    # with the whole budget spent (the cosine's end), and ends the run; 4 batches an epoch
    assert result.stopped_reason == "time_budget" and len(seen) == 7
    assert seen[-1][1] == pytest.approx(peak * final, rel=1e-5)
    for second, (step, rate) in enumerate(seen):  # the clock reads `second` before the batch
        expected = (
            peak
            * min(1.0, step / warmup)
            * (final + (1 - final) * (1 + np.cos(np.pi * second / budget)) / 2)
        )
        assert step == second and rate == pytest.approx(expected, rel=1e-5)
    recorded = json.loads((tmp_path / "run" / "run.json").read_text())["settings"]
    assert recorded["decay_over"] == "time" and recorded["decay_steps"] is None
    with pytest.raises(ValueError, match=r"decay_over 'time' \(recorded\) vs None \(now\)"):
        fit(
            lambda: zoo.build_lm(6, units=4, embedding_dim=3),
            (x, x),
            **{**settings, "decay_over": "steps", "max_seconds": None},
            run_dir=tmp_path / "run",
        )
    build = lambda: zoo.build_lm(6, units=4, embedding_dim=3)  # noqa: E731
    with pytest.raises(ValueError, match="decay_over must be 'steps' or 'time'; got 'wall'"):
        fit(build, (x, x), epochs=1, batch_size=16, decay_over="wall", verbose=0)
    for extra in ({}, {"max_seconds": 5.0, "decay_steps": 10}):
        with pytest.raises(
            ValueError,
            match=r"decay_over='time' runs the cosine over "
            r"max_seconds: give max_seconds and no decay_steps",
        ):
            fit(build, (x, x), epochs=1, batch_size=16, decay_over="time", verbose=0, **extra)
