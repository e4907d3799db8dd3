"""Command line: `python -m zoo.tasks {train,predict,evaluate} ...` (the logic lives in the task
modules).

    python -m zoo.tasks train sentiment --out runs/mr [--data FILE.zip] [--dataset movie_reviews]
                                        [--vectors]
    python -m zoo.tasks train ner --out runs/ner [--data conll2002.zip]
    python -m zoo.tasks train dates --out runs/dates [--attention none]
    python -m zoo.tasks train addition --out runs/add [--digits 3]
    python -m zoo.tasks predict runs/mr "a gripping, funny film" [--beam 4] [--heatmap a.png]
    python -m zoo.tasks evaluate runs/mr [--data FILE.zip]

Without `--data` the corpus is downloaded from its public source (sha256-checked). Every
command prints JSON on stdout. A user mistake prints one line to stderr and exits with
status 2.
"""

import json
import sys

from zoo.core.cli import Parser, integer, number, run, seed

TASKS = ("sentiment", "ner", "dates", "addition")

_POSITIVE = "expected a number > 0, got {text!r}"  # the words this command line has always used


def _parser():
    parser = Parser(prog="python -m zoo.tasks", description="The zoo on real tasks.")
    commands = parser.add_subparsers(dest="command", required=True)
    tr = commands.add_parser("train", help="train a task model and write its artifact")
    tr.add_argument("task", choices=TASKS)
    tr.add_argument("--out", required=True, help="artifact folder to write")
    tr.add_argument("--data", help="local copy of the data zip (default: download it)")
    tr.add_argument(
        "--dataset",
        choices=("sentence_polarity", "movie_reviews"),
        default="sentence_polarity",
        help="sentiment corpus",
    )
    tr.add_argument(
        "--vectors",
        action="store_true",
        help="sentiment: start from word vectors trained on the training texts",
    )
    tr.add_argument("--epochs", type=integer("--epochs", 1, message=_POSITIVE))
    tr.add_argument(
        "--max-minutes", type=number("--max-minutes", low=0, low_open=True, message=_POSITIVE)
    )
    tr.add_argument(
        "--attention",
        choices=("dot", "additive", "none"),
        default="dot",
        help="dates and addition: the attention of the encoder-decoder",
    )
    tr.add_argument(
        "--digits",
        type=integer("--digits", 1, message=_POSITIVE),
        default=3,
        help="addition: digits",
    )
    tr.add_argument("--seed", type=seed(), default=0, help="any integer")
    tr.add_argument(
        "--fresh",
        action="store_true",
        help="forget an interrupted or finished run in OUT/training and train from "
        "scratch (by default a run is resumed where it stopped)",
    )
    pr = commands.add_parser("predict", help="run a trained task model on raw text")
    pr.add_argument("model", help="artifact folder from `train`")
    pr.add_argument("texts", nargs="+")
    pr.add_argument(
        "--beam", type=integer("--beam", 1, message=_POSITIVE), help="dates/addition: beam width"
    )
    pr.add_argument(
        "--truncate",
        action="store_true",
        help="sentiment: keep the last tokens of a text longer than the model reads",
    )
    pr.add_argument(
        "--heatmap", help="dates/addition: write the attention of the first text as this PNG"
    )
    ev = commands.add_parser("evaluate", help="the task's standard metric on held-out data")
    ev.add_argument("model")
    ev.add_argument("--data", help="local copy of the data zip (default: download it)")
    ev.add_argument(
        "--n",
        type=integer("--n", 1, message=_POSITIVE),
        default=2000,
        help="dates/addition: generated held-out examples",
    )
    return parser


def _train(args):
    from zoo.artifacts.format import check_output_folder
    from zoo.tasks import addition, dates, ner, sentiment
    from zoo.tasks.common import KINDS

    check_output_folder(args.out, kind=KINDS[args.task], option="--out")  # before any work
    minutes = args.max_minutes * 60 if args.max_minutes else None
    common = dict(out=args.out, seed=args.seed, max_seconds=minutes, verbose=2, fresh=args.fresh)
    if args.epochs:
        common["epochs"] = args.epochs
    if args.task == "sentiment":
        texts, labels = sentiment.load_data(args.dataset, args.data)
        settings = dict(sentiment.PRESETS[args.dataset], **common)
        if args.vectors:
            settings["embeddings"] = "train"
        _, metrics = sentiment.train(texts, labels, dataset=args.dataset, **settings)
    elif args.task == "ner":
        _, metrics = ner.train(ner.load_data(args.data), **common)
    else:
        attention = None if args.attention == "none" else args.attention
        if args.task == "dates":
            _, metrics = dates.train(attention=attention, **common)
        else:
            _, metrics = addition.train(digits=args.digits, attention=attention, **common)
    return {"task": args.task, "out": args.out, **metrics}


def _predict(args):
    from zoo.tasks import addition, dates, ner, sentiment
    from zoo.tasks.common import TaskError, artifact_kind

    task = artifact_kind(args.model)
    if task == "sentiment":
        clf = sentiment.load(args.model)
        return [
            {"text": t, "label": label, "probability": round(p, 4)}
            for t, (label, p) in zip(args.texts, clf.predict(args.texts, truncate=args.truncate))
        ]
    if task == "ner":
        tagger = ner.load(args.model)
        return [dict(text=t, **tagger.predict(t)) for t in args.texts]
    module = dates if task == "dates" else addition
    translator = module.load(args.model)
    if args.heatmap and not translator.config.get("attention"):
        raise TaskError(
            f"--heatmap: {args.model} was trained without attention; there are "
            f"no attention weights to draw"
        )
    method = "beam" if args.beam else "greedy"
    outputs = translator.predict(args.texts, method=method, width=args.beam or 4)
    if args.heatmap:
        translator.plot_attention(args.texts[0], args.heatmap, method=method)
    rows = [{"text": t, "output": o} for t, o in zip(args.texts, outputs)]
    if task == "dates":
        for row in rows:
            try:
                dates.parse_iso(row["output"])
            except dates.DateFormatError:
                row["warning"] = "the output is not a real date"
    return rows


def _evaluate(args):
    from zoo.tasks import addition, dates, ner, sentiment
    from zoo.tasks.common import artifact_kind

    task = artifact_kind(args.model)
    if task == "sentiment":
        clf = sentiment.load(args.model)
        dataset = clf.config.get("dataset") or "sentence_polarity"
        return {
            "task": task,
            "dataset": dataset,
            **sentiment.evaluate(clf, *sentiment.load_data(dataset, args.data)),
        }
    if task == "ner":
        scores = ner.evaluate(ner.load(args.model), ner.load_data(args.data)["testb"])
        return {"task": task, "split": "esp.testb", **scores}
    module = dates if task == "dates" else addition
    return {"task": task, **module.evaluate(module.load(args.model), n=args.n)}


def main(argv=None):
    """Run the command line; returns the exit status (0, or 2 for a user mistake).

    Args:
        argv: list of str, or None for `sys.argv[1:]`.

    Returns:
        int exit status: 0; 2 for a user mistake (one line on stderr); 130 after Ctrl-C.

    Example:

    >>> main(["predict", "no/such/run", "hello"])  # doctest: +SKIP
    2
    """
    commands = {"train": _train, "predict": _predict, "evaluate": _evaluate}
    return run(_parser(), {name: _printing(command) for name, command in commands.items()}, argv)


def _printing(command):
    """The command, printing its result as one JSON line on stdout."""

    def print_result(args):
        print(json.dumps(command(args), ensure_ascii=False))

    return print_result


if __name__ == "__main__":
    sys.exit(main())
