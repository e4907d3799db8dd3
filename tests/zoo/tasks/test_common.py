"""Shared task pieces: tokeniser, vocabulary, right padding, sha256-checked data files."""

import zipfile

import numpy as np
import pytest

from zoo.tasks import common
from zoo.tasks.common import DataError, TaskError, Vocabulary, pad_right, tokenize


def test_tokenize_matches_the_polarity_corpus_tokenisation():
    corpus_line = "the rock is destined to be the 21st century's new \" conan \" -- wow ..."
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
    (x, y), = list(tags)
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
    with pytest.raises(DataError, match="served.zip"):
        common.fetch("conll2002", origin=source.as_uri(), cache_dir=str(cache))
    assert not list(cache.rglob("conll2002.zip"))


def test_a_download_with_the_right_sha256_is_used(tmp_path, task_zip):
    source = task_zip("sentence_polarity")
    got = common.fetch("sentence_polarity", origin=source.as_uri(), cache_dir=str(tmp_path))
    assert common.sha256_of(got) == common.DATASETS["sentence_polarity"][1]


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
