"""Chord-relative event encoding of a solo: tokens for the LSTM and chord/bar features beside them.

A solo becomes a sequence of **events**, one token each. An event is a *kind* and a *duration*:

- kind: a pitch written relative to the root of the chord sounding at the event's onset,
  `q = pitch - root` with the root taken as a pitch class 0..11 (so `q // 12` is a register
  bucket and `q % 12` the chord degree: over Dm7 and over Em7 the same phrase gives the same
  tokens; a root past B moves the phrase one register bucket, which transposition augmentation
  covers); or `REST`; or `TIE`, which continues the previous note (a note that crosses a bar
  line, or whose length is not one of the duration values, is split into a note and ties).
- duration: one of `DURATIONS`, in ticks of 1/24 quarter note: 32nds, 16th and 8th triplets,
  swung eighths (a 2:1 pair is 16 + 8 ticks), dotted values, up to a whole 4/4 bar.

The token is `1 + kind * len(DURATIONS) + duration_index`; token 0 is `BOS` (start of solo).
Events never cross a bar line, so the durations of a bar's events sum exactly to the bar.
Decoding needs only the tokens and the chords (for the roots): `decode(encode(s))` gives back
the notes of `s` exactly when `s` is on the grid, see `quantise` for what is not representable.

Beside every token goes a conditioning vector (`FEATURE_DIM` floats) that describes *where the
event starts*: the current chord (its pitch-class set relative to its root, its absolute root),
the next chord (pitch classes and root relative to the current root), ticks to the chord change,
the beat and the position inside the beat, what is left of the bar, and the bar within a 4-bar
phrase. At generation time the same vector is computed from the progression and the position
reached so far, which is how the model "hears" the changes.

Not representable (and what `quantise` does with it):
- onsets/ends off the 1/24-quarter grid (64ths, quintuplets, expressive timing): rounded to the
  nearest tick; an event that shrinks to zero ticks is dropped (the next event starts there);
- pitches outside `PITCH_RANGE` (C2..D#7): moved by octaves into the range;
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
NOTE_NAMES = ("C", "C#", "D", "E-", "E", "F", "F#", "G", "A-", "A", "B-", "B")

# Layout of the conditioning vector: (name, width), in order.
FEATURE_BLOCKS = (
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
FEATURE_DIM = sum(width for _, width in FEATURE_BLOCKS)


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
        """The conditioning vector (`FEATURE_DIM` float32) for an event starting at `tick`."""
        index = self.index_at(tick)
        key_chord = self._chord_features(index, tick)
        out = np.zeros(FEATURE_DIM, np.float32)
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
        """Conditioning vectors for every tick in [0, total_ticks), vectorised (same as `features`).

        Args:
            total_ticks: int, how many ticks.

        Returns:
            np.ndarray float32 (total_ticks, FEATURE_DIM): row t == `features(t)`.
        """
        ticks = np.arange(total_ticks)
        index = np.searchsorted(np.asarray(self.starts, np.int64), ticks, side="right") - 1
        width = _block("to_change").start
        per_chord = np.stack([self._chord_features(i, 0) for i in range(-1, len(self.chords))]
                             ) if total_ticks else np.zeros((0, width), np.float32)
        out = np.zeros((total_ticks, FEATURE_DIM), np.float32)
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


@dataclasses.dataclass
class EncodedSolo:
    """A solo as model inputs.

    Args:
        tokens: int32 (n,), the events, without BOS.
        features: float32 (n, FEATURE_DIM), the conditioning for each event (at its onset).
        roots: int32 (n,), the root pitch class each event's pitch is relative to.
        onsets: int32 (n,), event start in ticks.
        source: where the solo came from.
    """

    tokens: np.ndarray
    features: np.ndarray
    roots: np.ndarray
    onsets: np.ndarray
    source: str = ""


class Encoding:
    """Turns `Solo` objects into tokens + features and back (see the module docstring).

    Args:
        durations: the duration values in ticks (default `DURATIONS`).
        pitch_range: (low, high) MIDI pitches kept.

    Example:
        >>> enc = Encoding()
        >>> encoded = enc.encode(solo)
        >>> enc.decode(encoded.tokens, solo.chords, solo.bar_length).notes == solo.notes
    """

    def __init__(self, durations=DURATIONS, pitch_range=PITCH_RANGE):
        self.durations = tuple(int(d) for d in durations)
        self.pitch_range = (int(pitch_range[0]), int(pitch_range[1]))
        self.q_low = self.pitch_range[0] - 11
        self.num_pitch_kinds = self.pitch_range[1] - self.q_low + 1
        self.rest_kind = self.num_pitch_kinds
        self.tie_kind = self.num_pitch_kinds + 1
        self.num_kinds = self.num_pitch_kinds + 2
        self.vocab_size = 1 + self.num_kinds * len(self.durations)
        self._duration_index = {d: i for i, d in enumerate(self.durations)}
        token_ids = np.arange(self.vocab_size)
        self.token_kind = np.where(token_ids == 0, -1, (token_ids - 1) // len(self.durations))
        self.token_ticks = np.where(
            token_ids == 0, 0, np.array(self.durations)[(token_ids - 1) % len(self.durations)])

    # ----------------------------------------------------------------- tokens
    def token(self, kind: int, ticks: int) -> int:
        """Token id for an event kind and a duration in ticks (one of `durations`)."""
        return 1 + kind * len(self.durations) + self._duration_index[ticks]

    def pitch_kind(self, pitch: int, root: int) -> int:
        """Event kind of a MIDI pitch over a root pitch class (pitch folded into range first)."""
        return self.fold_pitch(pitch) - root - self.q_low

    def fold_pitch(self, pitch: int) -> int:
        low, high = self.pitch_range
        while pitch < low:
            pitch += 12
        while pitch > high:
            pitch -= 12
        return pitch

    def describe(self, token: int) -> str:
        """Human-readable token, e.g. "q=60/12" (a pitch 60 above the root, an eighth) or "rest/24"."""
        if token == BOS:
            return "BOS"
        kind, ticks = int(self.token_kind[token]), int(self.token_ticks[token])
        name = {self.rest_kind: "rest", self.tie_kind: "tie"}.get(kind, f"q={kind + self.q_low}")
        return f"{name}/{ticks}"

    # --------------------------------------------------------------- quantise
    def quantise(self, solo: Solo) -> Solo:
        """The solo as the encoding sees it: on the tick grid, gap-free, within the pitch range.

        Onsets are rounded to the nearest tick, each event lasts until the next onset (the last
        one until its rounded end), silences become rests, adjacent rests merge, zero-length
        events are dropped, pitches are folded into `pitch_range` by octaves, velocity is 90.

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
        for start, end, pitch in timeline:
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
            solo: a `Solo` (bars start at offset 0).

        Returns:
            EncodedSolo: tokens (n,), features (n, FEATURE_DIM), roots and onsets.
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
        tokens, onsets, roots = [], [], []
        for start, stop, pitch in spans:
            first = True
            cursor = start
            while cursor < stop:
                bar_end = (cursor // bar_ticks + 1) * bar_ticks
                piece_end = min(stop, bar_end)
                for ticks in split_duration(piece_end - cursor):
                    root = timeline.root_at(cursor)
                    if pitch is None:
                        kind = self.rest_kind
                    elif first:
                        kind = self.pitch_kind(pitch, root)
                    else:
                        kind = self.tie_kind
                    tokens.append(self.token(kind, ticks))
                    onsets.append(cursor)
                    roots.append(root)
                    cursor += ticks
                    first = False
        features = np.stack([timeline.features(t) for t in onsets]) if onsets else np.zeros(
            (0, FEATURE_DIM), np.float32)
        return EncodedSolo(np.asarray(tokens, np.int32), features.astype(np.float32),
                           np.asarray(roots, np.int32), np.asarray(onsets, np.int32), solo.source)

    # ----------------------------------------------------------------- decode
    def decode(self, tokens: Sequence[int], chords: Sequence[Chord], bar_length,
               start=Fraction(0), **solo_kwargs) -> Solo:
        """Decode tokens back into a `Solo` (ties merged into their note, rests merged).

        Args:
            tokens: token ids (a leading `BOS` is skipped).
            chords: the chords the tokens were encoded (or generated) over; their roots give the
                absolute pitches.
            bar_length: quarter notes per bar (used to build the returned Solo's meter only when
                `beats_per_bar`/`beat_unit` are not given).
            start: offset of the first token, in quarter notes.
            **solo_kwargs: passed to `Solo` (beats_per_bar, beat_unit, tempo, source).

        Returns:
            Solo: the notes, with `chords` attached.
        """
        bar_length = Fraction(bar_length)
        timeline = ChordTimeline(chords, to_ticks(bar_length))
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
                pitch = kind + self.q_low + timeline.root_at(cursor)
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
    def transpose_tokens(self, tokens: np.ndarray, roots: np.ndarray, semitones: int):
        """Transpose encoded events by `semitones` without re-encoding.

        Transposition moves every pitch and root; as `q = pitch - root` with a root in 0..11,
        a pitch token only changes by an octave where the root wraps past B (or below C).
        Pitches that leave `pitch_range` fold back by an octave.

        Args:
            tokens: int32 (..., n) event tokens (BOS allowed).
            roots: int32 (..., n) their roots.
            semitones: the interval, any integer.

        Returns:
            (tokens, roots): the transposed arrays; the features change only in their absolute
            root block (see `transpose_features`).
        """
        tokens = np.asarray(tokens)
        roots = np.asarray(roots)
        new_roots = (roots + semitones) % 12
        kinds = self.token_kind[tokens]
        is_pitch = (kinds >= 0) & (kinds < self.num_pitch_kinds)
        pitch = kinds + self.q_low + roots + semitones
        low, high = self.pitch_range
        pitch = np.where(pitch < low, pitch + 12 * ((low - pitch + 11) // 12), pitch)
        pitch = np.where(pitch > high, pitch - 12 * ((pitch - high + 11) // 12), pitch)
        new_kinds = pitch - new_roots - self.q_low
        dur_index = (tokens - 1) % len(self.durations)
        moved = 1 + new_kinds * len(self.durations) + dur_index
        return np.where(is_pitch, moved, tokens).astype(np.int32), new_roots.astype(np.int32)

    @staticmethod
    def transpose_features(features: np.ndarray, semitones: int) -> np.ndarray:
        """Roll the absolute-root block of feature vectors by `semitones` (the rest is relative)."""
        out = np.array(features, np.float32, copy=True)
        block = _block("root")
        out[..., block] = np.roll(out[..., block], semitones, axis=-1)
        return out

    # ---------------------------------------------------------------- config
    def get_config(self) -> dict:
        """JSON-able description; `Encoding.from_config` rebuilds the same encoding."""
        return {
            "name": "chord-relative-events-v1",
            "ticks_per_quarter": TICKS_PER_QUARTER,
            "durations": list(self.durations),
            "pitch_range": list(self.pitch_range),
            "vocab_size": self.vocab_size,
            "feature_dim": FEATURE_DIM,
            "feature_blocks": [list(b) for b in FEATURE_BLOCKS],
            "bos": BOS,
            "token_layout": "token = 1 + kind * len(durations) + duration_index; kinds: "
                            "0..num_pitch_kinds-1 = pitch - root - (pitch_range[0] - 11), "
                            "then rest, then tie",
        }

    @classmethod
    def from_config(cls, config: dict) -> "Encoding":
        """Rebuild an encoding from `get_config()` output (checks the fixed parts match)."""
        if config.get("ticks_per_quarter") != TICKS_PER_QUARTER or config.get(
                "feature_dim") != FEATURE_DIM:
            raise ValueError(f"encoding config {config.get('name')!r} does not match this version "
                             f"(ticks_per_quarter {TICKS_PER_QUARTER}, feature_dim {FEATURE_DIM})")
        return cls(durations=config["durations"], pitch_range=config["pitch_range"])


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


__all__ = ["Encoding", "EncodedSolo", "ChordTimeline", "BOS", "DURATIONS", "FEATURE_DIM",
           "FEATURE_BLOCKS", "PITCH_RANGE", "TICKS_PER_QUARTER", "split_duration", "to_ticks",
           "transpose_solo"]
