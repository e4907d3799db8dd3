"""Command line: `python -m music {generate,train,evaluate} ...` (the logic lives in the modules).

    python -m music generate --out solo.mid [--chords "Dm7 G7 | Cmaj7 |" | blues:F | FILE]
        [--meter N/D] [--choruses N] [--tempo BPM] [--seed S] [--temperature T] [--top-p P]
        [--primer FILE] [--model DIR] [--swing R]
    python -m music train DATA... --out DIR [--epochs N] [--max-minutes M] [--units U] ...
    python -m music evaluate SOLO... --against DATA... [--training DATA...]

A user mistake prints one line to stderr and exits with status 2.
"""

import argparse
import json
import sys
from fractions import Fraction

from music.io import HARMONY_MODES
from zoo.console import quiet_native_stderr


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, status 2 (argparse prints usage + message otherwise)
        raise SystemExit(_fail(f"{self.prog}: {message}"))


def _fail(message):
    print(f"error: {message}", file=sys.stderr)
    return 2


def _parser():
    parser = _Parser(prog="python -m music", description="LSTM jazz improviser.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    gen = commands.add_parser("generate", help="improvise over a progression, write MIDI + MusicXML")
    gen.add_argument("--out", required=True, help="the .mid file (MusicXML goes beside it)")
    gen.add_argument("--chords", help='progression ("Dm7 G7 | Cmaj7 |"), form (blues:F) or file')
    gen.add_argument("--meter", help="N/D for --chords text or a form, e.g. 3/4, 6/8 (default "
                     "4/4; a lead-sheet file keeps its own)")
    gen.add_argument("--choruses", type=int, default=1)
    gen.add_argument("--tempo", type=float, default=160.0)
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--temperature", type=float, default=1.0)
    gen.add_argument("--top-p", type=float, default=1.0)
    gen.add_argument("--primer", help="a melody file to warm the model up with")
    gen.add_argument("--model", help="an artifact folder from `train` (default: shipped model)")
    gen.add_argument("--swing", type=Fraction, default=None,
                     help="off-beat eighth position in the MIDI, 2/3 (default) .. 1/2 (straight)")
    tr = commands.add_parser("train", help="train an improviser on solos")
    tr.add_argument("data", nargs="+", help="music files or folders")
    tr.add_argument("--out", required=True, help="artifact folder to write")
    tr.add_argument("--epochs", type=int, default=30)
    tr.add_argument("--max-minutes", type=float, default=None)
    tr.add_argument("--units", type=int, default=256)
    tr.add_argument("--layers", type=int, default=1)
    tr.add_argument("--dropout", type=float, default=0.1)
    tr.add_argument("--seq-len", type=int, default=128)
    tr.add_argument("--batch-size", type=int, default=32)
    tr.add_argument("--learning-rate", type=float, default=2e-3)
    tr.add_argument("--patience", type=int, default=3)
    tr.add_argument("--holdout-every", type=int, default=10)
    tr.add_argument("--val-fraction", type=float, default=0.1)
    tr.add_argument("--seed", type=int, default=0)
    tr.add_argument("--cache-dir", default=None)
    tr.add_argument("--workers", type=int, default=1, help="processes parsing uncached files")
    tr.add_argument("--harmony", choices=HARMONY_MODES, default="auto",
                    help="where chords come from: auto (symbols, else inferred from the other "
                         "parts, else none), symbols, accompaniment, melody (inferred from the "
                         "melody itself: melody-only files), none (unconditioned)")
    ev = commands.add_parser("evaluate", help="measure solos against reference solos (JSON)")
    ev.add_argument("solos", nargs="+")
    ev.add_argument("--against", nargs="+", default=None)
    ev.add_argument("--training", nargs="+", default=None)
    ev.add_argument("--cache-dir", default=None)
    return parser


def _generate(args):
    from music.improvise import generate

    solo, midi, xml = generate(args.out, chords=args.chords, meter=args.meter,
                               choruses=args.choruses,
                               tempo=args.tempo, seed=args.seed, temperature=args.temperature,
                               top_p=args.top_p, primer=args.primer, model=args.model,
                               swing=args.swing)
    bars = solo.duration / solo.bar_length
    print(f"wrote {midi} and {xml}: {sum(not n.is_rest for n in solo.notes)} notes, {bars} bars")


def _train(args):
    from music.io import read_corpus
    from music.paths import check_writable_folder
    from music.train import train

    for name in ("epochs", "units", "layers", "seq_len", "batch_size"):
        if getattr(args, name) < 1:
            raise ValueError(f"--{name.replace('_', '-')} {getattr(args, name)}: expected >= 1")
    check_writable_folder(args.out)  # before reading the corpus
    solos = read_corpus(args.data, cache_dir=args.cache_dir, skip_errors=True,
                        workers=max(1, args.workers), harmony=args.harmony)
    metrics = train(solos, args.out, epochs=args.epochs, max_minutes=args.max_minutes,
                    units=args.units, num_layers=args.layers, dropout=args.dropout,
                    seq_len=args.seq_len, batch_size=args.batch_size,
                    learning_rate=args.learning_rate, patience=args.patience,
                    holdout_every=args.holdout_every, val_fraction=args.val_fraction,
                    seed=args.seed, verbose=2,
                    command="python -m music " + " ".join(args.argv))
    print(json.dumps({k: v for k, v in metrics.items() if k != "history"}))


def _evaluate(args):
    from music.io import read_corpus
    from music.metrics import evaluate

    solos = read_corpus(args.solos, cache_dir=args.cache_dir)
    against = read_corpus(args.against, cache_dir=args.cache_dir) if args.against else None
    training = read_corpus(args.training, cache_dir=args.cache_dir) if args.training else None
    print(json.dumps(evaluate(solos, against, training=training), indent=2))


def main(argv=None):
    """Run the command line; returns the exit status (0, or 2 for a user mistake)."""
    try:
        args = _parser().parse_args(argv)
        args.argv = [str(a) for a in (sys.argv[1:] if argv is None else argv)]
    except SystemExit as stop:
        return stop.code
    with quiet_native_stderr():
        return _run(args)


def _run(args):
    try:
        {"generate": _generate, "train": _train, "evaluate": _evaluate}[args.command](args)
    except ValueError as error:  # MusicInputError and ChordError are ValueErrors
        return _fail(str(error).splitlines()[0] if str(error) else type(error).__name__)
    except OSError as error:
        return _fail(f"{getattr(error, 'filename', '') or ''}: {error.strerror or error}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
