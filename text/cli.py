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
import pathlib
import sys

from zoo.core.cli import Parser, fail, integer, number, one_line_warnings, run, seed
from zoo.runtime.precision import PRECISIONS


def _number(flag, low, high=None, low_open=True):
    """`zoo.core.cli.number` in this command line's words: ``--top-p must be in (0.0, 1.0], got
    1.5`` (the bounds as given, the text as typed)."""
    interval = f"{'(' if low_open else '['}{low}, {'inf)' if high is None else f'{high}]'}"
    return number(
        flag,
        low=low,
        high=high,
        low_open=low_open,
        message=f"{flag} must be in {interval}, got {{text}}",
    )


def build_parser():
    """The argument parser of `python -m text`."""
    parser = Parser(
        prog="python -m text", description="Train, sample and score text language models."
    )
    sub = parser.add_subparsers(dest="command", required=True)

    train = sub.add_parser("train", help="train a model on text files")
    train.add_argument("corpus", nargs="+", help="UTF-8 text file(s)")
    train.add_argument(
        "--out",
        required=True,
        help="model directory to write (the best epoch so far is saved there after every "
        "epoch, so an interrupted run keeps it; the final model at the end)",
    )
    train.add_argument("--level", choices=("char", "word"), default="char")
    train.add_argument("--lines", action="store_true", help="one example per line (names)")
    train.add_argument("--lower", action="store_true", help="lower-case the text")
    train.add_argument("--max-vocab", type=integer("--max-vocab", 1), default=None)
    train.add_argument("--cell", choices=("rnn", "gru", "lstm"), default="lstm")
    train.add_argument("--units", type=integer("--units", 1, 8192), default=256)
    train.add_argument("--layers", type=integer("--layers", 1, 64), default=1)
    train.add_argument("--embedding-dim", type=integer("--embedding-dim", 1, 8192), default=64)
    train.add_argument(
        "--dropout", type=_number("--dropout", 0.0, 0.99, low_open=False), default=0.0
    )
    train.add_argument("--epochs", type=integer("--epochs", 1), default=10)
    train.add_argument("--steps-per-epoch", type=integer("--steps-per-epoch", 1), default=None)
    train.add_argument(
        "--minutes",
        type=_number("--minutes", 0.0, None),
        default=None,
        help="stop after this wall-clock time",
    )
    train.add_argument(
        "--decay-over",
        choices=("steps", "time"),
        default=None,
        help="where the learning rate's cosine ends: after all epochs' steps, or when "
        "--minutes are spent (the default with --minutes)",
    )
    train.add_argument("--batch-size", type=integer("--batch-size", 1, 65536), default=64)
    train.add_argument("--seq-len", type=integer("--seq-len", 1, 100_000), default=100)
    train.add_argument("--learning-rate", type=_number("--learning-rate", 0.0, None), default=2e-3)
    train.add_argument("--clipnorm", type=_number("--clipnorm", 0.0, None), default=1.0)
    train.add_argument(
        "--weight-decay",
        type=_number("--weight-decay", 0.0, None, low_open=False),
        default=0.0,
        help="decoupled weight decay of the weight matrices (AdamW; "
        "benchmarks/shakespeare.py uses 0.2 with --dropout 0.5)",
    )
    train.add_argument(
        "--validation-split",
        type=_number("--validation-split", 0.0, 0.9, low_open=False),
        default=0.1,
    )
    train.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="float32",
        help="compute precision: auto picks float16 on CUDA GPUs, bfloat16 "
        "on TPUs and AVX512-BF16 CPUs (weights, logits and loss stay float32)",
    )
    train.add_argument(
        "--mixed-precision",
        dest="precision",
        action="store_const",
        const="mixed_bfloat16",
        help=argparse.SUPPRESS,
    )  # deprecated alias of --precision mixed_bfloat16
    train.add_argument(
        "--strategy",
        choices=("auto", "multi-worker"),
        default=None,
        help="tf.distribute: auto takes the TPU or all GPUs here; multi-worker trains on the "
        "cluster in TF_CONFIG (the same command on every worker; only the chief writes "
        "OUT, the others keep their run in OUT/training/worker-N)",
    )
    train.add_argument(
        "--fresh",
        action="store_true",
        help="forget an interrupted or finished run in OUT/training and train from scratch "
        "(by default a run is resumed where it stopped)",
    )
    train.add_argument("--seed", type=seed(), default=0, help="any integer")
    train.add_argument("--quiet", action="store_true", help="no progress bars")

    gen = sub.add_parser("generate", help="sample text from a trained model")
    gen.add_argument("model_dir")
    gen.add_argument("-n", type=integer("-n", 1), default=1, help="number of samples")
    gen.add_argument("--length", type=integer("--length", 0), default=None)
    gen.add_argument("--prefix", default="")
    gen.add_argument("--temperature", type=_number("--temperature", 0.0, None), default=1.0)
    gen.add_argument("--top-k", type=integer("--top-k", 1), default=None)
    gen.add_argument("--top-p", type=_number("--top-p", 0.0, 1.0), default=None)
    gen.add_argument("--seed", type=seed(), default=None, help="any integer")
    gen.add_argument(
        "--beam",
        type=integer("--beam", 1),
        default=None,
        help="print the N most likely continuations (beam search) instead of sampling",
    )

    score = sub.add_parser("score", help="log-probability and perplexity of sentences")
    score.add_argument("model_dir")
    score.add_argument("text", nargs="+")
    return parser


def _train(args, out):
    if args.strategy == "multi-worker":
        from zoo.training.distribute import read_tf_config

        if args.minutes is not None:
            raise ValueError(
                "--minutes cannot bound a multi-worker run: each worker's clock would stop it at a "
                "different step; bound it by --epochs and --steps-per-epoch"
            )
        read_tf_config()
    from text.generator import KIND, TextGenerator
    from zoo.artifacts.format import check_output_folder
    from zoo.training.distribute import resolve_strategy

    if args.decay_over == "time" and args.minutes is None:
        raise ValueError(
            "--decay-over time needs --minutes: the learning rate's cosine ends when they are spent"
        )
    check_output_folder(args.out, kind=KIND, option="--out")  # before any work
    strategy = resolve_strategy(args.strategy)  # before any other TensorFlow work (multi-worker)

    corpus = [pathlib.Path(p) for p in args.corpus]
    gen = TextGenerator.from_corpus(
        corpus,
        level=args.level,
        lower=args.lower,
        lines=args.lines,
        max_vocab=args.max_vocab,
        cell=args.cell,
        units=args.units,
        num_layers=args.layers,
        embedding_dim=args.embedding_dim,
        dropout=args.dropout,
    )
    gen.fit(
        corpus,
        epochs=args.epochs,
        batch_size=args.batch_size,
        seq_len=args.seq_len,
        learning_rate=args.learning_rate,
        clipnorm=args.clipnorm,
        weight_decay=args.weight_decay,
        validation_split=args.validation_split,
        steps_per_epoch=args.steps_per_epoch,
        time_budget=None if args.minutes is None else args.minutes * 60,
        precision=args.precision,
        decay_over=args.decay_over or ("steps" if args.minutes is None else "time"),
        checkpoint=args.out,
        fresh=args.fresh,
        seed=args.seed,
        verbose=0 if args.quiet else 1,
        strategy=strategy,
    )
    result = gen.training_result
    if not result.chief:
        print(
            f"this worker trained {result.epochs_run} epochs ({result.message}); the chief writes the model",
            file=out,
        )
        return 1 if result.failed else 0
    if result.failed:
        held = (
            f"the artifact in {args.out} holds epoch {result.best_epoch}"
            if result.best_epoch
            else "no epoch finished, nothing was saved"
        )
        return fail(f"training stopped: {result.message}; {held}", status=1)
    if result.already_finished:
        print(
            f"{args.out} already holds this finished run; nothing to train (--fresh trains again)",
            file=out,
        )
    else:
        gen.save(args.out, option="--out")
    m = gen.metrics
    which = "validation" if m.get("val_loss") is not None else "training"
    loss = m["val_loss"] if m.get("val_loss") is not None else m["train_loss"]
    print(
        f"final {which} loss {loss:.4f} nats/token (uniform baseline {m['uniform_loss']:.4f}); "
        f"saved to {args.out}",
        file=out,
    )


def _generate(args, out):
    from text.generator import TextGenerator

    gen = TextGenerator.load(args.model_dir, option="model folder")
    if args.beam:
        for text, logp in gen.beam_search(args.prefix, width=args.beam, length=args.length):
            print(f"{logp:.3f}\t{text}", file=out)
        return
    samples = gen.generate(
        args.n,
        length=args.length,
        prefix=args.prefix,
        temperature=args.temperature,
        top_k=args.top_k,
        top_p=args.top_p,
        seed=args.seed,
    )
    separator = "\n" if gen.mode == "lines" else "\n\n"
    print(separator.join(samples), file=out)


def _score(args, out):
    from text.generator import TextGenerator

    gen = TextGenerator.load(args.model_dir, option="model folder")
    for text in args.text:
        s = gen.score(text)
        print(
            json.dumps(
                {
                    "text": text,
                    "log_prob": round(s.log_prob, 4),
                    "num_tokens": s.num_tokens,
                    "perplexity": round(s.perplexity, 4),
                    "unknown": s.unknown,
                },
                ensure_ascii=False,
            ),
            file=out,
        )


def main(argv=None):
    """Run the command line; return the exit status.

    Args:
        argv: list of str, or None for `sys.argv[1:]`.

    Returns:
        int: 0; 1 when training failed; 2 for a user mistake (one line on stderr); 130 after
        Ctrl-C.

    Example:

    >>> main(["generate", "no/such/model"])  # doctest: +SKIP
    2
    """
    commands = {"train": _train, "generate": _generate, "score": _score}
    return run(
        build_parser(),
        {name: _to_stdout(command) for name, command in commands.items()},
        argv,
        context=_warnings,
        names=_FLAGS,
    )


_FLAGS = {"n": "-n", "width": "--beam"}
"""Library parameters whose flag has another name (the others are the flags' `dest`s)."""


def _to_stdout(command):
    return lambda args: command(args, sys.stdout)


def _warnings():
    """Only the vocabulary warnings reach the terminal, as one line each."""
    return one_line_warnings(show=lambda message: "vocabulary" in message)
