"""The one JSON reading contract and the one JSON round trip of the project.

`read_json(path, missing=...)` gives a missing file's stand-in (None by default) and raises
`JSONFileError` (a `ValueError` naming the file) for a file that exists but cannot be read or
decoded; callers that treat a corrupt file as absent (the swap journal of
`zoo.io.atomic`) catch it explicitly. `jsonable(value, where)` returns a value as it reads back
from JSON (tuples become lists, keys strings, numpy scalars Python numbers), or raises a
`ValueError` that names `where`. Writing stays in `zoo.io.atomic.write_json_atomically`.
"""

import json

__all__ = ["JSONFileError", "read_json", "jsonable"]


class JSONFileError(ValueError):
    """A JSON file exists but cannot be read or is not valid JSON; the message names it.

    Attributes:
        path: the file, as given to `read_json`.
    """

    def __init__(self, path, reason):
        super().__init__(f"{path} cannot be read as JSON ({reason})")
        self.path = path


def read_json(path, *, missing=None):
    """The JSON value stored in `path`.

    A missing file is not an error (a folder without an optional record); a file that is
    there but unreadable (permissions, a folder, bad UTF-8) or invalid JSON is one.

    Args:
        path: str or `os.PathLike`, the file to read (UTF-8).
        missing: what to return when `path` does not exist. Defaults to None.

    Returns:
        The decoded JSON value, or `missing`.

    Raises:
        JSONFileError: `path` exists but cannot be read or decoded (a `ValueError` whose
            message names the file and the reason).

    Example:

    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "run.json").write_text('{"epochs": 3}')
    >>> read_json(folder / "run.json")
    {'epochs': 3}
    >>> read_json(folder / "absent.json", missing={})
    {}
    >>> _ = (folder / "cut.json").write_text('{"epo')
    >>> try:
    ...     read_json(folder / "cut.json")
    ... except JSONFileError as error:  # a ValueError
    ...     print(error)  # doctest: +ELLIPSIS
    /.../cut.json cannot be read as JSON (Unterminated string ...)
    """
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return missing
    except OSError as error:
        raise JSONFileError(path, error.strerror or error) from None
    except ValueError as error:  # JSONDecodeError and UnicodeDecodeError
        raise JSONFileError(path, error) from None


def _plain(value):
    """A numpy scalar as the Python value it holds (json.dumps's `default` hook)."""
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def jsonable(value, where=None):
    """`value` as it reads back from JSON: the form in which it is recorded and compared.

    Tuples become lists, dict keys strings, numpy scalars Python numbers; a value JSON
    cannot hold (an object, an array, a set) is refused.

    Args:
        value: numbers, strings, None, and lists, tuples and dicts of them.
        where: str or None, what the value is (`"settings"`, `"build_lm(units=...)"`), for
            the error message. Defaults to None (`"value"`).

    Returns:
        The value after a JSON round trip.

    Raises:
        ValueError: the value holds something JSON cannot hold; the message names `where`.

    Example:

    >>> jsonable({"sizes": (1, 2), 3: None})
    {'sizes': [1, 2], '3': None}
    >>> jsonable({"bad": {1, 2}}, "settings")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: settings = {'bad': {1, 2}} is not JSON: expected JSON values (numbers, ...)
    """
    try:
        return json.loads(json.dumps(value, default=_plain))
    except (TypeError, ValueError):
        raise ValueError(
            f"{where or 'value'} = {value!r} is not JSON: expected JSON values "
            f"(numbers, strings, lists, dicts, None)"
        ) from None
