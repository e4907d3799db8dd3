"""The one command-line base of `python -m text`, `python -m music` and `python -m zoo.tasks`.

- `Parser`: an `argparse.ArgumentParser` whose usage mistakes print ``error: <one line>`` on
  stderr and exit with status 2 (no usage block, the flag named once).
- The argparse types `integer`, `number` and `seed` (and `argument_type` for an application's
  own rule) check a flag with the rules of `zoo.core.checks`, so ``--units 0`` and
  ``units=0`` are refused by the same rule, in the same words.
- `run(parser, commands, argv)`: parses, runs the command with native stderr quieted, and
  turns a user mistake (a `ValueError`, a file that cannot be opened) into one line and
  status 2, an interrupt into status 130.
- `speak_flags` rewrites a library message's parameter names (``top_p must``) as the flags
  (``--top-p must``); `one_line_warnings` shows warnings as single lines.

Library code never prints or exits; only these command lines do.
"""

import argparse
import contextlib
import os
import re
import sys
import warnings

from zoo.core.checks import check_int, check_number, map_seed

USAGE_ERROR = 2
"""Exit status of a user mistake (a bad flag, a bad file, a bad value)."""

INTERRUPTED = 130
"""Exit status after Ctrl-C (128 + SIGINT), as a shell reports it."""


def fail(message, status=USAGE_ERROR):
    """Print ``error: <message>`` on stderr and return `status`.

    Args:
        message: str, one line.
        status: int, the exit status to return. Defaults to 2.

    Returns:
        `status`.

    Example:

    >>> fail("--out: expected a folder") == 2  # doctest: +SKIP
    True
    """
    print(f"error: {message}", file=sys.stderr)
    return status


def first_line(error):
    """The first line of an exception's message, or its class name when the message is empty.

    Args:
        error: an exception.

    Returns:
        str.

    Example:

    >>> first_line(ValueError("bad value\\nmore detail"))
    'bad value'
    """
    text = str(error)
    return text.splitlines()[0] if text.strip() else type(error).__name__


class Parser(argparse.ArgumentParser):
    """An `argparse.ArgumentParser` whose mistakes print one line and exit with status 2.

    argparse prints the usage block and ``prog: error: argument --seed: --seed must ...``;
    this parser prints ``error: prog: --seed must ...`` (the flag named once) and nothing
    else. Its subcommand parsers are `Parser`s too.

    Example:

    >>> parser = Parser(prog="python -m demo")
    >>> _ = parser.add_argument("--units", type=integer("--units", 1))
    >>> parser.parse_args(["--units", "4"]).units
    4
    """

    def error(self, message):
        """Print ``error: <prog>: <message>`` on stderr and exit with status 2.

        Args:
            message: str, argparse's message.

        Raises:
            SystemExit: always, with code 2.
        """
        # "argument --seed: --seed must be ..." says the flag twice: keep the second
        match = re.fullmatch(r"argument (\S+?)(?:/\S+)?: (\1 .*)", message, flags=re.S)
        text = match.group(2) if match else message
        raise SystemExit(fail(f"{self.prog}: {' '.join(text.split())}"))


def argument_type(parse, check, name, message=None):
    """An argparse type: `parse` the text, then `check` the value; a mistake is one line.

    Text that `parse` refuses is handed to `check` as the string itself, so the message shows
    what was typed (``--seed must be an integer; got '1.5'``).

    Args:
        parse: callable(str), such as `int` or `float`.
        check: callable(value) that returns the checked value or raises `ValueError`.
        name: str, the flag, shown by argparse in some messages.
        message: str or None, the words for a refused value instead of the checker's (for a
            command line that keeps its older words); ``{text}`` (or ``{text!r}``) in it is what
            was typed.
            Defaults to None.

    Returns:
        callable(str) for `add_argument(type=...)`.

    Example:

    >>> argument_type(int, lambda v: v * 2, "--twice")("21")
    42
    """

    def convert(text):
        try:
            value = parse(text)
        except (ValueError, ArithmeticError):
            value = text
        try:
            return check(value)
        except ValueError as error:
            words = str(error) if message is None else message.format(text=text)
            raise argparse.ArgumentTypeError(words) from None

    convert.__name__ = name  # argparse names the type in some messages
    return convert


def integer(flag, low, high=None, *, message=None):
    """An argparse type: an integer in ``[low, high]`` by `zoo.core.checks.check_int`.

    Args:
        flag: str, the flag, for the message (``--units must be an integer >= 1; got 0``).
        low: int, the smallest accepted value.
        high: int or None, the largest accepted value. Defaults to None.
        message: str or None, other words for a refused value (see `argument_type`).
            Defaults to None.

    Returns:
        callable(str) -> int.

    Example:

    >>> integer("--units", 1, 8192)("256")
    256
    """
    return argument_type(int, lambda value: check_int(flag, value, low, high), flag, message)


def number(flag, *, low=None, high=None, low_open=False, high_open=False, message=None):
    """An argparse type: a finite number in a range by `zoo.core.checks.check_number`.

    Args:
        flag: str, the flag, for the message (``--top-p must be a number in (0, 1]; got 2.0``).
        low: number or None, the lower bound. Defaults to None.
        high: number or None, the upper bound. Defaults to None.
        low_open: bool, exclude `low`. Defaults to False.
        high_open: bool, exclude `high`. Defaults to False.
        message: str or None, other words for a refused value (see `argument_type`).
            Defaults to None.

    Returns:
        callable(str) -> float.

    Example:

    >>> number("--temperature", low=0, low_open=True)("0.5")
    0.5
    """

    def check(value):
        return check_number(flag, value, low=low, high=high, low_open=low_open, high_open=high_open)

    return argument_type(float, check, flag, message)


def seed(flag="--seed"):
    """An argparse type: any integer, checked by `zoo.core.checks.map_seed` and kept as typed.

    The library maps the integer itself, so ``--seed S`` and ``seed=S`` draw the same sample.

    Args:
        flag: str, the flag, for the message. Defaults to "--seed".

    Returns:
        callable(str) -> int.

    Example:

    >>> seed()("-3")
    -3
    """

    def check(value):
        map_seed(value, name=flag)  # the check only
        return value

    return argument_type(int, check, flag)


def speak_flags(message, parser, names=None):
    """Rewrite a library message's parameter names as the command line's flags.

    A message that starts with a parameter (``tempo must``) and every ``name=value`` in it
    (``choruses=3:``, ``meter=3/4``) name the flag instead (``--tempo must``, ``--choruses
    3:``, ``--meter 3/4``). The names are the `dest`s of the long options of `parser` and of
    its subcommands, plus `names`; other words are left as they are.

    Args:
        message: str, one line.
        parser: the `argparse.ArgumentParser` of the command line.
        names: dict or None, more `{parameter: flag}` pairs (a parameter whose flag has
            another name, such as ``{"width": "--beam"}``). Defaults to None.

    Returns:
        str.

    Example:

    >>> parser = Parser(prog="demo")
    >>> _ = parser.add_argument("--top-p", type=float)
    >>> speak_flags("top_p must be in (0, 1]; got 2", parser)
    '--top-p must be in (0, 1]; got 2'
    """
    flags = _long_flags(parser)
    flags.update(names or {})
    match = re.match(r"([a-z_]+) must ", message)
    if match and match.group(1) in flags:
        message = flags[match.group(1)] + message[len(match.group(1)) :]
    return re.sub(
        r"(?<![\w.])([a-z_]+)=(?!=)",
        lambda m: flags[m.group(1)] + " " if m.group(1) in flags else m.group(0),
        message,
    )


def _long_flags(parser):
    """`{dest: long flag}` of `parser` and its subcommands; the first flag of a dest wins."""
    flags = {}
    parsers = [parser]
    while parsers:
        current = parsers.pop(0)
        for action in current._actions:  # argparse keeps its options only here
            choices = getattr(action, "choices", None)
            if isinstance(choices, dict):  # a subcommands action: {name: parser}
                parsers.extend(
                    sub for sub in choices.values() if isinstance(sub, argparse.ArgumentParser)
                )
            long = [o for o in action.option_strings if o.startswith("--")]
            if long and action.help is not argparse.SUPPRESS:
                flags.setdefault(action.dest, long[-1])
    return flags


@contextlib.contextmanager
def one_line_warnings(show=None):
    """Inside this context a `UserWarning` prints as ``warning: <first line>``; others are dropped.

    Args:
        show: callable(str) -> bool or None: which warning messages to print. Defaults to
            None (every `UserWarning`).

    Example:

    >>> with one_line_warnings():  # doctest: +SKIP
    ...     warnings.warn("prefix has 2 unknown tokens")
    warning: prefix has 2 unknown tokens
    """

    def showwarning(message, category, filename, lineno, file=None, line=None):
        if issubclass(category, UserWarning) and (show is None or show(str(message))):
            print(f"warning: {first_line(message)}", file=sys.stderr)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Keras/TF chatter
        warnings.simplefilter("always", UserWarning)
        warnings.showwarning = showwarning
        yield


def run(parser, commands, argv=None, *, context=None, names=None):
    """Run a command line: parse `argv`, call its command, turn a user mistake into one line.

    The command `commands[args.command](args)` runs with native stderr quieted
    (`quiet_native_stderr`) and inside `context()` when given. A `ValueError` (the projects'
    errors subclass it) prints its first line with the flags spoken (`speak_flags`); an
    `OSError` prints the file and the reason; both return 2. Ctrl-C prints
    ``error: interrupted`` and returns 130. `--help` returns 0.

    Args:
        parser: a `Parser` with subcommands whose `dest` is "command".
        commands: dict, `{command name: callable(args) -> exit status or None}`.
        argv: list of str, or None for `sys.argv[1:]`.
        context: callable returning a context manager to run the command in (warnings
            filters), or None. Defaults to None.
        names: dict or None, more parameter -> flag names for `speak_flags`. Defaults to None.

    Returns:
        int, the exit status: the command's (0 when it returns None), 2 for a user mistake,
        130 after Ctrl-C.

    Example:

    >>> parser = Parser(prog="demo")
    >>> _ = parser.add_subparsers(dest="command", required=True).add_parser("hello")
    >>> run(parser, {"hello": lambda args: print("hi")}, ["hello"])
    hi
    0
    """
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # Parser.error printed its line; --help printed the help
        return stop.code
    try:
        with quiet_native_stderr(), (context or contextlib.nullcontext)():
            status = commands[args.command](args)
    except ValueError as error:
        return fail(speak_flags(first_line(error), parser, names))
    except OSError as error:
        return fail(f"{getattr(error, 'filename', '') or ''}: {error.strerror or error}")
    except KeyboardInterrupt:
        return fail("interrupted", INTERRUPTED)
    return status or 0


@contextlib.contextmanager
def quiet_native_stderr():
    """Drop native (C++) writes to file descriptor 2; Python's `sys.stderr` still works.

    TensorFlow prints start-up lines from C++ (oneDNN, CUDA probing) whatever
    `TF_CPP_MIN_LOG_LEVEL` says, and a command-line error must be one line. Inside this
    context those native lines are dropped while Python's own writes to `sys.stderr`
    (errors, warnings, progress bars) still reach the terminal. Set `SEQZOO_VERBOSE=1` to
    keep the native lines. When `sys.stderr` is not file descriptor 2 (pytest's capture, a
    notebook), Python's writes are left where they go.

    Example:

    >>> with quiet_native_stderr():
    ...     print("still shown", file=sys.stderr)
    """
    if os.environ.get("SEQZOO_VERBOSE"):
        yield
        return
    try:
        python_on_fd2 = sys.stderr.fileno() == 2
    except (AttributeError, OSError, ValueError):  # captured (pytest, notebooks): leave it be
        python_on_fd2 = False
    sys.stderr.flush()
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    python_stderr = sys.stderr
    try:
        os.dup2(devnull, 2)
        if python_on_fd2:
            sys.stderr = os.fdopen(os.dup(saved), "w", buffering=1)
        yield
    finally:
        if python_on_fd2:
            sys.stderr.flush()
            sys.stderr.close()
            sys.stderr = python_stderr
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
