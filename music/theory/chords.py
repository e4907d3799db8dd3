"""Chord symbols as text: `parse_chord` reads one into a `Chord`, `chord_symbol` writes one.

A chord symbol is a root, a quality and an optional slash bass: ``Cmaj7``, ``F#m7b5``, ``Bb7#9``,
``C/E``, ``N.C.``. `parse_chord` reads the common lead-sheet spellings (listed in its docstring)
and normalises the quality to one canonical name (``C-7`` and ``Cmi7`` both give ``"m7"``), so that
two spellings of one chord compare equal; `chord_symbol` writes the canonical spelling back.

What the tones of a chord are good for (chord tones, scales, note types) is in `music.theory.pitch_classes`;
progressions and named forms are in `music.theory.progressions`; music21's chord symbols are in
`music.theory.symbols`.
"""

import re
from fractions import Fraction

from music.errors import ChordError
from music.theory.pitch_classes import ALTERATIONS, NATURALS, parse_pitch_class, pitch_class_name
from music.types import Chord

NO_CHORD = "N.C."
EXPECTED = "expected e.g. Cmaj7, Dm7, G7, Bm7b5, C/E, N.C."
_NO_CHORD_SPELLINGS = {"n.c.", "n.c", "nc", "n/c", "no chord", "none"}
_ROOT_LETTERS = "CDEFGAB"
_ADDS = {"2": 2, "9": 2, "4": 5, "11": 5, "6": 9, "13": 9, "b9": 1, "#9": 3, "#11": 6, "b13": 8}
# Whole words whose capitalisation varies between lead sheets.
_WORDS = re.compile(r"(maj|min|dim|aug|sus|alt|add|omit|no)", re.IGNORECASE)


def _error(symbol, bar):
    where = f"bar {bar}: " if bar is not None else ""
    return ChordError(f"{where}cannot read chord symbol {symbol!r}; {EXPECTED}")


def _split_root(text, music21_flats):
    """Split ``"Bb7#9"`` into ``("Bb", "7#9")``."""
    if not text or text[0] not in _ROOT_LETTERS:
        return None, text
    i = 1
    flats = "b♭-" if music21_flats else "b♭"
    while i < len(text) and i <= 2 and (text[i] in "#♯" or text[i] in flats):
        # "Cb9" reads as C-flat 9; "C-7" is C minor 7 unless music21 spelling is asked for.
        i += 1
    return text[:i], text[i:]


def _normalise_suffix(suffix):
    s = suffix.replace(" ", "").replace("♭", "b").replace("♯", "#").replace("Δ", "^")
    s = s.replace("°", "o").replace("Ø", "ø").replace("(", "").replace(")", "").replace(",", "")
    s = s.replace("6/9", "69")
    s = _WORDS.sub(lambda m: m.group(0).lower(), s)
    s = s.replace("MA7", "maj7").replace("Ma7", "maj7").replace("ma7", "maj7")
    return s


class _Parts:
    """The parsed components of a chord quality."""

    def __init__(self):
        self.kind = "major"  # major, minor, dim, halfdim, aug, power, alt
        self.major_seventh = False
        self.number = None  # None, "6", "69", "7", "9", "11", "13"
        self.sus = None  # None, "sus4", "sus2"
        self.alterations = []
        self.adds = []
        self.omits = []


_PREFIXES = (  # (spelling, kind, major seventh?), longest first within each family
    ("minmaj", "minor", True),
    ("mmaj", "minor", True),
    ("-maj", "minor", True),
    ("min^", "minor", True),
    ("m^", "minor", True),
    ("-^", "minor", True),
    ("minM", "minor", True),
    ("mM", "minor", True),
    ("-M", "minor", True),
    ("maj", "major", True),
    ("M", "major", True),
    ("^", "major", True),
    ("j", "major", True),
    ("min", "minor", False),
    ("mi", "minor", False),
    ("m", "minor", False),
    ("-", "minor", False),
    ("dim", "dim", False),
    ("o", "dim", False),
    ("ø", "halfdim", False),
    ("h", "halfdim", False),
    ("aug", "aug", False),
    ("+", "aug", False),
    ("alt", "alt", False),
)
_NUMBERS = ("69", "13", "11", "9", "7", "6", "5")


def _parse_suffix(s):
    """Parse a normalised quality suffix into `_Parts`, or return None when it cannot be read."""
    parts = _Parts()
    spelling = ""
    for spelling, kind, major_seventh in _PREFIXES:
        if s.startswith(spelling):
            parts.kind, parts.major_seventh = kind, major_seventh
            s = s[len(spelling) :]
            break
    else:
        spelling = ""
    if parts.major_seventh and not s[:1].isdigit():
        if parts.kind == "major" and spelling in ("maj", "M"):
            parts.major_seventh = False  # "Cmaj", "CM": a major triad
        else:
            parts.number = "7"  # "C^", "Cj", "Cm(maj)": a (minor-)major seventh
    if parts.kind == "alt":
        parts.number = "7"
    while s:
        number = next((n for n in _NUMBERS if s.startswith(n)), None)
        if number is not None and parts.number is None:
            if number == "5":
                if parts.kind != "major" or parts.major_seventh or parts.sus:
                    return None
                parts.kind = "power"
            parts.number = number
            s = s[len(number) :]
            continue
        major = re.match(r"(maj|M|\^)(7|9|11|13)?", s)
        if major and parts.number is None and parts.kind in ("minor", "aug"):
            parts.major_seventh = True  # "Cmi(maj7)", "C+maj7"
            parts.number = major.group(2) or "7"
            s = s[major.end() :]
            continue
        match = re.match(r"sus(4|2)?", s)
        if match:
            parts.sus = "sus" + (match.group(1) or "4")
            s = s[match.end() :]
            continue
        match = re.match(r"add([b#]?)(2|4|6|9|11|13)", s)
        if match:
            parts.adds.append(match.group(1) + match.group(2))
            s = s[match.end() :]
            continue
        match = re.match(r"(?:omit|no)(3|5)", s)
        if match:
            parts.omits.append(match.group(1))
            s = s[match.end() :]
            continue
        if s.startswith("alt") and parts.kind == "major" and parts.number in ("7", None):
            parts.kind, parts.number = "alt", "7"
            s = s[3:]
            continue
        match = re.match(r"([b#+-])(5|9|11|13)", s)
        if match:
            sign = "b" if match.group(1) in "b-" else "#"
            alteration = sign + match.group(2)
            if alteration not in ALTERATIONS:
                return None
            parts.alterations.append(alteration)
            s = s[match.end() :]
            continue
        if s == "+" and parts.number is not None:  # "C7+": augmented fifth
            parts.alterations.append("#5")
            s = ""
            continue
        return None
    return parts


def _intervals(parts):
    """The chord's pitch classes relative to the root, as a set."""
    third = {"major": 4, "minor": 3, "dim": 3, "halfdim": 3, "aug": 4, "power": None, "alt": 4}[
        parts.kind
    ]
    fifth = {"dim": 6, "halfdim": 6, "aug": 8, "alt": None}.get(parts.kind, 7)
    if parts.sus:
        third = 5 if parts.sus == "sus4" else 2
    if parts.number == "5":
        third = None
    tones = {0}
    number = parts.number
    if parts.kind == "halfdim" and number in (None, "6"):
        number = "7" if number is None else number
    if number in ("7", "9", "11", "13"):
        if parts.major_seventh:
            tones.add(11)
        elif parts.kind == "dim":
            tones.add(9)
        else:
            tones.add(10)
    if number in ("9", "11", "13", "69"):
        tones.add(2)
    if number == "11":
        tones.add(5)
    if number in ("13", "6", "69"):
        tones.add(9)
    if parts.kind == "alt":
        tones.update({1, 3, 8})
    for alteration in parts.alterations:
        if alteration in ("b5", "#5"):
            fifth = ALTERATIONS[alteration]
            continue
        if alteration != "#9" or "b9" not in parts.alterations:
            tones.discard(NATURALS[alteration])
        tones.add(ALTERATIONS[alteration])
    for add in parts.adds:
        tones.add(_ADDS[add])
    if third is not None and "3" not in parts.omits:
        tones.add(third)
    if fifth is not None and "5" not in parts.omits:
        tones.add(fifth)
    return tones


def _quality_name(parts):
    """The canonical quality name: "maj", "m7", "7", "m7b5", "dim7", "7#5", "7sus4", "maj7#11"..."""
    number = parts.number or ""
    implied = set()
    if parts.kind == "alt":
        name = "7alt"
    elif parts.kind == "power":
        name = "5"
    elif parts.kind == "halfdim" or (
        parts.kind == "minor"
        and "b5" in parts.alterations
        and number in ("7", "9", "11")
        and not parts.major_seventh
    ):
        name, implied = "m" + (number if number not in ("", "6") else "7") + "b5", {"b5"}
    elif parts.kind == "dim":
        name = "dim7" if number == "7" else "dim" + number
    elif parts.kind == "aug":
        implied = {"#5"}
        if parts.major_seventh:
            name = "maj" + (number or "7") + "#5"
        elif number:
            name = number + "#5"
        else:
            name = "aug"
    elif parts.kind == "minor":
        name = "m" + ("maj" + (number or "7") if parts.major_seventh else number)
    elif parts.major_seventh:
        name = "maj" + (number or "7")
    else:
        name = number or ("" if parts.sus or parts.adds else "maj")
    if parts.sus:
        name += parts.sus
    for alteration in ALTERATIONS:
        if alteration in parts.alterations and alteration not in implied:
            name += alteration
    for add in parts.adds:
        name += "add" + add
    for omit in parts.omits:
        name += "no" + omit
    return name


def parse_chord(symbol, *, offset=Fraction(0), duration=Fraction(0), bar=None, music21_flats=False):
    """Parse one chord symbol into a `Chord`.

    Accepted spellings (root, then quality, then an optional ``/bass``):

    - roots: ``C``, ``Bb``, ``A#``, ``Ebb``, ``B♭``; with `music21_flats=True` also ``B-``
      (music21 writes flats as ``-``). Without it, ``-`` after the root means minor, as on
      jazz lead sheets (``C-7`` is C minor 7). A slash bass always accepts ``-`` as a flat.
    - major: ``C``, ``Cmaj``, ``CM``, ``C6``, ``C69``, ``C6/9``, ``Cadd9``, ``C5``;
      major seventh: ``Cmaj7``, ``CM7``, ``CMA7``, ``C^7``, ``C^``, ``CΔ``, ``Cj7``, ``Cmaj9``,
      ``Cmaj13``, ``Cmaj7#11``.
    - minor: ``Cm``, ``Cmi``, ``Cmin``, ``C-``, ``Cm6``, ``Cm69``, ``Cm7``, ``C-7``, ``Cm9``,
      ``Cm11``, ``Cm13``, ``Cm(maj7)``, ``CmM7``, ``C-^7``.
    - dominant: ``C7``, ``C9``, ``C11``, ``C13``, ``C7alt``, ``Calt``, ``C7b9``, ``C7#9``,
      ``C7#11``, ``C7b13``, ``C7b5``, ``C7#5``, ``C7+``, ``C+7``, ``C7(b9,#11)``, ``C7sus4``,
      ``C7sus``, ``C9sus4``.
    - diminished / half-diminished / augmented / suspended: ``Cdim``, ``Co``, ``C°``, ``Cdim7``,
      ``Co7``, ``Cm7b5``, ``C-7b5``, ``Cø``, ``Cø7``, ``Caug``, ``C+``, ``Csus``, ``Csus4``,
      ``Csus2``.
    - no chord: ``N.C.``, ``NC``.

    Args:
        symbol: str, the chord symbol.
        offset: Fraction, start of the chord in quarter notes (default 0).
        duration: Fraction, length in quarter notes (default 0: a bare symbol).
        bar: int or None, the bar number, used only in the error message.
        music21_flats: bool, read ``-`` after the root as a flat (music21's spelling, as in the
            WJazzD files: ``E-7`` is E-flat 7). Default False (jazz spelling: ``E-7`` is E minor 7).

    Returns:
        A `Chord` with `root` (pitch class, None for N.C.), the canonical `quality` (``"maj"``,
        ``"m7"``, ``"7"``, ``"m7b5"``, ``"dim7"``, ``"7#5"``, ``"7alt"``, ``"N.C."``...),
        `pitch_classes` relative to the root, `figure` (the symbol as written) and `bass`.

    Raises:
        ChordError: naming the symbol (and the bar when given) when it cannot be read.

    Example:

    >>> c = parse_chord("Bb7#9/D")
    >>> c.root, c.quality, c.pitch_classes, c.bass
    (10, '7#9', (0, 3, 4, 7, 10), 2)
    """
    if not isinstance(symbol, str):
        raise _error(symbol, bar)
    text = symbol.strip()
    offset, duration = Fraction(offset), Fraction(duration)
    if text.lower() in _NO_CHORD_SPELLINGS:
        return Chord(offset, duration, None, NO_CHORD, (), text)
    body, bass = text, None
    slash = re.match(r"^(.+?)/\s*([A-G][b#♭♯-]{0,2})$", text)
    if slash:
        body = slash.group(1)
        bass = parse_pitch_class(slash.group(2), dash_is_flat=True)
        if bass is None:
            raise _error(symbol, bar)
    root_name, suffix = _split_root(body.strip(), music21_flats)
    root = parse_pitch_class(root_name, dash_is_flat=music21_flats) if root_name else None
    if root is None:
        raise _error(symbol, bar)
    parts = _parse_suffix(_normalise_suffix(suffix))
    if parts is None:
        raise _error(symbol, bar)
    intervals = tuple(sorted(_intervals(parts)))
    return Chord(offset, duration, root, _quality_name(parts), intervals, text, bass)


# The canonical qualities of every spelling `parse_chord` documents, plus the combinations of
# its alterations that lead sheets use; what the writers (`chord_symbol`, `music.theory.symbols`)
# must round-trip. `parse_chord` reads more (any mix of its alterations, adds and omits).
QUALITIES = (
    "maj",
    "m",
    "5",
    "6",
    "69",
    "add9",
    "maj7",
    "maj9",
    "maj13",
    "maj7#11",
    "maj7#5",
    "m6",
    "m69",
    "madd9",
    "m7",
    "m9",
    "m11",
    "m13",
    "mmaj7",
    "mmaj9",
    "7",
    "9",
    "11",
    "13",
    "7alt",
    "7b9",
    "7#9",
    "7#11",
    "7b13",
    "7b5",
    "7#5",
    "7b9#11",
    "7b9b13",
    "7#9b13",
    "9#11",
    "13b9",
    "13#11",
    "7sus4",
    "9sus4",
    "dim",
    "dim7",
    "m7b5",
    "aug",
    "sus4",
    "sus2",
)


def chord_symbol(root, quality, bass=None, *, sharps=False):
    """Write a canonical chord symbol that `parse_chord` reads back to the same chord.

    Args:
        root: int pitch class 0..11, or None for no chord.
        quality: str, a canonical quality name (as in `Chord.quality`), e.g. ``"m7"``.
        bass: int pitch class of a slash bass, or None.
        sharps: bool, name black keys with sharps (default: flats).

    Returns:
        str, e.g. ``"Ebm7"``, ``"C7#9/E"``, ``"N.C."``.

    Example:

    >>> chord_symbol(3, "m7"), chord_symbol(0, "maj"), chord_symbol(None, "N.C.")
    ('Ebm7', 'C', 'N.C.')
    """
    if root is None:
        return NO_CHORD
    text = pitch_class_name(root, sharps=sharps) + ("" if quality == "maj" else quality)
    if bass is not None:
        text += "/" + pitch_class_name(bass, sharps=sharps)
    return text


__all__ = ["NO_CHORD", "EXPECTED", "QUALITIES", "parse_chord", "chord_symbol"]
