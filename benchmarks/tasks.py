"""The zoo on real tasks: train and score every task of `zoo.tasks`, print one JSON object.

Usage (from the repository root):

    python benchmarks/tasks.py [--quick] [--tasks sentiment,reviews,ner,dates,addition]
                               [--data ../shared/data/tasks] [--max-minutes 15] [--no-vectors]

Data: the task zips in `../shared/data/tasks` beside the repository (or `--data`), checked
against their published sha256. What is measured (full run):

- `sentiment_accuracy` (+ `_std`): sentence polarity, 10-fold cross-validated accuracy of a
  bidirectional GRU with max+mean pooling over its states; the embedding starts from word
  vectors trained (PPMI + SVD, `zoo.tasks.embeddings`) on the unlabelled text of the movie
  review corpus (another corpus: IMDb reviews, not the Rotten Tomatoes snippets); no
  vectors from outside the task data. `--no-vectors` starts from random vectors instead;
- `reviews_accuracy`: movie reviews, fold 0 of 10 held out (a fixed 1,800/200 split), the
  last 600 tokens of each review, a bidirectional GRU with max+mean pooling, the embedding
  started from vectors trained on the 1,800 training reviews only;
- `ner_f1` (+ `ner_f1_per_type`, `ner_f1_LOC`, ...): CoNLL-2002 Spanish, a bidirectional LSTM
  over word embeddings and character features, trained on esp.train, the epoch with the best
  entity F1 on esp.testa kept, entity-level F1 (CoNLL rules) on esp.testb;
- `dates_exact_match` / `dates_exact_match_no_attention`: 2,000 generated held-out dates,
  greedy decoding (beam search in `dates_exact_match_beam`);
- `addition_exact_match`: 3-digit sums, 2,000 held-out questions.

`seconds` gives each task's wall-clock seconds (training and evaluation); every training run
is capped by `--max-minutes`. `--quick` runs tiny versions (a smoke test, not a result).
"""

import argparse
import json
import os
import pathlib
import platform
import sys
import time

REPO_ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from zoo.tasks import addition, dates, ner, sentiment  # noqa: E402
from zoo.tasks.common import tokenize  # noqa: E402
from zoo.tasks.embeddings import train_word_vectors  # noqa: E402

DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "tasks"
TASK_NAMES = ("sentiment", "reviews", "ner", "dates", "addition")


POOLED = dict(pooling="max_mean", embedding_dropout=0.3, dropout=0.5)


def review_vectors(texts, source):
    """Word vectors (100-d) trained on the lines of some movie reviews."""
    return train_word_vectors(
        [tokenize(line) for text in texts for line in text.splitlines() if line.strip()],
        dim=100,
        source=source,
    )


def run_sentiment(data, quick, budget, vectors=True):
    texts, labels = sentiment.load_data("sentence_polarity", data / "sentence_polarity.zip")
    start, out = time.perf_counter(), {}
    embeddings = None
    if vectors:
        reviews, _ = sentiment.load_data("movie_reviews", data / "movie_reviews.zip")
        embeddings = review_vectors(reviews, "movie_reviews.zip (unlabelled)")
        out["sentiment_vectors"] = dict(
            embeddings.describe(), seconds=round(time.perf_counter() - start, 1)
        )
    budget -= time.perf_counter() - start
    settings = (
        dict(epochs=1, max_folds=2) if quick else dict(epochs=2, batch_size=128, learning_rate=3e-3)
    )
    result = sentiment.cross_validate(
        texts,
        labels,
        folds=10,
        max_seconds=budget / 10,
        embeddings=embeddings,
        **POOLED,
        **settings,
    )
    return {
        "sentiment_accuracy": result["accuracy"],
        "sentiment_accuracy_std": result["accuracy_std"],
        "sentiment_fold_accuracies": result["fold_accuracies"],
        "sentiment_folds_run": len(result["fold_accuracies"]),
        **out,
    }


def run_reviews(data, quick, budget):
    texts, labels = sentiment.load_data("movie_reviews", data / "movie_reviews.zip")
    settings = (
        dict(epochs=1, max_length=200)
        if quick
        else dict(epochs=8, max_length=600, patience=3, batch_size=32)
    )
    start = time.perf_counter()
    fold = sentiment.folds_of(len(texts), 10, seed=0)  # train's split: fold 0 held out
    vectors = review_vectors(
        [t for t, k in zip(texts, fold) if k != 0], "the 1,800 training reviews"
    )
    budget -= time.perf_counter() - start
    _, metrics = sentiment.train(
        texts,
        labels,
        test_fold=0,
        folds=10,
        max_seconds=budget,
        embeddings=vectors,
        **POOLED,
        **settings,
    )
    return {
        "reviews_accuracy": metrics["test_accuracy"],
        "reviews_split": "fold 0 of 10 held out (1,800 train / 200 test)",
        "reviews_best_epoch": metrics["best_epoch"],
    }


def run_ner(data, quick, budget):
    corpus = ner.load_data(data / "conll2002.zip")
    settings = (
        dict(max_train=1500, epochs=4, units=32, embedding_dim=50, learning_rate=1e-2)
        if quick
        else dict(epochs=8, batch_size=64, learning_rate=3e-3, embedding_dropout=0.3)
    )
    tagger, metrics = ner.train(corpus, max_seconds=budget, **settings)
    scores = ner.evaluate(tagger, corpus["testb"])
    per_type = {k: v["f1"] for k, v in scores["per_type"].items()}
    return {
        "ner_f1": scores["f1"],
        "ner_precision": scores["precision"],
        "ner_recall": scores["recall"],
        "ner_testa_f1": metrics["testa_f1"],
        "ner_best_epoch": metrics["best_epoch"],
        "ner_epochs_run": metrics["epochs_run"],
        "ner_f1_per_type": per_type,
        **{f"ner_f1_{k}": v for k, v in per_type.items()},
    }


def run_dates(data, quick, budget):
    settings = (
        dict(n_train=4000, epochs=3, learning_rate=1e-2)
        if quick
        else dict(n_train=30000, epochs=12)
    )
    n = 300 if quick else 2000
    out = {}
    for attention, key in (("dot", "dates_exact_match"), (None, "dates_exact_match_no_attention")):
        translator, _ = dates.train(attention=attention, max_seconds=budget / 2, **settings)
        out[key] = dates.evaluate(translator, n=n)["exact_match"]
        if attention:
            out["dates_exact_match_beam"] = dates.evaluate(translator, n=n, method="beam")[
                "exact_match"
            ]
    return out


def run_addition(data, quick, budget):
    settings = (
        dict(digits=2, n_train=3000, epochs=6, batch_size=32, learning_rate=1e-2)
        if quick
        else dict(digits=3, n_train=50000, epochs=30)
    )
    translator, _ = addition.train(max_seconds=budget, **settings)
    result = addition.evaluate(translator, n=300 if quick else 2000)
    return {"addition_exact_match": result["exact_match"], "addition_digits": settings["digits"]}


RUNNERS = {
    "sentiment": run_sentiment,
    "reviews": run_reviews,
    "ner": run_ner,
    "dates": run_dates,
    "addition": run_addition,
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny versions (smoke test)")
    parser.add_argument(
        "--tasks",
        default=",".join(TASK_NAMES),
        help=f"comma-separated subset of {','.join(TASK_NAMES)}",
    )
    parser.add_argument(
        "--data",
        default=str(DEFAULT_DATA),
        help="folder of the task zips (default ../shared/data/tasks)",
    )
    parser.add_argument(
        "--max-minutes", type=float, default=15.0, help="training budget per task (default 15)"
    )
    parser.add_argument(
        "--no-vectors",
        action="store_true",
        help="sentiment: random initial word vectors, none trained on reviews",
    )
    args = parser.parse_args(argv)
    chosen = [t.strip() for t in args.tasks.split(",") if t.strip()]
    unknown = sorted(set(chosen) - set(TASK_NAMES))
    if unknown or not chosen or args.max_minutes <= 0:
        print(
            f"tasks.py: --tasks {args.tasks!r} / --max-minutes {args.max_minutes}: expected "
            f"names from {', '.join(TASK_NAMES)} and minutes > 0",
            file=sys.stderr,
        )
        return 2
    report, seconds = {"benchmark": "tasks", "quick": args.quick}, {}
    data = pathlib.Path(args.data)
    try:
        for task in chosen:
            start = time.perf_counter()
            kwargs = {"vectors": False} if task == "sentiment" and args.no_vectors else {}
            report.update(RUNNERS[task](data, args.quick, args.max_minutes * 60, **kwargs))
            seconds[task] = round(time.perf_counter() - start, 1)
    except ValueError as error:  # a missing or wrong data file, named
        print(f"tasks.py: {error}", file=sys.stderr)
        return 2
    report["seconds"] = seconds
    report["machine"] = {
        "platform": platform.platform(),
        "processor": platform.processor(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
