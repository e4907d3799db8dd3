"""The conditioning features: one definition, the same numbers in numpy (training) and in
TensorFlow (the generation loop), on real WJazzD solos."""

import numpy as np
import pytest

from music.encoding.events import Encoding
from music.encoding.features import (
    FEATURE_DIM,
    NEUTRAL_TEMPO,
    STATIC_DIM,
    ChordTimeline,
    feature_block,
    melody_features,
    melody_features_graph,
    tempo_feature,
)
from music.encoding.timegrid import to_ticks

WJAZZD_FILES = (
    "ArtPepper_BluesForBlanche_Solo.xml",
    "JohnColtrane_GiantSteps-1_Solo.xml",
    "ArtPepper_Desafinado_Solo.xml",
)


def melody_states(encoding, encoded):
    """The melody state before every event of `encoded`, replayed with `Encoding.advance`:
    (pitch, started, phrase_ticks, rest_ticks) arrays as the generation loop carries them."""
    state, rows = encoding.initial_state(), []
    for token, onset in zip(encoded.tokens, encoded.onsets):
        phrase = int(onset) - state["phrase_start"] if state["started"] else 0
        rows.append((state["pitch"], state["started"], phrase, state["rest"]))
        state = encoding.advance(state, token, int(onset))
    pitch, started, phrase, rest = zip(*rows)
    return (np.int32(pitch), np.array(started, bool), np.int32(phrase), np.int32(rest))


@pytest.mark.parametrize("name", WJAZZD_FILES)
def test_numpy_and_graph_features_agree_on_real_solos(shared_data, name):
    import tensorflow as tf

    from music.reading.solos import read_solo

    solo = read_solo(shared_data / "music" / "wjazzd" / name)
    encoding = Encoding()
    encoded = encoding.encode(solo)
    assert len(encoded.tokens) > 100
    bar_ticks = to_ticks(solo.bar_length)
    total = int(encoded.onsets[-1]) + 1
    rings = ChordTimeline(solo.chords, bar_ticks).pitch_class_table(total)[encoded.onsets]
    pitch, started, phrase, rest = melody_states(encoding, encoded)
    in_numpy = melody_features(rings, pitch, started, phrase, rest, bar_ticks, solo.tempo)
    np.testing.assert_array_equal(in_numpy, encoded.features[:, STATIC_DIM:])

    graph = tf.function(melody_features_graph)  # as in the loop: traced, batch of any size
    in_graph = graph(
        tf.constant(rings),
        tf.constant(pitch),
        tf.constant(started),
        tf.constant(phrase),
        tf.constant(rest),
        tf.constant(bar_ticks, tf.int32),
        tf.constant(tempo_feature(solo.tempo), tf.float32),
    ).numpy()
    assert in_graph.shape == (len(encoded.tokens), FEATURE_DIM - STATIC_DIM)
    assert in_graph.dtype == np.float32
    np.testing.assert_allclose(in_graph, in_numpy, atol=1e-6)
    # the solo exercises every feature: a phrase, rests, a register away from the reference
    for block in ("phrase_length", "rest_before", "register"):
        assert np.ptp(encoded.features[:, feature_block(block)]) > 0, block


def test_the_tempo_feature_is_log2_of_the_tempo_over_the_neutral_one():
    assert tempo_feature(NEUTRAL_TEMPO) == 0.0
    assert tempo_feature(2 * NEUTRAL_TEMPO) == 1.0
    assert tempo_feature(NEUTRAL_TEMPO / 2) == -1.0
    for missing in (None, "fast", 0, -120, float("nan"), float("inf")):
        assert tempo_feature(missing) == 0.0, missing


def test_the_scalar_features_saturate_at_their_named_spans():
    from music.encoding.features import PHRASE_BARS, REFERENCE_PITCH, REGISTER_SPAN, REST_SPAN_TICKS

    rings = np.zeros((3, 3, 12), np.float32)
    pitch = np.int32(
        [REFERENCE_PITCH, REFERENCE_PITCH + REGISTER_SPAN, REFERENCE_PITCH - REGISTER_SPAN // 2]
    )
    phrase = np.int32([0, PHRASE_BARS * 96 // 2, 10 * PHRASE_BARS * 96])
    rest = np.int32([0, REST_SPAN_TICKS // 4, 5 * REST_SPAN_TICKS])
    features = melody_features(rings, pitch, [False, True, True], phrase, rest, 96, 320)
    column = {
        name: feature_block(name).start - STATIC_DIM
        for name in ("register", "no_prev", "phrase_length", "rest_before", "tempo")
    }
    np.testing.assert_allclose(features[:, column["register"]], [0.0, 1.0, -0.5])
    np.testing.assert_allclose(features[:, column["no_prev"]], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(features[:, column["phrase_length"]], [0.0, 0.5, 1.0])
    np.testing.assert_allclose(features[:, column["rest_before"]], [0.0, 0.25, 1.0])
    np.testing.assert_allclose(features[:, column["tempo"]], [1.0, 1.0, 1.0])
