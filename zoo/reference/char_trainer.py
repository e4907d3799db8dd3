"""The "Dinosaurus Island" trainer: a character-level model fitted one name at a time with SGD.

Course settings are the defaults: 50 hidden units, learning rate 0.01, gradients clipped at 5,
names shuffled once with seed 0, parameters drawn with seed 1 as randn * 0.01, the state
carried from one name into the next, and the loss reported as an exponential moving average
(`loss * 0.999 + current * 0.001`) that starts at the loss of a uniform guess over 7 characters.
"""

import dataclasses
import math
import pathlib

import numpy as np

from zoo.reference import _cells
from zoo.reference.char_model import optimize, sample


@dataclasses.dataclass
class CharModelResult:
    """What `train_char_model` returns.

    Attributes:
        parameters: the trained parameter dict.
        char_to_ix: dict character -> index; ix_to_char: its inverse.
        cell: "rnn", "lstm" or "gru".
        iterations: number of SGD steps taken.
        final_smoothed_loss: the smoothed per-name loss after the last step.
        curve: list of `(iteration, smoothed loss)` pairs.
        samples: dict iteration -> list of sampled names (seeds 0, 1, ...).
        losses: the raw loss of every step (summed over the name's characters), float64 array.
        chars: the number of predicted characters of every step (name length + 1), int array.
    """

    parameters: dict
    char_to_ix: dict
    ix_to_char: dict
    cell: str
    iterations: int
    final_smoothed_loss: float
    curve: list
    samples: dict
    losses: np.ndarray
    chars: np.ndarray


def load_names(path):
    """Read one name a line, lower-cased, blank lines dropped.

    Args:
        path: str or path-like, a text file such as `../shared/data/text/dinos.txt`.

    Returns:
        List of names (str).

    Example:

    >>> load_names("../shared/data/text/dinos.txt")[:2]  # doctest: +SKIP
    ['aachenosaurus', 'aardonyx']
    """
    path = pathlib.Path(path)
    if not path.is_file():
        raise ValueError(
            f"path: expected a text file with one name a line, got {str(path)!r} (no such file)"
        )
    names = [line.strip().lower() for line in path.read_text(encoding="utf-8").split("\n")]
    names = [name for name in names if name]
    if not names:
        raise ValueError(f"path: expected at least one name in {str(path)!r}, got an empty file")
    return names


def build_vocabulary(names):
    """Map every character of `names`, plus "\\n" (end of name), to an index, sorted.

    Args:
        names: list of str.

    Returns:
        Tuple `(char_to_ix, ix_to_char)`; "\\n" gets index 0 for lower-case names.

    Example:

    >>> char_to_ix, ix_to_char = build_vocabulary(["ab", "ba"])
    >>> char_to_ix
    {'\\n': 0, 'a': 1, 'b': 2}
    """
    if isinstance(names, str) or not names:
        raise ValueError(f"names: expected a non-empty list of strings, got {names!r:.60}")
    chars = sorted(set("".join(names)) | {"\n"})
    char_to_ix = {ch: i for i, ch in enumerate(chars)}
    return char_to_ix, {i: ch for ch, i in char_to_ix.items()}


def initialize_parameters(n_a, n_x, n_y, *, cell="rnn", reset_after=True, forget_bias=1.0, seed=1):
    """Small random weights (randn * 0.01) and zero biases, in the course's layout.

    For cell="rnn" the draws are those of the course's `initialize_parameters`
    (Wax, Waa, Wya from `RandomState(seed)`), so training reproduces the course's numbers.

    Args:
        n_a: int, hidden units. n_x: int, input size. n_y: int, output size.
        cell: "rnn" (default), "lstm" or "gru".
        reset_after: bool, default True; GRU only (True adds the `bca` bias).
        forget_bias: float, default 1.0; LSTM only: the initial `bf`, like Keras's
            `unit_forget_bias=True` (the forget gate starts at sigmoid(1) = 0.73).
        seed: int, default 1.

    Returns:
        The parameter dict, output layer included (Wya/Wy and by).

    Example:

    >>> sorted(initialize_parameters(4, 3, 3, cell="gru"))
    ['Wc', 'Wr', 'Wu', 'Wy', 'bc', 'bca', 'br', 'bu', 'by']
    """
    for name, value in (("n_a", n_a), ("n_x", n_x), ("n_y", n_y)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name}: expected a positive int, got {value!r}")
    cell = _cells.check_cell(cell)
    rng = np.random.RandomState(seed)
    if cell == "rnn":
        return {
            "Wax": rng.randn(n_a, n_x) * 0.01,
            "Waa": rng.randn(n_a, n_a) * 0.01,
            "Wya": rng.randn(n_y, n_a) * 0.01,
            "ba": np.zeros((n_a, 1)),
            "by": np.zeros((n_y, 1)),
        }
    gates = ("f", "i", "c", "o") if cell == "lstm" else ("u", "r", "c")
    parameters = {}
    for gate in gates:
        parameters["W" + gate] = rng.randn(n_a, n_a + n_x) * 0.01
        parameters["b" + gate] = np.zeros((n_a, 1))
    if cell == "lstm":
        parameters["bf"] += forget_bias
    if cell == "gru" and reset_after:
        parameters["bca"] = np.zeros((n_a, 1))
    parameters["Wy"] = rng.randn(n_y, n_a) * 0.01
    parameters["by"] = np.zeros((n_y, 1))
    return parameters


def indices_to_name(indices, ix_to_char):
    """Turn sampled indices into a name: drop the final "\\n", capitalise the first letter."""
    text = "".join(ix_to_char[int(i)] for i in indices).rstrip("\n")
    return text[:1].upper() + text[1:]


def train_char_model(
    names,
    *,
    cell="rnn",
    num_iterations=22001,
    n_a=50,
    learning_rate=0.01,
    max_value=5.0,
    shuffle_seed=0,
    init_seed=1,
    dino_names=7,
    sample_every=2000,
    curve_every=500,
    reset_after=True,
    callback=None,
):
    """Train a character-level model on a list of names, one name per SGD step.

    Args:
        names: list of str (lower-case names; "\\n" must not occur inside a name).
        cell: "rnn" (default, the course's model), "lstm" or "gru".
        num_iterations: int, default 22001 (the course's run).
        n_a: int, default 50. Hidden units.
        learning_rate: float, default 0.01.
        max_value: float, default 5.0. Gradient clipping threshold.
        shuffle_seed: int, default 0. Seed of the one shuffle of the names.
        init_seed: int, default 1. Seed of the initial weights.
        dino_names: int, default 7. Names sampled at each report, and the sequence length the
            initial smoothed loss assumes.
        sample_every: int, default 2000. Iterations between samples (iteration 0 included).
        curve_every: int, default 500. Iterations between points of the loss curve.
        reset_after: bool, default True; GRU only.
        callback: optional `callback(iteration, smoothed_loss, sampled_names)`, called at
            every sample point.

    Returns:
        A `CharModelResult`.

    Example:

    >>> result = train_char_model(["ab", "ba"] * 10, num_iterations=50, n_a=8)
    >>> result.iterations, len(result.samples[0])
    (50, 7)
    """
    if isinstance(names, str) or not names or not all(isinstance(n, str) and n for n in names):
        raise ValueError(
            f"names: expected a non-empty list of non-empty strings, got {names!r:.60}"
        )
    if any("\n" in name for name in names):
        raise ValueError("names: a name contains '\\n', which marks the end of a name")
    for key, value in (
        ("num_iterations", num_iterations),
        ("sample_every", sample_every),
        ("curve_every", curve_every),
    ):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{key}: expected a positive int, got {value!r}")
    cell = _cells.check_cell(cell)
    char_to_ix, ix_to_char = build_vocabulary(names)
    vocab = len(char_to_ix)
    parameters = initialize_parameters(
        n_a, vocab, vocab, cell=cell, reset_after=reset_after, seed=init_seed
    )
    examples = list(names)
    np.random.RandomState(shuffle_seed).shuffle(examples)
    newline = char_to_ix["\n"]

    loss = -math.log(1.0 / vocab) * dino_names  # smoothed loss before any step
    state = _cells.initial_state(cell, n_a)
    curve, samples = [], {}
    losses, chars = np.zeros(num_iterations), np.zeros(num_iterations, dtype=np.int64)
    for j in range(num_iterations):
        indices = [char_to_ix[ch] for ch in examples[j % len(examples)]]
        X, Y = [None] + indices, indices + [newline]
        current, _, state = optimize(X, Y, state, parameters, learning_rate, max_value)
        loss = loss * 0.999 + current * 0.001
        losses[j], chars[j] = current, len(Y)
        if j % curve_every == 0 or j == num_iterations - 1:
            curve.append((j, loss))
        if j % sample_every == 0:
            samples[j] = [
                indices_to_name(sample(parameters, char_to_ix, seed), ix_to_char)
                for seed in range(dino_names)
            ]
            if callback is not None:
                callback(j, loss, samples[j])
    return CharModelResult(
        parameters=parameters,
        char_to_ix=char_to_ix,
        ix_to_char=ix_to_char,
        cell=cell,
        iterations=num_iterations,
        final_smoothed_loss=loss,
        curve=curve,
        samples=samples,
        losses=losses,
        chars=chars,
    )
