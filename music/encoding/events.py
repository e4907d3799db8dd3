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

Beside every token goes a conditioning vector (`FEATURE_DIM` floats) that describes *where the
event starts*, in two parts:

- from the progression and the clock (`ChordTimeline`, `STATIC_DIM` floats): the current chord
  (pitch classes relative to its root, absolute root), the next chord (relative to the current
  root), ticks to the chord change, the beat and the position inside the beat, what is left of
  the bar, the bar within a 4-bar group;
- from the melody so far (`melody_features`): which intervals from the previous pitch land on
  a tone of the current chord, of the next chord, on the current root (three 12-wide rings,
  interval mod 12), the register of the previous pitch, whether there was one, how long the
  current phrase has lasted (since the first note after a rest of at least a beat,
  `BREATH_TICKS`), how long the rest before this event is, and the tempo.

At generation time the same vector is computed from the progression, the position reached and
the melody generated so far (`music.model.improvise`), which is how the model "hears" the changes.
`ENCODING_VERSION` changes whenever the meaning of tokens or features changes: a model folder
written for another version is refused with a message naming both (`EncodingVersionError`).

Not representable (and what `quantise` does with it):
- onsets/ends off the 1/24-quarter grid (64ths, quintuplets, expressive timing): rounded to the
  nearest tick; an event that shrinks to zero ticks is dropped (the next event starts there);
- pitches outside `PITCH_RANGE` (C2..D#7): moved by octaves into the range; a leap wider than
  `INTERVAL_RANGE` semitones (none in WJazzD): the note moves by octaves towards the previous one;
- velocities: not encoded, decoded notes get velocity 90;
- rests next to each other: merged into one rest; overlaps (polyphony): cut at the next onset;
- bars are assumed to start at offset 0 with `solo.bar_length` (no pickups, one meter per solo).
"""

import bisect
import dataclasses
import functools
import math
from fractions import Fraction
from typing import List, Optional, Sequence, Tuple

import numpy as np

from music.types import Chord, Note, Solo

TICKS_PER_QUARTER = 24
DURATIONS = (1, 2, 3, 4, 6, 8, 9, 12, 16, 18, 24, 32, 36, 48, 72, 96)
PITCH_RANGE = (36, 99)  # lowest and highest MIDI pitch kept (C2 .. D#7)
BOS = 0
INTERVAL_RANGE = 36  # largest leap encoded, in semitones (up or down)
REFERENCE_PITCH = 67  # the "previous pitch" before the first note (G4)
BREATH_TICKS = 24  # a rest at least this long (a beat) ends a phrase
ENCODING_NAME = "interval-events"
ENCODING_VERSION = 2
NOTE_NAMES = ("C", "C#", "D", "E-", "E", "F", "F#", "G", "A-", "A", "B-", "B")

# Layout of the conditioning vector: (name, width), in order. The first blocks come from the
# progression and the clock (`ChordTimeline`), the others from the melody (`melody_features`).
STATIC_BLOCKS = (
    ("chord_pcs", 12),        # current chord pitch classes relative to its root
    ("root", 12),             # current chord root, absolute pitch class one-hot
    ("next_pcs", 12),         # next chord pitch classes relative to the current root
    ("next_root", 12),        # next chord root relative to the current root, one-hot
    ("no_chord", 1),          # 1 under N.C. or where the solo has no chords
    ("to_change", 1),         # ticks to the next chord change / 96, clipped to 1
    ("beat", 8),              # quarter-note beat in the bar, one-hot (beats >= 8 share the last)
    ("sub_beat", 24),         # tick inside the beat, one-hot
    ("bar_left", 1),          # ticks left in the bar / bar ticks
    ("phrase_bar", 4),        # bar index mod 4, one-hot
)
MELODY_BLOCKS = (
    ("chord_from_prev", 12),  # 1 at d if previous pitch + d is a tone of the current chord
    ("next_from_prev", 12),   # the same for the next chord
    ("root_from_prev", 12),   # 1 at d if previous pitch + d is the current root (mod 12)
    ("register", 1),          # (previous pitch - REFERENCE_PITCH) / 24
    ("no_prev", 1),           # 1 before the first note
    ("phrase_length", 1),     # ticks since the phrase began / (8 bars), clipped to 1
    ("rest_before", 1),       # ticks of rest just before this event / 96, clipped to 1
    ("tempo", 1),             # log2(tempo / 160)
)
FEATURE_BLOCKS = STATIC_BLOCKS + MELODY_BLOCKS
STATIC_DIM = sum(width for _, width in STATIC_BLOCKS)
FEATURE_DIM = sum(width for _, width in FEATURE_BLOCKS)


class EncodingVersionError(ValueError):
    """A saved encoding of another `ENCODING_VERSION` than this code reads."""


def _block(name):
    start = 0
    for block, width in FEATURE_BLOCKS:
        if block == name:
            return slice(start, start + width)
        start += width
    raise KeyError(name)


def to_ticks(value) -> int:
    """Convert quarter notes (Fraction/float) to the nearest whole tick.

    Args:
        value: a time in quarter notes.

    Returns:
        int: `round(value * TICKS_PER_QUARTER)`, halves rounded up.

    Example:
        >>> to_ticks(Fraction(1, 3))
        8
    """
    return int(math.floor(Fraction(value) * TICKS_PER_QUARTER + Fraction(1, 2)))


def split_duration(ticks: int) -> List[int]:
    """Split a duration into the fewest `DURATIONS` values, longest first.

    Args:
        ticks: a positive number of ticks.

    Returns:
        list of int: values from `DURATIONS` summing to `ticks` (the first one is the note, the
        rest become ties).

    Example:
        >>> split_duration(30)
        [24, 6]
    """
    return list(_split_duration(int(ticks)))


@functools.lru_cache(maxsize=4096)
def _split_duration(ticks):
    best = [None] * (ticks + 1)
    best[0] = ()
    for total in range(1, ticks + 1):
        for value in DURATIONS:
            if value <= total and best[total - value] is not None:
                candidate = tuple(sorted(best[total - value] + (value,), reverse=True))
                if best[total] is None or len(candidate) < len(best[total]) or (
                        len(candidate) == len(best[total]) and candidate > best[total]):
                    best[total] = candidate
    return best[ticks]


class ChordTimeline:
    """The chords of a solo or a progression on the tick grid, for root and feature look-ups.

    Args:
        chords: `Chord` spans in time order (may be empty: then no chord anywhere).
        bar_ticks: ticks per bar.

    Example:
        >>> timeline = ChordTimeline(solo.chords, to_ticks(solo.bar_length))
        >>> timeline.root_at(0)
    """

    def __init__(self, chords: Sequence[Chord], bar_ticks: int):
        self.bar_ticks = int(bar_ticks)
        self.starts = [to_ticks(c.offset) for c in chords]
        self.chords = list(chords)
        self._feature_cache = {}

    def index_at(self, tick: int) -> int:
        """Index of the chord sounding at `tick`, or -1 before the first chord."""
        return bisect.bisect_right(self.starts, tick) - 1

    def chord_at(self, tick: int) -> Optional[Chord]:
        index = self.index_at(tick)
        return self.chords[index] if index >= 0 else None

    def root_at(self, tick: int) -> int:
        """Root pitch class at `tick`; 0 (C) under N.C. or with no chord, so pitches stay absolute."""
        chord = self.chord_at(tick)
        return chord.root if chord is not None and chord.root is not None else 0

    def features(self, tick: int) -> np.ndarray:
        """The progression/clock part of the conditioning (`STATIC_DIM` float32) at `tick`."""
        index = self.index_at(tick)
        key_chord = self._chord_features(index, tick)
        out = np.zeros(STATIC_DIM, np.float32)
        out[: len(key_chord)] = key_chord
        bar, pos = divmod(tick, self.bar_ticks)
        beat, sub = divmod(pos, TICKS_PER_QUARTER)
        out[_block("beat")][min(beat, 7)] = 1.0
        out[_block("sub_beat")][sub] = 1.0
        out[_block("bar_left")] = (self.bar_ticks - pos) / self.bar_ticks
        out[_block("phrase_bar")][bar % 4] = 1.0
        if index + 1 < len(self.starts):
            out[_block("to_change")] = min(1.0, (self.starts[index + 1] - tick) / 96.0)
        return out

    def feature_table(self, total_ticks: int) -> np.ndarray:
        """`features(t)` for every tick in [0, total_ticks), vectorised.

        Args:
            total_ticks: int, how many ticks.

        Returns:
            np.ndarray float32 (total_ticks, STATIC_DIM): row t == `features(t)`.
        """
        ticks = np.arange(total_ticks)
        index = np.searchsorted(np.asarray(self.starts, np.int64), ticks, side="right") - 1
        width = _block("to_change").start
        per_chord = np.stack([self._chord_features(i, 0) for i in range(-1, len(self.chords))]
                             ) if total_ticks else np.zeros((0, width), np.float32)
        out = np.zeros((total_ticks, STATIC_DIM), np.float32)
        out[:, :width] = per_chord[index + 1]
        starts = np.asarray(self.starts + [0], np.int64)
        has_next = index + 1 < len(self.starts)
        to_change = np.minimum(1.0, (starts[np.minimum(index + 1, len(self.starts))] - ticks) / 96.0)
        out[:, _block("to_change").start] = np.where(has_next, to_change, 0.0)
        bar, pos = np.divmod(ticks, self.bar_ticks)
        beat, sub = np.divmod(pos, TICKS_PER_QUARTER)
        out[ticks, _block("beat").start + np.minimum(beat, 7)] = 1.0
        out[ticks, _block("sub_beat").start + sub] = 1.0
        out[:, _block("bar_left").start] = (self.bar_ticks - pos) / self.bar_ticks
        out[ticks, _block("phrase_bar").start + bar % 4] = 1.0
        return out

    def root_table(self, total_ticks: int) -> np.ndarray:
        """`root_at(t)` for every tick in [0, total_ticks), as int32."""
        roots = np.array([0] + [c.root if c.root is not None else 0 for c in self.chords], np.int32)
        index = np.searchsorted(np.asarray(self.starts, np.int64), np.arange(total_ticks),
                                side="right")
        return roots[index]

    def pitch_class_table(self, total_ticks: int) -> np.ndarray:
        """Absolute pitch-class rings at every tick, for `melody_features`.

        Args:
            total_ticks: int, how many ticks.

        Returns:
            np.ndarray float32 (total_ticks, 3, 12): per tick, the current chord's pitch
            classes, the next chord's, and the current root (one-hot), all absolute (C = 0);
            zeros under N.C. (and for the next chord after the last one).
        """
        rings = np.zeros((len(self.chords) + 1, 3, 12), np.float32)
        for i in range(-1, len(self.chords)):
            chord = self.chords[i] if i >= 0 else None
            if chord is not None and chord.root is not None:
                rings[i + 1, 0, [(chord.root + pc) % 12 for pc in chord.pitch_classes]] = 1.0
                rings[i + 1, 2, chord.root % 12] = 1.0
            following = next((c for c in self.chords[i + 1:] if c.root is not None), None)
            if following is not None:
                rings[i + 1, 1, [(following.root + pc) % 12
                                 for pc in following.pitch_classes]] = 1.0
        index = np.searchsorted(np.asarray(self.starts, np.int64), np.arange(total_ticks),
                                side="right")
        return rings[index]

    def _chord_features(self, index: int, tick: int) -> np.ndarray:
        cached = self._feature_cache.get(index)
        if cached is not None:
            return cached
        width = _block("to_change").start
        out = np.zeros(width, np.float32)
        chord = self.chords[index] if index >= 0 else None
        if chord is None or chord.root is None:
            out[_block("no_chord")] = 1.0
            root = 0
        else:
            root = chord.root
            out[_block("chord_pcs")][list(chord.pitch_classes)] = 1.0
            out[_block("root")][root] = 1.0
        following = None
        for later in self.chords[index + 1:]:
            if later.root is not None:
                following = later
                break
        if following is not None:
            shift = (following.root - root) % 12
            out[_block("next_pcs")][[(shift + pc) % 12 for pc in following.pitch_classes]] = 1.0
            out[_block("next_root")][shift] = 1.0
        self._feature_cache[index] = out
        return out


def melody_features(rings, pitch, started, phrase_ticks, rest_ticks, bar_ticks, tempo):
    """The melody part of the conditioning, from the melody state before each event.

    `music.model.improvise` computes the same numbers in its TensorFlow loop (a test checks both).

    Args:
        rings: float (n, 3, 12), `ChordTimeline.pitch_class_table` rows at the events' onsets.
        pitch: int (n,), the previous sounding pitch (`REFERENCE_PITCH` before the first note).
        started: bool (n,), whether a note has sounded before.
        phrase_ticks: int (n,), ticks since the current phrase's first note (0 before any).
        rest_ticks: int (n,), ticks of rest right before the event.
        bar_ticks: ticks per bar.
        tempo: quarter notes per minute (a missing or non-positive tempo counts as 160).

    Returns:
        np.ndarray float32 (n, FEATURE_DIM - STATIC_DIM).
    """
    try:
        tempo = float(tempo)
    except (TypeError, ValueError):
        tempo = 160.0
    if not (math.isfinite(tempo) and tempo > 0):
        tempo = 160.0
    pitch = np.asarray(pitch, np.int64)
    n = len(pitch)
    turn = (pitch[:, None] + np.arange(12)[None, :]) % 12  # (n, 12): pitch class of pitch + d
    rolled = np.take_along_axis(np.asarray(rings, np.float32), turn[:, None, :], axis=2)
    scalars = np.stack([
        (pitch - REFERENCE_PITCH) / 24.0,
        1.0 - np.asarray(started, np.float32),
        np.minimum(1.0, np.asarray(phrase_ticks) / (8.0 * bar_ticks)),
        np.minimum(1.0, np.asarray(rest_ticks) / 96.0),
        np.full(n, math.log2(float(tempo) / 160.0)),
    ], axis=1)
    return np.concatenate([rolled.reshape(n, 36), scalars], axis=1).astype(np.float32)


@dataclasses.dataclass
class EncodedSolo:
    """A solo as model inputs.

    Args:
        tokens: int32 (n,), the events, without BOS.
        features: float32 (n, FEATURE_DIM), the conditioning for each event (at its onset).
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

    Example:
        >>> enc = Encoding()
        >>> encoded = enc.encode(solo)
        >>> enc.decode(encoded.tokens, solo.chords, solo.bar_length).notes == solo.notes
    """

    def __init__(self, durations=DURATIONS, pitch_range=PITCH_RANGE, interval_range=INTERVAL_RANGE):
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
            token_ids == 0, 0, np.array(self.durations)[(token_ids - 1) % len(self.durations)])
        is_pitch = (self.token_kind >= 0) & (self.token_kind < self.num_pitch_kinds)
        self.token_interval = np.where(is_pitch, self.token_kind - self.interval_range, 0)

    # ----------------------------------------------------------------- tokens
    def token(self, kind: int, ticks: int) -> int:
        """Token id for an event kind and a duration in ticks (one of `durations`)."""
        return 1 + kind * len(self.durations) + self._duration_index[ticks]

    def interval_kind(self, interval: int) -> int:
        """Event kind of a note `interval` semitones from the previous pitch."""
        if abs(interval) > self.interval_range:
            raise ValueError(f"interval {interval} is wider than interval_range "
                             f"{self.interval_range}")
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
            kind, f"{kind - self.interval_range:+d}")
        return f"{name}/{ticks}"

    @staticmethod
    def initial_state() -> dict:
        """The melody state before a solo: {"pitch", "started", "phrase_start", "rest"} (ticks)."""
        return {"pitch": REFERENCE_PITCH, "started": False, "phrase_start": 0, "rest": 0}

    def advance(self, state: dict, token: int, onset: int) -> dict:
        """The melody state after the event `token` starting at tick `onset`.

        A note moves the pitch and, as the first note or after a rest of at least
        `BREATH_TICKS`, starts a phrase; a rest lengthens the rest; a tie changes nothing.
        """
        kind, ticks = int(self.token_kind[token]), int(self.token_ticks[token])
        state = dict(state)
        if 0 <= kind < self.num_pitch_kinds:
            if not state["started"] or state["rest"] >= BREATH_TICKS:
                state["phrase_start"] = onset
            state.update(pitch=state["pitch"] + kind - self.interval_range, started=True, rest=0)
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
        notes = [Note(Fraction(s, TICKS_PER_QUARTER), Fraction(e - s, TICKS_PER_QUARTER), p)
                 for s, e, p in merged]
        return dataclasses.replace(solo, notes=notes)

    # ----------------------------------------------------------------- encode
    def encode(self, solo: Solo) -> EncodedSolo:
        """Encode a solo into tokens and per-event conditioning features.

        The solo is quantised first (`quantise`); the end is padded with a rest to a whole bar.

        Args:
            solo: a `Solo` (bars start at offset 0); its tempo is a feature.

        Returns:
            EncodedSolo: tokens (n,), features (n, FEATURE_DIM), onsets, previous pitches and
            the final melody state.
        """
        bar_ticks = to_ticks(solo.bar_length)
        if bar_ticks <= 0 or bar_ticks * Fraction(1, TICKS_PER_QUARTER) != solo.bar_length:
            raise ValueError(f"solo {solo.source!r}: bar length {solo.bar_length} quarter notes "
                             f"is not on the {TICKS_PER_QUARTER}-ticks-per-quarter grid")
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
        features = np.zeros((len(tokens), FEATURE_DIM), np.float32)
        if len(tokens):
            total = int(onsets[-1]) + 1
            features[:, :STATIC_DIM] = timeline.feature_table(total)[onsets]
            features[:, STATIC_DIM:] = melody_features(
                timeline.pitch_class_table(total)[onsets], pitches,
                [s["started"] for s in states],
                [o - s["phrase_start"] if s["started"] else 0 for o, s in zip(onsets, states)],
                [s["rest"] for s in states], bar_ticks, solo.tempo)
        return EncodedSolo(np.asarray(tokens, np.int32), features, onsets, pitches, state,
                           solo.source)

    # ----------------------------------------------------------------- decode
    def decode(self, tokens: Sequence[int], chords: Sequence[Chord], bar_length,
               start=Fraction(0), pitch=REFERENCE_PITCH, **solo_kwargs) -> Solo:
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
                raise ValueError(f"token {token} is outside the vocabulary (1..{self.vocab_size - 1})")
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
        notes = [Note(Fraction(s, TICKS_PER_QUARTER), Fraction(d, TICKS_PER_QUARTER), p)
                 for s, d, p in events]
        if "beats_per_bar" not in solo_kwargs:
            solo_kwargs["beats_per_bar"] = int(bar_length) if bar_length.denominator == 1 else int(
                bar_length * 2)
            solo_kwargs["beat_unit"] = 4 if bar_length.denominator == 1 else 8
        return Solo(notes=notes, chords=list(chords), **solo_kwargs)

    # ----------------------------------------------------------- augmentation
    def transpose(self, tokens: np.ndarray, features: np.ndarray, semitones: int):
        """The same events transposed by `semitones`, without re-encoding.

        Intervals, and every ring relative to the previous pitch, are the same in every key:
        what moves is the absolute root block, the register (after the first note), the rings
        heard from the reference pitch before the first note, and the first note's interval
        from the reference pitch (folded by an octave if it leaves `interval_range`).

        Args:
            tokens: int (n,), event tokens aligned with `features` (token i is the event whose
                conditioning is `features[i]`; BOS allowed).
            features: float (n, FEATURE_DIM).
            semitones: the interval, any integer.

        Returns:
            (tokens, features): transposed copies (int32, float32).
        """
        tokens = np.array(tokens, np.int32, copy=True)
        out = np.array(features, np.float32, copy=True)
        block = _block("root")
        out[:, block] = np.roll(out[:, block], semitones, axis=-1)
        before = out[:, _block("no_prev").start] > 0.5
        out[~before, _block("register").start] += semitones / 24.0
        for name in ("chord_from_prev", "next_from_prev", "root_from_prev"):
            ring = _block(name)
            out[before, ring] = np.roll(out[before, ring], semitones, axis=-1)
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
        """JSON-able description; `Encoding.from_config` rebuilds the same encoding."""
        return {
            "name": f"{ENCODING_NAME}-v{ENCODING_VERSION}",
            "version": ENCODING_VERSION,
            "ticks_per_quarter": TICKS_PER_QUARTER,
            "durations": list(self.durations),
            "pitch_range": list(self.pitch_range),
            "interval_range": self.interval_range,
            "reference_pitch": REFERENCE_PITCH,
            "breath_ticks": BREATH_TICKS,
            "vocab_size": self.vocab_size,
            "feature_dim": FEATURE_DIM,
            "feature_blocks": [list(b) for b in FEATURE_BLOCKS],
            "bos": BOS,
            "token_layout": "token = 1 + kind * len(durations) + duration_index; kinds: "
                            "0..2*interval_range = interval from the previous pitch + "
                            "interval_range, then rest, then tie",
        }

    @classmethod
    def from_config(cls, config: dict, *, source="encoding config") -> "Encoding":
        """Rebuild an encoding from `get_config()` output, checking every field.

        The fields are closed (an unknown one is refused). Fixed by `ENCODING_VERSION`:
        `name`, `ticks_per_quarter`, `reference_pitch`, `breath_ticks`, `feature_dim`,
        `feature_blocks`, `bos`. Chosen when the model was built: `durations` (whole ticks,
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
            EncodingVersionError: the config is of another `ENCODING_VERSION` (an encoding
                written before versions were recorded is version 1); the message names both.
            zoo.artifacts.fields.FieldError: (a ValueError) a field that is missing, of the
                wrong type, out of range or inconsistent; one line naming `source` and the
                field.

        Example:
            >>> config = {**Encoding().get_config(), "pitch_range": [99, 36]}
            >>> Encoding.from_config(config)
            Traceback (most recent call last):
            ...
            zoo.artifacts.fields.FieldError: encoding config: field pitch_range must be [low, high] MIDI pitches (0..127) with low < high, at least an octave apart; got [99, 36]
        """
        from zoo.artifacts import fields as checks

        fields = checks.Fields(config, source)
        version = fields.read("version", checks.integer(), default=1)
        if version != ENCODING_VERSION:
            raise EncodingVersionError(
                f"encoding version {version} ({config.get('name')!r}), but this seqzoo reads "
                f"encoding version {ENCODING_VERSION} ('{ENCODING_NAME}-v{ENCODING_VERSION}')")
        fixed = f"fixed in encoding version {ENCODING_VERSION}"
        pitch = checks.integer(0, 127)
        values = fields.read_all({
            "name": checks.exactly(f"{ENCODING_NAME}-v{ENCODING_VERSION}", fixed),
            "version": checks.integer(),
            "ticks_per_quarter": checks.exactly(TICKS_PER_QUARTER, fixed),
            "durations": checks.Spec(
                lambda v: checks.list_of(checks.integer(low=1), increasing=True)(v)
                and v[:1] == [1], "a strictly increasing list of integer ticks "
                                  "starting at 1"),
            "pitch_range": checks.Spec(
                lambda v: isinstance(v, list) and len(v) == 2 and all(map(pitch, v))
                and v[1] - v[0] >= 11, "[low, high] MIDI pitches (0..127) with low < high, "
                                       "at least an octave apart"),
            "interval_range": checks.integer(1, 127),
            "reference_pitch": checks.exactly(REFERENCE_PITCH, fixed),
            "breath_ticks": checks.exactly(BREATH_TICKS, fixed),
            "vocab_size": checks.integer(low=2),
            "feature_dim": checks.exactly(FEATURE_DIM, fixed),
            "feature_blocks": checks.exactly(
                [list(b) for b in FEATURE_BLOCKS], fixed,
                shown=f"the {len(FEATURE_BLOCKS)} [name, width] pairs of FEATURE_BLOCKS"),
            "bos": checks.exactly(BOS, fixed),
            "token_layout": checks.text(),
        }, closed=True, what=f"encoding version {ENCODING_VERSION}")
        encoding = cls(durations=values["durations"], pitch_range=values["pitch_range"],
                       interval_range=values["interval_range"])
        if encoding.vocab_size != values["vocab_size"]:
            fields.fail("vocab_size", f"is {values['vocab_size']}, but durations and "
                                      f"interval_range make {encoding.vocab_size} tokens "
                                      f"(1 + (2 * interval_range + 3) * len(durations))")
        return encoding


def transpose_solo(solo: Solo, semitones: int) -> Solo:
    """Transpose a solo's pitches and chord roots (figures renamed from the new root).

    Args:
        solo: a `Solo`.
        semitones: the interval.

    Returns:
        Solo: a transposed copy.
    """
    notes = [dataclasses.replace(n, pitch=None if n.pitch is None else n.pitch + semitones)
             for n in solo.notes]
    chords = []
    for c in solo.chords:
        if c.root is None:
            chords.append(c)
            continue
        root = (c.root + semitones) % 12
        bass = None if c.bass is None else (c.bass + semitones) % 12
        chords.append(dataclasses.replace(c, root=root, bass=bass,
                                          figure=NOTE_NAMES[root] + c.quality))
    return dataclasses.replace(solo, notes=notes, chords=chords)


__all__ = ["Encoding", "EncodedSolo", "EncodingVersionError", "ChordTimeline", "BOS",
           "BREATH_TICKS", "DURATIONS", "ENCODING_VERSION", "FEATURE_DIM", "FEATURE_BLOCKS",
           "INTERVAL_RANGE", "PITCH_RANGE", "REFERENCE_PITCH", "STATIC_DIM", "TICKS_PER_QUARTER",
           "melody_features", "split_duration", "to_ticks", "transpose_solo"]
