"""A character-level language model on the numpy cells: the "Dinosaurus Island" building blocks.

One training example is one name, given as character indices. Following the course:

    X = [None] + indices          (None: the first input is the zero vector)
    Y = indices + [ix("\\n")]      (predict the next character; "\\n" ends a name)

The loss is the summed cross-entropy over the name's characters. `optimize` does forward,
backward, clip and one SGD step. Every function works with any of the three cells: the
parameter keys say which (`Wax`/`Wya` RNN, `Wf`/`Wy` LSTM, `Wu`/`Wy` GRU).
"""

import math

import numpy as np

from zoo.reference import _cells


def one_hot(X, vocab_size):
    """Encode a list of indices (None -> zero vector) as x of shape (vocab_size, 1, T_x).

    Args:
        X: list of int indices in [0, vocab_size) or None.
        vocab_size: int, the number of symbols.

    Returns:
        float64 array of shape (vocab_size, 1, len(X)).

    Example:

    >>> one_hot([None, 2], 3)[:, 0, :].T
    array([[0., 0., 0.],
           [0., 0., 1.]])
    """
    X = _check_indices("X", X, vocab_size, allow_none=True)
    x = np.zeros((vocab_size, 1, len(X)))  # (n_x, m=1, T_x)
    for t, ix in enumerate(X):
        if ix is not None:
            x[ix, 0, t] = 1.0
    return x


def _check_indices(name, values, vocab_size, allow_none):
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") or len(values) == 0:
        raise ValueError(f"{name}: expected a non-empty list of character indices, got {values!r}")
    out = []
    for t, ix in enumerate(values):
        if ix is None and allow_none:
            out.append(None)
            continue
        if (
            isinstance(ix, (bool, np.bool_))
            or not isinstance(ix, (int, np.integer))
            or not (0 <= ix < vocab_size)
        ):
            raise ValueError(f"{name}[{t}]: expected an index in [0, {vocab_size}), got {ix!r}")
        out.append(int(ix))
    return out


def _vocab_size(parameters):
    cell, _ = _cells.cell_of(parameters)
    by = np.asarray(parameters.get("by", np.zeros((0, 1))))
    if by.ndim != 2 or by.shape[1] != 1 or by.shape[0] == 0:
        raise ValueError(
            f"parameters['by']: expected shape (n_y, 1) (n_y = vocabulary size), "
            f"got {by.shape if 'by' in parameters else 'no such key'}"
        )
    return cell, by.shape[0]


def char_forward(X, Y, a0, parameters):
    """Forward pass over one example and its summed cross-entropy loss.

    Args:
        X: input indices, e.g. `[None] + indices` (None is the zero input).
        Y: target indices, same length as X.
        a0: initial state: (n_a, 1) array, or the pair (a, c) for an LSTM.
        parameters: course dict of any cell with its output layer; n_x = n_y = vocabulary size.

    Returns:
        Tuple `(loss, cache)`: the float loss -sum_t log y<t>[Y[t]] and the cache for
        `char_backward`.

    Example:

    >>> from zoo.reference.char_trainer import initialize_parameters
    >>> p = initialize_parameters(n_a=8, n_x=5, n_y=5)
    >>> loss, cache = char_forward([None, 1, 2], [1, 2, 0], np.zeros((8, 1)), p)
    >>> bool(abs(loss - 3 * np.log(5)) < 1e-2)  # tiny weights: a uniform guess over 5 symbols
    True
    """
    cell, vocab = _vocab_size(parameters)
    x = one_hot(X, vocab)  # (vocab, 1, T_x)
    Y = _check_indices("Y", Y, vocab, allow_none=False)
    if len(Y) != len(X):
        raise ValueError(f"Y: expected {len(X)} indices (one per input in X), got {len(Y)}")
    a, y_hat, final_state, caches = _cells.forward(x, a0, parameters)
    steps = np.arange(len(Y))
    loss = -float(np.sum(np.log(y_hat[Y, 0, steps])))
    return loss, (y_hat, a, final_state, caches, Y)


def char_backward(X, Y, parameters, cache):
    """Backpropagation through time for `char_forward`'s loss.

    Args:
        X: the input indices given to `char_forward`.
        Y: the target indices given to `char_forward`.
        parameters: the same parameter dict.
        cache: the cache that `char_forward` returned.

    Returns:
        Tuple `(gradients, a)`: dict with `"d" + key` for every parameter key (including the
        output layer's dWya/dWy and dby) plus dx and da0, and the hidden states (n_a, 1, T_x).

    Example:

    >>> from zoo.reference.char_trainer import initialize_parameters
    >>> p = initialize_parameters(n_a=8, n_x=5, n_y=5)
    >>> loss, cache = char_forward([None, 1, 2], [1, 2, 0], np.zeros((8, 1)), p)
    >>> gradients, a = char_backward([None, 1, 2], [1, 2, 0], p, cache)
    >>> sorted(gradients)
    ['dWaa', 'dWax', 'dWya', 'da0', 'dba', 'dby', 'dx']
    """
    if not isinstance(cache, tuple) or len(cache) != 5:
        raise ValueError("cache: expected the 5-tuple that char_forward returned")
    y_hat, a, _, caches, Y_cached = cache
    if list(Y) != Y_cached or len(X) != len(Y_cached):
        raise ValueError("Y: expected the same targets that were given to char_forward")
    cell, _ = _cells.cell_of(parameters)
    w_key = _cells.output_key(cell)
    dz = y_hat.copy()  # (n_y, 1, T_x): softmax minus one-hot target = d loss / d logits
    dz[Y_cached, 0, np.arange(len(Y_cached))] -= 1.0
    gradients = {
        "d" + w_key: np.einsum("ymt,amt->ya", dz, a),  # (n_y, n_a)
        "dby": np.sum(dz, axis=2).sum(axis=1, keepdims=True),  # (n_y, 1)
    }
    da = np.einsum("ya,ymt->amt", np.asarray(parameters[w_key]), dz)  # (n_a, 1, T_x)
    gradients.update(_cells.backward(da, caches, parameters))
    return gradients, a


def clip(gradients, maxValue):
    """Clip every gradient array element-wise to [-maxValue, maxValue] (exploding gradients).

    Args:
        gradients: dict of numpy arrays, e.g. dWaa, dWax, dWya, dba, dby.
        maxValue: positive float; the course uses 5.

    Returns:
        A new dict with the same keys and clipped copies of the arrays (the input is unchanged).

    Example:

    >>> clip({"dWaa": np.array([[10.0, -0.5]])}, 5)["dWaa"]
    array([[ 5. , -0.5]])
    """
    if (
        isinstance(maxValue, bool)
        or not isinstance(maxValue, (int, float, np.number))
        or not (math.isfinite(maxValue) and maxValue > 0)
    ):
        raise ValueError(f"maxValue: expected a positive finite number, got {maxValue!r}")
    if not isinstance(gradients, dict):
        raise ValueError(f"gradients: expected a dict of arrays, got {type(gradients).__name__}")
    return {
        key: np.clip(np.asarray(value), -maxValue, maxValue) for key, value in gradients.items()
    }


def update_parameters(parameters, gradients, learning_rate):
    """One SGD step in place: `parameters[k] -= learning_rate * gradients["d" + k]`.

    Args:
        parameters: dict of arrays, updated in place.
        gradients: dict holding `"d" + key` for every key of `parameters`.
        learning_rate: float.

    Returns:
        The same `parameters` dict.

    Example:

    >>> update_parameters({"by": np.ones((2, 1))}, {"dby": np.ones((2, 1))}, 0.5)["by"].ravel()
    array([0.5, 0.5])
    """
    for key in parameters:
        if "d" + key not in gradients:
            raise ValueError(f"gradients: missing key {'d' + key!r} for parameter {key!r}")
    for key in parameters:
        grad = np.asarray(gradients["d" + key])
        if grad.shape != np.shape(parameters[key]):
            raise ValueError(
                f"gradients[{'d' + key!r}]: expected shape "
                f"{np.shape(parameters[key])} like parameters[{key!r}], "
                f"got {grad.shape}"
            )
        parameters[key] = parameters[key] - learning_rate * grad
    return parameters


def optimize(X, Y, a_prev, parameters, learning_rate=0.01, max_value=5.0):
    """One training step on one example: forward, backward, clip, SGD update (in place).

    Args:
        X: input indices (`[None] + indices`).
        Y: target indices (`indices + [newline index]`).
        a_prev: state the example starts from: (n_a, 1), or the pair (a, c) for an LSTM.
        parameters: dict of any cell with its output layer; updated in place.
        learning_rate: float, default 0.01.
        max_value: float, default 5.0; gradients are clipped to [-max_value, max_value].

    Returns:
        Tuple `(loss, gradients, a_last)`: the loss before the update, the clipped gradients
        and the state after the last character (the pair (a, c) for an LSTM), which the
        course carries into the next example.

    Example:

    >>> from zoo.reference.char_trainer import initialize_parameters
    >>> p = initialize_parameters(n_a=8, n_x=5, n_y=5)
    >>> first, _, a = optimize([None, 1, 2], [1, 2, 0], np.zeros((8, 1)), p, 0.5)
    >>> later = [optimize([None, 1, 2], [1, 2, 0], np.zeros((8, 1)), p, 0.5)[0] for _ in range(20)]
    >>> later[-1] < first
    True
    """
    loss, cache = char_forward(X, Y, a_prev, parameters)
    gradients, _ = char_backward(X, Y, parameters, cache)
    gradients = clip(gradients, max_value)
    update_parameters(parameters, gradients, learning_rate)
    return loss, gradients, cache[2]


def sample(parameters, char_to_ix, seed):
    """Sample a sequence of character indices from the model, one step at a time.

    Starts from a zero input and a zero state and stops after "\\n" or 50 characters (then
    "\\n" is appended), as in the course; step k draws with `RandomState(seed + 2k)`, which is
    the course's re-seeding (`np.random.seed(counter + seed)` with both increasing). The
    global numpy random state is left untouched. Probabilities are renormalised in float64,
    so float32 parameters (whose softmax does not sum to 1 exactly) are fine.

    Args:
        parameters: dict of any cell with its output layer.
        char_to_ix: dict mapping characters to indices; must contain "\\n".
        seed: int.

    Returns:
        List of sampled indices, ending with the index of "\\n".

    Example:

    >>> from zoo.reference.char_trainer import initialize_parameters
    >>> p = initialize_parameters(n_a=8, n_x=3, n_y=3)
    >>> ix = sample(p, {"\\n": 0, "a": 1, "b": 2}, seed=0)
    >>> ix[-1], len(ix) <= 51
    (0, True)
    """
    cell, vocab = _vocab_size(parameters)
    _, _, checked = _cells.validate(parameters, vocab, "sample")
    if not isinstance(char_to_ix, dict) or "\n" not in char_to_ix:
        raise ValueError("char_to_ix: expected a dict that maps '\\n' (end of name) to its index")
    newline = char_to_ix["\n"]
    if not isinstance(newline, (int, np.integer)) or not 0 <= newline < vocab:
        raise ValueError(f"char_to_ix['\\n']: expected an index in [0, {vocab}), got {newline!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed: expected an int, got {seed!r}")
    n_a = checked[_cells.output_key(cell)].shape[1]
    state = _cells.initial_state(cell, n_a, dtype=checked["by"].dtype)
    x = np.zeros((vocab, 1), dtype=checked["by"].dtype)  # (n_x, 1)
    indices, idx, counter = [], -1, 0
    while idx != newline and counter != 50:
        state, y = _cells.step_forward(x, state, checked)
        p = np.asarray(y, dtype=np.float64).ravel()
        p = p / p.sum()
        idx = int(np.random.RandomState(seed + 2 * counter).choice(vocab, p=p))
        indices.append(idx)
        x = np.zeros_like(x)
        x[idx] = 1.0
        counter += 1
    if counter == 50:
        indices.append(newline)
    return indices
