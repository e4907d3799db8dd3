"""Improvising over a chord progression with the single-step twin of a trained improviser.

Each step feeds the previous event token and the conditioning vector of the position reached so
far (current and next chord, beat, what is left of the bar) and of the melody so far (which
intervals from the last pitch land on chord tones, its register, the phrase length, the rest
before, the tempo: `music.encoding.features.melody_features`) to `zoo.build_lm_step`'s model
and samples the next event, inside the zoo's generation engine (`zoo.Sampler`): music only adds
its hooks (the carried tick, "a note is sounding" flag and melody state, the conditioning
computed in the graph, and the mask below).

Constraints applied to the distribution before sampling (nothing else is hard-coded):
- bar filling: events whose duration would cross the bar line are masked out, so every bar's
  events sum exactly to the bar and the last bar ends the form (no overflow, no overlaps);
- a tie is only allowed right after a sounding note (a tie after a rest would be a rest);
- range guard: pitches outside the encoding's `pitch_range` (C2..D#7) are masked out;
- soft register guard, one player's register per solo: a note outside the solo's register
  loses `REGISTER_PENALTY` nats per semitone outside (`Improviser(register=None)` turns it
  off). The register is `REGISTER` (D3..Bb5: the training solos' mean pitch, 65.8, +-16)
  shifted by a whole number of semitones drawn from N(0, `REGISTER_SPREAD`) with the solo's
  seed (4.8: the standard deviation of the training solos' mean pitches, which differ by
  instrument and player), and a solo without a primer starts from the reference pitch shifted
  alike. Human solos each keep to their player's register; one fixed register for every solo
  made the generated phrases' lowest notes pile up at its floor, which told them apart
  (`register_spread=0` keeps one register). A model with a style block (`music.model.style`)
  takes the shift from the style's register instead: the register its style asks for;
- soft span guard: a note more than `SPAN` semitones from the running centre of the melody
  (an average of its recent pitches, `CENTRE_DECAY` per note) loses `SPAN_PENALTY` nats per
  semitone beyond, which keeps phrases in a player's compass instead of a random walk of
  intervals (`span_penalty=0` turns it off);
- pitch-class cache (`music.model.pitch_cache`): a note gains `CACHE_WEIGHT` times the log of
  how much more than uniformly its pitch class has sounded in the solo's last notes, so a line
  centres on its key for bars at a time as players' do (`cache_weight=0` turns it off);
- chord-tone lean (a model with a style block): a note on a tone of the current chord gains
  `CHORD_TONE_LEAN` nats per standard deviation of the style's chord-tone ratio (the style's
  own, standardised figure; it loses as much for a style below the mean), so each solo sits on
  the chords as much as its style's player does and the tunes differ as much as the players'
  (`chord_tone_lean=0` turns it off);
- calibration (`music.model.calibration`, a model calibrated with `python -m music
  calibrate`): every event gains `CALIBRATION_WEIGHT` times the log of how much more often the
  players of the training solos play it than this sampler does over their progressions, so the
  solos' intervals and durations are the players' as a whole (`calibration_weight=0` turns it
  off).
Style (a model trained with one, `music.model.style`): every solo is played in one style, the
same for all its events: a performer's (``style="Sonny Rollins"``), a given solo's (a `Solo`:
``--like``), a vector, or by default one training solo's drawn by the seed
(`Improviser.resolve_style`).
Sampling: temperature, then top-p (nucleus) on the renormalised distribution, drawn with
`tf.random.stateless_categorical` seeded by (seed, step) (same seed, model and progression:
same solo). The whole loop over events runs inside the engine's one `tf.function` (a
`tf.while_loop`), so the per-event cost is one graph iteration, not a Python round trip.
"""

import dataclasses
import os
from fractions import Fraction

import numpy as np

import zoo
from music.checks import check_number, check_seed, check_swing, check_tempo, check_whole
from music.encoding.events import BOS
from music.encoding.features import (
    BREATH_TICKS,
    RECENT_DECAY,
    ChordTimeline,
    melody_features_graph,
    remember_pitch_classes_graph,
    tempo_feature,
)
from music.encoding.timegrid import to_ticks
from music.errors import MusicInputError
from music.model.pitch_cache import (
    CACHE_DECAY,
    CACHE_WEIGHT,
    cache_of,
    class_bonus_graph,
)
from music.model.style import STYLE_FIGURES
from music.reading.performers import performer_of
from music.theory.chords import parse_chord
from music.types import Solo
from zoo.generation.choice import check_sampling_args

TEMPERATURE = 0.95
"""The default sampling temperature, chosen on the validation solos (docs/results/jazz.md)."""

CHORD_TONE_LEAN = 0.2
"""Nats a chord tone gains per standard deviation of the style's chord-tone ratio (a model with
a style block; 0 turns it off). The network hears the whole style but followed its chord-tone
habit too little: over 100 training solos' progressions the generated solos' chord-tone ratios
spread 60% as widely as the players' (sd 0.053 against 0.088); with 0.2 108% (0.15: 88%), and
on the validation solos the judges found them hardly easier to tell (0.572 / 0.589 against
0.555 / 0.583 without, means of six seeds; one seed moves them by about 0.03)."""
CHORD_TONE_COLUMN = STYLE_FIGURES.index("chord_tone_ratio")

CALIBRATION_WEIGHT = 0.5
"""The share of a calibrated model's bias the improviser applies (`music.model.calibration`;
0 turns it off), chosen on the validation solos: the whole bias (1) matched the players' mean
interval but the judges told the solos apart no less well."""

REGISTER = (50, 82)
"""The soft register guard before each solo's shift: each semitone a note would land below D3
or above Bb5 costs `REGISTER_PENALTY` nats of log-probability (the hard guard is the encoding's
pitch range). Chosen on the validation solos (docs/results/jazz.md)."""
REGISTER_PENALTY = 1.0
REGISTER_SPREAD = 4.8
"""The standard deviation in semitones of each solo's register shift (that of the mean pitches
of the training solos)."""
SPAN = 10
SPAN_PENALTY = 0.5
CENTRE_DECAY = 0.9

MAX_BARS = 2000
"""The longest solo generated at once, in bars (all choruses together): about 20 minutes of
music at 4/4 and 400 BPM, a few seconds of generation; far longer requests (`--choruses 100000`)
would only exhaust memory."""


def form_bars(chords, bar_length, choruses):
    """Bars in one chorus of a form, after checking that `choruses` of it may be generated.

    The form lasts from 0 to the end of its last chord, rounded up to whole bars.

    Args:
        chords: `Chord` spans of one chorus (offsets from 0).
        bar_length: quarter notes per bar.
        choruses: int >= 1; choruses times the bars of the form must be at most `MAX_BARS`.

    Returns:
        int: the bars of one chorus.

    Raises:
        MusicInputError: for `choruses` < 1, an empty progression, or more than `MAX_BARS`
            bars in all.

    Example:
        >>> from music.reading.leadsheet import progression_from_spec
        >>> form_bars(progression_from_spec("blues:Bb"), 4, 2)
        12
    """
    choruses = check_whole("choruses", choruses)
    if not chords:
        raise MusicInputError("chord progression is empty; expected at least one bar of chords")
    bars = int(-(-max(c.end for c in chords) // Fraction(bar_length)))
    if bars * choruses > MAX_BARS:
        raise MusicInputError(
            f"choruses={choruses}: {choruses} choruses of {bars} bars make "
            f"{bars * choruses} bars; expected at most {MAX_BARS} bars in all"
        )
    return bars


def repeat_form(chords, bar_length, choruses):
    """Lay `choruses` copies of a form end to end (checked by `form_bars`).

    Args:
        chords: `Chord` spans of one chorus (offsets from 0).
        bar_length: quarter notes per bar.
        choruses: int >= 1 (at most `MAX_BARS` bars in all).

    Returns:
        (chords, total_length): the repeated spans and the length in quarter notes.

    Example:
        >>> from music.reading.leadsheet import progression_from_spec
        >>> spans, length = repeat_form(progression_from_spec("blues:Bb"), 4, 2)
        >>> length
        Fraction(96, 1)
    """
    form = form_bars(chords, bar_length, choruses) * Fraction(bar_length)
    out = [
        dataclasses.replace(c, offset=c.offset + k * form) for k in range(choruses) for c in chords
    ]
    return out, form * choruses


class Improviser:
    """Generates solos from a loaded artifact (`music.model.artifact.load_artifact`).

    The solo is generated by the zoo's engine (`zoo.Sampler`) over the model's single-step
    twin; what is music's own is a carry (where the solo is, whether a note is sounding, the
    last pitch, the phrase and rest so far), the conditioning computed from it and the tables
    of the progression, and the mask of the rules in the module docstring.

    Args:
        artifact: a `music.model.artifact.Artifact`.
        register: (low, high) MIDI pitches of the soft register guard, or None for none.
            Defaults to `REGISTER`.
        register_penalty: nats per semitone outside `register`. Defaults to `REGISTER_PENALTY`.
        register_spread: float >= 0, the standard deviation in semitones of the whole-semitone
            shift of `register` (and of the starting pitch) drawn for each solo from its seed
            (`solo_register`). Defaults to `REGISTER_SPREAD`.
        span: semitones either side of the running centre that cost nothing. Defaults to `SPAN`.
        span_penalty: nats per semitone beyond `span`. Defaults to `SPAN_PENALTY`.
        centre_decay: float in [0, 1), the weight the running centre keeps at each note (the
            new pitch gets the rest). Defaults to `CENTRE_DECAY`.
        cache_weight: float >= 0, the pitch-class cache's exponent (`music.model.pitch_cache`;
            0 turns it off). Defaults to `CACHE_WEIGHT`.
        cache_decay: float in [0, 1), the weight a pitch class keeps in the cache at each later
            note. Defaults to `CACHE_DECAY`.
        chord_tone_lean: float >= 0, nats a chord tone of the current chord gains per standard
            deviation of the solo's style's chord-tone ratio (negative for a style below the
            players' mean); a model without a style block ignores it. Defaults to
            `CHORD_TONE_LEAN`.
        calibration_weight: float >= 0, how much of the artifact's calibration
            (`music.model.calibration`) each event's log-probability gains (0 turns it off; a
            model without one is played as it is). Defaults to `CALIBRATION_WEIGHT`.

    Example:
        >>> from music.model.artifact import load_artifact
        >>> from music.reading.leadsheet import progression_from_spec
        >>> improviser = Improviser(load_artifact())  # the shipped model
        >>> solo = improviser.improvise(progression_from_spec("blues:Bb"), seed=1)
        >>> solo.notes[-1].end == 12 * solo.bar_length  # every bar filled, the form ends
        True
    """

    def __init__(
        self,
        artifact,
        *,
        register=REGISTER,
        register_penalty=REGISTER_PENALTY,
        register_spread=REGISTER_SPREAD,
        span=SPAN,
        span_penalty=SPAN_PENALTY,
        centre_decay=CENTRE_DECAY,
        cache_weight=CACHE_WEIGHT,
        cache_decay=CACHE_DECAY,
        calibration_weight=CALIBRATION_WEIGHT,
        chord_tone_lean=CHORD_TONE_LEAN,
    ):
        import tensorflow as tf

        self.artifact = artifact
        self.encoding = artifact.encoding
        self.register = None if register is None else (int(register[0]), int(register[1]))
        self.register_penalty = float(register_penalty)
        self.register_spread = check_number("register_spread", register_spread, low=0)
        self.span, self.span_penalty = float(span), float(span_penalty)
        self.centre_decay = check_number(
            "centre_decay", centre_decay, low=0, high=1, high_open=True
        )
        self.cache_weight = check_number("cache_weight", cache_weight, low=0)
        self.cache_decay = check_number("cache_decay", cache_decay, low=0, high=1, high_open=True)
        self.calibration_weight = check_number("calibration_weight", calibration_weight, low=0)
        self.chord_tone_lean = check_number("chord_tone_lean", chord_tone_lean, low=0)
        lean = self.chord_tone_lean if self.encoding.style_dim else 0.0
        decay = self.centre_decay
        calibration = artifact.calibration if self.calibration_weight else None
        bias = (
            None
            if calibration is None
            else tf.constant(self.calibration_weight * np.asarray(calibration, np.float32))
        )
        self.step_model = zoo.build_lm_step(artifact.model)
        self.state_names = zoo.state_names(self.step_model)
        enc = self.encoding
        kinds = enc.token_kind
        self._ticks = enc.token_ticks.astype(np.int32)
        self._is_tie = kinds == enc.tie_kind
        self._is_pitch = (kinds >= 0) & (kinds < enc.num_pitch_kinds)
        durations = tf.constant(self._ticks)
        is_tie, is_pitch = tf.constant(self._is_tie), tf.constant(self._is_pitch)
        is_rest = tf.constant(kinds == enc.rest_kind)
        intervals = tf.constant(enc.token_interval.astype(np.int32))
        not_bos = tf.constant(np.arange(enc.vocab_size) != BOS)
        low, high = enc.pitch_range
        penalty = self.register_penalty if self.register is not None else 0.0

        def at_tick(step):  # the tick each row has reached, inside the tables
            return tf.minimum(step.carry["tick"], tf.shape(step.context["static"])[0] - 1)

        def inputs_fn(step):
            return {"conditioning": self._conditioning(step.carry, step.context, at_tick(step))}

        def mask_fn(step, logits):  # bar filling, range guards, ties only after a note
            tick, bar = step.carry["tick"], step.context["bar_ticks"]
            left = bar - tick % bar  # (batch,)
            allowed = (durations[None, :] <= left[:, None]) & not_bos[None, :]
            allowed &= step.carry["sounding"][:, None] | ~is_tie[None, :]
            target = step.carry["pitch"][:, None] + intervals[None, :]  # (batch, vocab)
            allowed &= ~is_pitch[None, :] | ((target >= low) & (target <= high))
            soft_low, soft_high = step.context["register"][0], step.context["register"][1]
            outside = tf.maximum(soft_low - target, 0) + tf.maximum(target - soft_high, 0)
            soft = penalty * tf.cast(outside, tf.float32)
            distance = tf.abs(tf.cast(target, tf.float32) - step.carry["centre"][:, None])
            beyond = (
                tf.maximum(distance - self.span, 0.0)
                * tf.cast(step.carry["started"], tf.float32)[:, None]
            )
            soft += self.span_penalty * beyond
            if self.cache_weight or lean:  # what a note of each pitch class gains
                bonus = tf.zeros_like(step.carry["cache"])
                if self.cache_weight:
                    bonus += class_bonus_graph(step.carry["cache"], self.cache_weight)
                if lean:  # the style's chord-tone habit, in standard deviations of the players'
                    ring = tf.gather(step.context["rings"], at_tick(step))[:, 0, :]
                    bonus += lean * step.context["style"][CHORD_TONE_COLUMN] * ring
                soft -= tf.gather(bonus, tf.math.floormod(target, 12), batch_dims=1)
            soft = tf.where(is_pitch[None, :], soft, 0.0)
            if bias is not None:  # every event, notes and rests alike
                soft -= bias[None, :]
            return tf.where(allowed, logits - soft, tf.constant(-np.inf, tf.float32))

        def update_fn(step, token):
            carry = step.carry
            ticks = tf.gather(durations, token)
            note, rest = tf.gather(is_pitch, token), tf.gather(is_rest, token)
            breath = note & (~carry["started"] | (carry["rest"] >= BREATH_TICKS))
            pitch = carry["pitch"] + tf.where(note, tf.gather(intervals, token), 0)
            moved = tf.where(
                carry["started"],
                decay * carry["centre"] + (1.0 - decay) * tf.cast(pitch, tf.float32),
                tf.cast(pitch, tf.float32),
            )
            return {
                "recent": remember_pitch_classes_graph(carry["recent"], pitch, note, RECENT_DECAY),
                "cache": remember_pitch_classes_graph(
                    carry["cache"], pitch, note, self.cache_decay
                ),
                "centre": tf.where(note, moved, carry["centre"]),
                "tick": carry["tick"] + ticks,
                "sounding": note | (tf.gather(is_tie, token) & carry["sounding"]),
                "pitch": pitch,
                "started": carry["started"] | note,
                "phrase_start": tf.where(breath, carry["tick"], carry["phrase_start"]),
                "rest": tf.where(note, 0, tf.where(rest, carry["rest"] + ticks, carry["rest"])),
            }

        def done_fn(step):  # the form is filled
            return step.carry["tick"] >= tf.shape(step.context["static"])[0]

        # Plain TensorFlow, not XLA: every progression has its own length, and XLA would
        # compile each one (and draw other samples for the same seed than before).
        self.sampler = zoo.Sampler(
            self.step_model,
            inputs_fn=inputs_fn,
            mask_fn=mask_fn,
            update_fn=update_fn,
            done_fn=done_fn,
            jit_compile=False,
        )

    def resolve_style(self, style, seed=0, tempo=None):
        """The style a solo is played in, as the model's style block.

        Args:
            style: None (one training solo's style, drawn by `seed`), a performer's name
                (str, `StyleTable.for_performer`), a `Solo` to imitate (`StyleTable.vector`),
                or a vector of the model's `style_dim` floats.
            seed: int, the solo's seed (for the default draw).
            tempo: optional tempo of the solo: the default draw and a performer's style lean
                on the training solos nearest to it (`StyleTable.draw`,
                `StyleTable.for_performer`).

        Returns:
            (label, vector): a description ("Sonny Rollins", "like FILE", "drawn: Sonny
            Rollins (FILE)", "given") and float32 (style_dim,); (None, None) for a model
            without a style block and `style` None.

        Raises:
            MusicInputError: a style for a model without a style block, an unknown performer
                (naming the closest), a solo with no phrase to take a style from, or a vector
                of another shape.

        Example:
            >>> from music.model.artifact import load_artifact
            >>> improviser = Improviser(load_artifact())
            >>> improviser.resolve_style("sonny rollins")[0]
            'Sonny Rollins'
        """
        table = self.artifact.style
        if not self.encoding.style_dim:
            if style is None:
                return None, None
            raise MusicInputError(
                "this model has no style block (it was trained before styles or with "
                "--no-style); a style needs a model trained with one"
            )
        if style is None:
            source, vector = table.draw(check_seed(seed), tempo)
            return f"drawn: {performer_of(source) or source} ({source})", vector
        if isinstance(style, str):
            return table.for_performer(style, tempo)
        if isinstance(style, Solo):
            return f"like {os.path.basename(str(style.source))}", table.vector(style)
        vector = np.asarray(style, np.float32)
        if vector.shape != (self.encoding.style_dim,) or not np.all(np.isfinite(vector)):
            raise MusicInputError(
                f"style must be a performer's name, a Solo or {self.encoding.style_dim} finite "
                f"numbers; got {type(style).__name__} of shape {vector.shape}"
            )
        return "given", vector

    def solo_register(self, seed, style=None):
        """The soft register guard of a solo: `register` shifted by a whole number of
        semitones (kept inside the encoding's pitch range), or the whole pitch range when
        there is no register guard. The shift is the one `style` (a style vector) asks for,
        or, without a style, drawn from N(0, `register_spread`) with `seed`.

        Example:
            >>> from music.model.artifact import load_artifact
            >>> Improviser(load_artifact(), register_spread=0).solo_register(7)
            (50, 82)
        """
        low, high = self.encoding.pitch_range
        if self.register is None:
            return low, high
        shift = 0
        if style is not None and self.artifact.style is not None:
            wanted = self.artifact.style.register(style) - sum(self.register) / 2
            shift = int(np.clip(round(wanted), low - self.register[0], high - self.register[1]))
        elif self.register_spread > 0:
            rng = np.random.default_rng([check_seed(seed), 0x5E9])  # the seed as sampling maps it
            draw = rng.normal(0.0, self.register_spread)
            shift = int(np.clip(round(draw), low - self.register[0], high - self.register[1]))
        return self.register[0] + shift, self.register[1] + shift

    def _conditioning(self, carry, context, tick):
        """The conditioning vector in the graph: the static row of the tables at `tick` and
        `music.encoding.features.melody_features_graph` of the melody state in `carry`.

        Args:
            carry: the loop carry (pitch, started, phrase_start, rest, recent; `tick`
                unclamped).
            context: the tables (`static`, `rings`, `bar_ticks`, `tempo`; `style` for a model
                with a style block).
            tick: int32 (batch,), the row of the tables to read.

        Returns:
            float32 (batch, feature_dim).
        """
        import tensorflow as tf

        started = carry["started"]
        phrase = (carry["tick"] - carry["phrase_start"]) * tf.cast(started, tf.int32)
        melody = melody_features_graph(
            tf.gather(context["rings"], tick),
            carry["pitch"],
            started,
            phrase,
            carry["rest"],
            context["bar_ticks"],
            context["tempo"],
            carry["recent"] if self.encoding.recent else None,  # version 3
        )
        parts = [tf.gather(context["static"], tick), melody]
        if "style" in context:
            style = context["style"]
            parts.append(tf.broadcast_to(style[None, :], [tf.shape(tick)[0], tf.shape(style)[0]]))
        return tf.concat(parts, axis=1)

    def warm_up(self, primer: Solo, style=None):
        """Run a primer solo through the network (teacher forcing).

        Args:
            primer: a `Solo`; its own chords (or N.C.) give its features.
            style: the style vector of the solo to come (a model with a style block).

        Returns:
            (token, states, melody): the primer's last event token, the recurrent states before
            it, and the melody state after it (`Encoding.initial_state` layout, with the tick
            where its phrase began counted from the primer's end, so zero or negative), with
            "cache": the pitch-class cache after its notes (`music.model.pitch_cache.cache_of`).
        """
        encoded = self.encoding.encode(primer, style)
        if len(encoded.tokens) == 0:
            return BOS, zoo.zero_states(self.step_model, 1), self.encoding.initial_state()
        tokens = np.concatenate([[BOS], encoded.tokens[:-1]]).astype(np.int32)
        states = self.sampler.warm_up(tokens[None], inputs={"conditioning": encoded.features[None]})
        end = int(encoded.onsets[-1] + self._ticks[encoded.tokens[-1]])
        melody = dict(encoded.state, phrase_start=encoded.state["phrase_start"] - end)
        played = np.append(encoded.pitches[1:], encoded.state["pitch"])  # each event's after
        melody["cache"] = cache_of(played[self._is_pitch[encoded.tokens]], self.cache_decay)
        return int(encoded.tokens[-1]), states, melody

    def improvise(
        self,
        chords,
        *,
        bar_length=Fraction(4),
        beats_per_bar=4,
        beat_unit=4,
        choruses=1,
        seed=0,
        temperature=TEMPERATURE,
        top_p=1.0,
        tempo=160.0,
        primer=None,
        style=None,
    ):
        """Generate a solo over `choruses` times the progression `chords`.

        Args:
            chords: `Chord` spans of one chorus (offsets from 0), e.g. from
                `music.reading.leadsheet.progression_from_spec`.
            bar_length: quarter notes per bar (4 for 4/4).
            beats_per_bar: meter numerator (written into the Solo).
            beat_unit: meter denominator.
            choruses: int >= 1, times through the form.
            seed: int of any size (numpy integers too), seeds sampling (mapped by
                `music.checks.check_seed`, as `python -m music generate --seed` does).
            temperature: float > 0; below 1 is safer, above 1 wilder. Defaults to
                `TEMPERATURE` (0.95, chosen on the validation solos with the discriminator).
            top_p: float in (0, 1]; sample from the smallest set of events holding this much
                probability. Defaults to 1.0 (no truncation: on the validation solos 0.95
                and 0.9 made the phrases easier to tell from the humans' and the rhythm
                histogram 4x further from theirs).
            tempo: quarter notes per minute (written into the Solo).
            primer: optional `Solo` played into the network first (it is not part of the output).
            style: for a model with a style block, the solo's style (see `resolve_style`): None
                (the default) draws one training solo's with `seed`, a performer's name plays
                like that performer, a `Solo` plays like that solo.

        Returns:
            Solo: the generated notes with the repeated chords; every bar is exactly filled.
            Its source is "generated", with ", style <label>" for a model with a style block.

        Example:
            >>> from music.encoding.events import Encoding
            >>> from music.model.artifact import Artifact, build_model
            >>> from music.reading.leadsheet import progression_from_spec
            >>> model = build_model(Encoding(), units=4, embedding_dim=4)  # untrained, tiny
            >>> improviser = Improviser(Artifact(model, Encoding(), {}, {}))
            >>> solo = improviser.improvise(progression_from_spec("Dm7 G7 | Cmaj7 |"), seed=3)
            >>> sum(note.duration for note in solo.notes)
            Fraction(8, 1)
        """
        temperature, top_p, seed, tempo = _check_sampling(temperature, top_p, seed, tempo)
        all_chords, length = repeat_form(chords, bar_length, choruses)
        bar_ticks = to_ticks(bar_length)
        total = to_ticks(length)
        timeline = ChordTimeline(all_chords, bar_ticks)
        label, style = self.resolve_style(style, seed, tempo)
        register = self.solo_register(seed, style)  # this solo's player's register
        if primer is not None:
            token, states, melody = self.warm_up(primer, style)
        else:
            token, states = BOS, zoo.zero_states(self.step_model, 1)
            melody = self.encoding.initial_state()
            if self.register is not None:  # the player's register: start inside it
                melody["pitch"] += register[0] - self.register[0]
        sounding = bool(primer is not None and (self._is_pitch[token] or self._is_tie[token]))
        # Every event lasts at least one tick, so `total` events always fill the form.
        result = self.sampler.generate(
            np.array([[token]], np.int32),
            total,
            temperature=float(temperature),
            top_p=None if top_p is None or top_p == 1 else top_p,
            seed=seed,
            states=states,
            carry={
                "tick": np.zeros(1, np.int32),
                "sounding": np.array([sounding]),
                "pitch": np.array([melody["pitch"]], np.int32),
                "centre": np.array([melody["pitch"]], np.float32),
                "started": np.array([bool(melody["started"])]),
                "phrase_start": np.array([melody["phrase_start"]], np.int32),
                "rest": np.array([melody["rest"]], np.int32),
                "recent": np.array([melody["recent"]], np.float32),
                "cache": np.array([melody.get("cache", cache_of([]))], np.float32),
            },
            context={
                "static": timeline.feature_table(total),
                "rings": timeline.pitch_class_table(total),
                "bar_ticks": np.int32(bar_ticks),
                "tempo": np.float32(tempo_feature(tempo)),
                "register": np.array(register, np.int32),
                **({} if style is None else {"style": np.asarray(style, np.float32)}),
            },
            log_probs=False,
        )
        tokens = result.tokens[0, : result.lengths[0]]
        return self.encoding.decode(
            tokens,
            all_chords,
            bar_length,
            pitch=int(melody["pitch"]),
            beats_per_bar=beats_per_bar,
            beat_unit=beat_unit,
            tempo=float(tempo),
            source="generated" if label is None else f"generated, style {label}",
        )


def improvise_over(improviser, solo, seed, **sampling):
    """A solo generated over another solo's progression: the same bars, meter and tempo.

    The form is the solo's whole bars; a progression that starts late (or a solo without
    chords) is filled with N.C. from bar one. The result carries the solo's own chords, so
    that chord-relative measures compare both over the same harmony.

    Args:
        improviser: an `Improviser`.
        solo: the `Solo` whose progression, meter and tempo to play over.
        seed: int, the generated solo's seed.
        **sampling: `Improviser.improvise` keyword arguments (temperature, top_p, style).

    Returns:
        Solo: the generated notes over `solo`'s chords, source "generated:<the solo's file>".

    Example:
        >>> from music.encoding.events import Encoding
        >>> from music.model.artifact import Artifact, build_model
        >>> from music.reading.leadsheet import progression_from_spec
        >>> from music.types import Note
        >>> human = Solo([Note(Fraction(0), Fraction(8), 60)], progression_from_spec("C7 | F7 |"))
        >>> model = build_model(Encoding(), units=4, embedding_dim=4)  # untrained, tiny
        >>> improviser = Improviser(Artifact(model, Encoding(), {}, {}))
        >>> improvise_over(improviser, human, seed=1).duration
        Fraction(8, 1)
    """
    bars = int(solo.duration // solo.bar_length)
    chords = [c for c in solo.chords if c.offset < bars * solo.bar_length]
    if not chords or chords[0].offset > 0:
        start = chords[0].offset if chords else bars * solo.bar_length
        chords = [parse_chord("N.C.", offset=Fraction(0), duration=start)] + chords
    generated = improviser.improvise(
        chords,
        bar_length=solo.bar_length,
        beats_per_bar=solo.beats_per_bar,
        beat_unit=solo.beat_unit,
        seed=seed,
        tempo=solo.tempo,
        **sampling,
    )
    return dataclasses.replace(
        solo, notes=generated.notes, source=f"generated:{os.path.basename(str(solo.source))}"
    )


DEFAULT_FORM = "blues:Bb"


def _check_sampling(temperature, top_p, seed, tempo):
    """The sampling arguments, checked by the zoo's rule (`MusicInputError` naming the
    parameter) and converted; a top_p of None is 1 (no nucleus filter)."""
    temperature, _, top_p = check_sampling_args(temperature, None, top_p, error=MusicInputError)
    return temperature, top_p, check_seed(seed), check_tempo(tempo)


def generate(
    out,
    *,
    chords=None,
    meter=None,
    choruses=1,
    tempo=160.0,
    seed=0,
    temperature=TEMPERATURE,
    top_p=1.0,
    primer=None,
    model=None,
    swing=None,
    improviser=None,
    style=None,
    like=None,
):
    """Generate a solo over a progression and write `out` (MIDI) and its .musicxml twin.

    Everything that can fail on user input is checked before generating: the output path, the
    numbers, the progression (an unknown chord symbol names itself and its bar) and the primer.

    Args:
        out: the MIDI file to write, ending in .mid or .midi (the MusicXML goes beside it
            with suffix .musicxml).
        chords: a progression string ("Dm7 G7 | Cmaj7 |"), a named form ("blues:F",
            "rhythm-changes:Bb", "ii-V-I:C") or a lead-sheet file; default `DEFAULT_FORM`.
        meter: str such as "3/4", "5/4" or "6/8" (see `music.reading.leadsheet.parse_meter`), the
            meter of a progression string or form; default None: 4/4, or a lead sheet's own
            meter (a meter given with a lead sheet in another meter is refused).
        choruses: int >= 1, times through the form (at most `MAX_BARS` bars in all).
        tempo: quarter notes per minute, 20 to 400 (`music.checks.TEMPO_RANGE`).
        seed: int of any size, seeds sampling (mapped into [0, 2**31 - 1)).
        temperature: float > 0.
        top_p: float in (0, 1].
        primer: optional path of a melody file to warm the network up with.
        model: optional artifact folder; default the shipped model.
        swing: Fraction (or a string such as "3/5") in [1/2, 3/4] for the MIDI performance
            (default `music.writing.render.SWING`, 2:1).
        improviser: an `Improviser` to reuse (skips loading `model`).
        style: optional performer's name: play in that performer's style (a model with a
            style block; an unknown name is refused naming the closest performers).
        like: optional path of a solo file to imitate the style of (read with the checks and
            limits of `primer`). Without `style` or `like`, the style is one training solo's,
            drawn with `seed`.

    Returns:
        (solo, midi_path, musicxml_path).

    Example:
        >>> import pathlib, shutil, tempfile
        >>> folder = pathlib.Path(tempfile.mkdtemp())
        >>> solo, midi, xml = generate(folder / "solo.mid", chords="blues:F", choruses=2, seed=7)
        >>> os.path.basename(midi), os.path.basename(xml)
        ('solo.mid', 'solo.musicxml')
        >>> solo, midi, xml = generate(folder / "waltz.mid", chords="Dm7 | G7 | Cmaj7 |",
        ...                            meter="3/4")
        >>> solo.beats_per_bar, solo.beat_unit
        (3, 4)
        >>> shutil.rmtree(folder)
    """
    from music.model.artifact import load_artifact
    from music.reading import leadsheet
    from music.reading import solos as music_io
    from music.writing import render

    for name, value in (("out", out), ("primer", primer), ("model", model), ("like", like)):
        if (value is not None or name == "out") and (
            isinstance(value, bytes) or not isinstance(value, (str, os.PathLike))
        ):
            raise MusicInputError(
                f"{name} must be a path (a str or os.PathLike); got {value!r:.80}"
            )
    out, xml = render.output_paths(out)
    for path in (out, xml):
        render.check_writable(path)
    choruses = check_whole("choruses", choruses)
    temperature, top_p, seed, tempo = _check_sampling(temperature, top_p, seed, tempo)
    swing = check_swing(swing)
    if meter is not None and not isinstance(meter, str):
        raise MusicInputError(f"meter must be a string such as '3/4'; got {meter!r}")
    beats_per_bar, beat_unit = leadsheet.parse_meter(meter) if meter is not None else (None, None)
    spans, beats_per_bar, beat_unit = leadsheet.progression_and_meter(
        DEFAULT_FORM if chords is None else chords, beats_per_bar=beats_per_bar, beat_unit=beat_unit
    )
    bar_length = Fraction(beats_per_bar * 4, beat_unit)
    form_bars(spans, bar_length, choruses)  # refuses more than MAX_BARS before loading
    if style is not None and like is not None:
        raise MusicInputError("give a style or a solo to play like (--style or --like), not both")
    if style is not None and not isinstance(style, str):
        raise MusicInputError(f"style must be a performer's name (a str); got {style!r:.80}")
    primer_solo = music_io.read_solo(primer) if primer is not None else None
    like_solo = music_io.read_solo(like) if like is not None else None
    if improviser is None:
        improviser = Improviser(load_artifact(model))
    solo = improviser.improvise(
        spans,
        bar_length=bar_length,
        beats_per_bar=beats_per_bar,
        beat_unit=beat_unit,
        choruses=choruses,
        seed=seed,
        temperature=temperature,
        top_p=top_p,
        tempo=tempo,
        primer=primer_solo,
        style=style if like_solo is None else like_solo,
    )
    kwargs = {} if swing is None else {"swing": swing}
    midi_path, xml_path = render.write_solo(solo, out, xml, **kwargs)
    return solo, midi_path, xml_path


__all__ = [
    "Improviser",
    "improvise_over",
    "form_bars",
    "repeat_form",
    "generate",
    "DEFAULT_FORM",
    "MAX_BARS",
    "TEMPERATURE",
    "CALIBRATION_WEIGHT",
    "CHORD_TONE_LEAN",
    "REGISTER",
    "REGISTER_PENALTY",
    "REGISTER_SPREAD",
    "SPAN",
    "SPAN_PENALTY",
    "CENTRE_DECAY",
]
