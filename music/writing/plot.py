"""See a solo: a piano roll of a `Solo` (with its chords and bars) or of any MIDI file."""

import pathlib

from music.errors import MusicInputError


def _solo_roll(ax, solo):
    beats = float(solo.bar_length) if hasattr(solo, "bar_length") else 4.0
    notes = [n for n in solo.notes if not n.is_rest]
    if not notes:
        raise MusicInputError("solo: holds no pitched note; nothing to draw")
    for note in notes:
        ax.add_patch(
            _rectangle(
                float(note.offset),
                note.pitch - 0.4,
                float(note.duration),
                0.8,
                alpha=0.35 + 0.65 * note.velocity / 127,
                color="tab:blue",
            )
        )
    end = float(max(n.end for n in solo.notes))
    low, high = min(n.pitch for n in notes), max(n.pitch for n in notes)
    for bar in range(int(end // beats) + 1):
        ax.axvline(bar * beats, color="grey", linewidth=0.6, alpha=0.5)
    for chord in solo.chords:
        if float(chord.offset) < end:
            ax.text(
                float(chord.offset) + 0.05,
                high + 1.6,
                chord.figure,
                fontsize=7,
                va="bottom",
                clip_on=True,
            )
    ax.set_xlim(0, end)
    ax.set_ylim(low - 2, high + 4)
    ax.set_xlabel("quarter notes")
    return low, high


def _midi_roll(ax, path):
    from music.writing.audio import note_events

    events = [e for e in note_events(path) if e.channel != 10]  # percussion has no pitch
    if not events:
        raise MusicInputError(f"midi_path {str(path)!r}: holds no pitched note; nothing to draw")
    tracks = sorted({e.track for e in events})
    colors = {track: f"C{i % 10}" for i, track in enumerate(tracks)}
    for event in events:
        ax.add_patch(
            _rectangle(
                event.start,
                event.pitch - 0.4,
                event.end - event.start,
                0.8,
                alpha=0.35 + 0.65 * event.velocity / 127,
                color=colors[event.track],
            )
        )
    low, high = min(e.pitch for e in events), max(e.pitch for e in events)
    ax.set_xlim(0, max(e.end for e in events))
    ax.set_ylim(low - 2, high + 2)
    ax.set_xlabel("seconds")
    return low, high


def _rectangle(x, y, width, height, **kwargs):
    from matplotlib.patches import Rectangle

    return Rectangle((x, y), width, height, linewidth=0, **kwargs)


def piano_roll(solo_or_midi, path=None, *, title=None, width=None):
    """Draw a piano roll: time across, pitch up, one bar per note (darker = louder).

    A `Solo` is drawn in quarter notes with bar lines and its chord symbols along the top; a
    MIDI file is drawn in seconds, one colour per track, percussion left out.

    Args:
        solo_or_midi: a `music.types.Solo`, or a str / path-like of a MIDI file.
        path: optional str or path-like: also write a PNG there.
        title: optional str above the roll.
        width: optional figure width in inches; defaults to one that grows with the length
            (at most 18).

    Returns:
        The matplotlib `Figure`.

    Raises:
        MusicInputError: no pitched note, a missing or unreadable MIDI file, or another type.

    Example:

    >>> from fractions import Fraction
    >>> from music.types import Note, Solo
    >>> solo = Solo(notes=[Note(Fraction(0), Fraction(1), 60), Note(Fraction(1), Fraction(3), 64)],
    ...             chords=[])
    >>> piano_roll(solo).axes[0].get_ylabel()
    'MIDI pitch'
    """
    from music.types import Solo
    from zoo.notebook.plot import finish_figure, new_figure

    if isinstance(solo_or_midi, Solo):
        length = float(max((n.end for n in solo_or_midi.notes), default=0)) / 2
    elif isinstance(solo_or_midi, (str, pathlib.PurePath)):
        length = 12.0
    else:
        raise MusicInputError(
            f"solo_or_midi: expected a Solo or a MIDI file path, got {type(solo_or_midi).__name__}"
        )
    fig = new_figure(figsize=(width or min(18.0, max(6.0, length * 0.35 + 2)), 3.8))
    ax = fig.subplots()
    if isinstance(solo_or_midi, Solo):
        low, high = _solo_roll(ax, solo_or_midi)
    else:
        low, high = _midi_roll(ax, solo_or_midi)
    c_notes = [p for p in range(low - 2, high + 3) if p % 12 == 0]
    ax.set_yticks(c_notes, [f"C{p // 12 - 1}" for p in c_notes])
    ax.set_ylabel("MIDI pitch")
    ax.grid(axis="y", alpha=0.25)
    if title:
        ax.set_title(title)
    return finish_figure(fig, path)


__all__ = ["piano_roll"]
