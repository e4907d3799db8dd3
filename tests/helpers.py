"""The shared model test, run on every factory (in the manner of keras-hub's model tests)."""

import keras
import numpy as np


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def run_model_test(model, inputs, targets, loss, expected_output_shape, tmp_path):
    """Check one built model: shapes, config round trip, safe-mode save/load, one training step.

    Args:
        model: an uncompiled Functional `keras.Model` from a zoo factory.
        inputs: a batch of inputs (array or list of arrays).
        targets: matching targets for `loss`.
        loss: a Keras loss for one training step.
        expected_output_shape: the output shape `model(inputs)` must have.
        tmp_path: a folder for the saved file.
    """
    outputs = model(inputs, training=False)
    assert tuple(outputs.shape) == tuple(expected_output_shape)

    # Config round trip: the same graph, layer for layer, with fresh weights.
    clone = keras.Model.from_config(model.get_config())
    assert [layer.name for layer in clone.layers] == [layer.name for layer in model.layers]
    assert tuple(clone(inputs, training=False).shape) == tuple(expected_output_shape)

    # Save and load in the default safe mode: identical outputs.
    path = tmp_path / f"{model.name}.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    np.testing.assert_allclose(
        np.asarray(loaded(inputs, training=False)), np.asarray(outputs), atol=1e-6
    )

    # One training step on a fixed batch lowers the loss on that batch. Eager: tracing a
    # training graph for every tiny model would cost more than the whole check.
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-2), loss=loss, run_eagerly=True)
    before = float(loss(targets, model(inputs, training=False)))
    model.train_on_batch(inputs, targets)
    after = float(loss(targets, model(inputs, training=False)))
    assert after < before, f"loss did not fall after one step: {before} -> {after}"


def write_lead_sheets(folder):
    """Write three short solos over ii-V-I style progressions as MusicXML lead sheets.

    Args:
        folder: an existing folder; gets `solo0.musicxml` .. `solo2.musicxml`.

    Returns:
        The folder.
    """
    from fractions import Fraction

    from music.theory.progressions import parse_progression
    from music.types import Note, Solo
    from music.writing.render import write_solo

    for k, progression in enumerate(("Dm7 G7 | Cmaj7 |", "Fm7 Bb7 | Ebmaj7 |", "C7 | F7 |")):
        notes = [Note(Fraction(i, 2), Fraction(1, 2), 60 + (3 * i + k) % 12) for i in range(16)]
        midi = folder / f"solo{k}.mid"
        write_solo(Solo(notes, parse_progression(progression * 4)), midi)
        midi.unlink()  # the MusicXML lead sheet (with chord symbols) is what gets read
    return folder
