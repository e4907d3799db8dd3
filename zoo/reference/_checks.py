"""Shape and key validation shared by every numpy reference module, plus the two activations.

Every check raises `ValueError` whose message names the array (or parameter key), the shape
that was expected and the shape that was given, e.g.
``parameters['Waa']: expected shape (5, 5) (n_a, n_a), got (5, 4)``.
"""

from collections.abc import Mapping

import numpy as np


def as_array(name, value, ndim, dims):
    """Return `value` as an ndarray of `ndim` dimensions, or raise a ValueError naming it.

    `dims` is the human-readable layout, e.g. "(n_x, m)".
    """
    if value is None:
        raise ValueError(f"{name}: expected an array of shape {dims}, got None")
    array = np.asarray(value)
    if array.dtype == object or not np.issubdtype(array.dtype, np.number):
        raise ValueError(
            f"{name}: expected a numeric array of shape {dims}, got dtype {array.dtype}"
        )
    if array.ndim != ndim:
        raise ValueError(
            f"{name}: expected a {ndim}-D array of shape {dims}, got shape {array.shape}"
        )
    return array


def check_shape(name, array, expected, dims):
    """Raise a ValueError naming `name` unless `array.shape == expected`."""
    expected = tuple(int(d) for d in expected)
    if tuple(array.shape) != expected:
        raise ValueError(f"{name}: expected shape {expected} {dims}, got {tuple(array.shape)}")


def check_parameters(parameters, spec, where, sizes=None):
    """Check that `parameters` holds every key of `spec` with the right shape.

    Args:
        parameters: dict of numpy arrays (the course's parameter dict).
        spec: dict mapping key -> (expected shape tuple, layout string such as "(n_a, n_x)").
        where: name of the calling function, quoted in the message.
        sizes: str or None, where the expected sizes were read from (e.g.
            "n_x = 3 from x, n_a = 5 from a0"). A shape mismatch quotes it, so a user whose
            parameters are right sees that the input arrays are the ones to fix.

    Returns:
        dict mapping each key of `spec` to `np.asarray(parameters[key])`.
    """
    if not isinstance(parameters, Mapping):
        raise ValueError(
            f"parameters: expected a dict with keys {', '.join(spec)}, "
            f"got {type(parameters).__name__}"
        )
    for key in spec:
        if key not in parameters:
            raise ValueError(
                f"parameters: missing key {key!r} ({where} needs keys {', '.join(spec)}; "
                f"got keys {', '.join(map(str, parameters)) or 'none'})"
            )
    checked = {}
    for key, (shape, dims) in spec.items():
        array = np.asarray(parameters[key])
        try:
            check_shape(f"parameters[{key!r}]", array, shape, dims)
        except ValueError as err:
            if sizes is None:
                raise
            raise ValueError(
                f"{err} ({sizes}; if the parameters are right, fix those arrays)"
            ) from None
        checked[key] = array
    return checked


def get_matrix(parameters, key, dims, where):
    """Return `parameters[key]` as a 2-D array (used to read sizes such as n_y from Wya)."""
    if not isinstance(parameters, Mapping):
        raise ValueError(f"parameters: expected a dict of arrays, got {type(parameters).__name__}")
    if key not in parameters:
        raise ValueError(
            f"parameters: missing key {key!r} ({where} needs it, shape {dims}; "
            f"got keys {', '.join(map(str, parameters)) or 'none'})"
        )
    return as_array(f"parameters[{key!r}]", parameters[key], 2, dims)


def check_cache(cache, length, where):
    """Raise a ValueError unless `cache` is a tuple of `length` items (what a forward returned)."""
    if not isinstance(cache, tuple) or len(cache) != length:
        got = (
            f"a {type(cache).__name__} of length {len(cache)}"
            if hasattr(cache, "__len__")
            else (type(cache).__name__)
        )
        raise ValueError(
            f"cache: expected the {length}-tuple that the matching forward function returned "
            f"(for {where}), got {got}"
        )


def sigmoid(z):
    """Logistic function, computed without overflow warnings for large |z|."""
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def softmax(z):
    """Softmax over axis 0 (the class axis of the course's (n_y, m) layout)."""
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)
