"""Field checks for the JSON files of a model folder: one rule, one message shape.

Every loader of an artifact (`zoo.artifacts.format.load_artifact`, and through it the text generator
and the jazz improviser) reads its JSON files through `Fields`, so a corrupt folder is refused
before it can give a silent, wrong result, with one line that names the folder, the file and
the field:

    --model runs/jazz: encoding.json: field pitch_range must be [low, high] MIDI pitches with
    low < high, at least an octave apart; got [99, 36]

A field's rule is a `Spec` (a test and what it expects, in words). Files whose every field has
a fixed meaning (a music encoding, a vocabulary, a factory call) are closed: an unknown field
is refused. Records of settings and measurements (`training`, `data`, `metrics`) are open:
their known fields are checked, new ones are kept.

The rules of the zoo's own records (a `zoo.build_lm` call, the training engine's metrics) are
in `zoo.artifacts.lm_fields`.
"""

import itertools
import json

from zoo.core.checks import is_integer, is_number

MISSING = object()


class FieldError(ValueError):
    """A field of an artifact's JSON file that is missing, of the wrong type or out of range.

    The message is one line naming the file and the field. `zoo.artifacts.format.load_artifact`
    raises it as an `ArtifactError`.

    Example:

    >>> Fields({"units": 0}, "config.json").read("units", integer(low=1))
    Traceback (most recent call last):
    ...
    zoo.artifacts.fields.FieldError: config.json: field units must be an integer >= 1; got 0
    """


class Spec:
    """What one field must be: a test of its JSON value and what it expects, in words.

    Args:
        test: callable(value) -> bool.
        what: str, the expectation as it reads after "must be", e.g. "an integer >= 1".
    """

    def __init__(self, test, what):
        self.test, self.what = test, what

    def __call__(self, value):
        return self.test(value)


def _bounds(low, high, low_open=False, high_open=False):
    if low is not None and high is not None:
        return f" in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"
    if low is not None:
        return f" {'>' if low_open else '>='} {low}"
    if high is not None:
        return f" {'<' if high_open else '<='} {high}"
    return ""


def _within(value, low, high, low_open=False, high_open=False):
    return not (
        (low is not None and (value < low or (low_open and value == low)))
        or (high is not None and (value > high or (high_open and value == high)))
    )


def integer(low=None, high=None):
    """An integer (not a bool) in [low, high]; None leaves a side open."""
    return Spec(
        lambda v: is_integer(v) and _within(v, low, high), f"an integer{_bounds(low, high)}"
    )


def number(low=None, high=None, *, low_open=False, high_open=False):
    """A finite number (not a bool) in the range; `low_open`/`high_open` exclude the ends."""
    return Spec(
        lambda v: is_number(v) and _within(v, low, high, low_open, high_open),
        f"a finite number{_bounds(low, high, low_open, high_open)}",
    )


def text():
    """A string."""
    return Spec(lambda v: isinstance(v, str), "a string")


def boolean():
    """true or false."""
    return Spec(lambda v: isinstance(v, bool), "true or false")


def choice(*values):
    """One of `values` (compared as JSON values, so `1` is not `true`)."""
    return Spec(
        lambda v: any(type(v) is type(c) and v == c for c in values),
        "one of " + ", ".join(json.dumps(c) for c in values),
    )


def exactly(value, why, *, shown=None):
    """Exactly the JSON value `value`; `why` says why (e.g. "fixed in encoding version 2");
    `shown` names a long value in messages instead of the value itself."""
    return Spec(
        lambda v: json.dumps(v, sort_keys=True) == json.dumps(value, sort_keys=True),
        f"{shown or show(value)} ({why})",
    )


def optional(spec):
    """`spec`, or null."""
    return Spec(lambda v: v is None or spec(v), f"{spec.what}, or null")


def list_of(spec, *, distinct=False, increasing=False, min_length=0, what=None):
    """A list whose every item passes `spec` (distinct, strictly increasing, long enough)."""

    def test(value):
        if not isinstance(value, list) or len(value) < min_length:
            return False
        if not all(spec(item) for item in value):
            return False
        if distinct and len({json.dumps(item) for item in value}) != len(value):
            return False
        return not increasing or all(a < b for a, b in itertools.pairwise(value))

    return Spec(
        test, what or f"a list, each item {spec.what}" + (", no repeats" if distinct else "")
    )


def obj():
    """A JSON object (any fields)."""
    return Spec(lambda v: isinstance(v, dict), "an object {...}")


def show(value, limit=60):
    """A JSON value as a message shows it: compact, cut to `limit` characters with "...".

    Args:
        value: the value (not JSON-able values are shown by `repr`).
        limit: int, the longest text returned. Defaults to 60.

    Returns:
        str.

    Example:

    >>> show({"units": 4})
    '{"units": 4}'
    """
    try:
        shown = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        shown = repr(value)
    return shown if len(shown) <= limit else shown[: limit - 3] + "..."


class Fields:
    """Read the fields of one JSON object, refusing a bad one with a `FieldError`.

    Args:
        document: the parsed JSON value of the file (or of a section of it).
        source: str naming the file for messages, e.g. `"--model runs/jazz: encoding.json"`.
        prefix: str, the path of this section inside the file (`"training."`); internal.

    Raises:
        FieldError: the document is not a JSON object.

    Example:

    >>> fields = Fields({"pitch_range": [99, 36]}, "encoding.json")
    >>> fields.read("pitch_range", list_of(integer(0, 127), increasing=True, min_length=2,
    ...                                    what="[low, high] with low < high"))
    Traceback (most recent call last):
    ...
    zoo.artifacts.fields.FieldError: encoding.json: field pitch_range must be [low, high] with low < high; got [99, 36]
    """

    def __init__(self, document, source, prefix=""):
        self.source, self.prefix = source, prefix
        if not isinstance(document, dict):
            where = f"field {prefix[:-1]}" if prefix else "the file"
            raise FieldError(f"{source}: {where} must be an object {{...}}; got {show(document)}")
        self.document = document

    def fail(self, name, message):
        """Raise a `FieldError` saying `field <path> <message>`."""
        raise FieldError(f"{self.source}: field {self.prefix}{name} {message}")

    def read(self, name, spec, default=MISSING):
        """The value of field `name` after `spec` passes it.

        Args:
            name: the field's key.
            spec: a `Spec`.
            default: returned when the field is absent; without it a missing field is refused.

        Returns:
            The JSON value.
        """
        if name not in self.document:
            if default is not MISSING:
                return default
            self.fail(name, f"is missing; expected {spec.what}")
        value = self.document[name]
        if not spec(value):
            self.fail(name, f"must be {spec.what}; got {show(value)}")
        return value

    def read_all(self, specs, *, optional_names=(), closed=False, what="this section"):
        """Read every field named in `specs` (a dict name -> Spec); returns a dict of values.

        Args:
            specs: dict name -> `Spec`.
            optional_names: names that may be absent (then left out of the result).
            closed: bool, refuse a field that `specs` does not name.
            what: how a refusal of an unknown field names the section.

        Returns:
            dict of the fields read.
        """
        if closed:
            for name in self.document:
                if name not in specs:
                    self.fail(name, f"is not a field of {what}; expected only {', '.join(specs)}")
        values = {}
        for name, spec in specs.items():
            value = self.read(name, spec, MISSING if name not in optional_names else None)
            if name in self.document:
                values[name] = value
        return values

    def section(self, name, default=MISSING):
        """The object in field `name` as `Fields` (its messages name `name.<field>`), or None
        when it is absent and a `default` is given."""
        value = self.read(name, obj(), default)
        if name not in self.document:
            return None
        return Fields(value, self.source, f"{self.prefix}{name}.")


__all__ = [
    "FieldError",
    "Fields",
    "Spec",
    "boolean",
    "choice",
    "exactly",
    "integer",
    "list_of",
    "number",
    "obj",
    "optional",
    "show",
    "text",
]
