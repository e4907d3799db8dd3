"""Raw MIDI bytes for tests that need files music21 would never write (e.g. a note 268 million
quarter notes in)."""

import struct


def vlq(number):
    """A MIDI variable-length quantity: 7 bits a byte, high bit set on all but the last.

    Example:

    >>> vlq(0x0FFFFFFF).hex()
    'ffffff7f'
    """
    out = [number & 0x7F]
    number >>= 7
    while number:
        out.append(0x80 | (number & 0x7F))
        number >>= 7
    return bytes(reversed(out))


def track_chunk(events):
    """An `MTrk` chunk around `events`, the track's bytes (end-of-track meta event included).

    Example:

    >>> track_chunk(bytes.fromhex("00ff2f00")).hex()
    '4d54726b0000000400ff2f00'
    """
    return b"MTrk" + struct.pack(">I", len(events)) + events


def midi_file(tracks, *, ppq, form=None):
    """A whole MIDI file: the `MThd` header, then one `MTrk` chunk per element of `tracks`.

    Args:
        tracks: list of bytes, each a track's events (end-of-track meta event included).
        ppq: ticks per quarter note.
        form: the header's format (0, 1 or 2). Defaults to 0 for one track, else 1.

    Example:

    >>> midi_file([bytes.fromhex("00ff2f00")], ppq=96)[:14].hex()
    '4d54686400000006000000010060'
    """
    form = (0 if len(tracks) == 1 else 1) if form is None else form
    header = b"MThd" + struct.pack(">IHHH", 6, form, len(tracks), ppq)
    return header + b"".join(track_chunk(events) for events in tracks)


def midi_bytes(notes, ppq=1):
    """A format-0 MIDI file: `notes` as (delta ticks before the note, length in ticks, pitch).

    Example:

    >>> midi_bytes([(0, 1, 60)])[:4]
    b'MThd'
    """
    track = b""
    for delta, length, pitch in notes:
        track += vlq(delta) + bytes([0x90, pitch, 64]) + vlq(length) + bytes([0x80, pitch, 0])
    return midi_file([track + b"\x00\xff\x2f\x00"], ppq=ppq)
