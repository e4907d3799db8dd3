"""Calibration: sampling plays each event as often as the players do.

The network samples each event from its distribution given the solo so far; temperature, the
guards and the cache (`music.model.improvise`) then reshape it. What comes out, counted over a
whole corpus, is not quite the players' mix: over the training solos' progressions the shipped
model repeated a pitch on 7.5% of its notes against the players' 5.4%, and leapt 8 semitones
or more on 2.5% against 3.6% (its mean interval 2.47 semitones against 2.73).

A calibration counts both over the same progressions: every event token (an interval with a
duration, a rest, a tie) in the training solos' first `BARS` bars, and in one solo the sampler
generates over each of those progressions with the same bars, meter and tempo. Each event's
bias is the log of how much more often the players play it,

    bias_e = log((human_e + SMOOTHING) / (H + V * SMOOTHING))
             - log((generated_e + SMOOTHING) / (G + V * SMOOTHING)),

clipped to +-`CLIP` nats (V events; H and G the two totals), and the improviser adds
`music.model.improvise.CALIBRATION_WEIGHT` times it to every event's log-probability before
sampling. It is a correction of the mix as a whole, not of any context: the network still
decides where each event goes.

`python -m music calibrate --model DIR DATA...` writes it into an artifact folder's
config.json (`calibration`, checked on load); the shipped model is calibrated on its own
training solos, never on the validation or held-out ones. Chosen on the 32 validation solos
(means of six seeds, docs/results/jazz.md): with the weight 0.5 the logistic judge's balanced
accuracy fell from 0.601 to 0.555 (the boosted judge's from 0.596 to 0.583); with the whole
bias (weight 1) the mean interval matched but the judges did no better than without it.
"""

import numpy as np

from music.errors import MusicInputError
from music.model.improvise import TEMPERATURE, Improviser, improvise_over

SMOOTHING = 1.0
"""Events' worth of count added to every event on both sides, so a rare event's bias stays
small."""
CLIP = 1.5
"""The largest bias, in nats, either way."""
BARS = 64
"""Bars counted from the start of each solo (the benchmark's phrases come from the same)."""
SEED = 5000
"""The seed of the solo generated over the first progression; the k-th gets SEED + k (the
benchmark seeds its solos from 0)."""


def token_counts(encoding, solos):
    """How often each event token occurs in `solos`.

    Args:
        encoding: the `music.encoding.events.Encoding` that tokenises them.
        solos: iterable of `Solo`.

    Returns:
        np.ndarray float64 (encoding.vocab_size,).

    Example:
        >>> from fractions import Fraction
        >>> from music.encoding.events import Encoding
        >>> from music.types import Note, Solo
        >>> solo = Solo([Note(Fraction(0), Fraction(1), 60), Note(Fraction(1), Fraction(1), 62)], [])
        >>> encoding = Encoding()
        >>> counts = token_counts(encoding, [solo, solo])
        >>> int(counts.sum()) == 2 * len(encoding.encode(solo).tokens)
        True
    """
    counts = np.zeros(encoding.vocab_size)
    for solo in solos:
        counts += np.bincount(encoding.encode(solo).tokens, minlength=encoding.vocab_size)
    return counts


def calibration_bias(human, generated, *, smoothing=SMOOTHING, clip=CLIP):
    """Each event's bias: the log-ratio of its smoothed shares among the players' events and
    among the generated ones, clipped (the formula in the module docstring).

    Args:
        human: float (V,), event counts in the human solos.
        generated: float (V,), event counts in the generated solos.
        smoothing: float > 0, count added to every event on both sides.
        clip: float > 0, the largest bias either way.

    Returns:
        np.ndarray float32 (V,), in nats.

    Raises:
        MusicInputError: counts of other shapes, negative or not finite, a side with no event,
            or a smoothing or clip that is not positive.

    Example:
        >>> [round(float(b), 3) for b in calibration_bias([3, 1], [1, 3], smoothing=1)]
        [0.693, -0.693]
    """
    human = np.asarray(human, np.float64)
    generated = np.asarray(generated, np.float64)
    if human.ndim != 1 or human.shape != generated.shape:
        raise MusicInputError(
            f"calibration counts must be two vectors of one length; got shapes "
            f"{human.shape} and {generated.shape}"
        )
    for name, counts in (("human", human), ("generated", generated)):
        if not np.all(np.isfinite(counts)) or np.any(counts < 0) or counts.sum() <= 0:
            raise MusicInputError(f"calibration {name} counts must be finite, >= 0 and not all 0")
    if not smoothing > 0 or not clip > 0:
        raise MusicInputError(
            f"calibration smoothing and clip must be > 0; got {smoothing} and {clip}"
        )
    size = len(human)
    share_h = (human + smoothing) / (human.sum() + size * smoothing)
    share_g = (generated + smoothing) / (generated.sum() + size * smoothing)
    return np.clip(np.log(share_h) - np.log(share_g), -clip, clip).astype(np.float32)


def calibrate(improviser, solos, *, bars=BARS, seed=SEED, **sampling):
    """The calibration section of an artifact: the bias from `solos` against the solos
    `improviser` generates over their progressions (without any calibration of its own).

    Args:
        improviser: a `music.model.improvise.Improviser` with `calibration_weight=0`.
        solos: the human `Solo`s (the model's training solos).
        bars: int >= 1, the bars counted from the start of each.
        seed: int, the seed of the first generated solo (the k-th gets seed + k).
        **sampling: `Improviser.improvise` keyword arguments (temperature, top_p).

    Returns:
        dict: `bias` (a list of floats, one per event token) and how it was measured
        (`solos`, `bars`, `seed`, `events`: human and generated, `smoothing`, `clip`, and the
        improviser's guard settings), the layout `read_calibration` checks.

    Raises:
        MusicInputError: no solo, an improviser that is calibrated already, or `bars` < 1.
    """
    if improviser.calibration_weight and improviser.artifact.calibration is not None:
        raise MusicInputError(
            "calibrate an improviser with calibration_weight=0: the bias is measured against "
            "the sampler without one"
        )
    if int(bars) != bars or bars < 1:
        raise MusicInputError(f"bars must be a whole number >= 1; got {bars!r}")
    humans = [solo.first_bars(bars) for solo in solos]
    humans = [solo for solo in humans if solo.duration >= solo.bar_length]
    if not humans:
        raise MusicInputError("calibration needs at least one solo of a whole bar or more")
    generated = [
        improvise_over(improviser, human, seed + k, **sampling) for k, human in enumerate(humans)
    ]
    encoding = improviser.encoding
    human_counts = token_counts(encoding, humans)
    generated_counts = token_counts(encoding, generated)
    bias = calibration_bias(human_counts, generated_counts)
    return {
        "bias": [round(float(b), 4) for b in bias],
        "solos": len(humans),
        "bars": int(bars),
        "seed": int(seed),
        "events": {"human": int(human_counts.sum()), "generated": int(generated_counts.sum())},
        "smoothing": SMOOTHING,
        "clip": CLIP,
        "sampling": {
            "temperature": float(sampling.get("temperature", TEMPERATURE)),
            "cache_weight": improviser.cache_weight,
            "cache_decay": improviser.cache_decay,
            "span": improviser.span,
            "span_penalty": improviser.span_penalty,
            "chord_tone_lean": improviser.chord_tone_lean,
        },
    }


def calibrate_folder(model, data, *, bars=BARS, seed=SEED, cache_dir=None, workers=1):
    """Calibrate an artifact folder in place: `calibrate` over its training solos, written
    into its config.json's `calibration` (the folder is replaced atomically; a calibration
    already there is measured again from scratch).

    Args:
        model: the artifact folder (`music.model.artifact.load_artifact`).
        data: files or folders holding the model's training solos; when config.json lists
            them (`data.train_sources`) only those are used.
        bars: int >= 1, the bars counted from the start of each solo.
        seed: int, the seed of the first generated solo.
        cache_dir: the corpus cache folder (`music.reading.solos.read_corpus`).
        workers: processes parsing files missing from the cache.

    Returns:
        dict: the section written.

    Raises:
        MusicInputError: a folder that is not an improviser, data without a readable solo,
            or, for a folder that lists its training solos, data holding none of them.
    """
    import os

    from music.model.artifact import load_artifact, save_artifact
    from music.reading.solos import list_music_files, read_corpus

    artifact = load_artifact(model)
    files = list_music_files(data)
    listed = (artifact.config.get("data") or {}).get("train_sources")
    if listed:  # read only the training solos, not the folder's others
        names = set(listed)
        files = [path for path in files if os.path.basename(path) in names]
        if not files:
            given = data if isinstance(data, (list, tuple)) else [data]
            raise MusicInputError(
                f"none of the {len(names)} training solos that --model {model} lists "
                f"(data.train_sources) is in {', '.join(map(str, given))}; expected the "
                "folder it was trained on"
            )
    solos = read_corpus(files, cache_dir=cache_dir, skip_errors=True, workers=workers)
    section = calibrate(Improviser(artifact, calibration_weight=0), solos, bars=bars, seed=seed)
    config = dict(artifact.config, calibration=section)
    save_artifact(model, artifact.model, artifact.encoding, config, artifact.metrics)
    return section


__all__ = [
    "SMOOTHING",
    "CLIP",
    "BARS",
    "SEED",
    "token_counts",
    "calibration_bias",
    "calibrate",
    "calibrate_folder",
]
