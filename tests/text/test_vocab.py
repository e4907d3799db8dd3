"""Vocabulary: reversible tokenisation, special ids, JSON round trip, unknown tokens."""

import json

import pytest

from text.vocab import EOS_ID, PAD_ID, UNK_ID, UnknownTokenError, Vocabulary, tokenize

SAMPLE = "First Citizen:\nBefore we proceed any further, hear me speak.\n\n  All:\tSpeak, speak!\n"


@pytest.mark.parametrize("level", ["char", "word"])
def test_encode_decode_round_trip_is_exact(level):
    vocab = Vocabulary.build(SAMPLE, level=level)
    ids = vocab.encode(SAMPLE)
    assert all(i >= 3 for i in ids)  # no special ids for seen text
    assert vocab.decode(ids) == SAMPLE


def test_word_tokens_keep_whitespace_and_punctuation():
    assert tokenize("Hi,  you!\n", level="word") == ["Hi", ",", "  ", "you", "!", "\n"]
    assert tokenize("the apple and pear.", level="word") == ["the", " apple", " and", " pear", "."]
    assert "".join(tokenize(SAMPLE, level="word")) == SAMPLE


def test_special_tokens_have_fixed_ids():
    vocab = Vocabulary.build("abc")
    assert vocab.tokens[:3] == ["<PAD>", "<UNK>", "<EOS>"]
    assert (PAD_ID, UNK_ID, EOS_ID) == (0, 1, 2)
    assert vocab.size == 6
    assert vocab.decode([3, 2, 4, 0, 5]) == "a\nbc"
    assert vocab.decode([3, 2, 4], stop_at_eos=True) == "a"


def test_lower_casing_round_trips_the_lowered_text():
    vocab = Vocabulary.build("Hello World", lower=True)
    assert "H" not in vocab
    assert vocab.decode(vocab.encode("HELLO world")) == "hello world"


def test_unknown_tokens_map_to_unk_or_raise():
    vocab = Vocabulary.build("the cat", level="word")
    assert vocab.encode("the dog") == [vocab.token_id("the"), UNK_ID]
    assert vocab.unknown_tokens("the dog ate") == [" ate", " dog"]
    with pytest.raises(
        UnknownTokenError, match=r"2 token\(s\) not in the vocabulary: ' ate', ' dog'"
    ):
        vocab.encode("the dog ate", unknown="error")


def test_max_size_keeps_most_frequent_words():
    vocab = Vocabulary.build("a a a b b c", level="word", max_size=2)
    assert vocab.tokens[3:] == [" a", " b"]
    assert vocab.encode(" c")[0] == UNK_ID


def test_json_save_load_round_trip(tmp_path):
    vocab = Vocabulary.build(SAMPLE + "é漢", level="char", lower=True)
    path = tmp_path / "vocab.json"
    vocab.save(path)
    again = Vocabulary.load(path)
    assert again == vocab
    assert again.encode(SAMPLE) == vocab.encode(SAMPLE)
    assert json.loads(path.read_text(encoding="utf-8"))["level"] == "char"
    assert [p.name for p in tmp_path.iterdir()] == ["vocab.json"]  # no temporary file left


def test_load_rejects_missing_and_foreign_files(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        Vocabulary.load(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"tokens": ["a"]}')
    with pytest.raises(ValueError, match="is not a seqzoo vocabulary"):
        Vocabulary.load(bad)


def test_bad_arguments():
    with pytest.raises(ValueError, match="level must be one of"):
        Vocabulary.build("abc", level="byte")
    with pytest.raises(ValueError, match="empty text"):
        Vocabulary.build("")
    with pytest.raises(ValueError, match="outside the vocabulary"):
        Vocabulary.build("abc").decode([99])
