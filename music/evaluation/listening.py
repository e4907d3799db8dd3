"""A blind listening test: a player's phrase and the improviser's over the same chords.

`blind_pair` cuts a phrase of a few bars (8 by default) out of a human solo with
`music.evaluation.discriminator.phrases`, has an improviser play the same bars over exactly
the same chords, meter and tempo, and returns the two as "A" and "B" in an order drawn from
the seed. Nothing but the notes tells them apart: both carry the same chord list, meter and
tempo, and their sources are just "A" and "B". Which one the person played is kept aside in
`BlindPair.player` (and spelled out by `BlindPair.answer`). Hear and see each phrase with
`music.writing.audio.to_audio` and `music.writing.plot.piano_roll`, as notebook 04 does.

The improviser is passed in (a `music.model.improvise.Improviser`, or anything with its
`improvise` method), so this module does not import the model.
"""

import dataclasses
import os
from fractions import Fraction

import numpy as np

from music.checks import check_seed, check_tempo, check_whole
from music.errors import MusicInputError
from music.evaluation.discriminator import phrases
from music.theory.chords import NO_CHORD, parse_chord
from music.types import Solo

MIN_NOTES = 4
"""The fewest pitched notes a human phrase of a blind pair holds (a phrase of silence would
give the answer away)."""

SET_BY_THE_PHRASE = ("chords", "bar_length", "beats_per_bar", "beat_unit", "choruses", "tempo")
"""The arguments of `Improviser.improvise` that `blind_pair` takes from the human phrase."""


@dataclasses.dataclass(frozen=True)
class BlindPair:
    """Two phrases over the same chords: one played by a person, one generated.

    Args:
        a: `Solo`, the first phrase (source "A").
        b: `Solo`, the second phrase (source "B").
        player: str, "A" or "B": the phrase the person played.
        source: str, the human solo's source (its file).
        start_bar: int, the bar of the human solo where the phrase begins (counted from 0).
        bars: int, the length of both phrases in bars.
        seed: int, the seed of the order, of the choice of the phrase and of the improviser.

    Example:

    >>> pair = BlindPair(Solo([], []), Solo([], []), "B", "take.xml", 16, 8, 3)
    >>> pair.answer
    'B is the player (take.xml, bars 17-24); A is the improviser (seed 3).'
    """

    a: Solo
    b: Solo
    player: str
    source: str
    start_bar: int
    bars: int
    seed: int

    @property
    def human(self) -> Solo:
        """The phrase the person played."""
        return self.a if self.player == "A" else self.b

    @property
    def generated(self) -> Solo:
        """The phrase the improviser played."""
        return self.b if self.player == "A" else self.a

    @property
    def answer(self) -> str:
        """The answer in one sentence: which is the player (whose solo, which bars)."""
        other = "B" if self.player == "A" else "A"
        name = os.path.basename(str(self.source)) or "a human solo"
        bars = f"bars {self.start_bar + 1}-{self.start_bar + self.bars}"
        return (
            f"{self.player} is the player ({name}, {bars}); "
            f"{other} is the improviser (seed {self.seed})."
        )


def _covering(chords, length):
    """`chords` laid over [0, length): N.C. before the first chord (or throughout, when there
    is none) and the last chord held to the end, so the improviser's form is `length` long."""
    if not chords:
        return [parse_chord(NO_CHORD, offset=Fraction(0), duration=length)]
    chords = list(chords)
    if chords[0].offset > 0:
        chords.insert(0, parse_chord(NO_CHORD, offset=Fraction(0), duration=chords[0].offset))
    if chords[-1].end < length:
        chords[-1] = dataclasses.replace(chords[-1], duration=length - chords[-1].offset)
    return chords


def _human_phrase(solo, bars, start_bar, rng):
    """The human phrase and the bar it begins at: the one at `start_bar`, or one drawn from
    the solo's whole phrases (from bar 0) with `rng` when `start_bar` is None."""
    name = os.path.basename(str(solo.source)) or "solo"
    whole = int(solo.duration // solo.bar_length)
    if whole < bars:
        raise MusicInputError(
            f"solo {name!r} has {whole} whole bars; expected at least bars={bars} "
            "(or pass a smaller bars)"
        )
    if start_bar is None:
        candidates = phrases(solo, bars=bars, min_notes=MIN_NOTES)
        if not candidates:
            raise MusicInputError(
                f"solo {name!r}: no {bars}-bar phrase holds {MIN_NOTES} pitched notes; "
                "expected a solo with a melody"
            )
        human = candidates[int(rng.integers(len(candidates)))]
        return human, int(human.source.rsplit("#", 1)[1]) * bars
    start_bar = check_whole("start_bar", start_bar, low=0)
    if start_bar + bars > whole:
        raise MusicInputError(
            f"start_bar={start_bar}: solo {name!r} has {whole} whole bars, so a phrase of "
            f"bars={bars} begins at bar {whole - bars} at the latest"
        )
    cut = phrases(solo, bars=bars, min_notes=MIN_NOTES, start=start_bar)
    if not cut or cut[0].source != f"{solo.source}#0":  # the phrase at start_bar was dropped
        raise MusicInputError(
            f"start_bar={start_bar}: bars {start_bar + 1}-{start_bar + bars} of solo {name!r} "
            f"hold fewer than {MIN_NOTES} pitched notes; expected a phrase with a melody"
        )
    return cut[0], start_bar


def blind_pair(solo, improviser, *, bars=8, start_bar=None, seed=0, **options):
    """A player's phrase and the improviser's over the same chords, in a seeded random order.

    The human phrase is `bars` bars of `solo` (cut by
    `music.evaluation.discriminator.phrases`, holding at least `MIN_NOTES` pitched notes):
    the one beginning at `start_bar`, or, by default, one of the solo's consecutive phrases
    from bar 0 drawn with `seed`. The improviser plays the same bars over the phrase's chords
    (N.C. before its first chord, the last one held to the end), in the solo's meter and
    tempo, seeded by `seed`; both phrases then carry that same chord list. Which one comes
    first is drawn with `seed` too: the same seed gives the same pair. Every argument is
    checked before the improviser plays.

    Args:
        solo: a `music.types.Solo` played by a person, with its chords (e.g. from
            `music.reading.solos.read_solo`); at least `bars` bars long.
        improviser: a `music.model.improvise.Improviser` (anything with its `improvise`).
        bars: int >= 1, the length of the phrases in bars. Defaults to 8.
        start_bar: optional int >= 0, the bar of `solo` (counted from 0) where the phrase
            begins. Defaults to None: a phrase drawn with `seed`.
        seed: int of any size (mapped by `music.checks.check_seed`): the phrase, the order and
            the improviser's sampling. Defaults to 0.
        **options: further arguments of `Improviser.improvise` (`temperature`, `top_p`,
            `primer`, ...); not those `blind_pair` takes from the phrase (`SET_BY_THE_PHRASE`).

    Returns:
        `BlindPair`: the phrases `a` and `b`, which one is the `player`, and where the human
        phrase comes from.

    Raises:
        MusicInputError: (a `ValueError`) a `bars` < 1, a `start_bar` < 0 or past the solo's
            last whole phrase, a bad `seed`, a solo shorter than `bars` bars, a phrase with
            fewer than `MIN_NOTES` pitched notes, a solo's tempo out of
            `music.checks.TEMPO_RANGE`, an improviser without `improvise`, or an option that
            the phrase sets.

    Example:

    >>> from music.encoding.events import Encoding
    >>> from music.model.artifact import Artifact, build_model
    >>> from music.model.improvise import Improviser
    >>> from music.reading.leadsheet import progression_from_spec
    >>> from music.types import Note
    >>> model = build_model(Encoding(), units=4, embedding_dim=4)  # untrained, tiny
    >>> improviser = Improviser(Artifact(model, Encoding(), {}, {}))
    >>> notes = [Note(Fraction(i), Fraction(1), 60 + i % 7) for i in range(48)]  # 12 bars
    >>> solo = Solo(notes, progression_from_spec("blues:F"), source="take.xml")
    >>> pair = blind_pair(solo, improviser, seed=1)
    >>> pair.a.chords == pair.b.chords, pair.a.duration == pair.b.duration == 32
    (True, True)
    >>> pair.human.notes == notes[:32]
    True
    """
    bars, seed = check_whole("bars", bars), check_seed(seed)
    if not isinstance(solo, Solo):
        raise MusicInputError(
            f"solo must be a music.types.Solo (e.g. from music.reading.solos.read_solo); "
            f"got {type(solo).__name__}"
        )
    taken = [name for name in SET_BY_THE_PHRASE if name in options]
    if taken:
        raise MusicInputError(
            f"{taken[0]} is the human phrase's, set by blind_pair; expected only the other "
            "options of Improviser.improvise (temperature, top_p, primer, ...)"
        )
    tempo = check_tempo(solo.tempo, name="solo.tempo")
    rng = np.random.default_rng([seed, 0xB11D])  # its own stream, apart from sampling's
    human, start_bar = _human_phrase(solo, bars, start_bar, rng)
    chords = _covering(human.chords, bars * solo.bar_length)
    if not callable(getattr(improviser, "improvise", None)):
        raise MusicInputError(
            "improviser must be a music.model.improvise.Improviser (with an improvise "
            f"method); got {type(improviser).__name__}"
        )
    played = improviser.improvise(
        chords,
        bar_length=solo.bar_length,
        beats_per_bar=solo.beats_per_bar,
        beat_unit=solo.beat_unit,
        tempo=tempo,
        seed=seed,
        **options,
    )
    meter = (solo.beats_per_bar, solo.beat_unit, solo.tempo)
    sides = [human.notes, played.notes]
    player = "A" if rng.integers(2) == 0 else "B"
    if player == "B":
        sides.reverse()
    a, b = (Solo(list(notes), list(chords), *meter, label) for notes, label in zip(sides, "AB"))
    return BlindPair(a, b, player, str(solo.source), start_bar, bars, seed)


__all__ = ["blind_pair", "BlindPair", "MIN_NOTES", "SET_BY_THE_PHRASE"]
