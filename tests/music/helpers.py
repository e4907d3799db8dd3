"""Helpers shared by the music tests: the CLI's user errors, and replaying the generation loop."""

import numpy as np


def run(capsys, *argv):
    """`python -m music ARGV` in process: (exit status, stdout, stderr)."""
    from music.__main__ import main

    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_user_error(code, err, *fragments):
    """A user mistake: exit status 2 and one line on stderr holding every fragment."""
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for fragment in fragments:
        assert fragment in lines[0]


def replay_conditioning(improviser, solo, encoded, tempo, bars=4, **context):
    """What the generation loop hears at each event of `encoded` (a 4/4 solo of `bars` bars):
    the carry replayed with `Encoding.advance` through `Improviser._conditioning`.

    Returns:
        (heard, carry, carries, state, tables): the conditioning (events, feature_dim), the
        carry as tensors, the per-event carries, the state after the last event, and the
        tables the loop read.
    """
    import tensorflow as tf

    from music.encoding.features import ChordTimeline

    timeline = ChordTimeline(solo.chords, 96)
    tables = {
        "static": tf.constant(timeline.feature_table(bars * 96)),
        "rings": tf.constant(timeline.pitch_class_table(bars * 96)),
        "bar_ticks": tf.constant(96),
        "tempo": tf.constant(np.log2(tempo / 160), tf.float32),
        **{name: tf.constant(value) for name, value in context.items()},
    }
    enc = improviser.encoding
    state, carries = enc.initial_state(), []
    for token, onset in zip(encoded.tokens, encoded.onsets):
        carries.append({**state, "tick": int(onset)})
        state = enc.advance(state, token, int(onset))
    carry = {k: tf.constant([c[k] for c in carries]) for k in carries[0]}
    heard = improviser._conditioning(carry, tables, carry["tick"]).numpy()
    return heard, carry, carries, state, tables
