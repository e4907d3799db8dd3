"""Chords inferred from notes: the chord spans a file's accompaniment (or its melody) implies.

`music.reading.solos.read_solo` uses `infer_chords` when a file has no chord symbols (``harmony=
"accompaniment"`` or ``"melody"``).
"""

from music.theory.chords import NO_CHORD, chord_symbol, parse_chord
from music.types import Chord

# Chord templates for inference, simplest first (ties go to the simpler chord).
_TEMPLATES = ("maj", "m", "7", "m7", "maj7", "m7b5", "dim7", "6", "m6", "7sus4")


def infer_chords(events, *, start, end, step):
    """Infer chord spans from note events by matching pitch-class profiles with chord templates.

    For every window of length `step`, each pitch class is weighted by how long it sounds in
    the window; the profile is compared by cosine similarity with the templates maj, m, 7, m7,
    maj7, m7b5, dim7, 6, m6, 7sus4 on all 12 roots, plus 0.1 when the root is the lowest note
    sounding in the window; the best wins (ties to the simpler chord). Silent windows give N.C.
    Equal neighbours in the same bar-sized window pair are merged.

    Args:
        events: iterable of ``(onset, end, pitches, velocity)``.
        start: Fraction, where the first window starts.
        end: Fraction, where the last window ends.
        step: Fraction, the window length in quarter notes (e.g. half a bar).

    Returns:
        list of `Chord` spans tiling ``[start, end)``.

    Example:

    >>> from fractions import Fraction
    >>> comping = [(Fraction(0), Fraction(2), (50, 53, 57, 60), 60),  # D F A C
    ...            (Fraction(2), Fraction(4), (43, 53, 59, 62), 60)]  # G F B D
    >>> [(c.figure, c.offset, c.duration) for c in infer_chords(
    ...     comping, start=Fraction(0), end=Fraction(4), step=Fraction(2))]
    [('Dm7', Fraction(0, 1), Fraction(2, 1)), ('G7', Fraction(2, 1), Fraction(2, 1))]
    """
    import numpy as np

    templates = []
    for quality in _TEMPLATES:
        intervals = parse_chord(chord_symbol(0, quality)).pitch_classes
        for root in range(12):
            vector = np.zeros(12)
            vector[[(root + i) % 12 for i in intervals]] = 1.0
            templates.append((root, quality, vector / np.linalg.norm(vector)))
    flat = [(float(on), float(off), pitch) for on, off, pitches, _ in events for pitch in pitches]
    onsets = np.array([e[0] for e in flat], dtype=float)
    ends = np.array([e[1] for e in flat], dtype=float)
    pitch_array = np.array([e[2] for e in flat], dtype=int)
    # A sweep: only events that have started and not yet ended are looked at in each window
    # (so the work grows with the windows plus the events, not their product).
    by_onset = np.argsort(onsets, kind="stable")
    sorted_onsets = onsets[by_onset]
    active, started = np.zeros(0, dtype=int), 0
    spans, time = [], start
    while time < end:
        window_end = min(time + step, end)
        reached = int(np.searchsorted(sorted_onsets, float(window_end), side="left"))
        if reached > started:
            active = np.concatenate([active, by_onset[started:reached]])
            started = reached
        active = np.sort(active[ends[active] > float(time)])  # in event order, as summed before
        overlap = np.clip(
            np.minimum(ends[active], float(window_end)) - np.maximum(onsets[active], float(time)),
            0.0,
            None,
        )
        sounding = overlap > 0
        pitches = pitch_array[active]
        profile = np.bincount(pitches[sounding] % 12, weights=overlap[sounding], minlength=12)
        lowest = int(pitches[sounding].min()) if sounding.any() else None
        if profile.sum() == 0:
            chord = Chord(time, window_end - time, None, NO_CHORD, (), NO_CHORD)
        else:
            profile /= np.linalg.norm(profile)
            scores = [
                float(profile @ v) + (0.1 if lowest % 12 == r else 0.0) for r, q, v in templates
            ]
            root, quality, _ = templates[int(np.argmax(scores))]
            chord = parse_chord(
                chord_symbol(root, quality), offset=time, duration=window_end - time
            )
        previous = spans[-1] if spans else None
        if (
            previous is not None
            and previous.figure == chord.figure
            and int(previous.offset // (2 * step)) == int(time // (2 * step))
        ):
            spans[-1] = Chord(
                previous.offset,
                previous.duration + chord.duration,
                previous.root,
                previous.quality,
                previous.pitch_classes,
                previous.figure,
                previous.bass,
            )
        else:
            spans.append(chord)
        time = window_end
    return spans


__all__ = ["infer_chords"]
