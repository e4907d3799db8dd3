"""Solo-level style: how a whole solo is played, as a vector the improviser is conditioned on.

Players play the same chords in their own ways: one stays high and dense, another leaves
space, another leans on chord tones. The improviser hears this as the **style block** of its
conditioning (`music.encoding.features.feature_blocks`): `STYLE_DIM` floats, the same for
every event of a solo. A solo's style is the mean, over its 8-bar phrases
(`music.evaluation.discriminator.phrases`), of the phrase figures `STYLE_FIGURES` of
`music.evaluation.features.phrase_features`: register and range, density, rests and the
length of lines, chord and scale tones, pitch-class entropy, interval sizes and contour, the
rhythm values and off-beat onsets.

Column 0 is the register, (mean pitch - `REFERENCE_PITCH`) / `STYLE_REGISTER_SPAN` (fixed, so a
transposition moves it, `music.encoding.events.Encoding.transpose`); the other columns are
standardised with the mean and standard deviation of the training solos, kept in the model's
config.json (`StyleTable`) with every training solo's vector. Generation takes a style from
that table: a performer's mean (`StyleTable.for_performer`, WJazzD names the performer in every
file name: ``SonnyRollins_BlueSeven-1_Solo.xml``), a given solo's own
(`StyleTable.vector`, ``--like``), or, by default, one training solo's drawn by the seed, so
default solos differ from tune to tune as players do (`StyleTable.draw`).

Players play differently at different tempos (a ballad holds more notes per bar than a
burner), so the table also keeps each training solo's tempo: the default draw picks among
the `NEAR_SOLOS` training solos nearest in tempo to the solo being played, and a performer's
style weights their solos by how near their tempos are (`TEMPO_BANDWIDTH`).
"""

import dataclasses
import difflib
import math
import os
import re
from fractions import Fraction  # noqa: F401  (the doctests use it)

import numpy as np

from music.encoding.features import REFERENCE_PITCH, STYLE_REGISTER_SPAN
from music.errors import MusicInputError
from music.evaluation.discriminator import phrases
from music.evaluation.features import FEATURES, phrase_features
from music.reading.performers import performer_of

STYLE_FIGURES = (
    "mean_pitch",  # column 0: the register (fixed scale, moved by transposition)
    "pitch_range",
    "notes_per_bar",
    "rest_share",
    "mean_run_bars",
    "breaths_per_bar",
    "chord_tone_ratio",
    "scale_tone_ratio",
    "chord_pc_entropy",
    "pitch_class_entropy",
    "mean_abs_interval",
    "step_share",
    "leap5_share",
    "repeat_share",
    "direction_change_rate",
    "eighth_share",
    "triplet_share",
    "sixteenth_share",
    "longer_share",
    "offbeat_onset_share",
)
STYLE_DIM = len(STYLE_FIGURES)
PHRASE_BARS = 8  # bars of the phrases a style is averaged over
MIN_NOTES = 4  # the fewest notes a phrase (or a short solo) needs to have a style
CLIP = 4.0  # standardised columns are clipped to [-CLIP, CLIP]
NEAR_SOLOS = 16  # the default style is drawn among this many training solos nearest in tempo
TEMPO_BANDWIDTH = 0.5  # octaves of tempo: a performer's solo this far off weighs exp(-1/2)
assert set(STYLE_FIGURES) <= set(FEATURES), "every style figure is a phrase feature"


def _key(name):
    """The form names are compared in: lower case, letters and digits only."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def style_figures(solo):
    """The raw `STYLE_FIGURES` of a solo: their means over its phrases.

    The phrases are the solo's 8-bar phrases with at least `MIN_NOTES` notes; a solo shorter
    than 8 bars is one phrase of its whole bars. A figure with nothing to measure in any phrase
    is NaN.

    Args:
        solo: a `music.types.Solo` with its chords (N.C. allowed).

    Returns:
        np.ndarray float64 (STYLE_DIM,).

    Raises:
        MusicInputError: the solo has no phrase of `MIN_NOTES` notes (nothing to take a style
            from).

    Example:
        >>> from music.types import Note, Solo
        >>> from music.theory.progressions import parse_progression
        >>> solo = Solo([Note(Fraction(i, 2), Fraction(1, 2), 60 + 2 * (i % 4)) for i in range(16)],
        ...             parse_progression("C | C |"))
        >>> figures = style_figures(solo)
        >>> float(figures[STYLE_FIGURES.index("mean_pitch")]), float(figures[STYLE_FIGURES.index("notes_per_bar")])
        (63.0, 8.0)
    """
    bars = PHRASE_BARS
    if solo.bar_length > 0 and solo.duration < PHRASE_BARS * solo.bar_length:
        bars = max(1, math.floor(solo.duration / solo.bar_length))
    cut = phrases(solo, bars=bars, min_notes=MIN_NOTES)
    if not cut:
        notes = sum(1 for n in solo.notes if n.pitch is not None)
        raise MusicInputError(
            f"{os.path.basename(str(solo.source)) or 'the solo'} has no {bars}-bar phrase of "
            f"{MIN_NOTES} notes or more ({notes} notes in all); a style needs one"
        )
    rows = []
    for phrase in cut:
        described = phrase_features(phrase, bars=bars)
        rows.append([described[name] for name in STYLE_FIGURES])
    rows = np.array(rows, np.float64)
    with np.errstate(invalid="ignore"):
        counts = np.sum(~np.isnan(rows), axis=0)
        sums = np.nansum(rows, axis=0)
    return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


@dataclasses.dataclass
class StyleTable:
    """The styles a model was trained with: standardisation and each training solo's vector.

    Args:
        centre: float (STYLE_DIM,), the training solos' mean of each raw figure (column 0,
            the register, is not standardised: its centre is unused).
        scale: float (STYLE_DIM,) > 0, their standard deviation.
        solos: dict source file name -> style vector (list of STYLE_DIM floats).
        tempos: optional dict source file name -> its tempo (quarter notes per minute), for
            the solos whose tempo is known.

    Example:
        >>> table = StyleTable(np.zeros(STYLE_DIM), np.ones(STYLE_DIM),
        ...                    {"SonnyRollins_A_Solo.xml": [0.5] * STYLE_DIM})
        >>> table.performers()
        {'Sonny Rollins': 1}
        >>> name, vector = table.for_performer("sonny rollins")
        >>> name, float(vector[0])
        ('Sonny Rollins', 0.5)
    """

    centre: np.ndarray
    scale: np.ndarray
    solos: dict
    tempos: dict = dataclasses.field(default_factory=dict)

    def __post_init__(self):
        self.centre = np.asarray(self.centre, np.float64)
        self.scale = np.asarray(self.scale, np.float64)
        self.solos = {str(k): [float(x) for x in v] for k, v in self.solos.items()}
        self.tempos = {str(k): float(v) for k, v in (self.tempos or {}).items() if k in self.solos}
        self._sources = sorted(self.solos)

    def _octaves(self, source, tempo):
        """How far `source`'s tempo is from `tempo`, in octaves (inf when unknown)."""
        known = self.tempos.get(source)
        return abs(math.log2(known / tempo)) if known else math.inf

    @classmethod
    def fit(cls, solos):
        """The table of a list of training solos; a solo without a style (`style_figures`
        finds no phrase) is left out.

        Args:
            solos: list of `music.types.Solo` with distinct `source` names.

        Returns:
            StyleTable.

        Raises:
            MusicInputError: when no solo has a style.
        """
        kept, raw = [], []
        for solo in solos:
            try:
                raw.append(style_figures(solo))
            except MusicInputError:
                continue
            kept.append(solo)
        if not kept:
            raise MusicInputError(f"none of the {len(solos)} solos has a style (a phrase of notes)")
        solos, raw = kept, np.array(raw, np.float64)
        with np.errstate(invalid="ignore"):
            centre = np.nanmean(raw, axis=0)
            scale = np.nanstd(raw, axis=0)
        centre = np.nan_to_num(centre)
        scale = np.where(np.isfinite(scale) & (scale > 1e-6), scale, 1.0)
        table = cls(centre, scale, {})
        names = [os.path.basename(str(s.source)) for s in solos]
        vectors = {
            n: [round(float(x), 4) for x in table.standardise(r)] for n, r in zip(names, raw)
        }
        tempos = {
            n: round(float(s.tempo), 3)
            for n, s in zip(names, solos)
            if isinstance(s.tempo, (int, float)) and math.isfinite(s.tempo) and s.tempo > 0
        }
        return cls(centre, scale, vectors, tempos)

    def standardise(self, figures):
        """Raw `STYLE_FIGURES` -> the style vector (NaN -> 0, the training mean).

        Args:
            figures: float (STYLE_DIM,), from `style_figures`.

        Returns:
            np.ndarray float32 (STYLE_DIM,).
        """
        figures = np.asarray(figures, np.float64)
        out = np.clip((figures - self.centre) / self.scale, -CLIP, CLIP)
        out[0] = (figures[0] - REFERENCE_PITCH) / STYLE_REGISTER_SPAN
        return np.nan_to_num(out).astype(np.float32)

    def vector(self, solo):
        """The style vector of a solo (``--like``): `standardise(style_figures(solo))`."""
        return self.standardise(style_figures(solo))

    def performers(self):
        """{performer: number of training solos}, performers in alphabetical order."""
        counts = {}
        for source in self._sources:
            name = performer_of(source)
            if name:
                counts[name] = counts.get(name, 0) + 1
        return dict(sorted(counts.items()))

    def for_performer(self, name, tempo=None):
        """The mean style vector of a performer's training solos (``--style``).

        Args:
            name: str, a performer as `performers()` lists them; case, spaces and punctuation
                do not matter ("sonny rollins", "SonnyRollins").
            tempo: optional tempo of the solo to play: each of the performer's solos then
                weighs exp(-d**2 / 2) with d its distance in tempo in `TEMPO_BANDWIDTH`
                octaves (a solo of unknown tempo weighs as the farthest); None weighs them
                alike.

        Returns:
            (name, vector): the performer's name as `performers()` spells it, and the mean
            style, np.ndarray float32 (STYLE_DIM,).

        Raises:
            MusicInputError: for an unknown performer, naming the closest known ones.
        """
        if not isinstance(name, str) or not _key(name):
            raise MusicInputError(f"style must be a performer's name; got {name!r:.80}")
        found = [s for s in self._sources if _key(performer_of(s)) == _key(name)]
        rows = [self.solos[source] for source in found]
        if not rows:
            known = self.performers()
            keys = {_key(k): k for k in known}
            close = [keys[k] for k in difflib.get_close_matches(_key(name), keys, n=3, cutoff=0)]
            raise MusicInputError(
                f"unknown style {name!r}: the closest of the model's {len(known)} performers "
                f"are {', '.join(close)}"
            )
        weights = np.ones(len(found))
        if tempo is not None:
            far = np.array([self._octaves(s, float(tempo)) for s in found]) / TEMPO_BANDWIDTH
            far = np.where(np.isfinite(far), far, np.max(far[np.isfinite(far)], initial=0.0))
            weights = np.exp(-0.5 * (far - far.min()) ** 2)  # the nearest solo weighs 1
        vector = np.average(np.array(rows, np.float64), axis=0, weights=weights)
        return performer_of(found[0]), vector.astype(np.float32)

    def draw(self, seed, tempo=None):
        """One training solo's style vector, drawn by `seed` (an int in [0, 2**31 - 1)).

        Args:
            seed: int, the solo's seed.
            tempo: optional tempo of the solo to play: the draw is among the `NEAR_SOLOS`
                training solos nearest to it in tempo (all solos when None or when no tempo
                is known).

        Returns:
            (source, np.ndarray float32 (STYLE_DIM,)).
        """
        rng = np.random.default_rng([int(seed), 0x57E])
        pool = self._sources
        if tempo is not None and self.tempos:
            pool = sorted(pool, key=lambda s: (self._octaves(s, float(tempo)), s))[:NEAR_SOLOS]
        source = pool[int(rng.integers(len(pool)))]
        return source, np.asarray(self.solos[source], np.float32)

    def register(self, vector):
        """The mean MIDI pitch a style vector asks for (from its column 0)."""
        return REFERENCE_PITCH + STYLE_REGISTER_SPAN * float(vector[0])

    def to_config(self):
        """JSON-able form, the ``style`` section of config.json (`from_config` reads it)."""
        return {
            "figures": list(STYLE_FIGURES),
            "centre": [round(float(x), 6) for x in self.centre],
            "scale": [round(float(x), 6) for x in self.scale],
            "solos": {k: self.solos[k] for k in self._sources},
            "tempos": {k: self.tempos[k] for k in self._sources if k in self.tempos},
        }

    @classmethod
    def from_config(cls, section):
        """Read and check config.json's ``style`` section.

        Args:
            section: a `zoo.artifacts.fields.Fields` over the section.

        Returns:
            StyleTable.

        Raises:
            zoo.artifacts.fields.FieldError: naming the field.
        """
        from zoo.artifacts import fields as checks

        number = checks.number()
        width = checks.Spec(
            lambda v: isinstance(v, list) and len(v) == STYLE_DIM and all(map(number, v)),
            f"a list of {STYLE_DIM} finite numbers",
        )
        values = section.read_all(
            {
                "figures": checks.exactly(list(STYLE_FIGURES), "this seqzoo's style figures"),
                "centre": width,
                "scale": checks.Spec(
                    lambda v: width(v) and all(x > 0 for x in v),
                    f"a list of {STYLE_DIM} numbers > 0",
                ),
                "solos": checks.Spec(
                    lambda v: isinstance(v, dict) and len(v) > 0 and all(map(width, v.values())),
                    f"a non-empty object: solo file name -> a list of {STYLE_DIM} finite numbers",
                ),
                "tempos": checks.Spec(
                    lambda v: isinstance(v, dict) and all(number(t) and t > 0 for t in v.values()),
                    "an object: solo file name -> its tempo, a number > 0",
                ),
            },
            optional_names=("tempos",),
            closed=True,
            what="the style section",
        )
        unknown = sorted(set(values.get("tempos", {})) - set(values["solos"]))
        if unknown:
            section.fail("tempos", f"names {unknown[0]!r}, which is not in solos")
        return cls(values["centre"], values["scale"], values["solos"], values.get("tempos"))


__all__ = [
    "CLIP",
    "MIN_NOTES",
    "PHRASE_BARS",
    "STYLE_DIM",
    "STYLE_FIGURES",
    "StyleTable",
    "style_figures",
]
