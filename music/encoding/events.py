"""Interval event encoding of a solo: tokens for the LSTM and chord/melody features beside them.

A solo becomes a sequence of **events**, one token each. An event is a *kind* and a *duration*:

- kind: for a note, the **interval from the previous sounding pitch** (`-INTERVAL_RANGE ..
  +INTERVAL_RANGE` semitones; before the first note the previous pitch is `REFERENCE_PITCH`,
  G4), so a phrase is the same tokens in every key and register and the contour is what the
  network predicts; or `REST`; or `TIE`, which continues the previous note (a note that crosses
  a bar line, or whose length is not one of the duration values, is split into a note and ties).
- duration: one of `DURATIONS`, in ticks of 1/24 quarter note: 32nds, 16th and 8th triplets,
  swung eighths (a 2:1 pair is 16 + 8 ticks), dotted values, up to a whole 4/4 bar.

The token is `1 + kind * len(DURATIONS) + duration_index`; token 0 is `BOS` (start of solo).
Events never cross a bar line, so the durations of a bar's events sum exactly to the bar.
Decoding needs only the tokens: `decode(encode(s))` gives back the notes of `s` exactly when `s`
is on the grid, see `quantise` for what is not representable.

Beside every token goes a conditioning vector (`music.encoding.features.FEATURE_DIM` floats)
that describes where the event starts: the progression and the clock, and the melody so far
(`music.encoding.features`). At generation time the same vector is computed from the
progression, the position reached and the melody generated so far (`music.model.improvise`),
which is how the model "hears" the changes.
`ENCODING_VERSION` changes whenever the meaning of tokens or features changes: a model folder
written for a version this code does not read (`READABLE_VERSIONS`) is refused with a message
naming both (`EncodingVersionError`). Version 3 (`Encoding(version=3, style_dim=n)`, what
`music.model.train` trains) adds two blocks after the features of version 2: the melody's
recent pitch classes and a solo-level style (`music.encoding.features.feature_blocks`);
version 2 models are still read and played.

Not representable (and what `quantise` does with it):
- onsets/ends off the 1/24-quarter grid (64ths, quintuplets, expressive timing): rounded to the
  nearest tick; an event that shrinks to zero ticks is dropped (the next event starts there);
- pitches outside `PITCH_RANGE` (C2..D#7): moved by octaves into the range; a leap wider than
  `INTERVAL_RANGE` semitones (none in WJazzD): the note moves by octaves towards the previous one;
- velocities: not encoded, decoded notes get velocity 90;
- rests next to each other: merged into one rest; overlaps (polyphony): cut at the next onset;
- bars are assumed to start at offset 0 with `solo.bar_length` (no pickups, one meter per solo).
"""

import dataclasses
from collections.abc import Sequence
from fractions import Fraction

import numpy as np

from music.encoding.features import (
    BREATH_TICKS,
    FEATURE_DIM,
    PITCH_CLASSES,
    RECENT_DECAY,
    REFERENCE_PITCH,
    REGISTER_SPAN,
    STATIC_DIM,
    STYLE_REGISTER_SPAN,
    ChordTimeline,
    feature_block,
    feature_blocks,
    melody_features,
    remember_pitch_classes,
)
from music.encoding.timegrid import (
    DURATIONS,
    TICKS_PER_QUARTER,
    split_duration,
    to_ticks,
)
from music.types import Chord, Note, Solo

PITCH_RANGE = (36, 99)  # lowest and highest MIDI pitch kept (C2 .. D#7)
BOS = 0
INTERVAL_RANGE = 36  # largest leap encoded, in semitones (up or down)
ENCODING_NAME = "interval-events"
ENCODING_VERSION = 3  # written by an encoding with a style block
READABLE_VERSIONS = (2, 3)  # 2: no style block
NOTE_NAMES = ("C", "C#", "D", "E-", "E", "F", "F#", "G", "A-", "A", "B-", "B")


class EncodingVersionError(ValueError):
    """A saved encoding of another `ENCODING_VERSION` than this code reads."""


@dataclasses.dataclass
class EncodedSolo:
    """A solo as model inputs.

    Args:
        tokens: int32 (n,), the events, without BOS.
        features: float32 (n, feature_dim), the conditioning for each event (at its onset).
        onsets: int32 (n,), event start in ticks.
        pitches: int32 (n,), the previous sounding pitch before each event (`REFERENCE_PITCH`
            before the first note).
        state: the melody state after the last event (`Encoding.initial_state` layout), to
            continue from.
        source: where the solo came from.
    """

    tokens: np.ndarray
    features: np.ndarray
    onsets: np.ndarray
    pitches: np.ndarray
    state: dict = dataclasses.field(default_factory=dict)
    source: str = ""


class Encoding:
    """Turns `Solo` objects into tokens + features and back (see the module docstring).

    Args:
        durations: the duration values in ticks (default `DURATIONS`).
        pitch_range: (low, high) MIDI pitches kept.
        interval_range: the largest leap encoded, in semitones (default `INTERVAL_RANGE`).
        version: 2 (the default) or 3: the conditioning's layout (`feature_blocks`).
        style_dim: int >= 0, the width of the solo-level style block after the features
            (0, the default: none; version 3 only; see `music.model.style`).

    Example:
        >>> from music.theory.progressions import parse_progression
        >>> solo = Solo([Note(Fraction(0), Fraction(3), 62), Note(Fraction(3), Fraction(1), 65)],
        ...             parse_progression("Dm7 |"))
        >>> enc = Encoding()
        >>> encoded = enc.encode(solo)
        >>> [enc.describe(token) for token in encoded.tokens]
        ['-5/72', '+3/24']
        >>> enc.decode(encoded.tokens, solo.chords, solo.bar_length).notes == solo.notes
        True
    """

    def __init__(
        self,
        durations=DURATIONS,
        pitch_range=PITCH_RANGE,
        interval_range=INTERVAL_RANGE,
        version=2,
        style_dim=0,
    ):
        self.version = int(version)
        self.style_dim = int(style_dim)
        if self.version not in READABLE_VERSIONS:
            raise ValueError(f"version must be one of {READABLE_VERSIONS}; got {version!r}")
        if self.style_dim < 0 or (self.style_dim and self.version < 3):
            raise ValueError(
                f"style_dim must be an integer >= 0, and 0 before version 3; got {style_dim!r}"
            )
        self.recent = self.version >= 3  # the recent pitch-class ring
        self.style_start = FEATURE_DIM + (PITCH_CLASSES if self.recent else 0)
        self.feature_dim = self.style_start + self.style_dim
        self.durations = tuple(int(d) for d in durations)
        self.pitch_range = (int(pitch_range[0]), int(pitch_range[1]))
        self.interval_range = int(interval_range)
        self.num_pitch_kinds = 2 * self.interval_range + 1
        self.rest_kind = self.num_pitch_kinds
        self.tie_kind = self.num_pitch_kinds + 1
        self.num_kinds = self.num_pitch_kinds + 2
        self.vocab_size = 1 + self.num_kinds * len(self.durations)
        self._duration_index = {d: i for i, d in enumerate(self.durations)}
        token_ids = np.arange(self.vocab_size)
        self.token_kind = np.where(token_ids == 0, -1, (token_ids - 1) // len(self.durations))
        self.token_ticks = np.where(
            token_ids == 0, 0, np.array(self.durations)[(token_ids - 1) % len(self.durations)]
        )
        is_pitch = (self.token_kind >= 0) & (self.token_kind < self.num_pitch_kinds)
        self.token_interval = np.where(is_pitch, self.token_kind - self.interval_range, 0)

    # ----------------------------------------------------------------- tokens
    def token(self, kind: int, ticks: int) -> int:
        """Token id for an event kind and a duration in ticks (one of `durations`)."""
        return 1 + kind * len(self.durations) + self._duration_index[ticks]

    def interval_kind(self, interval: int) -> int:
        """Event kind of a note `interval` semitones from the previous pitch."""
        if abs(interval) > self.interval_range:
            raise ValueError(
                f"interval {interval} is wider than interval_range {self.interval_range}"
            )
        return int(interval) + self.interval_range

    def fold_pitch(self, pitch: int) -> int:
        """`pitch` moved by octaves into `pitch_range`."""
        low, high = self.pitch_range
        while pitch < low:
            pitch += 12
        while pitch > high:
            pitch -= 12
        return pitch

    def describe(self, token: int) -> str:
        """Human-readable token, e.g. "+3/12" (a minor third up, an eighth) or "rest/24"."""
        if token == BOS:
            return "BOS"
        kind, ticks = int(self.token_kind[token]), int(self.token_ticks[token])
        name = {self.rest_kind: "rest", self.tie_kind: "tie"}.get(
            kind, f"{kind - self.interval_range:+d}"
        )
        return f"{name}/{ticks}"

    @staticmethod
    def initial_state() -> dict:
        """The melody state before a solo: {"pitch", "started", "phrase_start", "rest"} (ticks)
        and "recent", the decayed weight of each absolute pitch class among the notes so far
        (12 floats, `music.encoding.features.RECENT_DECAY`)."""
        return {
            "pitch": REFERENCE_PITCH,
            "started": False,
            "phrase_start": 0,
            "rest": 0,
            "recent": (0.0,) * PITCH_CLASSES,
        }

    def advance(self, state: dict, token: int, onset: int) -> dict:
        """The melody state after the event `token` starting at tick `onset`.

        A note moves the pitch and, as the first note or after a rest of at least
        `BREATH_TICKS`, starts a phrase, and adds 1 to its pitch class's recent weight after
        every weight decays by `RECENT_DECAY`; a rest lengthens the rest; a tie changes nothing.
        """
        kind, ticks = int(self.token_kind[token]), int(self.token_ticks[token])
        state = dict(state)
        if 0 <= kind < self.num_pitch_kinds:
            if not state["started"] or state["rest"] >= BREATH_TICKS:
                state["phrase_start"] = onset
            pitch = state["pitch"] + kind - self.interval_range
            recent = remember_pitch_classes([state["recent"]], [pitch], [True], RECENT_DECAY)
            state.update(pitch=pitch, started=True, rest=0, recent=tuple(recent[0].tolist()))
        elif kind == self.rest_kind:
            state["rest"] += ticks
        return state

    # --------------------------------------------------------------- quantise
    def quantise(self, solo: Solo) -> Solo:
        """The solo as the encoding sees it: on the tick grid, gap-free, within the pitch range.

        Onsets are rounded to the nearest tick, each event lasts until the next onset (the last
        one until its rounded end), silences become rests, adjacent rests merge, zero-length
        events are dropped, pitches are folded into `pitch_range` by octaves (and a leap wider
        than `interval_range` by octaves towards the previous pitch), velocity is 90.

        Args:
            solo: a `Solo`.

        Returns:
            Solo: the quantised copy (same chords, meter, tempo and source).
        """
        events = []  # (onset tick, end tick, pitch)
        for note in sorted(solo.notes, key=lambda n: (n.offset, n.pitch is None)):
            start, end = to_ticks(note.offset), to_ticks(note.end)
            pitch = None if note.pitch is None else self.fold_pitch(int(note.pitch))
            events.append([start, end, pitch])
        timeline = []
        cursor = 0
        for i, (start, end, pitch) in enumerate(events):
            next_start = events[i + 1][0] if i + 1 < len(events) else None
            if next_start is not None:
                end = min(end, next_start) if pitch is not None else next_start
            if start > cursor:
                timeline.append([cursor, start, None])
            start = max(start, cursor)
            if end > start:
                timeline.append([start, end, pitch])
                cursor = end
        merged = []
        previous = REFERENCE_PITCH
        for start, end, pitch in timeline:
            if pitch is not None:
                low, high = self.pitch_range
                while pitch - previous > self.interval_range and pitch - 12 >= low:
                    pitch -= 12
                while previous - pitch > self.interval_range and pitch + 12 <= high:
                    pitch += 12
                previous = pitch
            if merged and pitch is None and merged[-1][2] is None and merged[-1][1] == start:
                merged[-1][1] = end
            else:
                merged.append([start, end, pitch])
        # A trailing rest only pads: keep it, it fills the last bar.
        notes = [
            Note(Fraction(s, TICKS_PER_QUARTER), Fraction(e - s, TICKS_PER_QUARTER), p)
            for s, e, p in merged
        ]
        return dataclasses.replace(solo, notes=notes)

    # ----------------------------------------------------------------- encode
    def encode(self, solo: Solo, style=None) -> EncodedSolo:
        """Encode a solo into tokens and per-event conditioning features.

        The solo is quantised first (`quantise`); the end is padded with a rest to a whole bar.

        Args:
            solo: a `Solo` (bars start at offset 0); its tempo is a feature.
            style: float (style_dim,), the solo's style block (`music.model.style`), written
                beside every event; None for zeros (the average style). Ignored when the
                encoding has no style block.

        Returns:
            EncodedSolo: tokens (n,), features (n, feature_dim), onsets, previous pitches and
            the final melody state.

        Raises:
            ValueError: for a `style` of another width than `style_dim`.
        """
        if self.style_dim and style is not None:
            style = np.asarray(style, np.float32)
            if style.shape != (self.style_dim,):
                raise ValueError(
                    f"style must have shape ({self.style_dim},); got {tuple(style.shape)}"
                )
        bar_ticks = to_ticks(solo.bar_length)
        if bar_ticks <= 0 or bar_ticks * Fraction(1, TICKS_PER_QUARTER) != solo.bar_length:
            raise ValueError(
                f"solo {solo.source!r}: bar length {solo.bar_length} quarter notes "
                f"is not on the {TICKS_PER_QUARTER}-ticks-per-quarter grid"
            )
        timeline = ChordTimeline(solo.chords, bar_ticks)
        notes = self.quantise(solo).notes
        spans = [(to_ticks(n.offset), to_ticks(n.end), n.pitch) for n in notes]
        end = spans[-1][1] if spans else 0
        padded_end = -(-end // bar_ticks) * bar_ticks
        if padded_end > end:
            spans.append((end, padded_end, None))
        tokens, onsets, states = [], [], []
        state = self.initial_state()
        for start, stop, pitch in spans:
            first = True
            cursor = start
            while cursor < stop:
                bar_end = (cursor // bar_ticks + 1) * bar_ticks
                piece_end = min(stop, bar_end)
                for ticks in split_duration(piece_end - cursor):
                    if pitch is None:
                        kind = self.rest_kind
                    elif first:
                        kind = self.interval_kind(pitch - state["pitch"])
                    else:
                        kind = self.tie_kind
                    token = self.token(kind, ticks)
                    tokens.append(token)
                    onsets.append(cursor)
                    states.append(state)
                    state = self.advance(state, token, cursor)
                    cursor += ticks
                    first = False
        onsets = np.asarray(onsets, np.int32)
        pitches = np.asarray([s["pitch"] for s in states], np.int32)
        features = np.zeros((len(tokens), self.feature_dim), np.float32)
        if len(tokens):
            total = int(onsets[-1]) + 1
            features[:, :STATIC_DIM] = timeline.feature_table(total)[onsets]
            features[:, STATIC_DIM : self.style_start] = melody_features(
                timeline.pitch_class_table(total)[onsets],
                pitches,
                [s["started"] for s in states],
                [o - s["phrase_start"] if s["started"] else 0 for o, s in zip(onsets, states)],
                [s["rest"] for s in states],
                bar_ticks,
                solo.tempo,
                np.array([s["recent"] for s in states], np.float32) if self.recent else None,
            )
            if self.style_dim and style is not None:
                features[:, self.style_start :] = style
        return EncodedSolo(
            np.asarray(tokens, np.int32), features, onsets, pitches, state, solo.source
        )

    # ----------------------------------------------------------------- decode
    def decode(
        self,
        tokens: Sequence[int],
        chords: Sequence[Chord],
        bar_length,
        start=Fraction(0),
        pitch=REFERENCE_PITCH,
        **solo_kwargs,
    ) -> Solo:
        """Decode tokens back into a `Solo` (ties merged into their note, rests merged).

        Args:
            tokens: token ids (a leading `BOS` is skipped).
            chords: the chords to attach to the solo (the pitches do not depend on them).
            bar_length: quarter notes per bar (used to build the returned Solo's meter only when
                `beats_per_bar`/`beat_unit` are not given).
            start: offset of the first token, in quarter notes.
            pitch: the previous pitch before the first token (default `REFERENCE_PITCH`).
            **solo_kwargs: passed to `Solo` (beats_per_bar, beat_unit, tempo, source).

        Returns:
            Solo: the notes, with `chords` attached.
        """
        bar_length = Fraction(bar_length)
        events = []  # [start tick, ticks, pitch]
        cursor = to_ticks(start)
        for token in tokens:
            token = int(token)
            if token == BOS:
                continue
            if not 0 < token < self.vocab_size:
                raise ValueError(
                    f"token {token} is outside the vocabulary (1..{self.vocab_size - 1})"
                )
            kind, ticks = int(self.token_kind[token]), int(self.token_ticks[token])
            if kind == self.tie_kind and events:
                events[-1][1] += ticks
            elif kind == self.rest_kind or kind == self.tie_kind:
                if events and events[-1][2] is None:
                    events[-1][1] += ticks
                else:
                    events.append([cursor, ticks, None])
            else:
                pitch = pitch + kind - self.interval_range
                events.append([cursor, ticks, pitch])
            cursor += ticks
        notes = [
            Note(Fraction(s, TICKS_PER_QUARTER), Fraction(d, TICKS_PER_QUARTER), p)
            for s, d, p in events
        ]
        if "beats_per_bar" not in solo_kwargs:
            solo_kwargs["beats_per_bar"] = (
                int(bar_length) if bar_length.denominator == 1 else int(bar_length * 2)
            )
            solo_kwargs["beat_unit"] = 4 if bar_length.denominator == 1 else 8
        return Solo(notes=notes, chords=list(chords), **solo_kwargs)

    # ----------------------------------------------------------- augmentation
    def transpose(self, tokens: np.ndarray, features: np.ndarray, semitones: int):
        """The same events transposed by `semitones`, without re-encoding.

        Intervals, and every ring relative to the previous pitch, are the same in every key:
        what moves is the absolute root block, the register (after the first note), the rings
        heard from the reference pitch before the first note, the first note's interval
        from the reference pitch (folded by an octave if it leaves `interval_range`), and the
        register column of the style block.

        Args:
            tokens: int (n,), event tokens aligned with `features` (token i is the event whose
                conditioning is `features[i]`; BOS allowed).
            features: float (n, feature_dim).
            semitones: the interval, any integer.

        Returns:
            (tokens, features): transposed copies (int32, float32).
        """
        tokens = np.array(tokens, np.int32, copy=True)
        out = np.array(features, np.float32, copy=True)
        block = feature_block("root")
        out[:, block] = np.roll(out[:, block], semitones, axis=-1)
        before = out[:, feature_block("no_prev").start] > 0.5
        out[~before, feature_block("register").start] += semitones / REGISTER_SPAN
        for name in ("chord_from_prev", "next_from_prev", "root_from_prev"):
            ring = feature_block(name)
            out[before, ring] = np.roll(out[before, ring], semitones, axis=-1)
        if self.style_dim:
            out[:, self.style_start] += semitones / STYLE_REGISTER_SPAN
        kinds = self.token_kind[tokens]
        first = np.flatnonzero(before & (kinds >= 0) & (kinds < self.num_pitch_kinds))
        for i in first:
            interval = int(self.token_interval[tokens[i]]) + semitones
            while interval > self.interval_range:
                interval -= 12
            while interval < -self.interval_range:
                interval += 12
            tokens[i] = self.token(self.interval_kind(interval), int(self.token_ticks[tokens[i]]))
        return tokens, out

    # ---------------------------------------------------------------- config
    def get_config(self) -> dict:
        """JSON-able description; `Encoding.from_config` rebuilds the same encoding.

        Written with the encoding's own version (2, or 3 with or without a style block).
        """
        version = self.version
        style = {"style_dim": self.style_dim} if version >= 3 else {}
        return {
            "name": f"{ENCODING_NAME}-v{version}",
            "version": version,
            "ticks_per_quarter": TICKS_PER_QUARTER,
            "durations": list(self.durations),
            "pitch_range": list(self.pitch_range),
            "interval_range": self.interval_range,
            "reference_pitch": REFERENCE_PITCH,
            "breath_ticks": BREATH_TICKS,
            "vocab_size": self.vocab_size,
            "feature_dim": self.feature_dim,
            "feature_blocks": [list(b) for b in feature_blocks(version, self.style_dim)],
            **style,
            "bos": BOS,
            "token_layout": "token = 1 + kind * len(durations) + duration_index; kinds: "
            "0..2*interval_range = interval from the previous pitch + "
            "interval_range, then rest, then tie",
        }

    @classmethod
    def from_config(cls, config: dict, *, source="encoding config") -> "Encoding":
        """Rebuild an encoding from `get_config()` output, checking every field.

        The fields are closed (an unknown one is refused). Fixed by the version (2 or 3,
        `READABLE_VERSIONS`): `name`, `ticks_per_quarter`, `reference_pitch`, `breath_ticks`,
        `bos`; `feature_dim` and `feature_blocks` by the version and `style_dim` (version 3
        only: an integer >= 1, the width of the style block). Chosen when the model was built: `durations` (whole ticks,
        strictly increasing, starting at 1 so that every bar can be filled), `pitch_range`
        ([low, high] MIDI pitches, low < high, at least an octave apart) and `interval_range`
        (1..127 semitones); `vocab_size` must be the number of tokens they make.
        `token_layout` is a description (a string).

        Args:
            config: the parsed JSON of an encoding.
            source: str naming the file in messages (the model loader passes
                `"--model <folder>: encoding.json"`). Defaults to `"encoding config"`.

        Returns:
            Encoding.

        Raises:
            EncodingVersionError: the config is of a version this code does not read (an
                encoding written before versions were recorded is version 1); the message
                names both.
            zoo.artifacts.fields.FieldError: (a ValueError) a field that is missing, of the
                wrong type, out of range or inconsistent; one line naming `source` and the
                field.

        Example:
            >>> config = {**Encoding().get_config(), "pitch_range": [99, 36]}
            >>> Encoding.from_config(config)
            Traceback (most recent call last):
            ...
            zoo.artifacts.fields.FieldError: encoding config: field pitch_range must be ...; got [99, 36]
        """
        from zoo.artifacts import fields as checks

        fields = checks.Fields(config, source)
        version = fields.read("version", checks.integer(), default=1)
        if version not in READABLE_VERSIONS:
            raise EncodingVersionError(
                f"encoding version {version} ({config.get('name')!r}), but this seqzoo reads "
                f"encoding version {ENCODING_VERSION} ('{ENCODING_NAME}-v{ENCODING_VERSION}') "
                f"and {READABLE_VERSIONS[0]} (without a style)"
            )
        fixed = f"fixed in encoding version {version}"
        style_dim = 0
        if version >= 3:
            style_dim = fields.read("style_dim", checks.integer(0, 4096))
        pitch = checks.integer(0, 127)
        values = fields.read_all(
            {
                "name": checks.exactly(f"{ENCODING_NAME}-v{version}", fixed),
                "version": checks.integer(),
                "ticks_per_quarter": checks.exactly(TICKS_PER_QUARTER, fixed),
                "durations": checks.Spec(
                    lambda v: (
                        checks.list_of(checks.integer(low=1), increasing=True)(v) and v[:1] == [1]
                    ),
                    "a strictly increasing list of integer ticks starting at 1",
                ),
                "pitch_range": checks.Spec(
                    lambda v: (
                        isinstance(v, list)
                        and len(v) == 2
                        and all(map(pitch, v))
                        and v[1] - v[0] >= 11
                    ),
                    "[low, high] MIDI pitches (0..127) with low < high, at least an octave apart",
                ),
                "interval_range": checks.integer(1, 127),
                "reference_pitch": checks.exactly(REFERENCE_PITCH, fixed),
                "breath_ticks": checks.exactly(BREATH_TICKS, fixed),
                "vocab_size": checks.integer(low=2),
                "feature_dim": checks.exactly(
                    sum(w for _, w in feature_blocks(version, style_dim)), fixed
                ),
                "feature_blocks": checks.exactly(
                    [list(b) for b in feature_blocks(version, style_dim)],
                    fixed,
                    shown=f"the {len(feature_blocks(version, style_dim))} [name, width] pairs "
                    f"of feature_blocks({version}, {style_dim})",
                ),
                **({"style_dim": checks.integer(0, 4096)} if version >= 3 else {}),
                "bos": checks.exactly(BOS, fixed),
                "token_layout": checks.text(),
            },
            closed=True,
            what=f"encoding version {version}",
        )
        encoding = cls(
            durations=values["durations"],
            pitch_range=values["pitch_range"],
            interval_range=values["interval_range"],
            version=version,
            style_dim=style_dim,
        )
        if encoding.vocab_size != values["vocab_size"]:
            fields.fail(
                "vocab_size",
                f"is {values['vocab_size']}, but durations and "
                f"interval_range make {encoding.vocab_size} tokens "
                f"(1 + (2 * interval_range + 3) * len(durations))",
            )
        return encoding


def transpose_solo(solo: Solo, semitones: int) -> Solo:
    """Transpose a solo's pitches and chord roots (figures renamed from the new root).

    Args:
        solo: a `Solo`.
        semitones: the interval.

    Returns:
        Solo: a transposed copy.
    """
    notes = [
        dataclasses.replace(n, pitch=None if n.pitch is None else n.pitch + semitones)
        for n in solo.notes
    ]
    chords = []
    for c in solo.chords:
        if c.root is None:
            chords.append(c)
            continue
        root = (c.root + semitones) % 12
        bass = None if c.bass is None else (c.bass + semitones) % 12
        chords.append(
            dataclasses.replace(c, root=root, bass=bass, figure=NOTE_NAMES[root] + c.quality)
        )
    return dataclasses.replace(solo, notes=notes, chords=chords)


__all__ = [
    "BOS",
    "ENCODING_NAME",
    "ENCODING_VERSION",
    "READABLE_VERSIONS",
    "INTERVAL_RANGE",
    "NOTE_NAMES",
    "PITCH_RANGE",
    "EncodedSolo",
    "Encoding",
    "EncodingVersionError",
    "transpose_solo",
]
