"""The CoNLL reader and the entity-level scorer against hand-computed cases."""

import pytest

from zoo.tasks.conll import ConllFormatError, entities, entity_scores, read_conll


def test_entities_follow_conlleval_rules():
    assert entities(["B-PER", "I-PER", "O"]) == {("PER", 0, 2)}
    # An I- after O or after another type starts a new entity (IOB1 / malformed IOB2).
    assert entities(["O", "I-LOC", "I-LOC"]) == {("LOC", 1, 3)}
    assert entities(["B-PER", "I-ORG"]) == {("PER", 0, 1), ("ORG", 1, 2)}
    assert entities(["B-LOC", "B-LOC"]) == {("LOC", 0, 1), ("LOC", 1, 2)}
    assert entities(["O", "O"]) == set()


def test_scores_by_hand_exact_partial_and_wrong_type():
    gold = [["B-PER", "I-PER", "O", "B-LOC", "O", "B-ORG"], ["B-MISC", "I-MISC", "I-MISC"]]
    guess = [
        ["B-PER", "I-PER", "O", "B-ORG", "O", "B-ORG"],  # PER exact, LOC as ORG, ORG exact
        ["B-MISC", "I-MISC", "O"],
    ]  # partial span: wrong
    s = entity_scores(gold, guess)
    # gold 4 entities, predicted 4, correct 2 -> P = R = F1 = 50
    assert (s["gold"], s["predicted"], s["correct"]) == (4, 4, 2)
    assert s["precision"] == s["recall"] == s["f1"] == pytest.approx(50.0)
    per = s["per_type"]
    assert per["PER"]["f1"] == pytest.approx(100.0)
    assert per["LOC"] == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
        "gold": 1,
        "predicted": 0,
        "correct": 0,
    }
    # ORG: predicted 2 (one right), gold 1 -> P 50, R 100, F1 66.67
    assert per["ORG"]["precision"] == pytest.approx(50.0)
    assert per["ORG"]["recall"] == pytest.approx(100.0)
    assert per["ORG"]["f1"] == pytest.approx(200 / 3)
    assert per["MISC"]["f1"] == 0.0


def test_scores_refuse_misaligned_predictions():
    with pytest.raises(ValueError, match="sentence 0: 1 tags, expected 2"):
        entity_scores([["O", "O"]], [["O"]])


def test_reader_names_the_malformed_line():
    lines = ["Melbourne NP B-LOC", "( Fpa O", "", "EFE NC B-ORG", "Abogado NC X-PER"]
    with pytest.raises(ConllFormatError, match=r"esp.testb line 5: 'Abogado NC X-PER'"):
        read_conll(lines, name="esp.testb")
    with pytest.raises(ConllFormatError, match="line 1"):
        read_conll(["lonely"], name="f")
    assert read_conll(lines[:4]) == [(["Melbourne", "("], ["B-LOC", "O"]), (["EFE"], ["B-ORG"])]
