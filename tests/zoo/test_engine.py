"""zoo's generation engine: any step model (per-step conditioning, hooks with a carry), batched
beam search, and every dtype policy."""

import contextlib

import numpy as np
import pytest

import zoo
from zoo.generation.sampler import Sampler
from zoo.runtime.precision import dtype_policy

VOCAB = 7
POLICIES = ["mixed_float16", "mixed_bfloat16"]


@pytest.fixture
def policy():
    """Set a global dtype policy for one test (`zoo.runtime.precision.dtype_policy`); the
    previous one comes back when the test ends."""
    with contextlib.ExitStack() as stack:
        yield lambda name: stack.enter_context(dtype_policy(name))


def far_apart_lm(conditioning_dim=None):
    """A random LSTM LM with a large output kernel: a next-token distribution far from uniform
    that depends on the fed tokens (and the conditioning)."""
    import keras

    keras.utils.set_random_seed(3)
    model = zoo.build_lm(
        VOCAB, cell="lstm", units=8, embedding_dim=4, conditioning_dim=conditioning_dim
    )
    rng = np.random.default_rng(1)
    (table,) = model.get_layer("embedding").get_weights()
    model.get_layer("embedding").set_weights([rng.normal(0, 2.0, table.shape).astype("float32")])
    kernel, bias = model.get_layer("logits").get_weights()
    model.get_layer("logits").set_weights(
        [rng.normal(0, 40.0, kernel.shape).astype("float32"), np.zeros_like(bias)]
    )
    return model


def greedy_by_hand(step, prime, length, conditioning=None):
    """The slow reference: one eager step-model call per token, argmax in numpy."""
    batch = prime.shape[0]
    states = zoo.zero_states(step, batch)
    fed, out, gaps = list(prime.T), [], []
    for position in range(prime.shape[1] - 1 + length):
        extra = [] if conditioning is None else [conditioning[:, position]]
        result = step([np.asarray(fed[position], np.int32)] + extra + states)
        states = [np.asarray(s) for s in result[1:]]
        if position >= prime.shape[1] - 1:
            logits = np.sort(np.asarray(result[0]), axis=-1)
            gaps.append(logits[:, -1] - logits[:, -2])
            fed.append(np.argmax(np.asarray(result[0]), axis=-1))
            out.append(fed[-1])
    return np.stack(out, axis=1), float(np.min(gaps))


@pytest.mark.slow
def test_per_step_conditioning_as_a_tensor_or_computed_in_the_graph():
    import tensorflow as tf

    step = zoo.build_lm_step(far_apart_lm(conditioning_dim=3))
    prime = np.array([[1, 2], [3, 4]], np.int32)
    length = 6
    rng = np.random.default_rng(0)
    positions = np.arange(prime.shape[1] - 1 + length)
    table = rng.normal(size=(len(positions), 3)).astype("float32")
    conditioning = np.stack([table, table[::-1]])  # (batch, steps, 3): each row its own
    expected, _ = greedy_by_hand(step, prime, length, conditioning)
    sampler = Sampler(step)
    tokens = sampler(prime, length, greedy=True, inputs={"conditioning": conditioning})
    np.testing.assert_array_equal(tokens, expected)
    # The same conditioning computed in the graph from the position and a context table.
    computed = Sampler(
        step,
        inputs_fn=lambda s: {
            "conditioning": tf.stack(
                [s.context["table"][s.position], s.context["table"][::-1][s.position]]
            )
        },
    )
    np.testing.assert_array_equal(
        computed(prime, length, greedy=True, context={"table": table}), expected
    )
    with pytest.raises(ValueError, match=r"needs \['conditioning'\] at every step"):
        sampler(prime, length)


@pytest.mark.slow
def test_warm_up_then_generate_equals_generating_after_the_prime():
    step = zoo.build_lm_step(far_apart_lm())
    prime = np.array([[1, 2, 3], [4, 5, 6]], np.int32)
    sampler = Sampler(step)
    whole = sampler.generate(prime, 8, seed=4)
    states = sampler.warm_up(prime[:, :-1])
    resumed = sampler.generate(prime[:, -1:], 8, seed=4, states=states)
    np.testing.assert_array_equal(whole.tokens, resumed.tokens)
    np.testing.assert_allclose(whole.log_probs, resumed.log_probs, rtol=1e-5)
    # Continuing from the final states equals one longer run (greedy: no seed offset).
    first = sampler.generate(prime, 4, greedy=True)
    more = sampler.generate(first.tokens[:, -1:], 4, greedy=True, states=first.states)
    np.testing.assert_array_equal(
        np.concatenate([first.tokens, more.tokens], axis=1),
        sampler.generate(prime, 8, greedy=True).tokens,
    )


@pytest.mark.slow
def test_a_mask_hook_is_honoured_and_its_carry_advances():
    import tensorflow as tf

    step = zoo.build_lm_step(far_apart_lm())
    forbidden = tf.constant([False, True, False, False, True, False, False])
    costs = tf.constant([1, 1, 2, 3, 1, 2, 3])

    def mask_fn(s, logits):  # never 1 or 4, never the same token twice in a row
        return ~forbidden[None, :] & (tf.range(VOCAB)[None, :] != s.token[:, None])

    sampler = Sampler(
        step,
        mask_fn=mask_fn,
        update_fn=lambda s, token: {"spent": s.carry["spent"] + tf.gather(costs, token)},
        done_fn=lambda s: s.carry["spent"] >= s.context["budget"],
    )
    prime = np.full((64, 1), 2, np.int32)
    result = sampler.generate(
        prime,
        40,
        temperature=5.0,
        seed=1,
        pad_id=-1,
        carry={"spent": np.zeros(64, np.int32)},
        context={"budget": 12},
    )
    for row, n, spent in zip(result.tokens, result.lengths, result.carry["spent"]):
        drawn = row[:n]
        assert not np.isin(drawn, [1, 4]).any() and (row[n:] == -1).all()
        assert (np.diff(np.concatenate([[2], drawn])) != 0).all()
        assert spent == np.asarray(costs)[drawn].sum() and 12 <= spent < 12 + 3
        assert (
            np.asarray(costs)[drawn[:-1]].sum() < 12
        )  # it stopped as soon as the budget was spent
    assert len({tuple(r) for r in result.tokens}) > 1
    tokens, _ = sampler.beam_search(
        prime[:3],
        10,
        width=3,
        pad_id=-1,
        carry={"spent": np.zeros(3, np.int32)},
        context={"budget": 12},
    )
    assert not np.isin(tokens, [1, 4]).any()


@pytest.mark.slow
def test_batched_beam_search_equals_one_prime_at_a_time():
    step = zoo.build_lm_step(far_apart_lm())
    primes = np.array([[1, 2, 3], [4, 5, 6], [6, 0, 2], [1, 2, 3]], np.int32)
    sampler = Sampler(step)
    tokens, scores = sampler.beam_search(primes, 7, width=4, eos_id=5)
    assert tokens.shape == (4, 4, 7) and scores.shape == (4, 4)
    for prime, row_tokens, row_scores in zip(primes, tokens, scores):
        alone_tokens, alone_scores = sampler.beam_search(prime, 7, width=4, eos_id=5)
        np.testing.assert_array_equal(row_tokens, alone_tokens)
        np.testing.assert_allclose(row_scores, alone_scores, rtol=1e-5)
    np.testing.assert_array_equal(tokens[0], tokens[3])


def markov_weights(model, prefix=""):
    """Weights under which the next token is a fixed function of the fed token and the logits
    are at least ~6 apart, so 16-bit rounding cannot change any token choice or beam order.

    The LSTM's gates saturate (input and output open, forget closed, no recurrence), so its
    output is `tanh(tanh(3))` at the fed token's index; each row of the output kernel ranks
    the next tokens in its own random order, 12 apart, plus noise that breaks beam ties.
    """
    n, rng = VOCAB, np.random.default_rng(5)
    eye = np.eye(n, dtype="float32")
    model.get_layer(prefix + "embedding").set_weights([3 * eye])
    kernel = np.zeros((n, 4 * n), "float32")
    kernel[:, 2 * n : 3 * n] = eye
    bias = np.concatenate([np.full(n, 20.0), np.full(n, -20.0), np.zeros(n), np.full(n, 20.0)])
    model.get_layer(prefix + "lstm_0").set_weights(
        [kernel, np.zeros((n, 4 * n), "float32"), bias.astype("float32")]
    )
    if "attention_projection" in {layer.name for layer in model.layers}:  # pass h through
        model.get_layer("attention_projection").set_weights(
            [np.concatenate([eye, np.zeros((n, n), "float32")]), np.zeros(n, "float32")]
        )
    ranks = np.stack([rng.permutation(n) for _ in range(n)])
    logits = (60.0 - 12.0 * ranks + rng.uniform(0, 4, (n, n))).astype("float32")
    model.get_layer("logits").set_weights([logits, np.zeros(n, "float32")])
    return model


def build_in_policy(policy, name, build, weights):
    """`build()` under the dtype policy `name`, with the given float32 weights."""
    policy(name)
    model = build()
    assert model.get_layer("logits").compute_dtype != "float32"
    model.set_weights(weights)
    return model


def lm32():
    return markov_weights(zoo.build_lm(VOCAB, cell="lstm", units=VOCAB, embedding_dim=VOCAB))


@pytest.mark.slow
@pytest.mark.parametrize("name", POLICIES)
def test_sampling_and_beam_search_under_mixed_precision_equal_float32(policy, name):
    reference = lm32()
    step32 = zoo.build_lm_step(reference)
    prime = np.array([[1, 2], [3, 4], [5, 6]], np.int32)
    expected, gap = greedy_by_hand(step32, prime, 12)
    assert gap > 5.0  # the logits really are far apart on this path
    sampler32 = Sampler(step32)
    sampled = sampler32(prime, 12, seed=9, temperature=3.0)
    filtered = sampler32(prime, 12, seed=2, top_k=3, top_p=0.9, temperature=8.0)
    beams, scores = sampler32.beam_search(prime, 6, width=3)
    model = build_in_policy(
        policy,
        name,
        lambda: zoo.build_lm(VOCAB, cell="lstm", units=VOCAB, embedding_dim=VOCAB),
        reference.get_weights(),
    )
    sampler = Sampler(zoo.build_lm_step(model))
    np.testing.assert_array_equal(sampler(prime, 12, greedy=True), expected)
    np.testing.assert_array_equal(sampler(prime, 12, seed=9, temperature=3.0), sampled)
    result = sampler.generate(prime, 12, seed=2, top_k=3, top_p=0.9, temperature=8.0)
    np.testing.assert_array_equal(result.tokens, filtered)
    assert result.log_probs.dtype == np.float32 and all(
        s.dtype == np.float32 for s in result.states
    )
    tokens, low_scores = sampler.beam_search(prime, 6, width=3)
    np.testing.assert_array_equal(tokens, beams)
    np.testing.assert_allclose(low_scores, scores, atol=0.5)


@pytest.mark.slow
@pytest.mark.parametrize("name", POLICIES)
def test_seq2seq_decoding_under_mixed_precision_equals_float32(policy, name):
    def build():
        return zoo.build_encoder_decoder(
            source_vocab_size=9,
            target_vocab_size=VOCAB,
            units=VOCAB,
            embedding_dim=VOCAB,
            attention="dot",
        )

    import keras

    keras.utils.set_random_seed(0)
    reference = markov_weights(build(), prefix="decoder_")
    source = np.array([[3, 4, 5, 6], [7, 8, 0, 0], [1, 2, 3, 0]], np.int32)
    settings = [
        dict(method="greedy"),
        dict(method="sample", seed=3, temperature=4.0),
        dict(method="beam", width=3),
    ]
    decode32 = zoo.Seq2SeqDecoder(*zoo.build_encoder_decoder_inference(reference))
    expected = [decode32(source, start_id=1, end_id=2, max_length=8, **kw) for kw in settings]
    model = build_in_policy(policy, name, build, reference.get_weights())
    decode = zoo.Seq2SeqDecoder(*zoo.build_encoder_decoder_inference(model))
    for kw, want in zip(settings, expected):
        got = decode(source, start_id=1, end_id=2, max_length=8, **kw)
        np.testing.assert_array_equal(got.tokens, want.tokens, err_msg=str(kw))
        assert got.attention.dtype == np.float32
        np.testing.assert_allclose(got.attention, want.attention, atol=0.02, err_msg=str(kw))


def test_bad_inputs_and_states_are_refused_by_name():
    step = zoo.build_lm_step(far_apart_lm(conditioning_dim=3))
    sampler = Sampler(step)
    prime = np.ones((2, 3), np.int32)
    short = np.zeros((2, 5, 3), "float32")  # 2 prime positions + 4 new tokens need 6
    with pytest.raises(
        ValueError, match=r"inputs\['conditioning'\] gives 5 steps; expected at least 6"
    ):
        sampler(prime, 4, inputs={"conditioning": short})
    with pytest.raises(
        ValueError, match=r"inputs\['conditioning'\] has shape \(3, 6, 3\); expected \(batch=2"
    ):
        sampler(prime, 4, inputs={"conditioning": np.zeros((3, 6, 3), "float32")})
    with pytest.raises(ValueError, match=r"inputs has 'chords', which is not an extra input"):
        sampler(prime, 4, inputs={"chords": short})
    with pytest.raises(
        ValueError, match=r"states\['state_h_0'\] has shape \(2, 5\); expected \(batch=2, 8\)"
    ):
        sampler(
            prime,
            4,
            inputs={"conditioning": np.zeros((2, 3), "float32")},
            states=[np.zeros((2, 5)), np.zeros((2, 8))],
        )
    with pytest.raises(ValueError, match="must take the token id"):
        Sampler(zoo.build_many_to_one(input_dim=3, output_dim=2, units=4))
    # (batch, dim) is the same conditioning at every step.
    assert sampler(prime, 4, inputs={"conditioning": np.zeros((2, 3), "float32")}).shape == (2, 4)
