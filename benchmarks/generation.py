"""Generation speed of a 1 x 256 LSTM character model, three ways, in one run.

(a) prefix re-run: for every new character, `model.predict` on the last `--window` characters,
    as the Keras character-generation example does;
(b) one step per call: a `tf.function` that runs the single-step model on the last token,
    carries the LSTM state and samples, called once per token from Python, as the TensorFlow
    text-generation tutorial's `OneStep` does;
(c) seqzoo: the zoo's generation engine (`zoo.Sampler`, what `TextGenerator.generate`, the
    improviser and seq2seq decoding run), the whole loop (state, top-k/top-p filters and
    sampling) in one call, at batch 1 and batch 64. This model runs on the native
    sampling op (`zoo.generation.native_lstm`) when `zoo.native.library` can build it, here on any CPU
    (`default_sampling_path` says what `zoo.Sampler` picks by default: the op only on AVX-512
    CPUs, `vector_bits` 512); the same batch 1 on the XLA-compiled loop
    (`zoo.native.library.disabled()`) is reported beside it (`seqzoo_xla_b1_tok_s`,
    `seqzoo_xla_b64_tok_s`).

(d) a short generation from a large model (`short_50k_1024`): `--short-tokens` (20) tokens at
    batch 1 from a 50,000-token, 1,024-unit LSTM language model (random weights), on the native
    op (a second call: the first runs its self-check) and on the XLA loop, both best of
    `--repeats`: what a chat-sized reply from a word-level model costs.

(a) and (b) are the other methods, written here only to be measured against; seqzoo itself
generates only through the engine.

All three use the same model and weights, trained for `--train-seconds` (60 by default) on
Tiny Shakespeare first, so every method samples real text. Batch 1 is also reported as a
fraction of the machine's matrix-vector rate (`matvec_gflops`: an XLA loop multiplying a
vector by a recurrent-kernel-shaped matrix), the ceiling of a token at batch 1. Prints one
JSON object.

Usage:
    python benchmarks/generation.py [--tokens 2000] [--data ../shared/data/text]
"""

import argparse
import json
import os
import pathlib
import platform
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import zoo  # noqa: E402
from text import datasets  # noqa: E402
from text.generator import TextGenerator  # noqa: E402
from text.vocab import EOS_ID  # noqa: E402
from zoo.generation import native_lstm as lstm_sampling  # noqa: E402
from zoo.native import library as native  # noqa: E402


def best_of(repeats, fn):
    """Smallest wall time of `repeats` calls (the machine is shared; the minimum is the signal)."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def prefix_rerun(model, prime, tokens, window):
    rng = np.random.default_rng(0)
    seq = list(prime)
    for _ in range(tokens):
        x = np.asarray(seq[-window:], np.int32)[None, :]
        logits = model.predict(x, verbose=0)[0, -1].astype(np.float64)
        p = np.exp(logits - logits.max())
        seq.append(int(rng.choice(len(p), p=p / p.sum())))
    return seq


def make_one_step(step):
    @tf.function
    def one_step(token, states):
        logits, *states = step([token, *states], training=False)
        nxt = tf.random.categorical(logits, 1, dtype=tf.int32)[:, 0]
        return nxt, states

    return one_step


def one_step_loop(one_step, step, batch, tokens):
    states = [tf.constant(s) for s in zoo.zero_states(step, batch)]
    token = tf.fill([batch], EOS_ID)
    out = []
    for _ in range(tokens):
        token, states = one_step(token, states)
        out.append(token)
    return tf.stack(out, axis=1).numpy()


def matvec_gflops(units, inputs, steps, repeats):
    """The machine's matrix-vector rate at batch 1 (GFLOP/s): an XLA-compiled loop of
    `h = tanh(h @ W)[:, :units]` with `W` `(inputs, 4 * units)`, the recurrent kernel's shape.

    It is the ceiling of one generated token, which multiplies a vector by every weight
    matrix once; `seqzoo_b1_fraction_of_matvec` is the model's FLOPs per token times tokens/s
    over this rate.
    """
    weights = tf.Variable(tf.random.normal((inputs, 4 * units), stddev=0.05))

    @tf.function(jit_compile=True)
    def loop(h):
        return tf.while_loop(
            lambda t, h: t < steps,
            lambda t, h: (t + 1, tf.tanh(tf.matmul(h, weights))[:, :inputs]),
            (tf.constant(0), h),
        )[1]

    h = tf.zeros((1, inputs))
    loop(h).numpy()
    seconds = best_of(repeats, lambda: loop(h).numpy())
    return 2 * inputs * 4 * units * steps / seconds / 1e9


def short_large(tokens, repeats, vocab=50_000, units=1024, embedding_dim=256):
    """(d): `tokens` tokens at batch 1 from a `vocab` x `units` LSTM LM, native op and XLA loop.

    Returns:
        A dict: tokens/s of each path, their ratio, which path the default took and whether
        the two drew the same tokens.
    """

    keras.utils.set_random_seed(0)
    step = zoo.build_lm_step(zoo.build_lm(vocab, units=units, embedding_dim=embedding_dim))
    sampler = zoo.Sampler(step)
    prime = np.array([[1, 2, 3]], np.int32)
    path = "native" if sampler.native_plan(prime, tokens) is not None else "xla"
    sampler(prime, tokens, seed=1)  # the first native call for a model runs its self-check
    t_native = best_of(repeats, lambda: sampler(prime, tokens, seed=1))
    default_tokens = sampler(prime, tokens, seed=1)
    with native.disabled():
        sampler(prime, tokens, seed=1)  # compile the XLA loop
        t_xla = best_of(repeats, lambda: sampler(prime, tokens, seed=1))
        same = bool((sampler(prime, tokens, seed=1) == default_tokens).all())
    plan = lstm_sampling.plan(step)
    return {
        "vocab": vocab,
        "units": units,
        "embedding_dim": embedding_dim,
        "batch": 1,
        "tokens": tokens,
        "path": path,
        "first_layer": "table" if plan.uses_table(1, tokens) else "embedding",
        "native_tok_s": round(tokens / t_native, 1),
        "xla_tok_s": round(tokens / t_xla, 1),
        "native_vs_xla": round(t_xla / t_native, 2),
        "same_tokens": same,
        "target_native_vs_xla": 1.0,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=2000, help="tokens per row for (b) and (c)")
    parser.add_argument(
        "--rerun-tokens", type=int, default=100, help="tokens for (a), which is slow"
    )
    parser.add_argument("--window", type=int, default=100, help="characters (a) re-runs per token")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--short-tokens",
        type=int,
        default=20,
        help="tokens of (d), the short generation from a 50k x 1,024 model",
    )
    parser.add_argument(
        "--train-seconds",
        type=float,
        default=60.0,
        help="train the model this long first (0: random weights)",
    )
    parser.add_argument("--data", default=str(ROOT.parent / "shared" / "data" / "text"))
    args = parser.parse_args(argv)

    tf.random.set_seed(0)
    text = datasets.tiny_shakespeare(None if args.data == "download" else args.data)
    gen = TextGenerator.from_corpus(text, cell="lstm", units=256, num_layers=1, embedding_dim=64)
    if args.train_seconds > 0:
        gen.fit(
            text,
            epochs=100,
            steps_per_epoch=50,
            batch_size=64,
            seq_len=100,
            time_budget=args.train_seconds,
            verbose=0,
        )
    model, sampler = gen.model, gen.sampler
    step = sampler.step_model
    prime = [EOS_ID] + gen.vocab.encode("ROMEO:\n")

    # (a) re-run the model on the prefix window for every token, via model.predict.
    prefix_rerun(model, prime, 3, args.window)  # warm-up
    t_a = best_of(1, lambda: prefix_rerun(model, prime, args.rerun_tokens, args.window))

    # (b) one tf.function call per token, state carried.
    one_step = make_one_step(step)
    one_step_loop(one_step, step, 1, 5)
    t_b1 = best_of(args.repeats, lambda: one_step_loop(one_step, step, 1, args.tokens))
    one_step_loop(one_step, step, 64, 5)
    t_b64 = best_of(args.repeats, lambda: one_step_loop(one_step, step, 64, args.tokens))

    # (c) seqzoo: the whole loop in one call (temperature 1, no filters, like (b)).
    ops = native.lstm_ops()  # build the native kernels now if they are not cached
    p1 = np.asarray([prime], np.int32)
    default_path = "native" if sampler.native_plan(p1, args.tokens) is not None else "xla"
    lstm_sampling.MIN_VECTOR_BITS = 0  # measure the op on this CPU even where it is not the default
    native_b1 = sampler.native_plan(p1, args.tokens) is not None
    results = {}
    for batch in (1, 64):
        p = np.tile(np.asarray(prime, np.int32), (batch, 1))
        sampler(p, args.tokens, seed=1)  # compile
        results[batch] = best_of(args.repeats, lambda: sampler(p, args.tokens, seed=1))
    default_tokens = sampler(p1, 500, seed=3)
    with native.disabled():
        sampler(p1, args.tokens, seed=1)  # compile the XLA loop
        t_xla_b1 = best_of(args.repeats, lambda: sampler(p1, args.tokens, seed=1))
        same_tokens = bool((sampler(p1, 500, seed=3) == default_tokens).all())
        p64 = np.tile(np.asarray(prime, np.int32), (64, 1))
        sampler(p64, args.tokens, seed=1)
        t_xla_b64 = best_of(args.repeats, lambda: sampler(p64, args.tokens, seed=1))
    p = np.tile(np.asarray(prime, np.int32), (64, 1))
    sampler(p, args.tokens, seed=1, top_k=20, top_p=0.95)
    t_c64_filtered = best_of(
        args.repeats, lambda: sampler(p, args.tokens, seed=1, top_k=20, top_p=0.95)
    )

    units, embedding_dim, vocab = 256, 64, gen.vocab.size
    flops_per_token = 2 * (embedding_dim * 4 * units + units * 4 * units + units * vocab)
    matvec = matvec_gflops(units, units, args.tokens, args.repeats)
    sample = gen.vocab.decode(
        sampler(np.asarray([prime], np.int32), 200, seed=1, temperature=0.8)[0]
    )
    short = short_large(args.short_tokens, args.repeats)
    n = args.tokens
    out = {
        "benchmark": "generation_lstm_1x256_char",
        "weights": f"trained {args.train_seconds:.0f} s on Tiny Shakespeare"
        if args.train_seconds
        else "random (speed does not depend on training)",
        "vocab": gen.vocab.size,
        "prefix_rerun_tok_s": round(args.rerun_tokens / t_a, 1),
        "prefix_rerun_window": args.window,
        "onestep_tok_s": round(n / t_b1, 1),
        "onestep_b64_tok_s": round(64 * n / t_b64, 1),
        "seqzoo_b1_tok_s": round(n / results[1], 1),
        "seqzoo_b64_tok_s": round(64 * n / results[64], 1),
        "seqzoo_b64_topk_topp_tok_s": round(64 * n / t_c64_filtered, 1),
        "speedup_b1_vs_onestep": round(t_b1 / results[1], 2),
        "seqzoo_b1_path": "native" if native_b1 else "xla",
        "default_sampling_path": default_path,
        "vector_bits": native.vector_bits(),
        "seqzoo_xla_b1_tok_s": round(n / t_xla_b1, 1),
        "native_vs_xla_b1": round(t_xla_b1 / results[1], 2),
        "seqzoo_xla_b64_tok_s": round(64 * n / t_xla_b64, 1),
        "native_vs_xla_b64": round(t_xla_b64 / results[64], 2),
        "native_and_xla_b1_same_tokens": same_tokens if native_b1 else None,
        "native_kernels_built": ops is not None,
        "seqzoo_b1_us_per_token": round(results[1] / n * 1e6, 2),
        "matvec_gflops": round(matvec, 1),
        "seqzoo_b1_fraction_of_matvec": round(flops_per_token * n / results[1] / 1e9 / matvec, 3),
        "flops_per_token": flops_per_token,
        "speedup_b1_vs_prefix_rerun": round((args.rerun_tokens / t_a) ** -1 / (results[1] / n), 1),
        "speedup_b64_vs_onestep_b64": round(t_b64 / results[64], 2),
        "short_50k_1024": short,
        "targets": {"speedup_b1_vs_onestep": 15, "seqzoo_b64_tok_s": 100000},
        "tokens_per_row": n,
        "sample": "ROMEO:\n" + sample,
        "jit_compile": sampler.jit_compile,
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "tensorflow": tf.__version__,
        },
    }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
