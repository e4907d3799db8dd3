"""Encoder-decoder decoding through the engine, on a trained reversal model: beam search never
scores below greedy, scores are the sequences' own log-probabilities, attention weights."""

import numpy as np
import pytest

import zoo

PAD, START, END = 0, 1, 2


@pytest.fixture(scope="module")
def reversal():
    """A small attention model trained for a few seconds to reverse sequences of 3..10."""
    import keras

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(2)
    n, width = 1600, 6
    source = np.zeros((n, width), "int32")
    target = np.zeros((n, width + 1), "int32")
    for i in range(n):
        length = rng.integers(2, width + 1)
        seq = rng.integers(3, 11, size=length)
        source[i, :length] = seq
        target[i, : length + 1] = list(seq[::-1]) + [END]
    decoder_in = np.concatenate([np.full((n, 1), START), target[:, :-1]], 1).astype("int32")
    model = zoo.build_encoder_decoder(
        source_vocab_size=11,
        target_vocab_size=11,
        cell="lstm",
        units=24,
        embedding_dim=12,
        attention="dot",
    )
    model.compile(
        keras.optimizers.Adam(1e-2), keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    train = slice(0, n - 48)
    model.fit(
        [source[train], decoder_in[train]],
        target[train],
        sample_weight=(target[train] != PAD).astype("float32"),
        batch_size=64,
        epochs=4,
        verbose=0,
    )
    return model, source[n - 48 :]


def own_log_probs(model, source, tokens):
    """Teacher-forced log-probability of each decoded sequence (up to and including END)."""
    import keras

    decoder_in = np.concatenate([np.full((len(tokens), 1), START), tokens[:, :-1]], 1)
    logp = keras.ops.log_softmax(model([source, decoder_in.astype("int32")]), axis=-1).numpy()
    per_token = np.take_along_axis(logp, tokens[..., None], axis=-1)[..., 0]
    return (per_token * live_positions(tokens)).sum(axis=1)


def live_positions(tokens):
    """True up to and including each row's first END (everything when there is none)."""
    ended = np.cumsum(tokens == END, axis=1) - (tokens == END)
    return ended == 0


@pytest.mark.slow
def test_beam_never_scores_below_greedy_and_scores_are_log_probs(reversal):
    model, source = reversal
    decode = zoo.Seq2SeqDecoder(*zoo.build_encoder_decoder_inference(model))
    greedy = decode(source, start_id=START, end_id=END, max_length=7)
    beam = decode(source, start_id=START, end_id=END, max_length=7, method="beam", width=4)
    assert greedy.tokens.shape == beam.tokens.shape == (len(source), 7)
    assert (beam.log_probs >= greedy.log_probs - 1e-4).all()
    for result in (greedy, beam):
        np.testing.assert_allclose(
            result.log_probs, own_log_probs(model, source, result.tokens), atol=2e-3
        )
        assert ((result.tokens == 0) == ~live_positions(result.tokens)).all()  # 0 after END
    # It learned the task (a sanity check that the comparison is about a real model).
    lengths = (source != PAD).sum(axis=1)
    exact = [
        list(row[: k + 1]) == list(src[:k][::-1]) + [END]
        for row, src, k in zip(beam.tokens, source, lengths)
    ]
    assert np.mean(exact) >= 0.5
    # The old entry point is the engine's greedy decoding; top_k=1 sampling is greedy too.
    np.testing.assert_array_equal(
        zoo.greedy_decode(
            decode.encoder, decode.decoder_step, source, start_id=START, end_id=END, max_length=7
        ),
        greedy.tokens,
    )
    sampled = decode(
        source, start_id=START, end_id=END, max_length=7, method="sample", top_k=1, seed=5
    )
    np.testing.assert_array_equal(sampled.tokens, greedy.tokens)


@pytest.mark.slow
@pytest.mark.parametrize("method", ["greedy", "sample", "beam"])
def test_attention_weights_shape_rows_and_padding(reversal, method):
    model, source = reversal
    decode = zoo.Seq2SeqDecoder(*zoo.build_encoder_decoder_inference(model))
    result = decode(source, start_id=START, end_id=END, max_length=7, method=method, seed=1)
    weights = result.attention
    assert weights.shape == (len(source), 7, source.shape[1]) and weights.dtype == np.float32
    live = live_positions(result.tokens)
    np.testing.assert_allclose(weights.sum(axis=-1)[live], 1.0, atol=1e-5)
    assert (weights[~live] == 0).all()  # nothing after the end
    padded = np.broadcast_to((source == PAD)[:, None, :], weights.shape)
    assert padded.any() and (weights[padded] == 0).all()


def test_decoding_without_attention_and_bad_arguments():
    model = zoo.build_encoder_decoder(source_vocab_size=9, target_vocab_size=7, units=4)
    decode = zoo.Seq2SeqDecoder(*zoo.build_encoder_decoder_inference(model))
    out = decode(np.ones((2, 3), "int32"), start_id=1, max_length=4, method="beam", width=2)
    assert out.tokens.shape == (2, 4) and out.attention is None
    with pytest.raises(ValueError, match="method='nucleus' is not supported"):
        decode(np.ones((2, 3), "int32"), start_id=1, method="nucleus")
    with pytest.raises(ValueError, match="max_length must be an integer >= 1; got 0"):
        decode(np.ones((2, 3), "int32"), start_id=1, max_length=0)
