"""Addition as translation: "535+61" -> "596" with `zoo.build_encoder_decoder`.

The pairs are generated with a seed: two numbers of 1 to `digits` digits each (every length
equally likely), written `a+b`; spaces in an input are ignored. The held-out questions never
appear in training. (The task is the one of the Keras "addition RNN" example, which reports
about 99% after 30 epochs for 3-digit numbers.)

Example:

>>> generate(2, digits=3, seed=0)  # doctest: +SKIP
[('535+61', '596'), ...]
"""

import random

from zoo.tasks.common import KINDS, task_loader
from zoo.tasks.translation import Translator

KIND = KINDS["addition"]
SOURCE_CHARS = "0123456789+"
TARGET_CHARS = "0123456789"


def _number(rng, digits):
    length = rng.randint(1, digits)
    return rng.randint(0 if length == 1 else 10 ** (length - 1), 10**length - 1)


def generate(n, *, digits=3, seed=0, exclude=()):
    """Generate `n` distinct ("a+b", "sum") pairs.

    Args:
        n: int >= 0 (at most the number of distinct questions).
        digits: int >= 1, the most digits of each number. Defaults to 3.
        seed: int. Defaults to 0.
        exclude: questions never to generate (e.g. the training set's).

    Returns:
        list of `(question, answer)` str pairs.

    Example:

    >>> pairs = generate(5, digits=2, seed=1)
    >>> all(int(a) + int(b) == int(s) for q, s in pairs for a, b in [q.split("+")])
    True
    """
    rng = random.Random(seed)
    seen, pairs = set(exclude), []
    limit = (10**digits) ** 2 - len(seen)
    if n > limit:
        raise ValueError(f"n must be <= {limit} for digits={digits}; got {n}")
    while len(pairs) < n:
        a, b = _number(rng, digits), _number(rng, digits)
        question = f"{a}+{b}"
        if question not in seen:
            seen.add(question)
            pairs.append((question, str(a + b)))
    return pairs


def train(
    *,
    digits=3,
    n_train=50000,
    n_val=1000,
    attention="dot",
    units=128,
    embedding_dim=32,
    epochs=30,
    batch_size=128,
    learning_rate=3e-3,
    max_seconds=None,
    out=None,
    seed=0,
    verbose=0,
    fresh=False,
):
    """Train an adder on generated questions.

    Args:
        digits: the most digits of each number. Defaults to 3.
        n_train, n_val: generated training and validation questions.
        attention: `"dot"`, `"additive"` or None.
        units, embedding_dim: model size.
        epochs, batch_size, learning_rate, max_seconds: training settings.
        out: artifact folder or None.
        seed: int.
        verbose: Keras verbosity.
        fresh: start over instead of resuming the run in `out/training`. Defaults to False.

    Returns:
        `(translator, metrics)`.

    Example:

    >>> adder, metrics = train(digits=1, n_train=60, n_val=10, epochs=1)  # doctest: +SKIP
    """
    total = (10**digits) ** 2
    n_train = min(n_train, int(0.8 * total))  # leave questions for validation and testing
    n_val = min(n_val, (total - n_train) // 2)
    train_pairs = generate(n_train, digits=digits, seed=seed)
    val_pairs = generate(n_val, digits=digits, seed=seed + 1, exclude=[q for q, _ in train_pairs])
    return Translator.train(
        train_pairs,
        val_pairs,
        kind=KIND,
        source_chars=SOURCE_CHARS,
        target_chars=TARGET_CHARS,
        max_source_length=2 * digits + 1,
        max_target_length=digits + 1,
        lowercase=False,
        attention=attention,
        units=units,
        embedding_dim=embedding_dim,
        epochs=epochs,
        batch_size=batch_size,
        learning_rate=learning_rate,
        max_seconds=max_seconds,
        out=out,
        seed=seed,
        verbose=verbose,
        fresh=fresh,
        extra={
            "digits": digits,
            "data_seed": seed,
            "n_train": n_train,
            "strip_spaces": True,
            "source_pattern": rf"\d{{1,{digits}}}\+\d{{1,{digits}}}",
            "source_help": f"two numbers of 1 to {digits} digits joined by '+', e.g. 535+61",
        },
    )


load = task_loader(
    KIND, Translator.from_artifact, "an adder artifact", "A `zoo.tasks.translation.Translator`."
)


def predict(translator, texts, *, method="greedy", width=4):
    """Answer questions such as "535+61".

    Args:
        translator: from `train` or `load`.
        texts: str or list of str.
        method, width: decoding.

    Returns:
        list of str.

    Example:

    >>> predict(adder, ["535+61"])  # doctest: +SKIP
    ['596']
    """
    return translator.predict(texts, method=method, width=width)


def evaluate(translator, *, n=2000, seed=None, method="greedy", width=4):
    """Exact match on held-out questions (never seen in training).

    Args:
        translator: from `train` or `load`.
        n: questions. Defaults to 2000.
        seed: data seed; default the artifact's.
        method, width: decoding.

    Returns:
        dict: `exact_match`, `n`.

    Example:

    >>> evaluate(adder, n=100)  # doctest: +SKIP
    {'exact_match': 0.99, 'n': 100}
    """
    config = translator.config
    seed = config.get("data_seed", 0) if seed is None else seed
    digits = config["digits"]
    seen = [q for q, _ in generate(config.get("n_train", 0), digits=digits, seed=seed)]
    test = generate(
        min(n, (10**digits) ** 2 - len(seen)), digits=digits, seed=seed + 100, exclude=seen
    )
    return {
        "exact_match": translator.exact_match(*zip(*test), method=method, width=width),
        "n": len(test),
    }
