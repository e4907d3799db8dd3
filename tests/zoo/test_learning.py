"""Each topology learns a small task to a stated held-out accuracy, in seconds."""

import itertools

import keras
import numpy as np
import pytest

import zoo

SPARSE = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def _compile(model, learning_rate=1e-2):
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate, clipnorm=1.0), loss=SPARSE
    )
    return model


def _contains_pattern_data(rng, n, max_len=10):
    """Sequences over ids 1..5 of length 4..max_len; label 1 if the bigram (1, 2) occurs."""
    x = np.zeros((n, max_len), "int32")
    y = np.zeros((n,), "int32")
    for i in range(n):
        length = rng.integers(4, max_len + 1)
        seq = rng.integers(3, 6, size=length)  # no 1 or 2 yet
        if i % 2:
            at = rng.integers(0, length - 1)
            seq[at : at + 2] = [1, 2]
        else:  # decoys: a 1 or a 2 alone, or "2 1"
            seq[rng.integers(0, length)] = rng.integers(1, 3)
        x[i, :length] = seq
        y[i] = int(any(a == 1 and b == 2 for a, b in zip(seq, seq[1:])))
    return x, y


@pytest.mark.slow
def test_many_to_one_learns_contains_pattern():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x, y = _contains_pattern_data(rng, 3000)
    model = _compile(
        zoo.build_many_to_one(vocab_size=6, output_dim=2, cell="gru", units=24, embedding_dim=8)
    )
    model.fit(x[:2500], y[:2500], batch_size=64, epochs=8, verbose=0)
    accuracy = np.mean(np.argmax(model.predict(x[2500:], verbose=0), -1) == y[2500:])
    assert accuracy >= 0.95, accuracy


def _bracket_tagging_data(rng, n, max_len=12):
    """Tag 1 for tokens inside "[ ... ]" (ids 1 and 2 are the brackets), else 0."""
    x = np.zeros((n, max_len), "int32")
    y = np.zeros((n, max_len), "int32")
    for i in range(n):
        length = rng.integers(5, max_len + 1)
        seq = rng.integers(3, 8, size=length)
        start = rng.integers(0, length - 2)
        end = rng.integers(start + 2, length + 1)
        seq[start] = 1
        if end < length:
            seq[end] = 2
        x[i, :length] = seq
        y[i, start + 1 : min(end, length)] = 1
    return x, y


@pytest.mark.slow
def test_many_to_many_learns_to_tag_a_token_class():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(1)
    x, y = _bracket_tagging_data(rng, 3000)
    model = _compile(
        zoo.build_many_to_many(vocab_size=8, output_dim=2, cell="lstm", units=24, embedding_dim=8)
    )
    weights = (x[:2500] != 0).astype("float32")
    model.fit(x[:2500], y[:2500], sample_weight=weights, batch_size=64, epochs=6, verbose=0)
    predicted = np.argmax(model.predict(x[2500:], verbose=0), -1)
    real = x[2500:] != 0
    accuracy = np.mean(predicted[real] == y[2500:][real])
    assert accuracy >= 0.95, accuracy


@pytest.mark.slow
def test_one_to_many_reproduces_unseen_members_of_a_sequence_family():
    # The family: a three-note motif (a, b, c) repeated, "a b c a b c a b c". The context is
    # one-hot(a) ++ one-hot(b) ++ one-hot(c); a quarter of the motifs are never trained on.
    # (Arithmetic sequences mod n with held-out (start, step) pairs need modular addition of
    # unseen pairs; they are memorised, not learned, in seconds.)
    keras.utils.set_random_seed(0)
    notes, motif, length = 6, 3, 9
    combos = np.array(list(itertools.product(range(notes), repeat=motif)))  # (216, motif)
    targets = (1 + combos[:, np.arange(length) % motif]).astype("int32")  # id 0 = start token
    context = np.eye(notes, dtype="float32")[combos].reshape(len(combos), notes * motif)
    held_out = np.random.default_rng(0).permutation(np.arange(len(combos)) % 4 == 0)
    train = ~held_out
    teacher = np.concatenate([np.zeros((len(combos), 1), "int32"), targets[:, :-1]], axis=1)
    model = _compile(
        zoo.build_one_to_many(notes + 1, context_dim=notes * motif, cell="lstm", units=48)
    )
    reps = 12
    model.fit(
        [np.repeat(context[train], reps, 0), np.repeat(teacher[train], reps, 0)],
        np.repeat(targets[train], reps, 0),
        batch_size=32,
        epochs=10,
        verbose=0,
    )
    generator = zoo.build_one_to_many_generator(model, steps=length, mode="argmax")
    produced = np.asarray(generator([context[held_out], np.zeros((held_out.sum(),), "int32")]))
    token_accuracy = np.mean(produced == targets[held_out])
    exact = np.mean(np.all(produced == targets[held_out], axis=1))
    assert token_accuracy >= 0.95 and exact >= 0.95, (token_accuracy, exact)


@pytest.mark.slow
def test_encoder_decoder_learns_to_reverse():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(2)
    pad, start, end, n = 0, 1, 2, 4000
    source = np.zeros((n, 6), "int32")
    target = np.zeros((n, 7), "int32")
    for i in range(n):
        length = rng.integers(3, 7)
        seq = rng.integers(3, 11, size=length)
        source[i, :length] = seq
        target[i, : length + 1] = list(seq[::-1]) + [end]
    decoder_in = np.concatenate([np.full((n, 1), start), target[:, :-1]], 1).astype("int32")
    model = _compile(
        zoo.build_encoder_decoder(
            source_vocab_size=11,
            target_vocab_size=11,
            cell="lstm",
            units=32,
            embedding_dim=16,
            attention="dot",
        )
    )
    train = slice(0, 3600)
    model.fit(
        [source[train], decoder_in[train]],
        target[train],
        sample_weight=(target[train] != pad).astype("float32"),
        batch_size=64,
        epochs=12,
        verbose=0,
    )
    encoder, step = zoo.build_encoder_decoder_inference(model)
    decoded = zoo.greedy_decode(
        encoder, step, source[3600:], start_id=start, end_id=end, max_length=7
    )
    exact = np.mean(np.all(decoded == target[3600:], axis=1))
    assert exact >= 0.95, exact
