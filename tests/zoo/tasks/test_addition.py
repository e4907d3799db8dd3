"""Addition: generated questions, a small model that learns to a stated held-out figure, bad
input."""

import pytest

from zoo.tasks import addition
from zoo.tasks.common import TaskError


def test_questions_are_distinct_correct_and_held_out():
    train = addition.generate(300, digits=2, seed=0)
    assert len({q for q, _ in train}) == 300
    assert all(int(a) + int(b) == int(s) for q, s in train for a, b in [q.split("+")])
    test = addition.generate(50, digits=2, seed=1, exclude=[q for q, _ in train])
    assert not {q for q, _ in train} & {q for q, _ in test}
    with pytest.raises(ValueError, match="n must be <= 100"):
        addition.generate(101, digits=1)


@pytest.mark.slow
def test_small_adder_learns_held_out_sums():
    # Stated figure: 2-digit sums, 3,000 questions, 6 short epochs (about 10 s): >= 15% exact
    # match on 300 held-out questions, against about 1% by chance (measured 0.28; the same
    # model reaches 0.986 after 8 epochs on 6,000).
    adder, metrics = addition.train(
        digits=2, n_train=3000, n_val=200, epochs=6, units=48, batch_size=32, learning_rate=1e-2
    )
    result = addition.evaluate(adder, n=300)
    assert result["exact_match"] >= 0.15, result
    assert adder.predict(["5 + 7"]) == adder.predict(["5+7"])  # spaces are ignored
    with pytest.raises(TaskError, match="'535\\+61': expected two numbers of 1 to 2 digits"):
        adder.predict(["535+61"])
    with pytest.raises(TaskError, match="empty"):
        adder.predict([""])
    with pytest.raises(TaskError, match="characters '-'"):
        adder.predict(["5-3"])
