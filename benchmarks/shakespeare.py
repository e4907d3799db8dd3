"""Character-level Tiny Shakespeare: validation loss (nats/char) within a wall-clock budget.

Trains a `text.TextGenerator` (zoo.build_lm) on the first 90% of Tiny Shakespeare and
evaluates on the last 10% (split by position) about once a minute. Evaluation time is not
counted in the budget. `val_loss` is the mean cross-entropy over the held-out text cut into
consecutive windows of `--eval-seq-len` (default `--seq-len`) characters, each started from a zero state (like the
training windows, and like a transformer's fixed context); `val_loss_full_context` scores the
whole held-out text as one stream, the recurrent state carried from its first character.

Usage:
    python benchmarks/shakespeare.py [--minutes 13] [--data ../shared/data/text]

Prints one JSON object: val_loss, minutes, curve ([minutes, val_loss] pairs), model, ...
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

import keras  # noqa: E402  (zoo, imported by text, sets the TensorFlow environment first)

from text import data, datasets  # noqa: E402
from text.generator import TextGenerator  # noqa: E402
from zoo.training.engine import Stopwatch  # noqa: E402


class Curve(keras.callbacks.Callback):
    """Evaluate the validation loss every `every` seconds of training time (paused meanwhile).

    Points taken during training score the weights being trained at that moment (copied into
    the generator's float32 model first); the generator itself only keeps the best epoch, so
    without the copy a point would repeat the last improving epoch's loss, up to 200 steps old.
    The final point, taken after `fit`, scores the model the generator keeps (the best epoch).
    """

    def __init__(self, gen, val_text, seq_len, every, stopwatch, budget):
        super().__init__()
        self.budget, self.steps = budget, 0
        self.gen, self.val_text, self.seq_len = gen, val_text, seq_len
        self.every, self.stopwatch = every, stopwatch
        self.next = every
        self.points = []

    def record(self, live=False):
        with self.stopwatch.paused():
            if live:
                self.gen.model.set_weights(self.model.get_weights())
            loss = self.gen.evaluate(self.val_text, seq_len=self.seq_len, batch_size=256)
        minutes = self.stopwatch() / 60
        self.points.append([round(minutes, 2), round(loss, 4)])
        print(f"  {minutes:6.2f} min  val_loss {loss:.4f}", file=sys.stderr, flush=True)

    def on_epoch_end(self, epoch, logs=None):
        print(
            f"  {self.stopwatch() / 60:6.2f} min  epoch {epoch + 1} ends after step {self.steps}",
            file=sys.stderr,
            flush=True,
        )

    def on_train_batch_end(self, batch, logs=None):
        self.steps += 1
        if self.next <= self.stopwatch() < self.budget:  # the final point is taken after fit
            self.next += self.every
            self.record(live=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=13.0)
    parser.add_argument(
        "--data",
        default=str(ROOT.parent / "shared" / "data" / "text"),
        help="folder or file with tinyshakespeare.txt (default ../shared/data/text); "
        "'download' fetches it",
    )
    parser.add_argument("--cell", default="lstm")
    parser.add_argument("--units", type=int, default=512)
    parser.add_argument("--layers", type=int, default=1)
    parser.add_argument("--embedding-dim", type=int, default=64)
    parser.add_argument("--dropout", type=float, default=0.5)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--seq-len", type=int, default=128)
    parser.add_argument("--learning-rate", type=float, default=6e-3)
    parser.add_argument("--warmup-steps", type=int, default=50)
    parser.add_argument(
        "--final-lr",
        type=float,
        default=0.0,
        help="where the cosine ends, as a fraction of the peak learning rate",
    )
    parser.add_argument(
        "--weight-decay",
        type=float,
        default=0.2,
        help="decoupled weight decay of the weight matrices (AdamW)",
    )
    parser.add_argument(
        "--decay-steps",
        type=int,
        default=None,
        help="end the cosine at this step instead of when the budget is spent (the default: "
        "zoo.training.engine.fit(decay_over='time'))",
    )
    parser.add_argument("--no-mixed-precision", action="store_true")
    parser.add_argument("--eval-every", type=float, default=1.0, help="minutes between evaluations")
    parser.add_argument(
        "--eval-seq-len",
        type=int,
        default=None,
        help="window length of the validation loss (default: --seq-len)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the initial weights, the window offsets and dropout",
    )
    args = parser.parse_args(argv)

    text = datasets.tiny_shakespeare(None if args.data == "download" else args.data)
    keras.utils.set_random_seed(args.seed)  # the initial weights too, not only training's draws
    gen = TextGenerator.from_corpus(
        text,
        level="char",
        cell=args.cell,
        units=args.units,
        num_layers=args.layers,
        embedding_dim=args.embedding_dim,
        dropout=args.dropout,
    )
    ids = data.encode_corpus(text, gen.vocab)
    _, val_ids = data.split_by_position(ids, 0.1)  # the same split fit() makes
    val_text = gen.vocab.decode(val_ids)
    watch = Stopwatch()
    budget = args.minutes * 60
    eval_len = args.eval_seq_len or args.seq_len
    curve = Curve(gen, val_text, eval_len, args.eval_every * 60, watch, budget)
    start = time.monotonic()
    decay_over = "time" if args.decay_steps is None else "steps"
    watch = curve.stopwatch = Stopwatch()  # restarted: the clock of the budget and the curve
    gen.fit(
        text,
        epochs=1000,
        batch_size=args.batch_size,
        seq_len=args.seq_len,
        learning_rate=args.learning_rate,
        warmup_steps=args.warmup_steps,
        decay_steps=args.decay_steps,
        decay_over=decay_over,
        final_learning_rate=args.final_lr,
        weight_decay=args.weight_decay,
        validation_split=0.1,
        time_budget=budget,
        precision="float32" if args.no_mixed_precision else "mixed_bfloat16",
        steps_per_epoch=200,
        seed=args.seed,
        verbose=0,
        callbacks=[curve],
        clock=watch,
    )
    train_minutes = watch() / 60
    curve.record()
    t = time.monotonic()
    full = gen.score(val_text).nats_per_token
    full_seconds = time.monotonic() - t
    result = {
        "benchmark": "tiny_shakespeare_char",
        "val_loss": curve.points[-1][1],
        "val_loss_full_context": round(full, 4),
        "val_window": eval_len,
        "train_loss_last_epoch": round(gen.metrics["train_loss"], 4),
        "minutes": round(train_minutes, 2),
        "stopped_reason": gen.metrics.get("stopped_reason"),
        "engine_train_minutes": round(
            gen.metrics.get("train_seconds", 0.0) / 60, 2
        ),  # its own clock
        "epochs_run": gen.metrics.get("epochs_run"),
        "curve": curve.points,
        "target": 1.48,
        "model": {
            "cell": args.cell,
            "units": args.units,
            "num_layers": args.layers,
            "embedding_dim": args.embedding_dim,
            "dropout": args.dropout,
            "parameters": int(gen.model.count_params()),
            "vocab": gen.vocab.size,
        },
        "training": {
            "batch_size": args.batch_size,
            "seq_len": args.seq_len,
            "learning_rate": args.learning_rate,
            "schedule": f"linear warm-up {args.warmup_steps} steps, cosine to {args.final_lr:.0%} "
            + (f"at step {args.decay_steps}" if args.decay_steps else "when the budget is spent"),
            "mixed_precision": not args.no_mixed_precision,
            "clipnorm": 1.0,
            "optimizer": "AdamW" if args.weight_decay else "Adam",
            "weight_decay": args.weight_decay,
            "steps": curve.steps,
            "seed": args.seed,
        },
        "train_tokens_per_second": round(
            curve.steps * args.batch_size * args.seq_len / max(1e-9, train_minutes * 60)
        ),
        "wall_minutes_total": round((time.monotonic() - start) / 60, 2),
        "full_context_eval_seconds": round(full_seconds, 1),
        "split": "first 90% train, last 10% validation, by position",
        "machine": {
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
