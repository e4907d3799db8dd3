"""The rhythm section under a solo: piano comping voicings and a walking bass line.

`music.writing.render.to_score` plays these in its "Comping" and "Bass" parts.
"""


def comping_voicing(chord):
    """A close voicing for the piano: up to four MIDI pitches from E3 (52) up to D#4 (63).

    The 3rd, 7th (or 6th), 5th and a colour tone are picked first, in that order of
    preference, then the other chord tones; a chord of fewer than four tones adds its root.

    Args:
        chord: a `Chord` with a root (not N.C.).

    Returns:
        list of int MIDI pitches, ascending.

    Example:

    >>> from music.theory.chords import parse_chord
    >>> comping_voicing(parse_chord("G7")), comping_voicing(parse_chord("C"))
    ([53, 55, 59, 62], [52, 55, 60])
    """
    rel = list(chord.pitch_classes)
    picks = [pc for pc in (3, 4, 10, 11, 9, 7, 6, 8, 2, 5) if pc in rel]
    for pc in rel:
        if pc not in picks:
            picks.append(pc)
    picks = picks[:4] if len(picks) >= 4 else picks + [0]
    pitches = sorted({52 + (chord.root + pc - 52) % 12 for pc in picks})
    return pitches


def walking_bass(chord_spans, beat):
    """A walking bass line through chord spans: one note a beat, roots from E2 (40) up to D#3.

    Each chord's first beat is its root, the beats after it walk its chord tones, and its last
    beat steps a half step into the next chord's root. N.C. spans stay silent.

    Args:
        chord_spans: list of ``(start, end, chord)`` in quarter notes, in time order.
        beat: Fraction, the beat length in quarter notes (a note's longest duration).

    Returns:
        list of ``(offset, duration, pitch)`` with MIDI pitches.

    Example:

    >>> from fractions import Fraction
    >>> from music.theory.chords import parse_chord
    >>> spans = [(0, 4, parse_chord("Dm7")), (4, 8, parse_chord("G7"))]
    >>> [pitch for _, _, pitch in walking_bass(spans, Fraction(1))]
    [50, 53, 57, 44, 43, 47, 50, 44]
    """
    out = []
    for index, (start, end, chord) in enumerate(chord_spans):
        if chord.root is None:
            continue
        root = 36 + (chord.root - 36) % 12 + (12 if (chord.root - 36) % 12 < 4 else 0)
        beats = []
        t = start
        while t < end:
            beats.append(t)
            t += beat
        nxt = next((c for s, e, c in chord_spans[index + 1 :] if c.root is not None), chord)
        next_root = 36 + (nxt.root - 36) % 12 + (12 if (nxt.root - 36) % 12 < 4 else 0)
        tones = [root + pc for pc in sorted(chord.pitch_classes) if pc in (3, 4, 7, 10, 11, 9)]
        for k, b in enumerate(beats):
            duration = min(beat, end - b)
            if k == 0:
                pitch = root
            elif k == len(beats) - 1:
                pitch = next_root + (-1 if next_root > root else 1)
            else:
                pitch = tones[(k - 1) % len(tones)] if tones else root
            out.append((b, duration, pitch))
    return out


__all__ = ["comping_voicing", "walking_bass"]
