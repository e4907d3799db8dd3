"""CoNLL files and the CoNLL entity-level evaluation (the rules of the shared task's
`conlleval`): an entity counts as found only when its span and its type are both exact.

Chunks are read from IOB tags the way `conlleval` reads them: a `B-X` starts an entity; an
`I-X` continues the entity before it only if that one has type `X`, and otherwise starts a new
one (so IOB1 and malformed IOB2 are scored as conlleval scores them).
"""

import re

from zoo.tasks.common import DataError

TAG = re.compile(r"O|[BI]-[A-Z]+")


class ConllFormatError(DataError):
    """A CoNLL file with a malformed line; the message names the file and line number.

    Example:

    >>> read_conll(["El DA O", "Madrid"], name="esp.train")
    Traceback (most recent call last):
    ...
    zoo.tasks.conll.ConllFormatError: esp.train line 2: 'Madrid': expected 'word [pos] tag' with a tag like ...
    """


def read_conll(lines, *, name="file"):
    """Read CoNLL-2002 lines (`word [pos] tag`, a blank line between sentences).

    Args:
        lines: iterable of str (lines of the file).
        name: the file's name for messages.

    Returns:
        list of `(words, tags)` pairs of lists, one per sentence. `-DOCSTART-` lines are
        skipped.

    Raises:
        ConllFormatError: a line with fewer than 2 columns or a tag that is not `O`, `B-X` or
            `I-X`; the message names the file and line number.

    Example:

    >>> read_conll(["Madrid NP B-LOC", "ya RG O", "", "Hola O"])
    [(['Madrid', 'ya'], ['B-LOC', 'O']), (['Hola'], ['O'])]
    """
    sentences, words, tags = [], [], []
    for number, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        if not line.strip():
            if words:
                sentences.append((words, tags))
                words, tags = [], []
            continue
        columns = line.split()
        if columns[0] == "-DOCSTART-":
            continue
        if len(columns) < 2 or not TAG.fullmatch(columns[-1]):
            shown = line if len(line) <= 60 else line[:57] + "..."
            raise ConllFormatError(
                f"{name} line {number}: {shown!r}: expected 'word [pos] tag' "
                f"with a tag like O, B-PER, I-LOC"
            )
        words.append(columns[0])
        tags.append(columns[-1])
    if words:
        sentences.append((words, tags))
    return sentences


def entities(tags):
    """The entities of one tag sequence, by the conlleval rules.

    Args:
        tags: list of str (`O`, `B-X`, `I-X`).

    Returns:
        set of `(type, start, end)` with `end` exclusive.

    Example:

    >>> sorted(entities(["B-PER", "I-PER", "O", "I-LOC", "B-LOC", "I-ORG"]))
    [('LOC', 3, 4), ('LOC', 4, 5), ('ORG', 5, 6), ('PER', 0, 2)]
    """
    found, kind, start = set(), None, None
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, _, label = tag.partition("-")
        continues = prefix == "I" and label == kind
        if kind is not None and not continues:
            found.add((kind, start, i))
            kind = None
        if prefix in ("B", "I") and not continues:
            kind, start = label, i
    return found


def entity_scores(gold, predicted):
    """Entity-level precision, recall and F1 (in percent, as conlleval), overall and per type.

    Args:
        gold: list of tag sequences (one per sentence).
        predicted: list of tag sequences of the same lengths.

    Returns:
        dict: `precision`, `recall`, `f1`, `gold`, `predicted`, `correct` (counts) and
        `per_type` {type: {precision, recall, f1, gold, predicted, correct}}.

    Raises:
        ValueError: the sequences do not line up.

    Example:

    >>> gold = [["B-PER", "I-PER", "O", "B-LOC"]]
    >>> guess = [["B-PER", "O", "O", "B-ORG"]]  # partial span, wrong type: nothing is correct
    >>> entity_scores(gold, guess)["f1"]
    0.0
    """
    if len(gold) != len(predicted):
        raise ValueError(f"predicted: {len(predicted)} sentences, expected {len(gold)}")
    counts = {}

    def bump(kind, key):
        counts.setdefault(kind, {"gold": 0, "predicted": 0, "correct": 0})[key] += 1

    for n, (g, p) in enumerate(zip(gold, predicted)):
        if len(g) != len(p):
            raise ValueError(f"predicted sentence {n}: {len(p)} tags, expected {len(g)}")
        g_set, p_set = entities(g), entities(p)
        for kind, *_ in g_set:
            bump(kind, "gold")
        for kind, *_ in p_set:
            bump(kind, "predicted")
        for kind, *_ in g_set & p_set:
            bump(kind, "correct")

    def prf(c):
        precision = 100.0 * c["correct"] / c["predicted"] if c["predicted"] else 0.0
        recall = 100.0 * c["correct"] / c["gold"] if c["gold"] else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": precision, "recall": recall, "f1": f1, **c}

    total = {key: sum(c[key] for c in counts.values()) for key in ("gold", "predicted", "correct")}
    return {**prf(total), "per_type": {kind: prf(c) for kind, c in sorted(counts.items())}}
