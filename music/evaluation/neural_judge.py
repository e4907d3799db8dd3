"""The neural judge: a recurrent classifier of the zoo that reads a phrase note by note.

The feature judges of `music.evaluation.discriminator` see a phrase through a fixed list of
summaries; this judge reads the notes themselves, so it can hear what no feature names. Each
note of a phrase (rests are not steps: the silence before a note is one of its features)
becomes a vector of `EVENT_FEATURES`:

- ``interval``: semitones from the previous note / 12, clipped to [-2, 2] (0 for the first);
- ``register``: (MIDI pitch - 64) / 12;
- ``log_duration``: log2 of the duration in quarter notes / 4;
- ``log_silence``: log2(1 + the silence before the note in beats) (0 for the first note);
- ``bar_sin``, ``bar_cos``, ``beat_sin``, ``beat_cos``: the onset's position in its bar and in
  its beat, as the sine and cosine of that fraction of a turn (so off-beats and triplets are
  visible);
- ``chord_pc_0`` ... ``chord_pc_11``: one-hot, the note's pitch class relative to the root of
  the chord sounding at its onset; ``unharmonised``: 1 when no chord (or N.C.) sounds there;
- ``bias``: always 1 (a step is never all zeros, which the model takes for padding).

The model is `zoo.build_many_to_one` over these vectors (feature input, right-padded and
masked, pooled over time), trained with the zoo's engine (`zoo.training.engine.fit`) on each
training split of the same grouped folds as the feature judges
(`music.evaluation.discriminator.grouped_folds`), the sides weighted equally, and scored on
out-of-fold predictions (`music.evaluation.discriminator.score`). Its settings (`SETTINGS`)
were chosen on the validation solos before any tuning of the improviser against it (see
docs/results/jazz.md), and stay fixed.
"""

import math

import numpy as np

from music.evaluation.discriminator import cut_phrases, grouped_folds, human_halves, score
from music.evaluation.metrics import chords_at_onsets
from zoo.core.checks import check_int, map_seed

EVENT_FEATURES = (
    "interval",
    "register",
    "log_duration",
    "log_silence",
    "bar_sin",
    "bar_cos",
    "beat_sin",
    "beat_cos",
    *(f"chord_pc_{k}" for k in range(12)),
    "unharmonised",
    "bias",
)

# The judge's settings, fixed on the validation solos (issue 27): `zoo.build_many_to_one`'s
# `units`, `pooling` and `dropout`, the engine's `epochs`, `batch_size` and `learning_rate`.
SETTINGS = {
    "units": 32,
    "pooling": "max_mean",
    "dropout": 0.0,
    "epochs": 20,
    "batch_size": 32,
    "learning_rate": 3e-3,
}


def phrase_events(phrase):
    """The `EVENT_FEATURES` vector of each note of a phrase.

    Args:
        phrase: a `music.types.Solo` (e.g. one of `music.evaluation.discriminator.phrases`).

    Returns:
        numpy float32 array of shape ``(notes, len(EVENT_FEATURES))``, one row per pitched note.

    Raises:
        ValueError: for a value that is not a `Solo`, or one without a pitched note.

    Example:

    >>> from fractions import Fraction
    >>> from music.types import Note, Solo
    >>> from music.theory.progressions import parse_progression
    >>> phrase = Solo([Note(Fraction(0), Fraction(1), 64), Note(Fraction(3, 2), Fraction(1), 67)],
    ...               parse_progression("C |"))
    >>> events = phrase_events(phrase)
    >>> events.shape, events[1, :4].tolist()  # a minor third up, G4, a quarter, half a beat
    ((2, 22), [0.25, 0.25, 0.0, 0.5849624872207642])
    >>> int(events[0, 8 + 4]), int(events[1, 8 + 7])  # E = the root + 4, G = the root + 7
    (1, 1)
    """
    if not hasattr(phrase, "notes") or not hasattr(phrase, "bar_length"):
        raise ValueError(f"phrase must be a music.types.Solo; got {type(phrase).__name__}")
    beat = phrase.bar_length / phrase.beats_per_bar
    rows, previous = [], None
    for note, chord in zip(phrase.notes, chords_at_onsets(phrase)):
        if note.pitch is None:
            continue
        row = np.zeros(len(EVENT_FEATURES), np.float32)
        if previous is not None:
            row[0] = np.clip((note.pitch - previous.pitch) / 12, -2, 2)
            row[3] = math.log2(1 + max(0, float((note.offset - previous.end) / beat)))
        row[1] = (note.pitch - 64) / 12
        row[2] = math.log2(float(note.duration)) / 4
        in_bar = float(note.offset % phrase.bar_length / phrase.bar_length)
        in_beat = float(note.offset % beat / beat)
        row[4:8] = (
            math.sin(2 * math.pi * in_bar),
            math.cos(2 * math.pi * in_bar),
            math.sin(2 * math.pi * in_beat),
            math.cos(2 * math.pi * in_beat),
        )
        if chord is None or chord.root is None:
            row[20] = 1
        else:
            row[8 + (note.pitch - chord.root) % 12] = 1
        row[21] = 1
        rows.append(row)
        previous = note
    if not rows:
        raise ValueError(f"phrase {phrase.source!r} has no pitched note; the judge needs one")
    return np.stack(rows)


def _batch(phrases):
    """Right-padded ``(phrases, longest, features)`` float32 array of `phrase_events`."""
    events = [phrase_events(p) for p in phrases]
    x = np.zeros((len(events), max(len(e) for e in events), len(EVENT_FEATURES)), np.float32)
    for i, e in enumerate(events):
        x[i, : len(e)] = e
    return x


def _settings(overrides):
    unknown = set(overrides) - set(SETTINGS)
    if unknown:
        raise ValueError(
            f"unknown neural judge setting(s) {', '.join(sorted(unknown))}; expected "
            f"{', '.join(SETTINGS)}"
        )
    settings = {**SETTINGS, **overrides}
    for name in ("units", "epochs", "batch_size"):
        check_int(name, settings[name], 1)
    return settings


def neural_compare_phrases(
    human, generated, *, human_groups, generated_groups, folds=5, seed=0, **settings
):
    """Cross-validate the neural judge at telling generated phrases from human ones.

    The folds, labels and scores are those of the feature judges
    (`music.evaluation.discriminator.compare_phrases`): one model per training split of a
    grouped `GroupKFold`, out-of-fold probabilities pooled, balanced accuracy and ROC AUC.

    Args:
        human: list of phrases (`music.types.Solo`) played by people.
        generated: list of generated phrases.
        human_groups: list of hashable, the group (progression) of each human phrase.
        generated_groups: list of hashable, the group of each generated phrase.
        folds: int >= 2, cross-validation folds (default 5).
        seed: int, the seed of the model's initial weights and batch order (default 0).
        **settings: overrides of `SETTINGS` (`units`, `pooling`, `dropout`, `epochs`,
            `batch_size`, `learning_rate`), for tests and for choosing them on validation
            solos.

    Returns:
        dict with ``neural_accuracy``, ``neural_auc`` (floats) and ``neural_settings`` (the
        settings used).

    Raises:
        ValueError: as `music.evaluation.discriminator.grouped_folds` (too few phrases or
            groups, mismatched group lists), an unknown or bad setting, or a phrase without a
            pitched note.

    Example:

    >>> result = neural_compare_phrases(human_phrases, generated_phrases,  # doctest: +SKIP
    ...                                 human_groups=tunes, generated_groups=tunes)
    >>> result["neural_accuracy"]  # doctest: +SKIP
    0.71
    """
    settings = _settings(settings)
    y, splits, _ = grouped_folds(
        human, generated, human_groups=human_groups, generated_groups=generated_groups, folds=folds
    )
    seed = map_seed(seed)
    x = _batch(list(human) + list(generated))
    # Equal weight for the two sides, as the feature judges' class_weight="balanced".
    weight = np.where(y == 1, len(y) / (2 * y.sum()), len(y) / (2 * (len(y) - y.sum())))

    import keras  # lazy: TensorFlow

    from zoo.models.classifiers import build_many_to_one
    from zoo.training.engine import fit

    def build():
        return build_many_to_one(
            input_dim=len(EVENT_FEATURES),
            output_dim=2,
            units=settings["units"],
            pooling=settings["pooling"],
            dropout=settings["dropout"],
            name="neural_judge",
        )

    probability = np.zeros(len(y))
    for k, (train, test) in enumerate(splits):
        keras.utils.set_random_seed(seed + k)
        trained = fit(
            build,
            (x[train], y[train].astype("int32"), weight[train].astype("float32")),
            epochs=settings["epochs"],
            batch_size=settings["batch_size"],
            learning_rate=settings["learning_rate"],
            monitor="loss",
            precision="float32",
            verbose=0,
        )
        logits = trained.model(x[test], training=False)  # (phrases, 2)
        probability[test] = keras.ops.convert_to_numpy(keras.ops.softmax(logits))[:, 1]
    accuracy, auc = score(y, probability)
    return {"neural_accuracy": accuracy, "neural_auc": auc, "neural_settings": settings}


def neural_discriminate(
    human, generated, *, bars=8, folds=5, seed=0, min_notes=4, floor=True, **settings
):
    """The neural judge on whole solos, and its floor on human against human.

    Solo ``i`` of each list is over progression ``i`` (as in
    `music.evaluation.discriminator.discriminate`): their phrases form group ``i``. The floor
    (`floor=True`) is the same judge on `music.evaluation.discriminator.human_halves(human)`:
    each human solo's odd phrases against its even ones, where 0.5 is the truth and anything
    above it is what the judge gets from noise.

    Args:
        human: list of `music.types.Solo` played by people.
        generated: list of `Solo`, ``generated[i]`` over the progression of ``human[i]``.
        bars: int, bars per phrase (default 8).
        folds: int >= 2, grouped cross-validation folds (default 5).
        seed: int (default 0).
        min_notes: int, fewest notes a phrase must have to count (default 4).
        floor: bool, also judge human against human (default True).
        **settings: overrides of `SETTINGS`.

    Returns:
        dict as `neural_compare_phrases`, with ``neural_human_floor`` and
        ``neural_human_floor_auc`` when `floor`.

    Raises:
        ValueError: as `neural_compare_phrases` and
            `music.evaluation.discriminator.cut_phrases`.

    Example:

    >>> neural_discriminate(held_out_solos, generated_solos)  # doctest: +SKIP
    {'neural_accuracy': 0.71, 'neural_auc': 0.78, ..., 'neural_human_floor': 0.52, ...}
    """
    sides = cut_phrases(human, generated, bars=bars, min_notes=min_notes, folds=folds)
    result = neural_compare_phrases(**sides, folds=folds, seed=seed, **settings)
    if floor:
        halves = human_halves(human, bars=bars, min_notes=min_notes, folds=folds)
        same = neural_compare_phrases(**halves, folds=folds, seed=seed, **settings)
        result["neural_human_floor"] = same["neural_accuracy"]
        result["neural_human_floor_auc"] = same["neural_auc"]
    return result


__all__ = [
    "EVENT_FEATURES",
    "SETTINGS",
    "phrase_events",
    "neural_compare_phrases",
    "neural_discriminate",
]
