"""The conditioning features of the music encoding: where an event starts and what came before.

Beside every event token goes a conditioning vector (`FEATURE_DIM` floats) that describes
*where the event starts*, in two parts:

- from the progression and the clock (`ChordTimeline`, `STATIC_DIM` floats): the current chord
  (pitch classes relative to its root, absolute root), the next chord (relative to the current
  root), ticks to the chord change, the beat and the position inside the beat, what is left of
  the bar, the bar within a 4-bar group;
- from the melody so far (`melody_features`): which intervals from the previous pitch land on
  a tone of the current chord, of the next chord, on the current root (three 12-wide rings,
  interval mod 12), the register of the previous pitch, whether there was one, how long the
  current phrase has lasted (since the first note after a rest of at least a beat,
  `BREATH_TICKS`), how long the rest before this event is, and the tempo.

Encoding version 3 (`feature_blocks(3, style_dim)`) adds two blocks after these:

- ``recent_from_prev`` (12): the melody's memory of its own pitch classes, heard from the
  previous pitch like the chord rings: 1 at d (scaled by `RECENT_SPAN`) as far as previous
  pitch + d is a pitch class of the last few notes, each note's weight decaying by
  `RECENT_DECAY` per later note. Players circle a few pitch classes (a scale, a motif); a
  network that only hears the chords wanders through more of them.
- ``style`` (style_dim floats, when the model has one): the same for every event of a solo,
  how the whole solo is played (`music.model.style`); its first column is the solo's register,
  (mean pitch - `REFERENCE_PITCH`) / `STYLE_REGISTER_SPAN`, so that a transposition can move it.

Each melody feature is written once, over an array namespace: `melody_features` runs it in
numpy for training, `melody_features_graph` in TensorFlow (`tensorflow.experimental.numpy`)
inside the improviser's generation loop, so the two cannot drift apart.
"""

import bisect
import math
from collections.abc import Sequence

import numpy as np

from music.encoding.timegrid import TICKS_PER_QUARTER, to_ticks
from music.types import Chord

REFERENCE_PITCH = 67  # the "previous pitch" before the first note (G4)
BREATH_TICKS = 24  # a rest at least this long (a beat) ends a phrase
REGISTER_SPAN = 24  # semitones from REFERENCE_PITCH that make a register feature of 1
PHRASE_BARS = 8  # bars of phrase that make a phrase-length feature of 1
REST_SPAN_TICKS = 96  # ticks of rest that make a rest-before feature of 1 (a 4/4 bar)
CHANGE_SPAN_TICKS = 96  # ticks to the next chord change that make a to-change feature of 1
NEUTRAL_TEMPO = 160.0  # quarter notes per minute with a tempo feature of 0 (and the fallback)
PITCH_CLASSES = 12
RING_WIDTH = 3 * PITCH_CLASSES  # the three interval rings of the melody features

# Layout of the conditioning vector: (name, width), in order. The first blocks come from the
# progression and the clock (`ChordTimeline`), the others from the melody (`melody_features`).
STATIC_BLOCKS = (
    ("chord_pcs", 12),  # current chord pitch classes relative to its root
    ("root", 12),  # current chord root, absolute pitch class one-hot
    ("next_pcs", 12),  # next chord pitch classes relative to the current root
    ("next_root", 12),  # next chord root relative to the current root, one-hot
    ("no_chord", 1),  # 1 under N.C. or where the solo has no chords
    ("to_change", 1),  # ticks to the next chord change / 96, clipped to 1
    ("beat", 8),  # quarter-note beat in the bar, one-hot (beats >= 8 share the last)
    ("sub_beat", 24),  # tick inside the beat, one-hot
    ("bar_left", 1),  # ticks left in the bar / bar ticks
    ("phrase_bar", 4),  # bar index mod 4, one-hot
)
MELODY_BLOCKS = (
    ("chord_from_prev", 12),  # 1 at d if previous pitch + d is a tone of the current chord
    ("next_from_prev", 12),  # the same for the next chord
    ("root_from_prev", 12),  # 1 at d if previous pitch + d is the current root (mod 12)
    ("register", 1),  # (previous pitch - REFERENCE_PITCH) / 24
    ("no_prev", 1),  # 1 before the first note
    ("phrase_length", 1),  # ticks since the phrase began / (8 bars), clipped to 1
    ("rest_before", 1),  # ticks of rest just before this event / 96, clipped to 1
    ("tempo", 1),  # log2(tempo / 160)
)
FEATURE_BLOCKS = STATIC_BLOCKS + MELODY_BLOCKS
STATIC_DIM = sum(width for _, width in STATIC_BLOCKS)
FEATURE_DIM = sum(width for _, width in FEATURE_BLOCKS)  # without a style
RECENT_BLOCKS = (("recent_from_prev", 12),)  # version 3: the melody's recent pitch classes
RECENT_DECAY = 0.75  # the weight a note's pitch class keeps at each later note
RECENT_SPAN = 4.0  # 1 / (1 - RECENT_DECAY), the most weight a pitch class can gather: feature 1
STYLE_BLOCK = "style"  # the solo-level block after the others, when a model has one
STYLE_REGISTER_SPAN = 12  # semitones of mean pitch above REFERENCE_PITCH: style column 0 is 1


def feature_blocks(version=2, style_dim=0):
    """The blocks of the conditioning vector of an encoding version, with `style_dim` style
    columns.

    Args:
        version: 2 (`FEATURE_BLOCKS`) or 3 (they, then `RECENT_BLOCKS` and the style).
        style_dim: int >= 0, the width of the solo-level style block (0: none; version 3).

    Returns:
        tuple of (name, width).

    Example:
        >>> feature_blocks(2) == FEATURE_BLOCKS, feature_blocks(3, 16)[-2:]
        (True, (('recent_from_prev', 12), ('style', 16)))
    """
    if version < 3:
        return FEATURE_BLOCKS
    style = ((STYLE_BLOCK, int(style_dim)),) if style_dim else ()
    return FEATURE_BLOCKS + RECENT_BLOCKS + style


def feature_block(name):
    """The slice of the conditioning vector that holds the block `name` of `FEATURE_BLOCKS`.

    Args:
        name: str, a block name such as "root" or "register".

    Returns:
        slice: its columns.

    Raises:
        KeyError: for an unknown name.

    Example:
        >>> feature_block("root")
        slice(12, 24, None)
    """
    start = 0
    for block, width in FEATURE_BLOCKS:
        if block == name:
            return slice(start, start + width)
        start += width
    raise KeyError(name)


class ChordTimeline:
    """The chords of a solo or a progression on the tick grid, for root and feature look-ups.

    Args:
        chords: `Chord` spans in time order (may be empty: then no chord anywhere).
        bar_ticks: ticks per bar.

    Example:
        >>> from music.theory.progressions import parse_progression
        >>> timeline = ChordTimeline(parse_progression("Dm7 G7 | Cmaj7 |"), to_ticks(4))
        >>> timeline.root_at(0), timeline.root_at(48), timeline.root_at(96)
        (2, 7, 0)
    """

    def __init__(self, chords: Sequence[Chord], bar_ticks: int):
        self.bar_ticks = int(bar_ticks)
        self.starts = [to_ticks(c.offset) for c in chords]
        self.chords = list(chords)
        self._feature_cache = {}

    def index_at(self, tick: int) -> int:
        """Index of the chord sounding at `tick`, or -1 before the first chord."""
        return bisect.bisect_right(self.starts, tick) - 1

    def chord_at(self, tick: int) -> Chord | None:
        index = self.index_at(tick)
        return self.chords[index] if index >= 0 else None

    def root_at(self, tick: int) -> int:
        """Root pitch class at `tick`; 0 (C) under N.C. or with no chord (pitches stay absolute)."""
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
        out[feature_block("beat")][min(beat, 7)] = 1.0
        out[feature_block("sub_beat")][sub] = 1.0
        out[feature_block("bar_left")] = (self.bar_ticks - pos) / self.bar_ticks
        out[feature_block("phrase_bar")][bar % 4] = 1.0
        if index + 1 < len(self.starts):
            out[feature_block("to_change")] = min(
                1.0, (self.starts[index + 1] - tick) / CHANGE_SPAN_TICKS
            )
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
        width = feature_block("to_change").start
        per_chord = (
            np.stack([self._chord_features(i, 0) for i in range(-1, len(self.chords))])
            if total_ticks
            else np.zeros((0, width), np.float32)
        )
        out = np.zeros((total_ticks, STATIC_DIM), np.float32)
        out[:, :width] = per_chord[index + 1]
        starts = np.asarray(self.starts + [0], np.int64)
        has_next = index + 1 < len(self.starts)
        following = starts[np.minimum(index + 1, len(self.starts))]
        to_change = np.minimum(1.0, (following - ticks) / CHANGE_SPAN_TICKS)
        out[:, feature_block("to_change").start] = np.where(has_next, to_change, 0.0)
        bar, pos = np.divmod(ticks, self.bar_ticks)
        beat, sub = np.divmod(pos, TICKS_PER_QUARTER)
        out[ticks, feature_block("beat").start + np.minimum(beat, 7)] = 1.0
        out[ticks, feature_block("sub_beat").start + sub] = 1.0
        out[:, feature_block("bar_left").start] = (self.bar_ticks - pos) / self.bar_ticks
        out[ticks, feature_block("phrase_bar").start + bar % 4] = 1.0
        return out

    def root_table(self, total_ticks: int) -> np.ndarray:
        """`root_at(t)` for every tick in [0, total_ticks), as int32."""
        roots = np.array([0] + [c.root if c.root is not None else 0 for c in self.chords], np.int32)
        index = np.searchsorted(
            np.asarray(self.starts, np.int64), np.arange(total_ticks), side="right"
        )
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
            following = next((c for c in self.chords[i + 1 :] if c.root is not None), None)
            if following is not None:
                rings[i + 1, 1, [(following.root + pc) % 12 for pc in following.pitch_classes]] = (
                    1.0
                )
        index = np.searchsorted(
            np.asarray(self.starts, np.int64), np.arange(total_ticks), side="right"
        )
        return rings[index]

    def _chord_features(self, index: int, tick: int) -> np.ndarray:
        cached = self._feature_cache.get(index)
        if cached is not None:
            return cached
        width = feature_block("to_change").start
        out = np.zeros(width, np.float32)
        chord = self.chords[index] if index >= 0 else None
        if chord is None or chord.root is None:
            out[feature_block("no_chord")] = 1.0
            root = 0
        else:
            root = chord.root
            out[feature_block("chord_pcs")][list(chord.pitch_classes)] = 1.0
            out[feature_block("root")][root] = 1.0
        following = None
        for later in self.chords[index + 1 :]:
            if later.root is not None:
                following = later
                break
        if following is not None:
            shift = (following.root - root) % 12
            out[feature_block("next_pcs")][
                [(shift + pc) % 12 for pc in following.pitch_classes]
            ] = 1.0
            out[feature_block("next_root")][shift] = 1.0
        self._feature_cache[index] = out
        return out


def tempo_feature(tempo) -> float:
    """The tempo feature: log2(tempo / `NEUTRAL_TEMPO`).

    Args:
        tempo: quarter notes per minute; a missing, non-finite or non-positive tempo counts as
            `NEUTRAL_TEMPO`.

    Returns:
        float: 0.0 at `NEUTRAL_TEMPO`, +1.0 at twice as fast.

    Example:
        >>> tempo_feature(320)
        1.0
    """
    try:
        tempo = float(tempo)
    except (TypeError, ValueError):
        tempo = NEUTRAL_TEMPO
    if not (math.isfinite(tempo) and tempo > 0):
        tempo = NEUTRAL_TEMPO
    return math.log2(tempo / NEUTRAL_TEMPO)


def _melody_block(
    xp, dtype, rings, pitch, started, phrase_ticks, rest_ticks, bar_ticks, tempo, recent
):
    """The melody features over the array namespace `xp` (numpy or TensorFlow's numpy): the
    three chord rings heard from the previous pitch, the scalars, then (version 3, `recent`
    given) the recent pitch classes, each weight / `RECENT_SPAN`, heard the same way."""
    if recent is not None:
        recent = xp.asarray(recent / RECENT_SPAN, rings.dtype)
        rings = xp.concatenate([rings, recent[:, None, :]], axis=1)
    turn = (
        pitch[:, None] + xp.arange(PITCH_CLASSES, dtype=pitch.dtype)[None, :]
    ) % PITCH_CLASSES  # (n, 12): pitch class of pitch + d
    rolled = xp.take_along_axis(rings, turn[:, None, :], axis=2)  # (n, 3, 12)
    started = xp.asarray(started, dtype)
    scalars = xp.stack(
        [
            xp.asarray(pitch - REFERENCE_PITCH, dtype) / REGISTER_SPAN,
            1.0 - started,
            xp.minimum(
                1.0, xp.asarray(phrase_ticks, dtype) / (PHRASE_BARS * xp.asarray(bar_ticks, dtype))
            ),
            xp.minimum(1.0, xp.asarray(rest_ticks, dtype) / REST_SPAN_TICKS),
            xp.full_like(started, tempo),
        ],
        axis=1,
    )  # (n, 5)
    parts = [xp.asarray(xp.reshape(rolled[:, :3], (-1, RING_WIDTH)), dtype), scalars]
    if recent is not None:
        parts.append(xp.asarray(rolled[:, 3], dtype))
    return xp.concatenate(parts, axis=1)


def melody_features(rings, pitch, started, phrase_ticks, rest_ticks, bar_ticks, tempo, recent=None):
    """The melody part of the conditioning, from the melody state before each event (numpy).

    `melody_features_graph` computes the same numbers in TensorFlow for the generation loop;
    both run one definition.

    Args:
        rings: float (n, 3, 12), `ChordTimeline.pitch_class_table` rows at the events' onsets.
        pitch: int (n,), the previous sounding pitch (`REFERENCE_PITCH` before the first note).
        started: bool (n,), whether a note has sounded before.
        phrase_ticks: int (n,), ticks since the current phrase's first note (0 before any).
        rest_ticks: int (n,), ticks of rest right before the event.
        bar_ticks: ticks per bar.
        tempo: quarter notes per minute (`tempo_feature`: a missing or non-positive tempo
            counts as `NEUTRAL_TEMPO`).
        recent: optional float (n, 12), version 3: the melody's recent pitch-class weights
            before each event (`RECENT_DECAY`), absolute; heard from the previous pitch like
            the chord rings, each weight / `RECENT_SPAN`.

    Returns:
        np.ndarray float32 (n, FEATURE_DIM - STATIC_DIM), and 12 more columns with `recent`.

    Example:
        >>> rings = np.zeros((1, 3, 12), np.float32)
        >>> melody_features(rings, [REFERENCE_PITCH], [False], [0], [0], 96, 160).shape
        (1, 41)
    """
    return _melody_block(
        np,
        np.float64,
        np.asarray(rings, np.float32),
        np.asarray(pitch, np.int64),
        np.asarray(started, bool),
        np.asarray(phrase_ticks),
        np.asarray(rest_ticks),
        bar_ticks,
        tempo_feature(tempo),
        None if recent is None else np.asarray(recent, np.float32),
    ).astype(np.float32)


def melody_features_graph(
    rings, pitch, started, phrase_ticks, rest_ticks, bar_ticks, tempo_log2, recent=None
):
    """`melody_features` in TensorFlow, for the improviser's generation loop.

    The same definition as `melody_features`, run with `tensorflow.experimental.numpy` on
    tensors, in float32; it works eagerly and inside a `tf.function`.

    Args:
        rings: float32 (batch, 3, 12), the pitch-class rings at each row's tick.
        pitch: int32 (batch,), the previous sounding pitch.
        started: bool (batch,), whether a note has sounded before.
        phrase_ticks: int32 (batch,), ticks since the current phrase's first note (0 before
            any).
        rest_ticks: int32 (batch,), ticks of rest right before the event.
        bar_ticks: int32 scalar, ticks per bar.
        tempo_log2: float32 scalar, the tempo feature (`tempo_feature`).
        recent: optional float32 (batch, 12), version 3: the recent pitch-class weights.

    Returns:
        tf.Tensor float32 (batch, FEATURE_DIM - STATIC_DIM), and 12 more columns with `recent`.

    Example:
        >>> rings = np.zeros((1, 3, 12), np.float32)
        >>> melody_features_graph(rings, np.int32([67]), np.array([False]), np.int32([0]),
        ...                       np.int32([0]), np.int32(96), np.float32(0.0)).shape
        TensorShape([1, 41])
    """
    import tensorflow as tf
    import tensorflow.experimental.numpy as tnp

    pitch = tf.convert_to_tensor(pitch, tf.int32)
    return _melody_block(
        tnp,
        tnp.float32,
        tf.convert_to_tensor(rings, tf.float32),
        pitch,
        tf.convert_to_tensor(started, tf.bool),
        phrase_ticks,
        rest_ticks,
        bar_ticks,
        tf.cast(tempo_log2, tf.float32),
        None if recent is None else tf.convert_to_tensor(recent, tf.float32),
    )


_ONE_HOT = np.eye(PITCH_CLASSES, dtype=np.float32)  # row c: 1 at pitch class c


def _remember(xp, weights, pitch, note, decay):
    """`remember_pitch_classes` over the array namespace `xp` (numpy or TensorFlow's numpy)."""
    moved = decay * weights + xp.take(_ONE_HOT, pitch % PITCH_CLASSES, axis=0)
    return xp.where(note[:, None], moved, weights)


def remember_pitch_classes(weights, pitch, note, decay):
    """A decayed memory of the melody's pitch classes after one more event (numpy).

    At a note every weight keeps `decay` of itself and the note's pitch class gains 1; any
    other event changes nothing. The recent pitch classes of version 3 (`RECENT_DECAY`) and
    the improviser's pitch-class cache (`music.model.pitch_cache`) are this memory with their
    own decay; `remember_pitch_classes_graph` is the same rule in the generation loop.

    Args:
        weights: float (n, 12), the memory before the event.
        pitch: int (n,), the pitch sounding after the event (a note's own pitch).
        note: bool (n,), whether the event is a note.
        decay: float in [0, 1), the weight a pitch class keeps at each later note.

    Returns:
        np.ndarray float32 (n, 12).

    Example:
        >>> after = remember_pitch_classes(np.zeros((1, 12)), [62], [True], 0.5)
        >>> remember_pitch_classes(after, [64], [True], 0.5)[0, [2, 4]].tolist()
        [0.5, 1.0]
    """
    weights = np.asarray(weights, np.float32)
    return _remember(
        np, weights, np.asarray(pitch, np.int64), np.asarray(note, bool), np.float32(decay)
    )


def remember_pitch_classes_graph(weights, pitch, note, decay):
    """`remember_pitch_classes` in TensorFlow (float32), for the generation loop's carry.

    Args:
        weights: float32 (batch, 12).
        pitch: int32 (batch,).
        note: bool (batch,).
        decay: float in [0, 1).

    Returns:
        tf.Tensor float32 (batch, 12).

    Example:
        >>> remember_pitch_classes_graph(np.zeros((1, 12), np.float32), np.int32([62]),
        ...                              np.array([True]), 0.5).numpy()[0, :3].tolist()
        [0.0, 0.0, 1.0]
    """
    import tensorflow as tf
    import tensorflow.experimental.numpy as tnp

    return _remember(
        tnp,
        tf.convert_to_tensor(weights, tf.float32),
        tf.convert_to_tensor(pitch, tf.int32),
        tf.convert_to_tensor(note, tf.bool),
        tf.constant(decay, tf.float32),
    )


__all__ = [
    "BREATH_TICKS",
    "CHANGE_SPAN_TICKS",
    "FEATURE_BLOCKS",
    "FEATURE_DIM",
    "MELODY_BLOCKS",
    "NEUTRAL_TEMPO",
    "PHRASE_BARS",
    "PITCH_CLASSES",
    "RECENT_BLOCKS",
    "RECENT_DECAY",
    "RECENT_SPAN",
    "REFERENCE_PITCH",
    "REGISTER_SPAN",
    "REST_SPAN_TICKS",
    "RING_WIDTH",
    "STATIC_BLOCKS",
    "STATIC_DIM",
    "STYLE_BLOCK",
    "STYLE_REGISTER_SPAN",
    "ChordTimeline",
    "feature_block",
    "feature_blocks",
    "melody_features",
    "melody_features_graph",
    "remember_pitch_classes",
    "remember_pitch_classes_graph",
    "tempo_feature",
]
