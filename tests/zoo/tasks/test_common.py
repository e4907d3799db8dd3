"""Shared task pieces: tokeniser, vocabulary, right padding, sha256-checked data files."""

import zipfile

import numpy as np
import pytest

from zoo.core.checks import map_seed
from zoo.io.downloads import sha256_of
from zoo.tasks import addition, common, dates, ner, sentiment
from zoo.tasks.common import DataError, TaskError, Vocabulary, pad_right, tokenize
from zoo.tasks.translation import Translator


def test_tokenize_matches_the_polarity_corpus_tokenisation():
    corpus_line = 'the rock is destined to be the 21st century\'s new " conan " -- wow ...'
    assert tokenize(corpus_line) == corpus_line.split()
    assert tokenize("A gripping, funny film!") == ["a", "gripping", ",", "funny", "film", "!"]
    assert tokenize("Jean-Claud's") == ["jean-claud's"]
    assert tokenize("Madrid", lower=False) == ["Madrid"]


def test_vocabulary_reserves_padding_and_unknown():
    vocab = Vocabulary.build([["b", "a", "b"], ["c"]], min_count=1, max_size=4)
    assert vocab.words == ["<pad>", "<unk>", "b", "a"]
    assert vocab.encode(["a", "c", "zz"]) == [3, 1, 1]
    assert Vocabulary(vocab.to_json()).words == vocab.words  # what the artifact saves


def test_pad_right_refuses_empty_rows_and_overlong_rows():
    assert pad_right([[1, 2], [3]]).tolist() == [[1, 2], [3, 0]]
    with pytest.raises(TaskError, match="sequence 1 is empty"):
        pad_right([[1], []])
    with pytest.raises(TaskError, match="3 tokens, more than 2"):
        pad_right([[1, 2, 3]], length=2)


def test_padded_batches_pad_each_batch_to_its_own_longest():
    ds = common.padded_batches([[3, 4, 5], [6], [7, 8]], [1, 0, 1], batch_size=2)
    shapes = [tuple(x.shape) for x, _ in ds]
    assert shapes == [(2, 3), (1, 2)]
    tags = common.padded_batches([[3, 4], [5]], [[1, 2], [3]], batch_size=2)
    ((x, y),) = list(tags)
    assert y.numpy().tolist() == [[1, 2], [3, 0]]


def test_a_local_file_with_the_wrong_sha256_is_refused(tmp_path):
    fake = tmp_path / "sentence_polarity.zip"
    with zipfile.ZipFile(fake, "w") as zf:
        zf.writestr("sentence_polarity/rt-polarity.pos", "good\n")
    with pytest.raises(DataError, match="sentence_polarity.zip: sha256 .* corrupt or another"):
        common.fetch("sentence_polarity", fake)
    with pytest.raises(DataError, match="no such file"):
        common.fetch("sentence_polarity", tmp_path / "missing.zip")


def test_a_corrupt_download_is_refused_and_not_kept(tmp_path):
    source = tmp_path / "served.zip"
    source.write_bytes(b"not the corpus")
    cache = tmp_path / "cache"
    with pytest.raises(DataError, match="served.zip: the download's sha256 .* nothing was kept"):
        common.fetch("conll2002", origin=source.as_uri(), cache_dir=str(cache))
    assert (cache / "seqzoo_tasks").is_dir()  # the download went where asked, and was removed
    assert not list(cache.rglob("conll2002.zip"))


def test_a_download_with_the_right_sha256_is_used(tmp_path, task_zip):
    source = task_zip("sentence_polarity")
    got = common.fetch("sentence_polarity", origin=source.as_uri(), cache_dir=str(tmp_path))
    assert got == tmp_path / "seqzoo_tasks" / "sentence_polarity.zip"
    assert sha256_of(got) == common.DATASETS["sentence_polarity"][1]


def test_a_file_that_is_not_a_zip_is_named(tmp_path):
    bad = tmp_path / "x.zip"
    bad.write_bytes(b"x")
    with pytest.raises(DataError, match="x.zip: not a zip file"):
        common.open_zip(bad)


def test_artifact_kind_refuses_other_folders(tmp_path):
    from zoo.artifacts.format import ArtifactError

    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ArtifactError, match="is not a task artifact"):
        common.artifact_kind(tmp_path)
    assert np.isscalar(common.KINDS["dates"])


@pytest.mark.parametrize("module", [addition, dates, ner, sentiment])
def test_every_task_loads_through_the_one_loader(module, tmp_path):
    from zoo.artifacts.format import ArtifactError

    assert module.load.__doc__.startswith("Load a")
    with pytest.raises(ArtifactError, match="no/such/run: does not exist"):
        module.load("no/such/run")
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ArtifactError, match=str(tmp_path)):
        module.load(tmp_path)


@pytest.mark.slow
def test_task_seeds_of_any_size_are_mapped_like_everywhere(tmp_path):
    # A negative seed for the classifier, one past int32 for the tagger and the translator: each
    # task trains once (training is most of this test's time).
    seed = -1
    texts, labels = ["good film", "bad film", "fine film", "awful film"] * 4, [1, 0, 1, 0] * 4
    runs = [
        sentiment.train(
            texts,
            labels,
            test_fold=None,
            units=2,
            embedding_dim=2,
            epochs=1,
            seed=seed,
            min_count=1,
            out=str(tmp_path / f"clf{k}"),
        )
        for k in range(2)
    ]
    (first, _), (second, _) = runs
    assert first.config["seed"] == map_seed(seed)
    for a, b in zip(first.model.get_weights(), second.model.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    loaded = sentiment.load(tmp_path / "clf0")  # the shared loader, on a real artifact
    assert loaded.config["seed"] == map_seed(seed) and loaded.vocab.words == first.vocab.words
    np.testing.assert_allclose(
        loaded.probabilities(texts[:4]), first.probabilities(texts[:4]), rtol=1e-5
    )
    data = {"train": [(["Juan", "vive", "en", "Madrid"], ["B-PER", "O", "O", "B-LOC"])] * 4}
    data["testa"] = data["train"][:1]
    seed = 2**40
    tagger, _ = ner.train(
        data, units=2, embedding_dim=2, epochs=1, seed=seed, out=str(tmp_path / "ner")
    )
    assert tagger.config["seed"] == map_seed(seed)
    sentence = [["Ana", "vive", "en", "Lima"]]
    assert ner.load(tmp_path / "ner").tag_sentences(sentence) == tagger.tag_sentences(sentence)
    translator, metrics = Translator.train(
        [("ab", "x")] * 8,
        [("ab", "x")],
        kind="demo",
        source_chars="ab",
        target_chars="x",
        max_source_length=2,
        max_target_length=1,
        units=2,
        epochs=1,
        seed=seed,
    )
    assert metrics["epochs_run"] == 1
