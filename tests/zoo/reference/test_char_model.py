"""The Dinosaurus Island pieces: clip, sample, optimize, the trainer, and their bad input."""

import numpy as np
import pytest

from tests.zoo.reference.params import random_parameters, relative_error
from zoo import reference as ref

TOY_NAMES = ["ab", "abc", "abcd", "bcd", "ba", "cab"]


def test_clip_bounds_every_gradient_and_leaves_the_input_alone():
    gradients = {"dWaa": np.array([[10.0, -0.5]]), "dby": np.array([[-7.0], [4.9]])}
    clipped = ref.clip(gradients, 5)
    np.testing.assert_array_equal(clipped["dWaa"], [[5.0, -0.5]])
    np.testing.assert_array_equal(clipped["dby"], [[-5.0], [4.9]])
    assert gradients["dWaa"][0, 0] == 10.0
    with pytest.raises(ValueError, match=r"^maxValue: expected a positive finite number, got -1$"):
        ref.clip(gradients, -1)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_char_backward_passes_the_finite_difference_check(cell):
    rng = np.random.default_rng(20)
    variant = {"gru": "gru_textbook"}.get(cell, cell)
    p = random_parameters(variant, 5, 4, 5, rng, scale=0.5)
    X, Y = [None, 1, 3, 2], [1, 3, 2, 0]
    a0 = rng.normal(size=(4, 1))
    gradients, a = ref.char_backward(X, Y, p, ref.char_forward(X, Y, a0, p)[1])
    assert a.shape == (4, 1, 4)
    analytic, numeric, eps = [], [], 1e-5
    for key, array in p.items():
        for index in np.ndindex(array.shape):
            old = array[index]
            array[index] = old + eps
            plus = ref.char_forward(X, Y, a0, p)[0]
            array[index] = old - eps
            minus = ref.char_forward(X, Y, a0, p)[0]
            array[index] = old
            numeric.append((plus - minus) / (2 * eps))
            analytic.append(gradients["d" + key][index])
    assert relative_error(analytic, numeric) <= 1e-6


def test_optimize_lowers_the_loss_and_carries_the_state():
    p = ref.initialize_parameters(8, 4, 4)
    X, Y = [None, 1, 2, 3], [1, 2, 3, 0]
    first, gradients, a_last = ref.optimize(X, Y, np.zeros((8, 1)), p, learning_rate=0.3)
    assert a_last.shape == (8, 1) and max(np.abs(g).max() for g in gradients.values()) <= 5
    for _ in range(30):
        last = ref.optimize(X, Y, np.zeros((8, 1)), p, learning_rate=0.3)[0]
    assert last < 0.5 * first
    lstm = ref.initialize_parameters(8, 4, 4, cell="lstm")
    _, _, state = ref.optimize(X, Y, (np.zeros((8, 1)), np.zeros((8, 1))), lstm)
    assert isinstance(state, tuple) and [s.shape for s in state] == [(8, 1), (8, 1)]


def test_sample_is_reproducible_and_ends_names():
    char_to_ix, _ = ref.build_vocabulary(TOY_NAMES)
    p = random_parameters("rnn", 4, 6, 4, np.random.default_rng(21), scale=1.0)
    state = np.random.get_state()[1].copy()
    first = ref.sample(p, char_to_ix, seed=3)
    assert ref.sample(p, char_to_ix, seed=3) == first
    assert len({tuple(ref.sample(p, char_to_ix, seed=s)) for s in range(10)}) > 1
    assert first[-1] == char_to_ix["\n"] and len(first) <= 51
    np.testing.assert_array_equal(np.random.get_state()[1], state)  # global RNG untouched


def test_sample_survives_float32_probabilities():
    rng = np.random.default_rng(22)
    vocab = 60
    char_to_ix = {"\n": 0, **{chr(200 + i): i for i in range(1, vocab)}}
    for cell in ("rnn", "lstm", "gru_reset_after"):
        p = random_parameters(cell, vocab, 32, vocab, rng, scale=3.0, dtype=np.float32)
        indices = ref.sample(p, char_to_ix, seed=0)
        assert all(0 <= i < vocab for i in indices) and indices[-1] == 0


def test_first_report_reproduces_the_course(shared_data):
    # The lab prints these seven names and a smoothed loss of 23.087336 at iteration 0.
    names = ref.load_names(shared_data / "text" / "dinos.txt")
    result = ref.train_char_model(names, num_iterations=1)
    assert result.final_smoothed_loss == pytest.approx(23.087336, abs=1e-6)
    assert result.samples[0] == [
        "Nkzxwtdmfqoeyhsqwasjkjvu",
        "Kneb",
        "Kzxwtdmfqoeyhsqwasjkjvu",
        "Neb",
        "Zxwtdmfqoeyhsqwasjkjvu",
        "Eb",
        "Xwtdmfqoeyhsqwasjkjvu",
    ]


def test_training_on_dinosaur_names_lowers_the_loss(shared_data):
    names = ref.load_names(shared_data / "text" / "dinos.txt")
    assert len(names) == 1536
    result = ref.train_char_model(names, num_iterations=300, sample_every=100, curve_every=50)
    per_char = result.losses / result.chars
    assert per_char[:50].mean() > 3.1  # about log(27) = 3.30 before learning
    assert per_char[200:].mean() < per_char[:50].mean() - 0.25
    assert [j for j, _ in result.curve] == [0, 50, 100, 150, 200, 250, 299]
    assert sorted(result.samples) == [0, 100, 200] and len(result.samples[200]) == 7


@pytest.mark.parametrize("cell, learning_rate", [("rnn", 0.1), ("lstm", 0.3), ("gru", 0.3)])
def test_every_cell_learns_a_tiny_name_list(cell, learning_rate):
    result = ref.train_char_model(
        TOY_NAMES * 2, cell=cell, num_iterations=300, n_a=12, learning_rate=learning_rate
    )
    per_char = result.losses / result.chars
    assert per_char[-30:].mean() < 0.75 * per_char[:30].mean()


def test_bad_input_is_named():
    p = ref.initialize_parameters(4, 3, 3)
    with pytest.raises(ValueError, match=r"^X\[1\]: expected an index in \[0, 3\), got 7$"):
        ref.char_forward([None, 7], [1, 0], np.zeros((4, 1)), p)
    with pytest.raises(ValueError, match=r"^Y: expected 2 indices \(one per input in X\), got 1$"):
        ref.char_forward([None, 1], [1], np.zeros((4, 1)), p)
    with pytest.raises(ValueError, match=r"^char_to_ix: expected a dict that maps '\\n'"):
        ref.sample(p, {"a": 0}, seed=0)
    with pytest.raises(ValueError, match=r"^parameters: missing key 'Waa' \(sample needs keys"):
        ref.sample({k: v for k, v in p.items() if k != "Waa"}, {"\n": 0}, seed=0)
    with pytest.raises(ValueError, match=r"^parameters: cannot tell the cell"):
        ref.optimize([None], [0], np.zeros((4, 1)), {"W": 1}, 0.1)
    with pytest.raises(
        ValueError,
        match=r"^path: expected a text file with one name a line, "
        r"got 'no/such.txt' \(no such file\)$",
    ):
        ref.load_names("no/such.txt")
    with pytest.raises(ValueError, match=r"^names: a name contains '\\n'"):
        ref.train_char_model(["ab\ncd"], num_iterations=1)
