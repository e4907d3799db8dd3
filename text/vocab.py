"""Character- and word-level vocabularies with `<PAD>`, `<UNK>` and `<EOS>`, saved as JSON.

A `Vocabulary` maps tokens to integer ids and back. Ids 0, 1 and 2 are always the special
tokens `<PAD>` (padding, never predicted), `<UNK>` (a token the vocabulary has not seen) and
`<EOS>` (end of a line in line mode; also the start symbol every sequence is primed with).

Tokenisation is reversible: at character level a token is one Unicode character; at word level
a token is a word or a punctuation mark with the one space before it, if any (`" pear"`), or
a run of other whitespace (a line break), so `decode(encode(text)) == text` for any text
whose tokens are all in the vocabulary (after lower-casing, when `lower=True`).
"""

import collections
import json
import os
import re

from zoo.core.checks import check_int, check_optional_int

PAD, UNK, EOS = "<PAD>", "<UNK>", "<EOS>"
SPECIAL_TOKENS = (PAD, UNK, EOS)
PAD_ID, UNK_ID, EOS_ID = 0, 1, 2
LEVELS = ("char", "word")
FORMAT = "seqzoo.text.vocabulary"
FORMAT_VERSION = 1

# A word or one punctuation mark, each with its leading space if any; else a whitespace run.
# Keeping the space inside the word halves the sequence length and lets a word's id carry
# the context directly (GPT-2's tokenizer does the same).
_WORD_PATTERN = re.compile(r" ?\w+| ?[^\w\s]|\s+", re.UNICODE)


def tokenize(text, level="char", lower=False):
    """Split text into tokens, reversibly.

    Args:
        text: str, the text to split.
        level: str, `"char"` (one token per character) or `"word"` (a word or punctuation mark
            with its leading space, or a run of other whitespace). Defaults to `"char"`.
        lower: bool, lower-case the text first. Defaults to `False`.

    Returns:
        A list of str tokens whose concatenation is the (lower-cased) text.

    Example:

    >>> tokenize("Hi, you!", level="word")
    ['Hi', ',', ' you', '!']
    """
    _check_level(level)
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if lower:
        text = text.lower()
    if level == "char":
        return list(text)
    return _WORD_PATTERN.findall(text)


def _check_level(level):
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")


class UnknownTokenError(ValueError):
    """Raised by `Vocabulary.encode(..., unknown="error")` when a token is not in the vocabulary."""


class Vocabulary:
    """A token <-> id mapping for a character- or word-level language model.

    Build one from text with `Vocabulary.build(...)`; the constructor takes the token list
    directly (the special tokens are added in front when missing).

    Args:
        tokens: list of str, the ordinary tokens (no duplicates).
        level: str, `"char"` or `"word"`. Defaults to `"char"`.
        lower: bool, whether text is lower-cased before encoding. Defaults to `False`.

    Example:

    >>> vocab = Vocabulary.build("hello world")
    >>> vocab.decode(vocab.encode("hello"))
    'hello'
    """

    def __init__(self, tokens, *, level="char", lower=False):
        _check_level(level)
        tokens = [t for t in tokens if t not in SPECIAL_TOKENS]
        if len(set(tokens)) != len(tokens):
            raise ValueError("tokens must not contain duplicates")
        self.level = level
        self.lower = bool(lower)
        self.tokens = list(SPECIAL_TOKENS) + tokens
        self._ids = {t: i for i, t in enumerate(self.tokens)}

    @classmethod
    def build(cls, text, *, level="char", lower=False, max_size=None, min_count=1):
        """Collect the vocabulary of a text (or a list of texts).

        Word tokens are ordered by falling frequency (ties alphabetically); characters are
        sorted. The same text therefore always gives the same ids.

        Args:
            text: str or list of str, the training text.
            level: str, `"char"` or `"word"`. Defaults to `"char"`.
            lower: bool, lower-case before counting. Defaults to `False`.
            max_size: int or None, keep at most this many ordinary tokens (the most frequent);
                the rest become `<UNK>`. Defaults to `None` (keep all).
            min_count: int, drop tokens seen fewer times. Defaults to 1.

        Returns:
            A `Vocabulary`.

        Example:

        >>> Vocabulary.build("the cat the dog", level="word").size
        7
        """
        texts = [text] if isinstance(text, str) else list(text)
        counts = collections.Counter()
        for piece in texts:
            counts.update(tokenize(piece, level, lower))
        if not counts:
            raise ValueError("cannot build a vocabulary from an empty text")
        max_size = check_optional_int("max_size", max_size, 1)
        min_count = check_int("min_count", min_count, 1)
        # Sort by (-count, token) so the result does not depend on dict order.
        ranked = sorted(
            (t for t, c in counts.items() if c >= min_count), key=lambda t: (-counts[t], t)
        )
        if max_size is not None:
            ranked = ranked[:max_size]
        if level == "char":
            ranked = sorted(ranked)
        return cls(ranked, level=level, lower=lower)

    @property
    def size(self):
        """int: number of ids, special tokens included."""
        return len(self.tokens)

    def __len__(self):
        return self.size

    def __contains__(self, token):
        return token in self._ids

    def token_id(self, token):
        """Return the id of one token (`<UNK>`'s id when unknown)."""
        return self._ids.get(token, UNK_ID)

    def unknown_tokens(self, text):
        """Return the sorted set of tokens of `text` that the vocabulary has never seen."""
        return sorted({t for t in tokenize(text, self.level, self.lower) if t not in self._ids})

    def encode(self, text, *, unknown="map"):
        """Turn text into a list of ids.

        Args:
            text: str.
            unknown: str, what to do with tokens not in the vocabulary: `"map"` maps them to
                `<UNK>`; `"error"` raises `UnknownTokenError` naming them. Defaults to `"map"`.

        Returns:
            A list of int ids (no `<EOS>` is added).

        Example:

        >>> Vocabulary.build("abc").encode("cab")
        [5, 3, 4]
        """
        if unknown not in ("map", "error"):
            raise ValueError(f"unknown must be 'map' or 'error', got {unknown!r}")
        tokens = tokenize(text, self.level, self.lower)
        if unknown == "error":
            missing = sorted({t for t in tokens if t not in self._ids})
            if missing:
                raise UnknownTokenError(
                    f"text contains {len(missing)} token(s) not in the vocabulary: "
                    f"{', '.join(repr(t) for t in missing[:10])}"
                )
        return [self._ids.get(t, UNK_ID) for t in tokens]

    def decode(self, ids, *, stop_at_eos=False, eos_text="\n"):
        """Turn ids back into text.

        `<PAD>` is dropped, `<UNK>` is written as `<UNK>`, `<EOS>` as `eos_text`.

        Args:
            ids: iterable of int.
            stop_at_eos: bool, stop at the first `<EOS>` (not written). Defaults to `False`.
            eos_text: str, what an `<EOS>` becomes. Defaults to `"\\n"`.

        Returns:
            str.

        Example:

        >>> vocab = Vocabulary.build("abc")
        >>> vocab.decode([3, 4, 2, 5], stop_at_eos=True)
        'ab'
        """
        out = []
        for i in ids:
            i = int(i)
            if i == PAD_ID:
                continue
            if i == EOS_ID:
                if stop_at_eos:
                    break
                out.append(eos_text)
                continue
            if not 0 <= i < len(self.tokens):
                raise ValueError(f"id {i} is outside the vocabulary (size {self.size})")
            out.append(self.tokens[i])
        return "".join(out)

    def get_config(self):
        """Return the JSON-serialisable description of this vocabulary."""
        return {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "level": self.level,
            "lower": self.lower,
            "tokens": self.tokens,
        }

    @classmethod
    def from_config(cls, config, *, source="vocabulary"):
        """Rebuild a vocabulary from `get_config()` output, checking every field.

        The fields are closed (an unknown one is refused): `format` (`FORMAT`), `version`
        (`FORMAT_VERSION`), `level` (`"char"` or `"word"`), `lower` (true or false) and
        `tokens` (distinct strings starting with `<PAD>`, `<UNK>`, `<EOS>`; one character each
        at character level, non-empty at word level).

        Args:
            config: the parsed JSON of a vocabulary.
            source: str naming the file in messages (a loader passes `"<folder>: vocab.json"`).
                Defaults to `"vocabulary"`.

        Returns:
            A `Vocabulary`.

        Raises:
            zoo.artifacts.fields.FieldError: (a ValueError) one line naming `source` and the
                field, e.g. `vocabulary: field level must be one of "char", "word"; got "byte"`.

        Example:

        >>> Vocabulary.from_config(Vocabulary.build("abc").get_config()).size
        6
        """
        from zoo.artifacts.fields import Fields, boolean, choice, exactly, integer, list_of, text

        fields = Fields(config, source)
        values = fields.read_all(
            {
                "format": exactly(FORMAT, "a seqzoo vocabulary"),
                "version": integer(),
                "level": choice(*LEVELS),
                "lower": boolean(),
                "tokens": list_of(text(), distinct=True, min_length=len(SPECIAL_TOKENS)),
            },
            closed=True,
            what=f"vocabulary version {FORMAT_VERSION}",
        )
        if values["version"] != FORMAT_VERSION:
            fields.fail(
                "version",
                f"is {values['version']}, an unknown vocabulary version; expected {FORMAT_VERSION}",
            )
        tokens = values["tokens"]
        if tuple(tokens[:3]) != SPECIAL_TOKENS or set(tokens[3:]) & set(SPECIAL_TOKENS):
            fields.fail(
                "tokens",
                f"must start with {json.dumps(list(SPECIAL_TOKENS))} and "
                f"hold them once; got {json.dumps(tokens[:3])[:60]} first",
            )
        bad = next(
            (t for t in tokens[3:] if (len(t) != 1 if values["level"] == "char" else not t)), None
        )
        if bad is not None:
            fields.fail(
                "tokens",
                f"holds {json.dumps(bad)[:40]}; expected "
                + (
                    'one character per token at level "char"'
                    if values["level"] == "char"
                    else "non-empty tokens"
                ),
            )
        return cls(tokens[3:], level=values["level"], lower=values["lower"])

    def to_json(self):
        """Return the vocabulary as a JSON string."""
        return json.dumps(self.get_config(), ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text):
        """Rebuild a vocabulary from `to_json()` output."""
        return cls.from_config(json.loads(text))

    def save(self, path):
        """Write the vocabulary to a JSON file atomically (temporary file, then rename)."""
        from zoo.io.atomic import atomic_file

        with atomic_file(path) as temporary:
            temporary.write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path):
        """Read a vocabulary written by `save`.

        Raises:
            ValueError: when the file is missing or not a seqzoo vocabulary.
        """
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except FileNotFoundError:
            raise ValueError(f"vocabulary file {os.fspath(path)!r} does not exist") from None
        try:
            return cls.from_json(text)
        except (json.JSONDecodeError, ValueError) as err:
            raise ValueError(f"{os.fspath(path)!r} is not a seqzoo vocabulary: {err}") from None

    def __eq__(self, other):
        return isinstance(other, Vocabulary) and self.get_config() == other.get_config()

    def __repr__(self):
        return f"Vocabulary(level={self.level!r}, lower={self.lower}, size={self.size})"
