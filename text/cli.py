"""Command line: `python -m text train | generate | score`.

    python -m text train CORPUS [CORPUS ...] --out DIR [--level char|word] [--lines] [--lower]
        [--cell lstm] [--units 256] [--layers 1] [--epochs 10] [--minutes M] ...
    python -m text generate DIR [-n N] [--length L] [--prefix TEXT] [--temperature T]
        [--top-k K] [--top-p P] [--seed S] [--beam W]
    python -m text score DIR "some sentence" ["another" ...]

Mistakes (a bad argument, a missing or non-UTF-8 corpus, a folder that is not a model) print
one line on stderr and exit with status 2. TensorFlow is imported only after the arguments
have been checked.
"""

import argparse
import json
import math
import pathlib
import re
import sys
import warnings

from zoo.core.cli import quiet_native_stderr
from zoo.core.checks import check_int, map_seed


class _Parser(argparse.ArgumentParser):
    def error(self, message):
        # "argument --seed: --seed must be ..." says the flag twice: keep the second
        match = re.fullmatch(r"argument (\S+?)(?:/\S+)?: (\1 .*)", message, flags=re.S)
        raise _UsageError(f"{self.prog}: {match.group(2) if match else message}")


class _UsageError(Exception):
    pass


def _int(name, low, high=None):
    """An argparse type: an integer in [low, high] (`zoo.core.checks.check_int`, the flag named)."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            value = text
        try:
            return check_int(name, value, low, high)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None
    return parse


def _float_in(name, low, high, low_open=True):
    def parse(text):
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a number, got {text!r}") from None
        bad_low = value <= low if low_open else value < low
        if not math.isfinite(value) or bad_low or (high is not None and value > high):
            bracket = "(" if low_open else "["
            raise argparse.ArgumentTypeError(
                f"{name} must be in {bracket}{low}, {high if high is not None else 'inf'}{']' if high is not None else ')'}, got {text}"
            )
        return value
    return parse


def _seed(text):
    """Any integer is a seed: the integer itself is handed to the library, which maps it with
    `zoo.core.checks.map_seed` (so `--seed S` and `seed=S` draw the same sample)."""
    try:
        value = int(text)
    except ValueError:
        value = text
    try:
        map_seed(value, name="--seed")  # the check only
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return value


def build_parser():
    """The argument parser of `python -m text`."""
    parser = _Parser(prog="python -m text", description="Train, sample and score text language models.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train = sub.add_parser("train", help="train a model on text files")
    train.add_argument("corpus", nargs="+", help="UTF-8 text file(s)")
    train.add_argument("--out", required=True,
                       help="model directory to write (the best epoch so far is saved there after every "
                            "epoch, so an interrupted run keeps it; the final model at the end)")
    train.add_argument("--level", choices=("char", "word"), default="char")
    train.add_argument("--lines", action="store_true", help="one example per line (names)")
    train.add_argument("--lower", action="store_true", help="lower-case the text")
    train.add_argument("--max-vocab", type=_int("--max-vocab", 1), default=None)
    train.add_argument("--cell", choices=("rnn", "gru", "lstm"), default="lstm")
    train.add_argument("--units", type=_int("--units", 1, 8192), default=256)
    train.add_argument("--layers", type=_int("--layers", 1, 64), default=1)
    train.add_argument("--embedding-dim", type=_int("--embedding-dim", 1, 8192),
                       default=64)
    train.add_argument("--dropout", type=_float_in("--dropout", 0.0, 0.99, low_open=False), default=0.0)
    train.add_argument("--epochs", type=_int("--epochs", 1), default=10)
    train.add_argument("--steps-per-epoch", type=_int("--steps-per-epoch", 1), default=None)
    train.add_argument("--minutes", type=_float_in("--minutes", 0.0, None), default=None,
                       help="stop after this wall-clock time")
    train.add_argument("--decay-over", choices=("steps", "time"), default=None,
                       help="where the learning rate's cosine ends: after all epochs' steps, or when "
                            "--minutes are spent (the default with --minutes)")
    train.add_argument("--batch-size", type=_int("--batch-size", 1, 65536),
                       default=64)
    train.add_argument("--seq-len", type=_int("--seq-len", 1, 100_000), default=100)
    train.add_argument("--learning-rate", type=_float_in("--learning-rate", 0.0, None), default=2e-3)
    train.add_argument("--clipnorm", type=_float_in("--clipnorm", 0.0, None), default=1.0)
    train.add_argument("--weight-decay", type=_float_in("--weight-decay", 0.0, None, low_open=False),
                       default=0.0, help="decoupled weight decay of the weight matrices (AdamW; "
                       "benchmarks/shakespeare.py uses 0.2 with --dropout 0.5)")
    train.add_argument("--validation-split", type=_float_in("--validation-split", 0.0, 0.9, low_open=False),
                       default=0.1)
    train.add_argument("--precision", choices=("auto", "float32", "mixed_float16", "mixed_bfloat16"),
                       default="float32", help="compute precision: auto picks float16 on CUDA GPUs, bfloat16 "
                       "on TPUs and AVX512-BF16 CPUs (weights, logits and loss stay float32)")
    train.add_argument("--mixed-precision", dest="precision", action="store_const", const="mixed_bfloat16",
                       help=argparse.SUPPRESS)  # deprecated alias of --precision mixed_bfloat16
    train.add_argument("--strategy", choices=("auto", "multi-worker"), default=None,
                       help="tf.distribute: auto takes the TPU or all GPUs here; multi-worker trains on the "
                            "cluster in TF_CONFIG (the same command on every worker; only the chief writes "
                            "OUT, the others keep their run in OUT/training/worker-N)")
    train.add_argument("--fresh", action="store_true",
                       help="forget an interrupted or finished run in OUT/training and train from scratch "
                            "(by default a run is resumed where it stopped)")
    train.add_argument("--seed", type=_seed, default=0, help="any integer")
    train.add_argument("--quiet", action="store_true", help="no progress bars")

    gen = sub.add_parser("generate", help="sample text from a trained model")
    gen.add_argument("model_dir")
    gen.add_argument("-n", type=_int("-n", 1), default=1, help="number of samples")
    gen.add_argument("--length", type=_int("--length", 0), default=None)
    gen.add_argument("--prefix", default="")
    gen.add_argument("--temperature", type=_float_in("--temperature", 0.0, None), default=1.0)
    gen.add_argument("--top-k", type=_int("--top-k", 1), default=None)
    gen.add_argument("--top-p", type=_float_in("--top-p", 0.0, 1.0), default=None)
    gen.add_argument("--seed", type=_seed, default=None, help="any integer")
    gen.add_argument("--beam", type=_int("--beam", 1), default=None,
                     help="print the N most likely continuations (beam search) instead of sampling")

    score = sub.add_parser("score", help="log-probability and perplexity of sentences")
    score.add_argument("model_dir")
    score.add_argument("text", nargs="+")
    return parser


def _train(args, out):
    if args.strategy == "multi-worker":
        from zoo.training.distribute import read_tf_config

        if args.minutes is not None:
            raise ValueError("--minutes cannot bound a multi-worker run: each worker's clock would stop it at a "
                             "different step; bound it by --epochs and --steps-per-epoch")
        read_tf_config()
    from text.generator import KIND, TextGenerator
    from zoo.artifacts.format import check_output_folder
    from zoo.runtime.devices import resolve_strategy

    if args.decay_over == "time" and args.minutes is None:
        raise ValueError("--decay-over time needs --minutes: the learning rate's cosine ends when they are spent")
    check_output_folder(args.out, kind=KIND, option="--out")  # before any work
    strategy = resolve_strategy(args.strategy)  # before any other TensorFlow work (multi-worker)

    corpus = [pathlib.Path(p) for p in args.corpus]
    gen = TextGenerator.from_corpus(corpus, level=args.level, lower=args.lower, lines=args.lines,
                                    max_vocab=args.max_vocab, cell=args.cell, units=args.units,
                                    num_layers=args.layers, embedding_dim=args.embedding_dim, dropout=args.dropout)
    gen.fit(corpus, epochs=args.epochs, batch_size=args.batch_size, seq_len=args.seq_len,
            learning_rate=args.learning_rate, clipnorm=args.clipnorm, weight_decay=args.weight_decay,
            validation_split=args.validation_split,
            steps_per_epoch=args.steps_per_epoch,
            time_budget=None if args.minutes is None else args.minutes * 60, precision=args.precision,
            decay_over=args.decay_over or ("steps" if args.minutes is None else "time"),
            checkpoint=args.out, fresh=args.fresh, seed=args.seed, verbose=0 if args.quiet else 1,
            strategy=strategy)
    result = gen.training_result
    if not result.chief:
        print(f"this worker trained {result.epochs_run} epochs ({result.message}); the chief writes the model",
              file=out)
        return 1 if result.failed else 0
    if result.failed:
        held = (f"the artifact in {args.out} holds epoch {result.best_epoch}" if result.best_epoch
                else "no epoch finished, nothing was saved")
        print(f"error: training stopped: {result.message}; {held}", file=sys.stderr)
        return 1
    if result.already_finished:
        print(f"{args.out} already holds this finished run; nothing to train (--fresh trains again)", file=out)
    else:
        gen.save(args.out, option="--out")
    m = gen.metrics
    which = "validation" if m.get("val_loss") is not None else "training"
    loss = m["val_loss"] if m.get("val_loss") is not None else m["train_loss"]
    print(f"final {which} loss {loss:.4f} nats/token (uniform baseline {m['uniform_loss']:.4f}); "
          f"saved to {args.out}", file=out)


def _generate(args, out):
    from text.generator import TextGenerator

    gen = TextGenerator.load(args.model_dir, option="model folder")
    if args.beam:
        for text, logp in gen.beam_search(args.prefix, width=args.beam, length=args.length):
            print(f"{logp:.3f}\t{text}", file=out)
        return
    samples = gen.generate(args.n, length=args.length, prefix=args.prefix, temperature=args.temperature,
                           top_k=args.top_k, top_p=args.top_p, seed=args.seed)
    separator = "\n" if gen.mode == "lines" else "\n\n"
    print(separator.join(samples), file=out)


def _score(args, out):
    from text.generator import TextGenerator

    gen = TextGenerator.load(args.model_dir, option="model folder")
    for text in args.text:
        s = gen.score(text)
        print(json.dumps({"text": text, "log_prob": round(s.log_prob, 4), "num_tokens": s.num_tokens,
                          "perplexity": round(s.perplexity, 4), "unknown": s.unknown}, ensure_ascii=False), file=out)


def main(argv=None):
    """Run the command line; return the exit status (0; 1 when training failed; 2 for a user mistake)."""
    try:
        args = build_parser().parse_args(argv)
    except _UsageError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    try:
        with quiet_native_stderr(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras/TF chatter
            warnings.simplefilter("always", UserWarning)
            warnings.showwarning = _one_line_warning
            status = {"train": _train, "generate": _generate, "score": _score}[args.command](args, sys.stdout)
    except ValueError as err:  # CorpusError, ArtifactError and argument checks subclass it
        message = str(err).splitlines()[0] if str(err) else type(err).__name__
        print(f"error: {_speak_flags(message)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    return status or 0


_FLAGS = {"n": "-n", "length": "--length", "width": "--beam", "temperature": "--temperature",
          "top_k": "--top-k", "top_p": "--top-p", "seed": "--seed", "prefix": "--prefix"}


def _speak_flags(message):
    """A library message that starts with a parameter (`length must`, `n=5 is`) names the flag."""
    for name, flag in _FLAGS.items():
        for joint, shown in (("=", " "), (" must ", " must ")):
            if message.startswith(name + joint):
                return flag + shown + message[len(name + joint):]
    return message


def _one_line_warning(message, category, filename, lineno, file=None, line=None):
    if issubclass(category, UserWarning) and "vocabulary" in str(message):
        print(f"warning: {message}", file=sys.stderr)
