"""Jazz improviser benchmark: generated solos vs held-out human WJazzD solos vs the course's method.

    python benchmarks/jazz.py [--model DIR] [--data ../shared/data/music/wjazzd]
                              [--metheny ../shared/data/music/original_metheny.mid]
                              [--phrase-bars 8] [--max-solos N] [--solos validation]
                              [--temperature T] [--top-p P] [--seed-offset K]
                              [--register LOW,HIGH] [--register-penalty NATS]
                              [--register-spread SEMITONES] [--span SEMITONES]
                              [--span-penalty NATS] [--centre-decay D]
                              [--cache-weight W] [--cache-decay D] [--top-features N]
                              [--skip-course] [--skip-metheny] [--skip-neural]
                              [--skip-style] [--style-solos N]

1. The model (default: the shipped one) lists the WJazzD solos it never saw (config.json,
   `heldout_sources`). For each, the improviser plays over that solo's own chord progression
   (its first `--max-bars` bars), seeded by its index plus `--seed-offset` (default 0), with
   the sampling settings of `music.model.improvise` unless a flag overrides one (`--register`,
   `--span`, ...: for sweeps on the validation solos), and the result is compared with the human
   solos over the same bars (`music.evaluation.metrics.evaluate`; copying is checked against the solos the
   model trained on).
2. "The course's method", written here from its description: an LSTM over one-hot (pitch,
   duration) values, no chords, trained on the same training solos with fixed-length windows,
   generating one-to-many from a zero start by argmax (the course's `predict_and_sample`);
   `course_method_sampled` samples instead of argmax (both through the zoo's generation
   engine, `zoo.Sampler`, like the improviser). Its notes are laid end to end over the
   same progressions (no bar filling: it has no idea of bars). `--skip-course` leaves it out
   (for sweeps on the validation solos): its keys are then null and `course_method_skipped`
   says so.
3. Speed: seconds to improvise 32 bars with a loaded model (median of 5, after one warm-up).
4. The discriminator (`music.evaluation.discriminator.discriminate`): every solo above (cropped like the
   human one) is cut into `--phrase-bars`-bar phrases, and a standardised logistic regression
   and gradient-boosted trees are cross-validated at telling the generated phrases from the
   held-out human ones over the same progressions (grouped by progression: a tune is never on
   both sides of a split). `discriminator` is the improviser's result,
   `discriminator_course_method` and `discriminator_course_method_sampled` the course's method's;
   each has `logistic_accuracy`, `logistic_auc`, `boosted_accuracy`, `boosted_auc` and the
   `top_features` that give it away (both sides' means), or `error` when there were too few
   phrases or progressions. 0.5 = indistinguishable. Needs scikit-learn (`seqzoo[bench]`).
   The improviser's `discriminator` also has `human_floor` (the same two judges on human
   against human: each held-out solo's odd phrases against its even ones,
   `music.evaluation.discriminator.human_halves`) and the neural judge
   (`music.evaluation.neural_judge`: a `zoo.build_many_to_one` LSTM over the notes of a phrase,
   trained with `zoo.fit` on the same grouped folds, its settings fixed on the validation
   solos): `neural_accuracy`, `neural_auc`, `neural_human_floor` (its balanced accuracy on
   human against human), `neural_human_floor_auc`, `neural_settings`. `--skip-neural` leaves
   the neural judge out (its keys absent).
5. `jazz_transformer`: the Jazz Transformer's metrics (Wu & Yang, ISMIR 2020;
   `music.evaluation.jazz_transformer`) H1, H4 (pitch-class entropy over 1 and 4 bars, bits)
   and GS (grooving-pattern similarity), means over solos, `generated` and `human` side by
   side; `spread`: the standard deviation across solos of `chord_tone_ratio`, `H1`,
   `notes_per_bar` and `mean_pitch` (`music.evaluation.spread`), `generated` and `human`.
6. `style` (a model with a style block, `music.model.style`): a performer judge
   (`music.evaluation.attribution.PerformerJudge`: the logistic feature judge over 8-bar
   phrases, one class per performer with at least 5 training solos) is trained on the human
   training solos. For each of its performers, `--style-solos` solos (default 2) are generated
   with ``style=<performer>`` over the compared progressions (taken in turn, at the human
   tempo), and the judge names their player: `top1`, `top3` (whole solos, by summed
   phrase log-probabilities), `phrase_top1`, `phrase_top3`, `chance` (1 / performers),
   `players`; `human` holds the same judge on the compared human solos of those performers
   (what it can do on people). `--skip-style` leaves it out. The other sections play every
   solo in the default style: one training solo's, drawn by the seed.
7. The course's setting: both methods trained on `original_metheny.mid` alone and compared
   with that melody over its own (inferred) chords.

Prints ONE JSON object.
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
from fractions import Fraction

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402

import zoo  # noqa: E402
from music.evaluation.attribution import PerformerJudge  # noqa: E402
from music.evaluation.discriminator import (  # noqa: E402
    compare_phrases,
    discriminate,
    human_halves,
)
from music.evaluation.jazz_transformer import jazz_transformer_metrics  # noqa: E402
from music.evaluation.metrics import CopyIndex, evaluate  # noqa: E402
from music.evaluation.neural_judge import neural_discriminate  # noqa: E402
from music.evaluation.spread import spread  # noqa: E402
from music.model.artifact import load_artifact  # noqa: E402
from music.model.improvise import (  # noqa: E402
    CACHE_DECAY,
    CACHE_WEIGHT,
    CALIBRATION_WEIGHT,
    CENTRE_DECAY,
    CHORD_TONE_LEAN,
    REGISTER,
    REGISTER_PENALTY,
    REGISTER_SPREAD,
    SPAN,
    SPAN_PENALTY,
    TEMPERATURE,
    Improviser,
    improvise_over,
)
from music.reading.performers import performer_of  # noqa: E402
from music.reading.solos import read_corpus, read_solo  # noqa: E402
from music.types import Note, Solo  # noqa: E402
from zoo.training.engine import fit  # noqa: E402

FIELDS = (
    "chord_tone_ratio",
    "scale_tone_ratio",
    "note_type_profile",
    "interval_hist_distance",
    "rhythm_hist_distance",
    "notes_per_bar",
    "longest_copied_run",
    "pitch_class_entropy",
    "pitch_range",
    "solos",
    "bars",
    "notes",
)


def summary(result):
    return {k: result.get(k) for k in FIELDS}


class CourseMethod:
    """The course's jazz LSTM, re-implemented small: one-hot (pitch, duration) values, no chords.

    Args:
        units: LSTM units (the lab uses 64).
        window: training sequence length (the lab's Tx = 30).
        seed: int.
    """

    def __init__(self, units=64, window=30, seed=0):
        self.units, self.window, self.seed = units, window, seed

    def fit(self, solos, *, minutes=3.0, epochs=100):
        values = {}
        sequences = []
        for solo in solos:
            seq = []
            for note in solo.notes:
                key = (note.pitch, note.duration)
                seq.append(values.setdefault(key, len(values) + 1))  # 0 = the zero start
            sequences.append(seq)
        self.values = {v: k for k, v in values.items()}
        vocab = len(values) + 1
        xs, ys = [], []
        for seq in sequences:
            for start in range(0, max(1, len(seq) - self.window), self.window // 2):
                chunk = seq[start : start + self.window]
                if len(chunk) < 2:
                    continue
                chunk = chunk + [0] * (self.window - len(chunk))
                xs.append([0] + chunk[:-1])
                ys.append(chunk)
        x, y = np.array(xs, np.int32), np.array(ys, np.int32)
        keras.utils.set_random_seed(self.seed)
        # One-hot input times a weight matrix == an embedding; as in the lab: LSTM, then softmax.
        # The lab's Adam(0.01) at a constant rate, clipped, for `minutes` or `epochs`.
        result = fit(
            lambda: zoo.build_lm(
                vocab, units=self.units, embedding_dim=min(vocab, 64), name="course_lstm"
            ),
            (x, y, (y > 0).astype("float32")),
            epochs=epochs,
            batch_size=64,
            learning_rate=0.01,
            final_learning_rate=1.0,
            clipnorm=1.0,
            max_seconds=minutes * 60,
            precision="float32",
            verbose=0,
        )
        self.model = result.model
        self.step = zoo.build_lm_step(self.model)
        self._sampler = self._make_sampler(vocab)
        return self

    def _make_sampler(self, vocab):
        """The zoo's engine with the course's rule: values end to end until the length is
        reached (a carried time in quarter notes), the zero start never chosen."""
        import tensorflow as tf

        durations = [0.0] + [float(self.values[v][1]) for v in range(1, vocab)]
        table = tf.constant(durations, tf.float64)
        positive = [d for d in durations if d > 0]
        self._shortest = min(positive) if positive else 1.0
        return zoo.Sampler(
            self.step,
            mask_fn=lambda step, logits: tf.range(vocab)[None, :] != 0,
            update_fn=lambda step, token: {"time": step.carry["time"] + tf.gather(table, token)},
            done_fn=lambda step: step.carry["time"] >= step.context["length"],
        )

    def generate(self, length, *, sample=False, seed=0):
        """Values end to end until `length` quarter notes (the last one cut at the end)."""
        # Enough tokens for the shortest value to fill the length (zero-length values aside).
        most = int(np.ceil(float(length) / self._shortest)) + 64
        result = self._sampler.generate(
            np.zeros((1, 1), np.int32),
            most,
            greedy=not sample,
            seed=seed,
            log_probs=False,
            carry={"time": np.zeros(1, np.float64)},
            context={"length": np.float64(length)},
        )
        t, notes = Fraction(0), []
        for token in result.tokens[0, : result.lengths[0]]:
            if t >= length:
                break
            pitch, duration = self.values[int(token)]
            duration = min(duration, length - t)
            notes.append(Note(t, duration, pitch))
            t += duration
        return notes


def _register(text):
    """`--register LOW,HIGH` (MIDI pitches) or 'none'."""
    if text.lower() == "none":
        return None
    try:
        low, high = (int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected LOW,HIGH MIDI pitches or 'none'; got {text!r}"
        ) from None
    return low, high


def _d(result, kind):
    value = result[f"{kind}_hist_distance"]
    return 1.0 if value is None else value


def discriminator(humans, generated, args):
    """`music.evaluation.discriminator.discriminate` of generated vs human solos (``generated[i]`` over the
    progression of ``humans[i]``), or ``{"error": ...}`` when there is too little to judge."""
    try:  # every phrase with a note counts: a generator must not escape by near-silence
        return discriminate(
            humans, generated, bars=args.phrase_bars, seed=0, min_notes=1, top=args.top_features
        )
    except ValueError as error:
        return {"error": str(error)}


def judges(humans, generated, args):
    """`discriminator`, plus the feature judges' human-vs-human floor and the neural judge
    (unless `--skip-neural`) with its floor."""
    result = discriminator(humans, generated, args)
    if "error" in result:
        return result
    bars = args.phrase_bars
    try:
        halves = human_halves(humans, bars=bars, min_notes=1)
        floor = compare_phrases(**halves, seed=0, top=0, bars=bars)
    except ValueError as error:
        result["human_floor"] = {"error": str(error)}
    else:
        result["human_floor"] = {
            k: floor[k]
            for k in ("logistic_accuracy", "logistic_auc", "boosted_accuracy", "boosted_auc")
        }
    if not args.skip_neural:
        try:
            result.update(neural_discriminate(humans, generated, bars=bars, seed=0, min_notes=1))
        except ValueError as error:
            result["neural_error"] = str(error)
    return result


def style_attribution(improviser, humans, training, args):
    """Section 6 of the module docstring: does a performer's style sound like that performer?"""
    judge = PerformerJudge(bars=args.phrase_bars).fit(training, min_solos=5)
    known = [h for h in humans if performer_of(h.source) in judge.performers]
    generated, names = [], []
    for p, name in enumerate(judge.performers):
        for k in range(args.style_solos):
            index = p * args.style_solos + k
            human = humans[index % len(humans)]
            generated.append(
                improvise_over(
                    improviser,
                    human,
                    10_000 + index + args.seed_offset,
                    temperature=args.temperature,
                    top_p=args.top_p,
                    style=name,
                )
            )
            names.append(name)
    result = judge.attribute(generated, names)
    result["human"] = judge.attribute(known, [performer_of(h.source) for h in known])
    return result


def compare(improviser, course, humans, training, args, *, discriminate_phrases=True):
    """Improvise over each human solo's progression and measure; `course` None leaves the
    course's method out (its keys and targets null)."""
    generated = [
        improvise_over(
            improviser, h, i + args.seed_offset, temperature=args.temperature, top_p=args.top_p
        )
        for i, h in enumerate(humans)
    ]
    sides = {"generated": generated, "human_heldout": humans}
    if course is not None:
        sides["course_method"], sides["course_method_sampled"] = [], []
        for i, h in enumerate(humans):
            for name, sample in (("course_method", False), ("course_method_sampled", True)):
                notes = course.generate(h.duration, sample=sample, seed=i)
                sides[name].append(
                    Solo(notes, h.chords, h.beats_per_bar, h.beat_unit, h.tempo, "course")
                )
    index = CopyIndex(training)  # one suffix automaton for every copying check
    result = {}
    for name, solos in sides.items():
        reference = training if name == "human_heldout" else humans
        result[name] = summary(evaluate(solos, reference, training=index))
        # `longest_copied_run` is the longest over all solos; this is the typical solo's.
        result[name]["median_longest_copied_run"] = statistics.median(
            index.longest_run(solo) for solo in solos
        )
    for name in ("course_method", "course_method_sampled"):
        result.setdefault(name, None)
    if discriminate_phrases:  # needs several progressions: a tune never on both sides
        result["discriminator"] = judges(humans, generated, args)
        for name in ("course_method", "course_method_sampled"):
            result[f"discriminator_{name}"] = (
                discriminator(humans, sides[name], args) if name in sides else None
            )
    result["jazz_transformer"] = {
        "generated": jazz_transformer_metrics(generated),
        "human": jazz_transformer_metrics(humans),
    }
    if len(humans) > 1:
        result["spread"] = {"generated": spread(generated), "human": spread(humans)}
    g, h = result["generated"], result["human_heldout"]

    def below(kind, name):  # None when the course's method was skipped
        other = result[name]
        return None if other is None else _d(g, kind) < _d(other, kind)

    result["targets"] = {
        "chord_tone_ratio_within_0.03": abs(g["chord_tone_ratio"] - h["chord_tone_ratio"]) <= 0.03,
        "note_type_shares_within_0.05": all(
            abs(g["note_type_profile"][k] - h["note_type_profile"][k]) <= 0.05
            for k in h["note_type_profile"]
        ),
        # An empty histogram (e.g. one repeated value, no intervals) counts as distance 1.
        "interval_distance_below_course_argmax": below("interval", "course_method"),
        "rhythm_distance_below_course_argmax": below("rhythm", "course_method"),
        "interval_distance_below_course_sampled": below("interval", "course_method_sampled"),
        "rhythm_distance_below_course_sampled": below("rhythm", "course_method_sampled"),
        # The human solos' longest copied runs have a median of about 10 intervals.
        "longest_copied_run_at_most_10": g["longest_copied_run"] <= 10,
        "median_longest_copied_run_at_most_human": g["median_longest_copied_run"]
        <= h["median_longest_copied_run"],
    }
    if discriminate_phrases and "error" not in result["discriminator"]:
        judged = result["discriminator"]
        result["targets"]["discriminator_accuracy_at_most_0.65"] = all(
            judged[f"{kind}_accuracy"] <= 0.65 for kind in ("logistic", "boosted")
        )
        # issue 27's targets
        result["targets"]["discriminator_accuracy_at_most_0.60"] = all(
            judged[f"{kind}_accuracy"] <= 0.60 for kind in ("logistic", "boosted")
        )
        if "neural_accuracy" in judged:
            result["targets"]["neural_accuracy_at_most_0.65"] = judged["neural_accuracy"] <= 0.65
    jt_g, jt_h = result["jazz_transformer"]["generated"], result["jazz_transformer"]["human"]
    if None not in (*jt_g.values(), *jt_h.values()):
        result["targets"]["H1_H4_within_0.05"] = all(
            abs(jt_g[k] - jt_h[k]) <= 0.05 for k in ("H1", "H4")
        )
        result["targets"]["GS_within_0.02"] = abs(jt_g["GS"] - jt_h["GS"]) <= 0.02
    result["targets"]["chord_tone_ratio_within_0.02"] = (
        abs(g["chord_tone_ratio"] - h["chord_tone_ratio"]) <= 0.02
    )
    if "spread" in result:
        sg, sh = result["spread"]["generated"], result["spread"]["human"]
        result["targets"]["spread_at_least_0.8_of_human"] = all(
            sg[k] is not None and sh[k] is not None and sg[k] >= 0.8 * sh[k] for k in sh
        )
    return result, generated


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--data", default="../shared/data/music/wjazzd")
    parser.add_argument("--metheny", default="../shared/data/music/original_metheny.mid")
    parser.add_argument("--cache-dir", default=None)
    parser.add_argument("--workers", type=int, default=2, help="processes for a cold corpus read")
    parser.add_argument("--max-bars", type=int, default=64)
    parser.add_argument("--temperature", type=float, default=TEMPERATURE)
    parser.add_argument("--top-p", type=float, default=1.0)
    parser.add_argument(
        "--seed-offset",
        type=int,
        default=0,
        help="added to each progression's index to seed its solo (variance checks)",
    )
    parser.add_argument(
        "--register",
        type=_register,
        default=REGISTER,
        help="LOW,HIGH MIDI pitches of the soft register guard, or 'none'",
    )
    parser.add_argument("--register-penalty", type=float, default=REGISTER_PENALTY)
    parser.add_argument(
        "--register-spread",
        type=float,
        default=REGISTER_SPREAD,
        help="standard deviation (semitones) of each solo's register shift",
    )
    parser.add_argument("--span", type=float, default=SPAN)
    parser.add_argument("--span-penalty", type=float, default=SPAN_PENALTY)
    parser.add_argument("--centre-decay", type=float, default=CENTRE_DECAY)
    parser.add_argument(
        "--cache-weight",
        type=float,
        default=CACHE_WEIGHT,
        help="exponent of the pitch-class cache (music.model.pitch_cache); 0 turns it off",
    )
    parser.add_argument("--cache-decay", type=float, default=CACHE_DECAY)
    parser.add_argument(
        "--chord-tone-lean",
        type=float,
        default=CHORD_TONE_LEAN,
        help="nats a chord tone gains per sd of the style's chord-tone ratio; 0 turns it off",
    )
    parser.add_argument(
        "--calibration-weight",
        type=float,
        default=CALIBRATION_WEIGHT,
        help="share of the model's calibration applied (music.model.calibration); 0 turns it off",
    )
    parser.add_argument(
        "--skip-course",
        action="store_true",
        help="leave the course's method out (no training; its keys are null)",
    )
    parser.add_argument("--course-minutes", type=float, default=3.0)
    parser.add_argument("--metheny-minutes", type=float, default=2.0)
    parser.add_argument("--skip-metheny", action="store_true")
    parser.add_argument(
        "--skip-neural",
        action="store_true",
        help="leave the neural judge out (its keys are absent)",
    )
    parser.add_argument(
        "--phrase-bars", type=int, default=8, help="bars per phrase for the discriminator"
    )
    parser.add_argument(
        "--top-features",
        type=int,
        default=5,
        help="give-away features to list per discriminator (21: all)",
    )
    parser.add_argument("--skip-style", action="store_true", help="leave out section 6")
    parser.add_argument(
        "--style-solos", type=int, default=2, help="solos generated per performer (section 6)"
    )
    parser.add_argument(
        "--solos",
        choices=("heldout", "validation"),
        default="heldout",
        help="compare over the held-out solos (the benchmark) or the validation "
        "solos (for choosing sampling settings without the held-out ones)",
    )
    parser.add_argument(
        "--max-solos",
        type=int,
        default=None,
        help="read only the first N held-out and N training solos (smoke runs)",
    )
    args = parser.parse_args()
    if args.max_solos is not None and args.max_solos < 1:
        parser.error("--max-solos must be >= 1")
    started = time.time()

    artifact = load_artifact(args.model)
    sampling = {
        "register": args.register,
        "register_penalty": args.register_penalty,
        "register_spread": args.register_spread,
        "span": args.span,
        "span_penalty": args.span_penalty,
        "centre_decay": args.centre_decay,
        "cache_weight": args.cache_weight,
        "cache_decay": args.cache_decay,
        "calibration_weight": args.calibration_weight,
        "chord_tone_lean": args.chord_tone_lean,
    }
    improviser = Improviser(artifact, **sampling)
    data = artifact.config["data"]
    compared = f"{args.solos}_sources"
    files = args.data
    if args.max_solos is not None:  # a smoke run: only the files it will use
        names = data[compared][: args.max_solos] + data["train_sources"][: args.max_solos]
        files = [
            path
            for path in (os.path.join(args.data, name) for name in names)
            if os.path.isfile(path)
        ]
    corpus = {
        os.path.basename(str(s.source)): s
        for s in read_corpus(
            files, cache_dir=args.cache_dir, skip_errors=True, workers=args.workers
        )
    }
    humans = [corpus[name].first_bars(args.max_bars) for name in data[compared] if name in corpus]
    training = [corpus[name] for name in data["train_sources"] if name in corpus]

    # Speed: 32 bars over a held-out progression, model already loaded.
    probe = corpus[data[compared][0]].first_bars(32)
    options = {"temperature": args.temperature, "top_p": args.top_p}
    improvise_over(improviser, probe, 0, **options)  # warm-up (traces)
    times = []
    for k in range(5):
        t = time.perf_counter()
        improvise_over(improviser, probe, k + 1, **options)
        times.append(time.perf_counter() - t)
    seconds_per_32_bars = statistics.median(times) * 32 / (probe.duration / probe.bar_length)

    course_started = time.time()
    course = None if args.skip_course else CourseMethod().fit(training, minutes=args.course_minutes)
    course_seconds = time.time() - course_started
    result, generated = compare(improviser, course, humans, training, args)
    result["seconds_per_32_bars"] = round(float(seconds_per_32_bars), 3)
    result["generated_choruses"] = {
        "progressions": len(humans),
        "bars": sum(int(h.duration // h.bar_length) for h in humans),
        "max_bars_each": args.max_bars,
        "temperature": args.temperature,
        "top_p": args.top_p,
        **sampling,
        "seed_offset": args.seed_offset,
        "phrase_bars": args.phrase_bars,
        "max_solos": args.max_solos,
        "solos": args.solos,
    }
    result["model"] = {
        "path": str(artifact.path),
        "hparams": artifact.arguments,
        "train_solos": len(training),
        "heldout_solos": len(humans),
        "size_bytes": os.path.getsize(os.path.join(artifact.path, "model.keras")),
    }
    result["course_method_training_seconds"] = None if course is None else round(course_seconds, 1)
    if course is None:
        result["course_method_skipped"] = "--skip-course: the course's method was not trained"
    result["targets"]["seconds_per_32_bars_at_most_0.2"] = result["seconds_per_32_bars"] <= 0.2
    result["targets"]["model_at_most_10_MB"] = result["model"]["size_bytes"] <= 10e6
    if artifact.style is None:
        result["style"] = {"error": "the model has no style block"}
    elif not args.skip_style:
        result["style"] = style_attribution(improviser, humans, training, args)
        result["targets"]["style_top1_at_least_5x_chance"] = (
            result["style"]["top1"] >= 5 * result["style"]["chance"]
        )

    if not args.skip_metheny:
        import tempfile

        from music.model.train import train

        melody = read_solo(args.metheny)
        with tempfile.TemporaryDirectory() as folder:
            train(
                [melody],
                os.path.join(folder, "metheny"),
                epochs=200,
                seq_len=64,
                batch_size=8,
                holdout_every=0,
                val_fraction=0,
                patience=200,
                max_minutes=args.metheny_minutes,
                verbose=0,
                units=256,
            )
            ours = Improviser(load_artifact(os.path.join(folder, "metheny")), **sampling)
        course_m = (
            None if args.skip_course else CourseMethod().fit([melody], minutes=args.metheny_minutes)
        )
        # One song: no discriminator (its phrases would share the one tune on both sides).
        setting, _ = compare(ours, course_m, [melody], [melody], args, discriminate_phrases=False)
        setting["human_heldout"] = setting.pop("human_heldout")  # the melody itself
        setting["note"] = (
            "trained on original_metheny.mid only; 'human_heldout' is that melody "
            "(not held out: the course's setting has one song); copying is "
            "measured against it"
        )
        result["course_setting_metheny"] = setting

    result["machine"] = {
        "platform": platform.platform(),
        "processor": platform.processor(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "load_average_1min": os.getloadavg()[0],
    }
    result["total_seconds"] = round(time.time() - started, 1)
    print(json.dumps(result, indent=1, default=str))


if __name__ == "__main__":
    main()
