"""Random parameter dicts in the course's layout, for the reference tests."""

import numpy as np

VARIANTS = ("rnn", "lstm", "gru_reset_after", "gru_textbook")


def random_parameters(variant, n_x, n_a, n_y, rng, scale=0.7, dtype=np.float64):
    """Gaussian weights and biases (std `scale`) for one of VARIANTS, output layer included."""
    if variant == "rnn":
        shapes = {"Wax": (n_a, n_x), "Waa": (n_a, n_a), "ba": (n_a, 1), "Wya": (n_y, n_a)}
    else:
        gates = "fico" if variant == "lstm" else "urc"
        shapes = {}
        for gate in gates:
            shapes["W" + gate] = (n_a, n_a + n_x)
            shapes["b" + gate] = (n_a, 1)
        if variant == "gru_reset_after":
            shapes["bca"] = (n_a, 1)
        shapes["Wy"] = (n_y, n_a)
    shapes["by"] = (n_y, 1)
    return {key: (scale * rng.normal(size=shape)).astype(dtype) for key, shape in shapes.items()}


def forward(variant, x, a0, parameters, c0=None):
    """Run the numpy forward of `variant`: returns (a, y, caches)."""
    from zoo import reference as ref

    if variant == "rnn":
        return ref.rnn_forward(x, a0, parameters)
    if variant == "lstm":
        a, y, _, caches = ref.lstm_forward(x, a0, parameters, c0=c0)
        return a, y, caches
    return ref.gru_forward(x, a0, parameters, reset_after=variant == "gru_reset_after")


def backward(variant, da, caches):
    """Run the numpy backward of `variant`."""
    from zoo import reference as ref

    fn = {"rnn": ref.rnn_backward, "lstm": ref.lstm_backward}.get(variant, ref.gru_backward)
    return fn(da, caches)


def relative_error(a, b):
    """The course's gradient-check measure ||a - b|| / (||a|| + ||b||) over flattened arrays."""
    a, b = np.ravel(a), np.ravel(b)
    return float(np.linalg.norm(a - b) / (np.linalg.norm(a) + np.linalg.norm(b)))
