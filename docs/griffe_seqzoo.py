"""Griffe extension: read seqzoo's Keras-style docstrings for the API reference.

seqzoo's docstrings follow Keras (``keras/src/layers/rnn/lstm.py``): a summary, prose,
``Args:``, ``Returns:``, ``Raises:`` and an ``Example:`` whose doctest starts at the left
margin, under the header rather than indented below it. Google-style parsing (what
mkdocstrings reads) expects a section's body to be indented, and it knows one parameter per
``Args:`` entry. This extension bridges the two without touching the sources:

- an ``Example:`` section is read as griffe's ``Examples:`` section (griffe takes the
  singular for an admonition of Markdown text), and its body is indented when it starts at
  the left margin, so the doctest renders as code (as Markdown, ``>>>`` lines would be block
  quotes and ``[a]`` ``[b]`` on consecutive lines a broken link);
- an ``Args:`` entry may name several parameters (``temperature, top_k, top_p: ...``); every
  name must be a parameter of the documented function (or of the class's own
  ``__init__``), else a warning fails ``mkdocs build --strict``. A class that inherits its
  constructor from a library class (a Keras layer subclass) is not checked: its signature is
  not in this repository. Griffe's own check (``warn_unknown_params``) is turned off in
  ``mkdocs.yml`` because it reads a grouped entry as one unknown name.
"""

from __future__ import annotations

import re

import griffe

_HEADER = re.compile(r"^(Examples?|Example usage):\s*$")
_SECTION = re.compile(r"^[A-Z][\w ]*:\s*$")
_ARGS = re.compile(r"^(Args|Arguments|Parameters):\s*$")
_ENTRY = re.compile(r"^    (?P<names>\*{0,2}\w+(?:, *\*{0,2}\w+)*)(?: *\([^)]*\))?:(?:\s|$)")


def indent_examples(text):
    """Read ``Example:`` as ``Examples:``, its body right under it and indented."""
    lines = text.split("\n")
    out, inside, opening = [], False, False
    for line in lines:
        if _HEADER.match(line):
            inside = opening = True
            out.append("Examples:")  # griffe's doctest section ("Example:" is an admonition)
            continue
        if opening and not line.strip():
            continue  # griffe wants the section's body right under its header
        opening = False
        if inside and _SECTION.match(line) and not line.startswith(">>>"):
            inside = False
        if inside and line and not line.startswith("    "):
            out.append("    " + line)
        else:
            out.append(line)
    return "\n".join(out)


def documented_names(text):
    """Yield ``(line_index, name)`` for every parameter named in the ``Args:`` sections."""
    inside = False
    for index, line in enumerate(text.split("\n")):
        if _ARGS.match(line):
            inside = True
            continue
        if inside and line and not line.startswith(" "):
            inside = False
        if not inside:
            continue
        match = _ENTRY.match(line)
        if match:
            for name in match.group("names").split(","):
                yield index, name.strip().lstrip("*")


def _signature(obj):
    """The parameter names of a function, or of a class's own ``__init__``; None: unknown."""
    if obj.is_function:
        return {p.name for p in obj.parameters}
    if obj.is_class:
        init = obj.members.get("__init__")
        if init is None or init.is_alias:
            return None
        return {p.name for p in init.parameters}
    return None


class KerasStyleDocstrings(griffe.Extension):
    """Indent left-margin examples and check grouped ``Args:`` names (see the module)."""

    def on_object(self, *, obj, loader, **kwargs):  # noqa: ARG002
        docstring = obj.docstring
        if docstring is None or obj.is_alias:
            return
        docstring.value = indent_examples(docstring.value)
        names = _signature(obj)
        if names is None:
            return
        for index, name in documented_names(docstring.value):
            if name not in names:
                griffe.docstring_warning(
                    docstring,
                    index,
                    f"Parameter '{name}' does not appear in the signature of {obj.path}",
                )
