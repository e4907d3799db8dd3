"""Training speed of the zoo's character model against the same model in PyTorch, in one run.

For each configuration (LSTM 256, LSTM 512, GRU 256; float32 and bfloat16) it trains

- seqzoo: `zoo.build_lm(65, cell=..., units=..., embedding_dim=64)` through the training
  engine `zoo.training.engine.fit` (Adam, gradient-norm clipping 1.0, the engine's compile settings,
  `precision="float32"` or `"mixed_bfloat16"`), full training steps on batches of 64 x 100
  tokens;
- PyTorch: `Embedding(65, 64)` -> `nn.LSTM`/`nn.GRU` -> `Linear(units, 65)`, Adam, the same
  per-tensor norm clipping (Keras's `clipnorm`), cross-entropy; bfloat16 under
  `torch.autocast("cpu", dtype=torch.bfloat16)`.

`seqzoo_tok_s` is the model as the zoo builds it by default (`seqzoo_layer` names its
recurrent layer: `zoo.models.fast_rnn.LSTM`, the fused loop of `zoo.native.fused_lstm`, and Keras's `GRU`); the
run also trains it with the other layer kind (`seqzoo_stock_tok_s`: Keras's own layer,
`seqzoo_fast_tok_s`: the zoo's `zoo.models.fast_rnn` layer, `fast_vs_stock` their ratio;
`--no-fast` skips it). The sides alternate in rounds and each reports its best window of `--window` steps,
because on a shared machine the minimum is the signal. Tokens per second count
`batch * seq_len` per full step (forward, backward, clipping, update). The ceiling is the
machine's matrix-multiply rate (float32 and bfloat16 `--gemm-size` square multiplies on all
cores), and `fraction_of_peak` is the model's matrix-multiply FLOPs per token (3x the forward
pass: forward, input and weight gradients) times tokens/s over that rate.

`seqzoo_tok_s` runs on the thread pools `zoo.runtime.threads` chose when `zoo` was imported (one
thread per op, two ops at a time, on a machine with at most 2 CPUs); `seqzoo_tf_threads_tok_s`
is the same model in a child process with TensorFlow's default pools (a thread per CPU for
each), and `zoo_threads_vs_tf_threads` their ratio (`--no-threads` skips it). The gemm
ceiling is measured in a child with TensorFlow's default pools, so it is the rate of both cores.

PyTorch runs in a child process per round (so the two runtimes' thread pools never compete
for the cores) and comes with the `bench` extra (`pip install -e .[bench]`); without it the torch
columns are null and the run says so. Prints one JSON object.

`--keras-jax` also trains the same Keras model (the layers of `zoo.build_lm`, built with plain
Keras: `Embedding` -> `LSTM`/`GRU` -> `Dense`, float32 logits under `mixed_bfloat16`) on
the JAX backend of Keras, with `Adam(1e-3, clipnorm=1.0)` and sparse cross-entropy from
logits, timed by `train_on_batch` in a child process per round (`KERAS_BACKEND=jax`; the
child loads neither TensorFlow nor the zoo), with the same warm-up, windows and best-window
rule: keys `keras_jax_tok_s` and `keras_jax_ratio` (against PyTorch). Without JAX
(`pip install "jax[cpu]"`) those columns are null and the run says so.

Usage:
    python benchmarks/training.py                      # full run (about 10 minutes idle)
    python benchmarks/training.py --quick              # a smoke run (about a minute)
    python benchmarks/training.py --configs lstm256 --precisions float32
    python benchmarks/training.py --keras-jax          # also the JAX backend of Keras
"""

import argparse
import contextlib
import json
import os
import pathlib
import platform
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

if "--keras-jax-worker" not in sys.argv[1:]:  # that child loads neither TensorFlow nor zoo
    import tensorflow as tf  # noqa: E402

    import zoo  # noqa: E402,F401  (sets the TensorFlow environment before TensorFlow loads)
    from zoo.models.recurrent import fast_layers  # noqa: E402
    from zoo.runtime.threads import usable_cpus  # noqa: E402
    from zoo.training.engine import fit, hardware_facts  # noqa: E402

CONFIGS = {"lstm256": ("lstm", 256), "lstm512": ("lstm", 512), "gru256": ("gru", 256)}
PRECISIONS = {"float32": "float32", "bfloat16": "mixed_bfloat16"}
VOCAB, EMBEDDING = 65, 64


def flops_per_token(cell, units):
    """Matrix-multiply FLOPs of one training token: 3x the forward pass's."""
    gates = 4 if cell == "lstm" else 3
    forward = 2 * (EMBEDDING * gates * units + units * gates * units + units * VOCAB)
    return 3 * forward


def gemm_gflops(size, repeats=5):
    """Best float32 and bfloat16 square matrix-multiply rates (GFLOP/s) on all cores."""
    rates = {}
    for name, dtype in (("float32", tf.float32), ("bfloat16", tf.bfloat16)):
        a = tf.cast(tf.random.normal((size, size)), dtype)
        b = tf.cast(tf.random.normal((size, size)), dtype)
        matmul = tf.function(
            lambda a, b: tf.reduce_sum(tf.cast(tf.matmul(a, b)[:1, :1], tf.float32))
        )
        matmul(a, b).numpy()
        best = min(_timed(lambda: matmul(a, b).numpy()) for _ in range(repeats))
        rates[name] = round(2 * size**3 / best / 1e9, 1)
    return rates


def _timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


class _BatchClock:
    """A Keras callback recording the time at the end of every batch."""

    def __init__(self):
        import keras

        clock = self

        class Callback(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                clock.stamps.append(time.perf_counter())

        self.stamps = []
        self.callback = Callback()


def timed_steps(step, args):
    """Run `step()` `args.warmup` times untimed, then `windows * window + 1` times; the best
    window (seconds), as `best_window`. For the child processes that time their own steps."""
    for _ in range(args.warmup):
        step()
    stamps = [time.perf_counter()]
    for _ in range(args.windows * args.window + 1):
        step()
        stamps.append(time.perf_counter())
    return best_window(stamps, args.window, 0)


def best_window(stamps, window, skip):
    """Shortest time of `window` consecutive steps after the first `skip` (seconds)."""
    stamps = stamps[skip:]
    return min(stamps[i + window] - stamps[i] for i in range(len(stamps) - window))


def seqzoo_round(cell, units, precision, batches, args, fast=False):
    """One engine run of `warmup + windows * window` steps; its best window (seconds).

    `fast`: True builds the zoo's fast layer for `cell` (`zoo.models.fast_rnn.LSTM`, the default,
    or `FastGRU`), False Keras's own layer (`zoo.models.recurrent.fast_layers(False)`); whichever is
    the default is built exactly as the factories build it by default.
    """
    steps = args.warmup + args.windows * args.window + 1
    clock = _BatchClock()

    def build():
        is_default = fast == default_is_fast(cell)
        with contextlib.nullcontext() if is_default else fast_layers(fast):
            return zoo.build_lm(VOCAB, cell=cell, units=units, embedding_dim=EMBEDDING)

    fit(
        build,
        batches,
        epochs=1,
        steps_per_epoch=steps,
        precision=precision,
        clipnorm=1.0,
        learning_rate=1e-3,
        verbose=0,
        callbacks=[clock.callback],
    )
    return best_window(clock.stamps, args.window, args.warmup)


def default_layer(cell):
    """The recurrent layer class the zoo builds for `cell` here by default."""
    return type(zoo.build_lm(VOCAB, cell=cell, units=4, embedding_dim=2).get_layer(f"{cell}_0"))


def default_is_fast(cell):
    """Whether the zoo's default layer for `cell` is one of `zoo.models.fast_rnn`'s."""
    return default_layer(cell).__module__ == "zoo.models.fast_rnn"


def torch_trainer(cell, units, bfloat16, x, y):
    """A closure running one full PyTorch training step of the same model."""
    import torch

    torch.manual_seed(0)
    recurrent = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]

    class Model(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(VOCAB, EMBEDDING)
            self.rnn = recurrent(EMBEDDING, units, batch_first=True)
            self.logits = torch.nn.Linear(units, VOCAB)

        def forward(self, tokens):
            return self.logits(self.rnn(self.embedding(tokens))[0])

    model = Model()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    tokens, targets = torch.from_numpy(x).long(), torch.from_numpy(y).long().reshape(-1)

    def step():
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bfloat16):
            logits = model(tokens)
        loss = torch.nn.functional.cross_entropy(logits.float().reshape(-1, VOCAB), targets)
        loss.backward()
        for p in model.parameters():  # Keras clipnorm: each gradient's own norm
            torch.nn.utils.clip_grad_norm_([p], 1.0)
        optimizer.step()

    return step


def run_child(worker, spec, args, env=None):
    """Run this script as `--{worker}-worker spec` in a child process; its last stdout line."""
    import subprocess

    command = [
        sys.executable,
        __file__,
        f"--{worker}-worker",
        spec,
        "--batch",
        str(args.batch),
        "--seq-len",
        str(args.seq_len),
        "--window",
        str(args.window),
        "--windows",
        str(args.windows),
        "--warmup",
        str(args.warmup),
    ]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        env=None if env is None else dict(os.environ, **env),
    )
    if done.returncode != 0:
        raise RuntimeError(f"the {worker} worker failed: {done.stderr[-2000:]}")
    return done.stdout.strip().splitlines()[-1]


def torch_round(cell, units, bfloat16, args):
    """One PyTorch round in a child process; its best window (seconds).

    A child process keeps TensorFlow's thread pools (which spin after their work) and
    PyTorch's OpenMP threads from competing for the same cores.
    """
    return float(run_child("torch", f"{cell},{units},{int(bfloat16)}", args))


def tf_threads_env():
    """TensorFlow's own thread pools (a thread per CPU for each) instead of the zoo's."""
    cpus = str(usable_cpus())
    return {"TF_NUM_INTRAOP_THREADS": cpus, "TF_NUM_INTEROP_THREADS": cpus}


def tf_threads_round(cell, units, precision, args):
    """The zoo's model with TensorFlow's default thread pools, in a child process; best window.

    `zoo.runtime.threads` chose the pools of this process when `zoo` was imported; a child with
    `tf_threads_env` measures what the zoo trains at without that choice.
    """
    return float(run_child("seqzoo", f"{cell},{units},{precision}", args, env=tf_threads_env()))


def seqzoo_worker(spec, args):
    """The child process of `tf_threads_round`: print the best window of `spec`'s model."""
    cell, units, precision = spec.split(",")
    x, y = _batch(args)
    batches = tf.data.Dataset.from_tensors((x, y)).repeat()
    print(seqzoo_round(cell, int(units), PRECISIONS[precision], batches, args))


def gemm_worker(size, args):
    """The child process of `gemm_ceiling`: print `gemm_gflops(size)` as JSON."""
    print(json.dumps(gemm_gflops(int(size))))


def gemm_ceiling(size, args):
    """`gemm_gflops` on all cores: measured in a child with a thread per CPU for one op (this
    process may run one thread per op, `zoo.runtime.threads`)."""
    return json.loads(run_child("gemm", str(size), args, env=tf_threads_env()))


def torch_worker(spec, args):
    """The child process of `torch_round`: print the best window of `spec`'s model."""
    import torch

    torch.set_num_threads(os.cpu_count())
    cell, units, bfloat16 = spec.split(",")
    x, y = _batch(args)
    print(timed_steps(torch_trainer(cell, int(units), bool(int(bfloat16)), x, y), args))


def keras_jax_round(cell, units, bfloat16, args):
    """One round of the Keras model on the JAX backend in a child process; best window (s).

    The child runs with `KERAS_BACKEND=jax` and imports neither TensorFlow nor the zoo.
    """
    return float(
        run_child(
            "keras-jax", f"{cell},{units},{int(bfloat16)}", args, env={"KERAS_BACKEND": "jax"}
        )
    )


def keras_jax_model(cell, units, bfloat16):
    """The model of `zoo.build_lm(VOCAB, cell, units, embedding_dim=EMBEDDING)`, in plain
    Keras and compiled like the engine (Adam 1e-3, per-tensor `clipnorm=1.0`).

    Not seeded: `keras.utils.set_random_seed` would import TensorFlow (to seed it too).
    """
    import keras

    previous = keras.config.dtype_policy()
    keras.config.set_dtype_policy("mixed_bfloat16" if bfloat16 else "float32")
    try:
        recurrent = {"lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[cell]
        tokens = keras.Input((None,), dtype="int32", name="tokens")
        x = keras.layers.Embedding(VOCAB, EMBEDDING, name="embedding")(tokens)
        x = recurrent(units, return_sequences=True, name=f"{cell}_0")(x)
        logits = keras.layers.Dense(VOCAB, name="logits", dtype="float32")(x)  # as the engine
        model = keras.Model(tokens, logits, name="lm")
    finally:
        keras.config.set_dtype_policy(previous)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3, clipnorm=1.0),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def keras_jax_worker(spec, args):
    """The child process of `keras_jax_round`: print the best window of `spec`'s model."""
    os.environ["KERAS_BACKEND"] = "jax"
    import keras

    if keras.backend.backend() != "jax":
        raise RuntimeError(f"Keras loaded the {keras.backend.backend()} backend, not jax")
    cell, units, bfloat16 = spec.split(",")
    x, y = _batch(args)
    model = keras_jax_model(cell, int(units), bool(int(bfloat16)))
    # train_on_batch returns the loss as a Python float: the step has finished (the first compiles)
    best = timed_steps(lambda: model.train_on_batch(x, y), args)
    if "tensorflow" in sys.modules:
        raise RuntimeError("the Keras-on-JAX worker imported TensorFlow")
    print(best)


def _batch(args):
    rng = np.random.default_rng(0)
    x = rng.integers(0, VOCAB, (args.batch, args.seq_len)).astype("int32")
    y = rng.integers(0, VOCAB, (args.batch, args.seq_len)).astype("int32")
    return x, y


def machine_facts(torch_version):
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            model = next(
                (line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), ""
            )
    except OSError:
        pass
    facts = hardware_facts()
    return {
        "platform": platform.platform(),
        "cpu": model,
        "cpu_count": os.cpu_count(),
        "avx512_bf16": "avx512_bf16" in facts["cpu_flags"],
        "gpus": facts["gpus"],
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "tensorflow": tf.__version__,
        "keras": __import__("keras").__version__,
        "torch": torch_version,
        "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS"),
        "tf_threads": {
            name: os.environ.get(f"TF_NUM_{name.upper()}_THREADS", "default")
            for name in ("intraop", "interop")
        },
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--configs", default=",".join(CONFIGS), help="comma-separated, of " + ", ".join(CONFIGS)
    )
    parser.add_argument(
        "--precisions", default=",".join(PRECISIONS), help="comma-separated, of float32, bfloat16"
    )
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--seq-len", type=int, default=100)
    parser.add_argument("--window", type=int, default=10, help="steps per timed window")
    parser.add_argument("--windows", type=int, default=4, help="timed windows per round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per side")
    parser.add_argument("--warmup", type=int, default=5, help="untimed steps per round")
    parser.add_argument("--gemm-size", type=int, default=2048)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 1 round of 2 windows of 3 steps (lstm256 unless --configs is given)",
    )
    parser.add_argument(
        "--no-fast",
        action="store_true",
        help="time only the default layers (no seqzoo_stock/fast_tok_s)",
    )
    parser.add_argument(
        "--keras-jax",
        action="store_true",
        help="also train the same Keras model on the JAX backend (columns "
        "keras_jax_tok_s, keras_jax_ratio)",
    )
    parser.add_argument(
        "--no-threads",
        action="store_true",
        help="skip the run with TensorFlow's default thread pools (no seqzoo_tf_threads_tok_s)",
    )
    parser.add_argument("--torch-worker", help=argparse.SUPPRESS)
    parser.add_argument("--seqzoo-worker", help=argparse.SUPPRESS)
    parser.add_argument("--gemm-worker", help=argparse.SUPPRESS)
    parser.add_argument("--keras-jax-worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.keras_jax_worker:
        return keras_jax_worker(args.keras_jax_worker, args)
    if args.torch_worker:
        return torch_worker(args.torch_worker, args)
    if args.seqzoo_worker:
        return seqzoo_worker(args.seqzoo_worker, args)
    if args.gemm_worker:
        return gemm_worker(args.gemm_worker, args)
    if args.quick:
        if args.configs == ",".join(CONFIGS):
            args.configs = "lstm256"
        args.rounds, args.windows, args.window = 1, 2, 3
        args.warmup, args.gemm_size = 2, 512
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    precisions = [p.strip() for p in args.precisions.split(",") if p.strip()]
    for name, given, known in (
        ("--configs", configs, CONFIGS),
        ("--precisions", precisions, PRECISIONS),
    ):
        unknown = [v for v in given if v not in known]
        if unknown or not given:
            parser.error(f"{name} takes {', '.join(known)}; got {unknown or given}")

    import importlib.metadata

    try:
        torch_version = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        torch_version = None
        print(
            "torch is not installed (pip install -e .[bench]): the torch columns are null",
            file=sys.stderr,
        )
    jax_version = None
    if args.keras_jax:
        import importlib.util

        if importlib.util.find_spec("jax") and importlib.util.find_spec("jaxlib"):
            jax_version = importlib.metadata.version("jax")
        else:
            print(
                'jax is not importable (pip install "jax[cpu]"): the keras_jax columns are null',
                file=sys.stderr,
            )

    x, y = _batch(args)
    batches = tf.data.Dataset.from_tensors((x, y)).repeat()
    tokens = args.batch * args.seq_len * args.window
    gemm = gemm_ceiling(args.gemm_size, args)
    out = {
        "benchmark": "training_char_lm",
        "batch": args.batch,
        "seq_len": args.seq_len,
        "vocab": VOCAB,
        "embedding_dim": EMBEDDING,
    }
    for config in configs:
        cell, units = CONFIGS[config]
        out[config] = {}
        for precision in precisions:
            default_fast = default_is_fast(cell)
            variants = [default_fast] if args.no_fast else [default_fast, not default_fast]
            best = {fast: float("inf") for fast in variants}
            torch_best = jax_best = tf_threads_best = float("inf")
            for _ in range(args.rounds):
                for fast in variants:
                    best[fast] = min(
                        best[fast],
                        seqzoo_round(cell, units, PRECISIONS[precision], batches, args, fast=fast),
                    )
                if torch_version is not None:
                    torch_best = min(
                        torch_best, torch_round(cell, units, precision == "bfloat16", args)
                    )
                if jax_version is not None:
                    jax_best = min(
                        jax_best, keras_jax_round(cell, units, precision == "bfloat16", args)
                    )
                if not args.no_threads:
                    tf_threads_best = min(
                        tf_threads_best, tf_threads_round(cell, units, precision, args)
                    )
            seqzoo_tok_s = tokens / best[default_fast]
            torch_tok_s = tokens / torch_best if torch_version is not None else None
            flops = flops_per_token(cell, units)
            out[config][precision] = {
                "seqzoo_tok_s": round(seqzoo_tok_s),
                "torch_tok_s": None if torch_tok_s is None else round(torch_tok_s),
                "ratio": None if torch_tok_s is None else round(seqzoo_tok_s / torch_tok_s, 3),
                "fraction_of_peak": round(seqzoo_tok_s * flops / (gemm[precision] * 1e9), 3),
                "torch_fraction_of_peak": None
                if torch_tok_s is None
                else round(torch_tok_s * flops / (gemm[precision] * 1e9), 3),
                "flops_per_token": flops,
            }
            row = out[config][precision]
            layer = default_layer(cell)
            row["seqzoo_layer"] = (
                (layer.__module__ if layer.__module__.startswith("zoo") else "keras.layers")
                + "."
                + layer.__name__
            )
            if (
                not args.no_fast
            ):  # Keras's layer and zoo.models.fast_rnn's, whichever is the default
                row["seqzoo_stock_tok_s"] = round(tokens / best[False])
                row["seqzoo_fast_tok_s"] = round(tokens / best[True])
                row["fast_vs_stock"] = round(best[False] / best[True], 3)
            if not args.no_threads:  # the same model on TensorFlow's default thread pools
                row["seqzoo_tf_threads_tok_s"] = round(tokens / tf_threads_best)
                row["zoo_threads_vs_tf_threads"] = round(tf_threads_best / best[default_fast], 3)
            if args.keras_jax:  # the same Keras model on the JAX backend of Keras
                jax_tok_s = tokens / jax_best if jax_version is not None else None
                row["keras_jax_tok_s"] = None if jax_tok_s is None else round(jax_tok_s)
                row["keras_jax_ratio"] = (
                    None
                    if jax_tok_s is None or torch_tok_s is None
                    else round(jax_tok_s / torch_tok_s, 3)
                )
            print(config, precision, json.dumps(out[config][precision]), file=sys.stderr)
    out["gemm_gflops"] = gemm
    out["machine"] = machine_facts(torch_version)
    if args.keras_jax:
        out["machine"]["jax"] = jax_version
    out["settings"] = {
        k: getattr(args, k) for k in ("window", "windows", "rounds", "warmup", "gemm_size", "quick")
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
