"""The pitch-class cache: its memory and bonus against independent sums, the generation loop's
carry, a primer's cache, the exact solos with the cache off, and what it does to a line."""

from fractions import Fraction as F

import numpy as np
import pytest

from music.encoding.events import Encoding
from music.encoding.features import remember_pitch_classes, remember_pitch_classes_graph
from music.errors import MusicInputError
from music.model.artifact import Artifact, build_model
from music.model.improvise import Improviser
from music.model.pitch_cache import CACHE_SMOOTHING, cache_bonus_graph, cache_of
from music.theory.progressions import parse_progression
from music.types import Note, Solo


def decayed_counts(pitches, decay):
    """The cache written out: the note k places from the end weighs decay**k in its class."""
    counts = np.zeros(12)
    for k, pitch in enumerate(reversed(pitches)):
        counts[pitch % 12] += decay**k
    return counts


@pytest.fixture(scope="module")
def tiny():
    import keras

    keras.utils.set_random_seed(4)
    enc = Encoding()
    model = build_model(enc, units=16, embedding_dim=8)
    return lambda **kw: Improviser(Artifact(model, enc, {}, {}), register=None, **kw)


def test_the_memory_is_a_decayed_count_in_numpy_and_in_the_graph():
    rng = np.random.default_rng(0)
    pitches = rng.integers(40, 90, size=30)
    notes = rng.random(30) < 0.7  # the other events are rests or ties: nothing changes
    numpy_memory = np.zeros((1, 12), np.float32)
    graph_memory = np.zeros((1, 12), np.float32)
    for pitch, note in zip(pitches, notes):
        numpy_memory = remember_pitch_classes(numpy_memory, [pitch], [note], 0.8)
        graph_memory = remember_pitch_classes_graph(
            graph_memory, np.int32([pitch]), np.array([note]), 0.8
        ).numpy()
    expected = decayed_counts(list(pitches[notes]), 0.8)
    np.testing.assert_allclose(numpy_memory[0], expected, rtol=1e-5)
    np.testing.assert_allclose(graph_memory[0], expected, rtol=1e-5)
    np.testing.assert_allclose(cache_of(pitches[notes], 0.8), expected, rtol=1e-5)


def test_the_bonus_is_the_smoothed_cache_against_uniform_to_the_weight():
    cache = np.array([[3.0, 0, 1.5, 0, 0.5, 0, 0, 2.0, 0, 0, 0, 0], [0.0] * 12], np.float32)
    target = np.array([[60, 62, 61, 79, 48, 73], [60, 62, 61, 79, 48, 73]], np.int32)
    bonus = cache_bonus_graph(cache, target, weight=0.5).numpy()
    for row in range(2):
        total = cache[row].sum()
        for col, pitch in enumerate(target[row]):
            share = (cache[row, pitch % 12] + CACHE_SMOOTHING) / (total + 12 * CACHE_SMOOTHING)
            assert bonus[row, col] == pytest.approx(0.5 * np.log(share * 12), abs=1e-6)
    assert bonus[0, 0] > 0 > bonus[0, 2]  # C, heard most, gains; C#, never heard, loses
    assert np.all(bonus[1] == 0)  # before the first note nothing changes


def test_the_loop_carries_the_cache_of_the_notes_it_played(tiny):
    """Replaying a generated solo's events through the loop's own carry update gives the
    decayed count of its notes' pitch classes."""
    import tensorflow as tf

    from zoo.generation.loop import Step

    improviser = tiny(cache_weight=1.0, cache_decay=0.9)
    chords = parse_progression("Dm7 G7 | Cmaj7 | F7 | Bb7 |")
    solo = improviser.improvise(chords, seed=5)
    pitches = [n.pitch for n in solo.notes if n.pitch is not None]
    assert len(pitches) > 5
    encoded = improviser.encoding.encode(solo)
    carry = {
        "tick": tf.zeros(1, tf.int32),
        "sounding": tf.zeros(1, tf.bool),
        "pitch": tf.constant([int(encoded.pitches[0])]),
        "centre": tf.zeros(1),
        "started": tf.zeros(1, tf.bool),
        "phrase_start": tf.zeros(1, tf.int32),
        "rest": tf.zeros(1, tf.int32),
        "recent": tf.zeros((1, 12)),
        "cache": tf.zeros((1, 12)),
    }
    for token in encoded.tokens:
        token = tf.constant([int(token)])
        carry = improviser.sampler.update_fn(Step(0, 0, token, carry, {}), token)
    np.testing.assert_allclose(carry["cache"].numpy()[0], decayed_counts(pitches, 0.9), rtol=1e-5)


def test_a_primer_leaves_the_cache_of_its_notes(tiny):
    improviser = tiny(cache_decay=0.5)
    primer = Solo(
        [Note(F(0), F(1), 60), Note(F(1), F(1), None), Note(F(2), F(3), 64), Note(F(5), F(3), 67)],
        parse_progression("C | C |"),
    )
    _, _, melody = improviser.warm_up(primer)
    np.testing.assert_allclose(melody["cache"], decayed_counts([60, 64, 67], 0.5), rtol=1e-6)


@pytest.mark.parametrize("name, value", [("cache_weight", -0.1), ("cache_decay", 1.0)])
def test_bad_cache_settings_name_the_parameter(tiny, name, value):
    with pytest.raises(MusicInputError, match=name):
        tiny(**{name: value})


def test_the_cache_centres_the_line_on_fewer_pitch_classes(tiny):
    """The same seeds with a strong cache and without: every bar of every solo counted, the
    lines keep to fewer pitch classes (1-bar pitch-class entropy, H1)."""
    from music.evaluation.jazz_transformer import jazz_transformer_metrics

    chords = parse_progression("Dm7 | G7 | Cmaj7 | A7 | Dm7 | G7 | Cmaj7 | Cmaj7 |")
    solos = {
        weight: [
            tiny(cache_weight=weight).improvise(chords, seed=seed, choruses=2) for seed in range(4)
        ]
        for weight in (0.0, 2.0)
    }
    off, on = (jazz_transformer_metrics(solos[w])["H1"] for w in (0.0, 2.0))
    assert on < off - 0.2, (on, off)
