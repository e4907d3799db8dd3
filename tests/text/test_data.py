"""Corpora and windows: reading, errors, target = input shifted by one, split by position."""

import numpy as np
import pytest

from text import data
from text.data import CorpusError
from text.vocab import EOS_ID, PAD_ID, Vocabulary


def test_read_corpus_text_path_and_list(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("one\n", encoding="utf-8")
    b.write_text("two", encoding="utf-8")
    assert data.read_corpus("just text") == "just text"
    assert data.read_corpus(a) == "one\n"
    assert data.read_corpus([a, b]) == "one\n\ntwo"


@pytest.mark.parametrize("text", ["", "   \n\t \n"])
def test_empty_or_whitespace_corpus_is_refused(tmp_path, text):
    with pytest.raises(CorpusError, match="is empty or only whitespace"):
        data.read_corpus(text)
    path = tmp_path / "empty.txt"
    path.write_text(text)
    with pytest.raises(
        CorpusError, match=r"corpus file '.*empty\.txt' is empty or only whitespace"
    ):
        data.read_corpus(path)


def test_non_utf8_file_names_file_and_byte_offset(tmp_path):
    path = tmp_path / "latin1.txt"
    path.write_bytes(b"caf" + b"\xe9 au lait")
    with pytest.raises(
        CorpusError, match=r"latin1\.txt' is not UTF-8 text: invalid byte 0xe9 at byte offset 3"
    ):
        data.read_corpus(path)


def test_missing_file(tmp_path):
    with pytest.raises(CorpusError, match=r"nope\.txt' does not exist"):
        data.read_corpus(tmp_path / "nope.txt")


def test_stream_windows_line_up_and_come_from_the_stream():
    text = "".join(chr(ord("a") + i % 26) for i in range(500))
    vocab = Vocabulary.build(text)
    ids = np.asarray(vocab.encode(text))
    ds = data.stream_windows(ids, 20, batch_size=8, shuffle=True, seed=3)
    batches = list(ds)
    assert len(batches) == 500 // 20 // 8
    for x, y in batches:
        x, y = x.numpy(), y.numpy()
        assert x.shape == y.shape == (8, 20)
        assert (x[:, 0] == EOS_ID).all()  # primed with the start symbol
        assert (x[:, 1:] == y[:, :-1]).all()  # target = input shifted by one
        for row in y:  # every target window is a contiguous piece of the stream
            start = next(s for s in np.flatnonzero(ids == row[0]) if (ids[s : s + 20] == row).all())
            assert (ids[start : start + 20] == row).all()


def test_stream_offsets_are_reproducible_and_fresh_each_epoch():
    ids = np.arange(3, 1003, dtype=np.int32) % 50 + 3
    ds = data.stream_windows(ids, 10, batch_size=4, shuffle=True, seed=5)
    first, second = [b[1].numpy() for b in ds], [b[1].numpy() for b in ds]
    again = [b[1].numpy() for b in data.stream_windows(ids, 10, batch_size=4, shuffle=True, seed=5)]
    assert not all((a == b).all() for a, b in zip(first, second))  # new offsets next epoch
    assert all((a == b).all() for a, b in zip(first, again))  # same seed, same offsets


def test_validation_windows_tile_the_held_out_part_in_order():
    ids = np.arange(3, 103, dtype=np.int32)
    x, y = next(iter(data.stream_windows(ids, 10, batch_size=100, shuffle=False)))
    assert y.shape == (10, 10)
    assert (y.numpy().ravel() == ids).all()


def test_split_by_position_keeps_validation_text_out_of_training():
    text = "abcdefghij" * 30 + "XYZ" * 10
    vocab = Vocabulary.build(text)
    ids = data.encode_corpus(text, vocab)
    train, val = data.split_by_position(ids, 0.1)
    assert len(train) == 297 and len(val) == 33
    assert vocab.decode(val) == text[297:]
    train_ds, val_ds = data.make_datasets(
        text, vocab, seq_len=16, batch_size=4, validation_split=0.1
    )
    seen = np.concatenate([y.numpy().ravel() for _, y in train_ds.repeat(5)])
    assert not np.isin(vocab.encode("XYZ"), seen).any()  # X, Y, Z only occur in the held-out tail


def test_line_examples_pad_and_end_with_eos():
    text = "ab\nabcde\n\nb\n"
    vocab = Vocabulary.build(text)
    lines = data.encode_corpus(text, vocab, "lines")
    assert [vocab.decode(line) for line in lines] == ["ab", "abcde", "b"]
    x, y = next(iter(data.line_windows(lines, 16, batch_size=3, shuffle=False)))
    x, y = x.numpy(), y.numpy()
    assert x.shape == y.shape == (3, 6)
    assert vocab.decode(y[1], stop_at_eos=True) == "abcde" and y[1, 5] == EOS_ID
    assert (x[:, 0] == EOS_ID).all()
    real = x[:, 1:] != PAD_ID
    assert (x[:, 1:][real] == y[:, :-1][real]).all()  # target = input shifted by one
    assert (y[0, 3:] == PAD_ID).all()


def test_long_lines_are_cut_into_windows():
    pairs = data.line_examples([np.arange(3, 13, dtype=np.int32)], max_len=4)
    flat = np.concatenate([y for _, y in pairs])
    assert [len(x) for x, _ in pairs] == [4, 4, 3]
    assert flat.tolist() == list(range(3, 13)) + [EOS_ID]


def test_corpus_shorter_than_one_window():
    vocab = Vocabulary.build("hello")
    with pytest.raises(
        CorpusError, match=r"corpus has 5 tokens, shorter than one training window \(seq_len=100\)"
    ):
        data.make_datasets("hello", vocab, seq_len=100)


def test_bad_arguments():
    vocab = Vocabulary.build("abc")
    with pytest.raises(
        ValueError, match="mode='paragraphs' is not supported; expected one of 'stream', 'lines'"
    ):
        data.make_datasets("abc" * 50, vocab, mode="paragraphs")
    with pytest.raises(ValueError, match="seq_len must be an integer >= 1; got 0"):
        data.stream_windows(np.arange(50), 0)
    with pytest.raises(ValueError, match=r"validation_split must be in \[0, 1\), got 1.5"):
        data.split_by_position(np.arange(50), 1.5)
    with pytest.raises(CorpusError, match="corpus must be a str of text"):
        data.read_corpus(42)


def test_datasets_loaders_read_local_copies(shared_data):
    from text import datasets

    folder = shared_data / "text"
    shakespeare = datasets.tiny_shakespeare(folder)
    assert len(shakespeare) == 1115394 and shakespeare.startswith("First Citizen:")
    names = datasets.dinosaur_names(folder / "dinos.txt").split()
    assert len(names) == 1536 and names[0] == "Aachenosaurus"
    assert datasets.sonnets(folder).startswith("THE SONNETS")


def test_datasets_refuse_wrong_hash_and_unknown_name(tmp_path):
    from text import datasets

    fake = tmp_path / "dinos.txt"
    fake.write_text("Notasaurus\n")
    with pytest.raises(
        CorpusError,
        match=r"dinos.txt: sha256 [0-9a-f]{12}\.\.\., expected "
        r"ad6465621cf5\.\.\. for dinos.txt; the file is corrupt",
    ):
        datasets.dinosaur_names(tmp_path)
    with pytest.raises(CorpusError, match="nope.txt: no such file; expected sonnets.txt"):
        datasets.sonnets(tmp_path / "nope.txt")
    with pytest.raises(ValueError, match="unknown corpus 'wiki'"):
        datasets.fetch("wiki", path=tmp_path)
