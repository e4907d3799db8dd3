"""Command line: `python -m music {generate,train,calibrate,evaluate} ...` (the logic lives in the modules).

    python -m music generate --out solo.mid [--chords "Dm7 G7 | Cmaj7 |" | blues:F | FILE]
        [--meter N/D] [--choruses N] [--tempo BPM] [--seed S] [--temperature T] [--top-p P]
        [--primer FILE] [--model DIR] [--swing R] [--style "PERFORMER" | --like FILE]
    python -m music train DATA... --out DIR [--epochs N] [--max-minutes M] [--units U] ...
        [--no-style]
    python -m music calibrate DATA... --model DIR [--bars N] [--seed S]
    python -m music evaluate SOLO... --against DATA... [--training DATA...]

A user mistake prints one line to stderr and exits with status 2.
"""

import contextlib
import json
import os
import sys
import warnings

from music.checks import check_swing, check_tempo
from music.reading.solos import HARMONY_MODES
from zoo.core.cli import Parser, argument_type, fail, integer, number, run, seed
from zoo.runtime.precision import PRECISIONS

_TEMPO = argument_type(float, lambda value: check_tempo(value, name="--tempo"), "--tempo")
_SWING = argument_type(str, lambda value: check_swing(value, name="--swing"), "--swing")
_POSITIVE = {"low": 0, "low_open": True}


def _parser():
    parser = Parser(prog="python -m music", description="LSTM jazz improviser.")
    commands = parser.add_subparsers(dest="command", required=True)
    gen = commands.add_parser(
        "generate", help="improvise over a progression, write MIDI + MusicXML"
    )
    gen.add_argument("--out", required=True, help="the .mid file (MusicXML goes beside it)")
    gen.add_argument("--chords", help='progression ("Dm7 G7 | Cmaj7 |"), form (blues:F) or file')
    gen.add_argument(
        "--meter",
        help="N/D for --chords text or a form, e.g. 3/4, 6/8 (default "
        "4/4; a lead-sheet file keeps its own)",
    )
    gen.add_argument("--choruses", type=integer("--choruses", 1), default=1)
    gen.add_argument(
        "--tempo",
        type=_TEMPO,
        default=160.0,
        help="quarter notes per minute, 20 to 400 (default 160)",
    )
    gen.add_argument(
        "--seed", type=seed(), default=0, help="any integer (mapped into [0, 2**31 - 1))"
    )
    gen.add_argument("--temperature", type=number("--temperature", **_POSITIVE), default=0.95)
    gen.add_argument("--top-p", type=number("--top-p", high=1, **_POSITIVE), default=1.0)
    gen.add_argument("--primer", help="a melody file to warm the model up with")
    gen.add_argument("--model", help="an artifact folder from `train` (default: shipped model)")
    gen.add_argument(
        "--style",
        help='play in a performer\'s style, e.g. "Sonny Rollins" (default: one training '
        "solo's style, drawn with --seed)",
    )
    gen.add_argument("--like", help="a solo file whose style to imitate (instead of --style)")
    gen.add_argument(
        "--swing",
        type=_SWING,
        default=None,
        help="where the off-beat eighth of each eighth pair falls in the beat "
        "in the MIDI: 1/2 (straight) to 3/4; default 2/3",
    )
    tr = commands.add_parser("train", help="train an improviser on solos")
    tr.add_argument("data", nargs="+", help="music files or folders")
    tr.add_argument("--out", required=True, help="artifact folder to write")
    tr.add_argument("--epochs", type=integer("--epochs", 1), default=30)
    tr.add_argument("--max-minutes", type=number("--max-minutes", **_POSITIVE), default=None)
    tr.add_argument("--units", type=integer("--units", 1, 8192), default=256)
    tr.add_argument("--layers", type=integer("--layers", 1, 64), default=1)
    tr.add_argument(
        "--dropout", type=number("--dropout", low=0, high=1, high_open=True), default=0.1
    )
    tr.add_argument("--seq-len", type=integer("--seq-len", 1, 100_000), default=128)
    tr.add_argument("--batch-size", type=integer("--batch-size", 1, 100_000), default=32)
    tr.add_argument("--learning-rate", type=number("--learning-rate", **_POSITIVE), default=2e-3)
    tr.add_argument(
        "--final-learning-rate",
        type=number("--final-learning-rate", low=0, high=1),
        default=1.0,
        help="end of a cosine decay over --epochs, as a fraction of "
        "--learning-rate (default 1: constant)",
    )
    tr.add_argument("--patience", type=integer("--patience", 0), default=3)
    tr.add_argument("--holdout-every", type=integer("--holdout-every", 0), default=10)
    tr.add_argument(
        "--val-fraction", type=number("--val-fraction", low=0, high=1, high_open=True), default=0.1
    )
    tr.add_argument("--seed", type=seed(), default=0)
    tr.add_argument("--cache-dir", default=None)
    tr.add_argument(
        "--workers",
        type=integer("--workers", 1, max(64, os.cpu_count() or 1)),
        default=1,
        help="processes parsing uncached files",
    )
    tr.add_argument(
        "--harmony",
        choices=HARMONY_MODES,
        default="auto",
        help="where chords come from: auto (symbols, else inferred from the other "
        "parts, else none), symbols, accompaniment, melody (inferred from the "
        "melody itself: melody-only files), none (unconditioned)",
    )
    tr.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="float32",
        help="compute precision: auto picks float16 on CUDA GPUs, "
        "bfloat16 on TPUs and AVX512-BF16 CPUs (weights and logits stay float32)",
    )
    tr.add_argument(
        "--no-style",
        action="store_true",
        help="train without the solo-level style condition",
    )
    tr.add_argument(
        "--fresh",
        action="store_true",
        help="forget an interrupted or finished run in OUT/training and train from "
        "scratch (by default a run is resumed where it stopped)",
    )
    cal = commands.add_parser(
        "calibrate",
        help="measure how often the model's solos play each event against its training "
        "solos and store the sampling bias in the model folder",
    )
    cal.add_argument("data", nargs="+", help="the model's training solos (files or folders)")
    cal.add_argument("--model", required=True, help="the artifact folder to calibrate")
    cal.add_argument("--bars", type=integer("--bars", 1), default=64)
    cal.add_argument("--seed", type=seed(), default=5000)
    cal.add_argument("--cache-dir", default=None)
    cal.add_argument("--workers", type=integer("--workers", 1, 64), default=1)
    ev = commands.add_parser("evaluate", help="measure solos against reference solos (JSON)")
    ev.add_argument("solos", nargs="+")
    ev.add_argument("--against", nargs="+", default=None)
    ev.add_argument("--training", nargs="+", default=None)
    ev.add_argument("--cache-dir", default=None)
    return parser


def _generate(args):
    from music.model.improvise import generate

    solo, midi, xml = generate(
        args.out,
        chords=args.chords,
        meter=args.meter,
        choruses=args.choruses,
        tempo=args.tempo,
        seed=args.seed,
        temperature=args.temperature,
        top_p=args.top_p,
        primer=args.primer,
        model=args.model,
        swing=args.swing,
        style=args.style,
        like=args.like,
    )
    bars = solo.duration / solo.bar_length
    style = solo.source.partition(", style ")[2]
    print(
        f"wrote {midi} and {xml}: {sum(not n.is_rest for n in solo.notes)} notes, {bars} bars"
        + (f"; style {style}" if style else "")
    )


def _train(args, argv):
    from music.model.artifact import KIND
    from music.model.train import train
    from music.reading.solos import read_corpus
    from zoo.artifacts.format import check_output_folder

    check_output_folder(args.out, kind=KIND, option="--out")  # before reading the corpus
    solos = read_corpus(
        args.data,
        cache_dir=args.cache_dir,
        skip_errors=True,
        workers=args.workers,
        harmony=args.harmony,
    )
    metrics = train(
        solos,
        args.out,
        epochs=args.epochs,
        max_minutes=args.max_minutes,
        units=args.units,
        num_layers=args.layers,
        dropout=args.dropout,
        seq_len=args.seq_len,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        patience=args.patience,
        final_learning_rate=args.final_learning_rate,
        holdout_every=args.holdout_every,
        val_fraction=args.val_fraction,
        seed=args.seed,
        verbose=2,
        precision=args.precision,
        fresh=args.fresh,
        style=not args.no_style,
        command="python -m music " + " ".join(argv),
    )
    if metrics["stopped_reason"] in ("non_finite_loss", "diverged"):
        held = (
            f"the artifact in {args.out} holds epoch {metrics['best_epoch']}"
            if metrics["best_epoch"]
            else "no epoch finished, nothing was saved"
        )
        return fail(f"training stopped: {metrics['message']}; {held}", status=1)
    if metrics.get("already_finished"):
        print(
            f"{args.out} already holds this finished run; nothing to train (--fresh trains again)",
            file=sys.stderr,
        )
    print(json.dumps({k: v for k, v in metrics.items() if k != "history"}))


def _calibrate(args):
    from music.model.calibration import calibrate_folder

    section = calibrate_folder(
        args.model,
        args.data,
        bars=args.bars,
        seed=args.seed,
        cache_dir=args.cache_dir,
        workers=args.workers,
    )
    print(
        f"calibrated {args.model}: {section['solos']} solos, {section['events']['human']} "
        f"events played and {section['events']['generated']} generated; largest bias "
        f"{max(map(abs, section['bias'])):.3f} nats"
    )


def _evaluate(args):
    from music.evaluation.metrics import evaluate
    from music.reading.solos import read_corpus

    solos = read_corpus(args.solos, cache_dir=args.cache_dir)
    against = read_corpus(args.against, cache_dir=args.cache_dir) if args.against else None
    training = read_corpus(args.training, cache_dir=args.cache_dir) if args.training else None
    print(json.dumps(evaluate(solos, against, training=training), indent=2))


def main(argv=None):
    """Run the command line; returns the exit status.

    Args:
        argv: list of str, or None for `sys.argv[1:]`.

    Returns:
        int: 0; 1 when training stopped on a failure; 2 for a user mistake (one line on
        stderr); 130 after Ctrl-C.

    Example:

    >>> main(["generate", "--out", "solo.txt"])  # doctest: +SKIP
    2
    """
    argv = [str(a) for a in (sys.argv[1:] if argv is None else argv)]
    commands = {
        "generate": _generate,
        "train": lambda args: _train(args, argv),
        "calibrate": _calibrate,
        "evaluate": _evaluate,
    }
    return run(_parser(), commands, argv, context=_music21_warnings_off)


@contextlib.contextmanager
def _music21_warnings_off():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", module="music21")  # its warnings: one line only
        yield


if __name__ == "__main__":
    sys.exit(main())
