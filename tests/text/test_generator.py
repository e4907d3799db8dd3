"""TextGenerator: learning on the dinosaur names, sampling, beam search, scoring, save/load."""

import json
import math
import os

import numpy as np
import pytest

from text.data import CorpusError
from text.generator import TextGenerator
from text.vocab import EOS_ID
from zoo.artifacts.format import ArtifactError


@pytest.fixture(scope="module")
def dinos_text():
    from tests.conftest import shared_data_dir

    folder = shared_data_dir()
    if folder is None:
        pytest.skip("../shared/data is not present beside the repository (set SEQZOO_SHARED_DATA)")
    from text import datasets

    return datasets.dinosaur_names(folder / "text")


@pytest.fixture(scope="module")
def names_model(dinos_text):
    """A 32-unit GRU trained for a few seconds on the dinosaur names, one name a line."""
    gen = TextGenerator.from_corpus(
        dinos_text, lines=True, lower=True, cell="gru", units=32, embedding_dim=16
    )
    gen.fit(
        dinos_text,
        epochs=6,
        batch_size=32,
        seq_len=32,
        learning_rate=1e-2,
        warmup_steps=10,
        verbose=0,
    )
    return gen


@pytest.mark.slow
def test_names_model_learns_well_under_the_uniform_baseline(names_model):
    m = names_model.metrics
    assert m["uniform_loss"] == pytest.approx(math.log(28))  # 26 letters + <UNK> + <EOS>
    assert m["val_loss"] < 0.7 * m["uniform_loss"], m  # held-out names (the end of the alphabet)
    assert m["train_loss"] < 0.65 * m["uniform_loss"], m
    names = names_model.generate(n=50, length=30, seed=3)
    assert all("\n" not in name and name.isalpha() for name in names if name)
    ended = [name for name in names if 3 <= len(name) < 30]
    assert len(ended) >= 40  # most samples finish their line with <EOS>
    assert sum(name.endswith(("saurus", "us", "tor", "x", "on", "a", "s")) for name in ended) >= 20


@pytest.mark.slow
def test_generation_is_reproducible_with_a_seed(names_model):
    a = names_model.generate(n=8, seed=42, temperature=0.9, top_p=0.95)
    assert a == names_model.generate(n=8, seed=42, temperature=0.9, top_p=0.95)
    assert a != names_model.generate(n=8, seed=43, temperature=0.9, top_p=0.95)


def greedy_reference(gen, prefix, length):
    """Greedy decoding by re-running the full model on the growing prefix (slow, independent)."""
    ids = [EOS_ID] + gen.vocab.encode(prefix)
    out = []
    for _ in range(length):
        logits = gen.model(np.asarray(ids, np.int32)[None, :], training=False).numpy()[0, -1]
        nxt = int(np.argmax(logits))
        if nxt == EOS_ID:
            break
        ids.append(nxt)
        out.append(nxt)
    return prefix + gen.vocab.decode(out)


@pytest.mark.slow
def test_top_k_one_and_beam_width_one_equal_greedy(names_model):
    for prefix in ["", "tri", "ste"]:
        expected = greedy_reference(names_model, prefix, 25)
        assert (
            names_model.generate(n=2, prefix=prefix, top_k=1, length=25, seed=0) == [expected] * 2
        )
        ((text, logp),) = names_model.beam_search(prefix, width=1, length=25)
        assert text == expected
        assert logp == pytest.approx(
            names_model.score(expected).log_prob - names_model.score(prefix, add_eos=False).log_prob
            if prefix
            else names_model.score(expected).log_prob,
            abs=1e-3,
        )


@pytest.mark.slow
def test_beam_search_returns_likely_names_best_first(names_model):
    beams = names_model.beam_search(width=4, length=25)
    assert len(beams) == 4
    scores = [s for _, s in beams]
    assert scores == sorted(scores, reverse=True)
    for text, logp in beams:  # each beam's score is the model's probability of that whole name
        assert logp == pytest.approx(names_model.score(text).log_prob, abs=1e-3)


@pytest.mark.slow
def test_score_equals_the_sum_of_the_models_log_softmax(names_model):
    import zoo

    text = "tyrannosaurus"
    s = names_model.score(text)
    # Independent path: the single-step twin, one token at a time, numpy log-softmax.
    step = zoo.build_lm_step(names_model.model)
    ids = [EOS_ID] + names_model.vocab.encode(text) + [EOS_ID]
    states, total = zoo.zero_states(step, 1), 0.0
    for cur, nxt in zip(ids[:-1], ids[1:]):
        out = step([np.asarray([cur], np.int32), *states])
        logits = np.asarray(out[0][0], np.float64)
        total += logits[nxt] - (logits.max() + np.log(np.exp(logits - logits.max()).sum()))
        states = [np.asarray(x) for x in out[1:]]
    assert s.log_prob == pytest.approx(total, abs=1e-3)
    assert s.num_tokens == len(text) + 1
    assert s.perplexity == pytest.approx(math.exp(-total / (len(text) + 1)), rel=1e-4)
    assert names_model.score("saurus").log_prob > names_model.score("qxzjvw").log_prob


@pytest.mark.slow
def test_unknown_prefix_characters_map_to_unk_with_a_warning(names_model):
    with pytest.warns(
        UserWarning,
        match=r"prefix has 2 token\(s\) the vocabulary has never seen, mapped to <UNK>: '7', '@'",
    ):
        out = names_model.generate(n=1, prefix="t7@", length=5, seed=0)
    assert out[0].startswith("t<UNK><UNK>")
    with pytest.warns(UserWarning, match="text has 1 token"):
        assert names_model.score("rex!").unknown == ["!"]


@pytest.mark.slow
def test_bad_generation_arguments(names_model):
    for kwargs, message in [
        (dict(temperature=0), r"temperature must be a number in \(0, inf\); got 0"),
        (dict(temperature=-0.5), r"temperature must be a number in \(0, inf\); got -0.5"),
        (dict(top_k=0), "top_k must be an integer >= 1; got 0"),
        (dict(top_p=1.2), r"top_p must be a number in \(0, 1\]; got 1.2"),
        (dict(top_p=0), r"top_p must be a number in \(0, 1\]; got 0"),
        (dict(length=-3), "length must be an integer >= 0; got -3"),
        (dict(n=0), "n must be an integer >= 1; got 0"),
    ]:
        with pytest.raises(ValueError, match=message):
            names_model.generate(**kwargs)
    with pytest.raises(ValueError, match="width must be an integer >= 1; got 0"):
        names_model.beam_search(width=0)
    with pytest.raises(ValueError, match="text to score is empty"):
        names_model.score("")


@pytest.mark.slow
def test_save_load_gives_identical_samples_and_metadata(names_model, tmp_path):
    path = tmp_path / "dinos_model"
    names_model.save(path)
    assert sorted(os.listdir(path)) == ["config.json", "model.keras", "vocab.json"]
    config = json.loads((path / "config.json").read_text())
    assert (config["format"], config["kind"], config["mode"]) == (
        "seqzoo.artifact",
        "text.generator",
        "lines",
    )
    assert config["factory"] == "zoo.build_lm" and config["arguments"]["cell"] == "gru"
    assert (
        "model" not in config and config["metrics"]["val_loss"] == names_model.metrics["val_loss"]
    )
    again = TextGenerator.load(path)
    assert again.vocab == names_model.vocab
    kwargs = dict(n=6, seed=9, temperature=0.8, top_k=10)
    assert again.generate(**kwargs) == names_model.generate(**kwargs)
    assert again.score("velociraptor").log_prob == pytest.approx(
        names_model.score("velociraptor").log_prob, abs=1e-5
    )


@pytest.mark.slow
def test_interrupted_save_leaves_the_previous_artifact(names_model, tmp_path):
    path = tmp_path / "model"
    names_model.save(path)
    before = TextGenerator.load(path).generate(n=3, seed=1)
    other = TextGenerator(names_model.vocab, mode="lines", cell="gru", units=8)

    class Boom(Exception):
        pass

    def explode():
        raise Boom("disk full")

    def half_written(path, *args, **kwargs):
        open(path, "wb").write(b"PK half a file")
        explode()

    object.__setattr__(other.model, "save", half_written)  # dies while staging model.keras
    with pytest.raises(Boom):
        other.save(path)
    assert sorted(os.listdir(tmp_path)) == ["model"]  # no temporary folder left behind
    assert TextGenerator.load(path).generate(n=3, seed=1) == before


def test_load_refuses_missing_and_foreign_folders(tmp_path):
    with pytest.raises(
        ArtifactError, match=r"path .*nowhere: does not exist; expected a text.generator"
    ):
        TextGenerator.load(tmp_path / "nowhere")
    (tmp_path / "random").mkdir()
    (tmp_path / "random" / "notes.txt").write_text("hello")
    with pytest.raises(ArtifactError, match="not a seqzoo artifact"):
        TextGenerator.load(tmp_path / "random")
    assert isinstance(ArtifactError("x"), ValueError)


@pytest.mark.slow
def test_word_level_model_prefers_the_sentence_it_has_read():
    """The course's example: a language model tells "pear salad" from "pair salad"."""
    corpus = (
        "the apple and pear salad was sweet . she wore a new pair of shoes . "
        "a pear salad with apple . a pair of socks . the pear was ripe . the pair of gloves . "
    ) * 12
    gen = TextGenerator.from_corpus(corpus, level="word", cell="lstm", units=32, embedding_dim=16)
    gen.fit(
        corpus,
        epochs=4,
        steps_per_epoch=40,
        batch_size=16,
        seq_len=16,
        learning_rate=1e-2,
        warmup_steps=5,
        verbose=0,
        validation_split=0.0,
    )
    pear = gen.score("the apple and pear salad")
    pair = gen.score("the apple and pair salad")
    assert pear.num_tokens == pair.num_tokens == 5  # five words, each with its leading space
    assert pear.log_prob > pair.log_prob + 1.0
    assert gen.vocab.decode(gen.vocab.encode("the pair of shoes")) == "the pair of shoes"
    assert gen.generate(n=1, prefix="the pair", length=4, seed=0)[0].startswith("the pair")


def test_bad_corpora(tmp_path):
    with pytest.raises(CorpusError, match="is empty or only whitespace"):
        TextGenerator.from_corpus("  \n ")
    gen = TextGenerator.from_corpus("abcdef", units=4)
    with pytest.raises(CorpusError, match=r"shorter than one training window \(seq_len=100\)"):
        gen.fit("abcdef", epochs=1, verbose=0)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"ok\n\xff\xfe")
    with pytest.raises(
        CorpusError, match=r"bad\.txt' is not UTF-8 text: invalid byte 0xff at byte offset 3"
    ):
        TextGenerator.from_corpus(bad)


@pytest.mark.slow
def test_checkpoints_evaluate_and_time_budget(tmp_path):
    corpus = "abcdefghij" * 60
    gen = TextGenerator.from_corpus(corpus, units=16, embedding_dim=8)
    hist = gen.fit(
        corpus,
        epochs=3,
        steps_per_epoch=40,
        batch_size=16,
        seq_len=20,
        learning_rate=2e-2,
        warmup_steps=5,
        verbose=0,
        checkpoint=tmp_path / "ckpt",
    )
    assert len(hist["loss"]) == 3 and len(hist["val_loss"]) == 3
    saved = TextGenerator.load(tmp_path / "ckpt")
    assert saved.metrics["checkpoint_epoch"] == 1 + int(np.argmin(hist["val_loss"]))
    # The periodic text is easy: every token but the first of a window is predictable.
    assert gen.evaluate(corpus[-200:]) < 0.5
    assert gen.generate(n=1, prefix="cde", length=10, seed=0)[0] == "cdefghijabcde"
    quick = TextGenerator.from_corpus(corpus, units=8)
    quick.fit(
        corpus, epochs=1000, steps_per_epoch=5, batch_size=8, seq_len=20, time_budget=1.0, verbose=0
    )
    assert quick.metrics["epochs_run"] < 1000  # stopped by the wall-clock budget
    with pytest.raises(
        ValueError, match="time_budget must be a number of seconds > 0 or None, got -1"
    ):
        quick.fit(corpus, time_budget=-1, verbose=0)


@pytest.mark.slow
def test_final_learning_rate_ends_the_cosine():
    import keras

    corpus = "abcdefghij" * 60
    seen = []

    class LastRate(keras.callbacks.Callback):
        def on_train_end(self, logs=None):
            seen.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))

    for final in (0.0, 0.5):
        gen = TextGenerator.from_corpus(corpus, units=4, embedding_dim=3)
        gen.fit(
            corpus,
            epochs=1,
            steps_per_epoch=6,
            batch_size=8,
            seq_len=10,
            learning_rate=1e-2,
            warmup_steps=0,
            decay_steps=6,
            final_learning_rate=final,
            verbose=0,
            callbacks=[LastRate()],
        )
        assert gen.training_config["final_learning_rate"] == final
    np.testing.assert_allclose(seen, [0.0, 5e-3], atol=1e-7)
    with pytest.raises(ValueError, match="final_learning_rate"):
        gen.fit(corpus, epochs=1, seq_len=10, final_learning_rate=2, verbose=0)


@pytest.mark.slow
def test_an_interrupted_fit_resumes_from_the_checkpoints_run_folder(tmp_path):
    """A crash after epoch 2 of 4, then the same call: epochs 3 and 4 run on the restored
    weights and optimizer state; the artifact holds the best epoch of the whole run."""
    import keras

    corpus = "abcdefghij" * 60

    class Crash(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 2:
                raise KeyboardInterrupt

    class Starts(keras.callbacks.Callback):
        seen = []

        def on_epoch_begin(self, epoch, logs=None):
            Starts.seen.append((epoch, int(self.model.optimizer.iterations)))

    args = dict(
        epochs=4,
        steps_per_epoch=10,
        batch_size=8,
        seq_len=20,
        learning_rate=1e-2,
        warmup_steps=2,
        verbose=0,
        checkpoint=tmp_path / "ckpt",
    )
    gen = TextGenerator.from_corpus(corpus, units=8, embedding_dim=4)
    with pytest.raises(KeyboardInterrupt):
        gen.fit(corpus, callbacks=[Crash()], **args)
    assert TextGenerator.load(tmp_path / "ckpt").metrics["checkpoint_epoch"] in (1, 2)
    again = TextGenerator.from_corpus(corpus, units=8, embedding_dim=4)
    hist = again.fit(corpus, callbacks=[Starts()], **args)
    assert Starts.seen == [(2, 20), (3, 30)]
    assert len(hist["loss"]) == 4 and again.training_result.resumed
    saved = TextGenerator.load(tmp_path / "ckpt")
    assert saved.metrics["checkpoint_epoch"] == 1 + int(np.argmin(hist["val_loss"]))


TINY_NAMES = "abc\nabd\nbad\ncab\n" * 20


@pytest.mark.slow
def test_fit_forwards_engine_options_and_refuses_unknown_ones(tmp_path):
    """An option of `zoo.fit` that `TextGenerator.fit` does not name reaches the engine
    (`metrics`); a misspelt one, or one `fit` sets itself, is refused naming it."""
    gen = TextGenerator.from_corpus(TINY_NAMES, lines=True, units=4, embedding_dim=4)
    history = gen.fit(
        TINY_NAMES,
        epochs=1,
        batch_size=16,
        seq_len=8,
        warmup_steps=1,
        metrics=["accuracy"],
        verbose=0,
    )
    assert "accuracy" in history and len(history["accuracy"]) == 1
    assert gen.training_config["learning_rate"] == 2e-3  # the text default, recorded
    with pytest.raises(
        ValueError,
        match="'learning_rat' is not a training option of zoo.fit; expected one of .*learning_rate",
    ):
        gen.fit(TINY_NAMES, epochs=1, learning_rat=0.1)
    with pytest.raises(ValueError, match="sets the training option 'loss' itself"):
        gen.fit(TINY_NAMES, epochs=1, loss="mse")


def test_a_saved_config_records_the_model_settings_once(tmp_path):
    """config.json holds the factory call (`arguments`) and no second copy (`model`)."""
    gen = TextGenerator.from_corpus(TINY_NAMES, lines=True, units=4, embedding_dim=4)
    gen.save(tmp_path / "gen")
    config = json.loads((tmp_path / "gen" / "config.json").read_text())
    assert "model" not in config
    assert config["arguments"]["units"] == 4 and config["arguments"]["cell"] == "lstm"
    loaded = TextGenerator.load(tmp_path / "gen")
    assert loaded.model_config == gen.model_config
