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


def midi_bytes(notes, ppq=1):
    """A format-0 MIDI file: `notes` as (delta ticks before the note, length in ticks, pitch).

    Example:

    >>> midi_bytes([(0, 1, 60)])[:4]
    b'MThd'
    """
    track = b""
    for delta, length, pitch in notes:
        track += vlq(delta) + bytes([0x90, pitch, 64]) + vlq(length) + bytes([0x80, pitch, 0])
    track += b"\x00\xff\x2f\x00"
    return (b"MThd" + struct.pack(">IHHH", 6, 0, 1, ppq) + b"MTrk" + struct.pack(">I", len(track))
            + track)
