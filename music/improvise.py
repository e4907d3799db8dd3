"""Improvising over a chord progression with the single-step twin of a trained improviser.

Each step feeds the previous event token and the conditioning vector of the position reached so
far (current and next chord, beat, what is left of the bar) to `zoo.build_lm_step`'s model,
called as one `tf.function` (states carried, O(1) per event), and samples the next event.

Constraints applied to the distribution before sampling (nothing else is hard-coded):
- bar filling: events whose duration would cross the bar line are masked out, so every bar's
  events sum exactly to the bar and the last bar ends the form (no overflow, no overlaps);
- a tie is only allowed right after a sounding note (a tie after a rest would be a rest);
- range guard: pitches outside the encoding's `pitch_range` (C2..D#7) are masked out.
Sampling: temperature, then top-p (nucleus) on the renormalised distribution, drawn with
`tf.random.stateless_categorical` seeded by (seed, step) (same seed, model and progression:
same solo). The whole loop over events runs inside one `tf.function` (a `tf.while_loop`), so
the per-event cost is one graph iteration, not a Python round trip.
"""

import dataclasses
from fractions import Fraction

import numpy as np

import zoo

from music.encoding import BOS, FEATURE_DIM, TICKS_PER_QUARTER, ChordTimeline, to_ticks
from music.errors import MusicInputError
from music.types import Solo
from music.validation import check_number, check_seed, check_swing, check_tempo, check_whole


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
        >>> form_bars(progression_from_spec("blues:Bb"), 4, 2)
        12
    """
    choruses = check_whole("choruses", choruses)
    if not chords:
        raise MusicInputError("chord progression is empty; expected at least one bar of chords")
    bars = int(-(-max(c.end for c in chords) // Fraction(bar_length)))
    if bars * choruses > MAX_BARS:
        raise MusicInputError(f"choruses={choruses}: {choruses} choruses of {bars} bars make "
                              f"{bars * choruses} bars; expected at most {MAX_BARS} bars in all")
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
        >>> spans, length = repeat_form(progression_from_spec("blues:Bb"), 4, 2)
        >>> length
        Fraction(96, 1)
    """
    form = form_bars(chords, bar_length, choruses) * Fraction(bar_length)
    out = [dataclasses.replace(c, offset=c.offset + k * form) for k in range(choruses)
           for c in chords]
    return out, form * choruses


class Improviser:
    """Generates solos from a loaded artifact (`music.model.load_artifact`).

    Args:
        artifact: a `music.model.Artifact`.

    Example:
        >>> improviser = Improviser(load_artifact())
        >>> solo = improviser.improvise(progression_from_spec("blues:Bb"), seed=1)
    """

    def __init__(self, artifact):
        import tensorflow as tf

        self.artifact = artifact
        self.encoding = artifact.encoding
        self.step_model = zoo.build_lm_step(artifact.model)
        self.state_names = zoo.state_names(self.step_model)
        zeros = zoo.zero_states(self.step_model, 1)
        state_specs = [tf.TensorSpec(z.shape, tf.float32) for z in zeros]
        step_model = self.step_model
        enc = self.encoding
        kinds = enc.token_kind
        self._ticks = enc.token_ticks.astype(np.int32)
        self._is_tie = kinds == enc.tie_kind
        self._is_pitch = (kinds >= 0) & (kinds < enc.num_pitch_kinds)
        low, high = enc.pitch_range
        pitch_ok = []
        for root in range(12):
            pitch = kinds + enc.q_low + root
            pitch_ok.append(~self._is_pitch | ((pitch >= low) & (pitch <= high)))
        pitch_ok = np.array(pitch_ok)
        pitch_ok[:, BOS] = False
        self._pitch_ok = pitch_ok

        @tf.function(input_signature=[tf.TensorSpec((1,), tf.int32),
                                      tf.TensorSpec((1, FEATURE_DIM), tf.float32), *state_specs])
        def step(token, conditioning, *states):
            outputs = step_model([token, conditioning, *states], training=False)
            return outputs[0], list(outputs[1:])

        durations = tf.constant(self._ticks)
        is_tie = tf.constant(self._is_tie)
        is_pitch = tf.constant(self._is_pitch)
        pitch_ok_table = tf.constant(pitch_ok)
        vocab = enc.vocab_size

        @tf.function(input_signature=[
            tf.TensorSpec((), tf.int32), tf.TensorSpec((), tf.bool), state_specs,
            tf.TensorSpec((None, FEATURE_DIM), tf.float32), tf.TensorSpec((None,), tf.int32),
            tf.TensorSpec((), tf.int32), tf.TensorSpec((), tf.float32),
            tf.TensorSpec((), tf.float32), tf.TensorSpec((), tf.int32)])
        def generate(token, sounding, states, features, roots, bar_ticks, temperature, top_p,
                     seed):
            # The whole solo in one graph: a while loop over events, one step-model call each.
            total = tf.shape(features)[0]
            tokens = tf.TensorArray(tf.int32, size=0, dynamic_size=True)

            def body(i, tick, token, sounding, states, tokens):
                outputs = step_model([token[None], features[tick][None], *states], training=False)
                logits = outputs[0][0]  # (vocab,)
                left = bar_ticks - tick % bar_ticks
                allowed = (durations <= left) & pitch_ok_table[roots[tick]]
                allowed &= sounding | ~is_tie
                scaled = tf.where(allowed, logits / temperature, -np.inf)
                probs = tf.nn.softmax(scaled)
                order = tf.argsort(probs, direction="DESCENDING", stable=True)
                sorted_probs = tf.gather(probs, order)
                keep_sorted = (tf.cumsum(sorted_probs) - sorted_probs) < top_p
                keep = tf.scatter_nd(order[:, None], keep_sorted, [vocab])
                final = tf.where(keep & allowed, scaled, -np.inf)
                new = tf.random.stateless_categorical(final[None], 1, seed=tf.stack([seed, i]),
                                                      dtype=tf.int32)[0, 0]
                sounding = is_pitch[new] | (is_tie[new] & sounding)
                return (i + 1, tick + durations[new], new, sounding, list(outputs[1:]),
                        tokens.write(i, new))

            loop = tf.while_loop(lambda i, tick, *_: tick < total, body,
                                 (tf.constant(0), tf.constant(0), token, sounding, states, tokens))
            return loop[5].stack()

        self._step = step
        self._generate = generate

    def _run(self, token, features, states):
        logits, states = self._step(np.array([token], np.int32), features[None, :], *states)
        return logits.numpy()[0], states

    def warm_up(self, primer: Solo):
        """Run a primer solo through the network (teacher forcing) and return (last token, states).

        Args:
            primer: a `Solo`; its own chords (or N.C.) give its features.

        Returns:
            (token, states): the primer's last event token and the recurrent states before it.
        """
        encoded = self.encoding.encode(primer)
        states = zoo.zero_states(self.step_model, 1)
        token = BOS
        for next_token, features in zip(encoded.tokens, encoded.features):
            _, states = self._run(token, features, states)
            token = int(next_token)
        return token, states

    def improvise(self, chords, *, bar_length=Fraction(4), beats_per_bar=4, beat_unit=4,
                  choruses=1, seed=0, temperature=1.0, top_p=1.0, tempo=160.0, primer=None):
        """Generate a solo over `choruses` times the progression `chords`.

        Args:
            chords: `Chord` spans of one chorus (offsets from 0), e.g. from
                `music.progressions.progression_from_spec`.
            bar_length: quarter notes per bar (4 for 4/4).
            beats_per_bar: meter numerator (written into the Solo).
            beat_unit: meter denominator.
            choruses: int >= 1, times through the form.
            seed: int, seeds sampling.
            temperature: float > 0; below 1 is safer, above 1 wilder. Defaults to 1.0.
            top_p: float in (0, 1]; sample from the smallest set of events holding this much
                probability. Defaults to 1.0 (no truncation: chosen on the validation solos,
                where 0.95 made the rhythm histogram 4x further from the humans).
            tempo: quarter notes per minute (written into the Solo).
            primer: optional `Solo` played into the network first (it is not part of the output).

        Returns:
            Solo: the generated notes with the repeated chords; every bar is exactly filled.

        Example:
            >>> solo = improviser.improvise(progression_from_spec("Dm7 G7 | Cmaj7 |"), seed=3)
        """
        temperature, top_p, seed, tempo = _check_sampling(temperature, top_p, seed, tempo)
        all_chords, length = repeat_form(chords, bar_length, choruses)
        bar_ticks = to_ticks(bar_length)
        total = to_ticks(length)
        timeline = ChordTimeline(all_chords, bar_ticks)
        if primer is not None:
            token, states = self.warm_up(primer)
        else:
            token, states = BOS, zoo.zero_states(self.step_model, 1)
        sounding = bool(primer is not None and (self._is_pitch[token] or self._is_tie[token]))
        tokens = self._generate(
            np.int32(token), sounding, states, timeline.feature_table(total),
            timeline.root_table(total), np.int32(bar_ticks), np.float32(temperature),
            np.float32(top_p), np.int32(seed)).numpy()
        return self.encoding.decode(tokens, all_chords, bar_length, beats_per_bar=beats_per_bar,
                                    beat_unit=beat_unit, tempo=float(tempo), source="generated")




DEFAULT_FORM = "blues:Bb"


def _check_sampling(temperature, top_p, seed, tempo):
    """The sampling arguments, checked (`MusicInputError` naming the parameter) and converted."""
    temperature = check_number("temperature", temperature, low=0, low_open=True)
    top_p = check_number("top_p", top_p, low=0, high=1, low_open=True)
    return temperature, top_p, check_seed(seed), check_tempo(tempo)


def generate(out, *, chords=None, meter=None, choruses=1, tempo=160.0, seed=0, temperature=1.0,
             top_p=1.0, primer=None, model=None, swing=None, improviser=None):
    """Generate a solo over a progression and write `out` (MIDI) and its .musicxml twin.

    Everything that can fail on user input is checked before generating: the output path, the
    numbers, the progression (an unknown chord symbol names itself and its bar) and the primer.

    Args:
        out: the MIDI file to write, ending in .mid or .midi (the MusicXML goes beside it
            with suffix .musicxml).
        chords: a progression string ("Dm7 G7 | Cmaj7 |"), a named form ("blues:F",
            "rhythm-changes:Bb", "ii-V-I:C") or a lead-sheet file; default `DEFAULT_FORM`.
        meter: str such as "3/4", "5/4" or "6/8" (see `music.progressions.parse_meter`), the
            meter of a progression string or form; default None: 4/4, or a lead sheet's own
            meter (a meter given with a lead sheet in another meter is refused).
        choruses: int >= 1, times through the form (at most `MAX_BARS` bars in all).
        tempo: quarter notes per minute, 20 to 400 (`music.validation.TEMPO_RANGE`).
        seed: int of any size, seeds sampling (mapped into [0, 2**31 - 1)).
        temperature: float > 0.
        top_p: float in (0, 1].
        primer: optional path of a melody file to warm the network up with.
        model: optional artifact folder; default the shipped model.
        swing: Fraction (or a string such as "3/5") in [1/2, 3/4] for the MIDI performance
            (default `music.render.SWING`, 2:1).
        improviser: an `Improviser` to reuse (skips loading `model`).

    Returns:
        (solo, midi_path, musicxml_path).

    Example:
        >>> solo, midi, xml = generate("solo.mid", chords="blues:F", choruses=2, seed=7)
        >>> solo, midi, xml = generate("waltz.mid", chords="Dm7 | G7 | Cmaj7 |", meter="3/4")
    """
    from music import io as music_io
    from music import progressions
    from music import render
    from music.model import load_artifact

    out, xml = render.output_paths(out)
    for path in (out, xml):
        render.check_writable(path)
    choruses = check_whole("choruses", choruses)
    temperature, top_p, seed, tempo = _check_sampling(temperature, top_p, seed, tempo)
    swing = check_swing(swing)
    if meter is not None and not isinstance(meter, str):
        raise MusicInputError(f"meter must be a string such as '3/4'; got {meter!r}")
    beats_per_bar, beat_unit = progressions.parse_meter(meter) if meter is not None else (
        None, None)
    spans, beats_per_bar, beat_unit = progressions.progression_and_meter(
        DEFAULT_FORM if chords is None else chords, beats_per_bar=beats_per_bar,
        beat_unit=beat_unit)
    bar_length = Fraction(beats_per_bar * 4, beat_unit)
    form_bars(spans, bar_length, choruses)  # refuses more than MAX_BARS before loading
    primer_solo = music_io.read_solo(primer) if primer is not None else None
    if improviser is None:
        improviser = Improviser(load_artifact(model))
    solo = improviser.improvise(spans, bar_length=bar_length, beats_per_bar=beats_per_bar,
                                beat_unit=beat_unit, choruses=choruses, seed=seed,
                                temperature=temperature, top_p=top_p, tempo=tempo,
                                primer=primer_solo)
    kwargs = {} if swing is None else {"swing": swing}
    midi_path, xml_path = render.write_solo(solo, out, xml, **kwargs)
    return solo, midi_path, xml_path


__all__ = ["Improviser", "form_bars", "repeat_form", "generate", "DEFAULT_FORM", "MAX_BARS"]
