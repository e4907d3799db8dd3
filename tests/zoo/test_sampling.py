"""zoo.generation.sampler: logit filters, the compiled sampler against a slow reference, beam search."""

import math

import numpy as np
import pytest

import zoo
from zoo.generation.sampler import Sampler, check_sampling_args, filter_logits

VOCAB, EOS = 7, 2


def make_lm():
    """A tiny random LSTM LM whose next-token distribution is far from uniform and depends on
    the previous token (Keras's default initialisation gives near-uniform logits)."""
    import keras

    keras.utils.set_random_seed(11)
    model = zoo.build_lm(VOCAB, cell="lstm", units=16, num_layers=2, embedding_dim=8)
    rng = np.random.default_rng(0)
    (table,) = model.get_layer("embedding").get_weights()
    model.get_layer("embedding").set_weights([rng.normal(0, 2.0, table.shape).astype("float32")])
    kernel, bias = model.get_layer("logits").get_weights()
    model.get_layer("logits").set_weights(
        [
            rng.normal(0, 4.0, kernel.shape).astype("float32"),
            rng.normal(0, 0.7, bias.shape).astype("float32"),
        ]
    )
    return model


@pytest.fixture(scope="module")
def lm():
    return make_lm()


@pytest.fixture(scope="module")
def step(lm):
    return zoo.build_lm_step(lm)


def numpy_filter(logits, temperature=1.0, top_k=None, top_p=None):
    """Reference filter: probabilities after temperature, top-k and top-p, in plain numpy."""
    z = np.asarray(logits, np.float64) / temperature
    p = np.exp(z - z.max())
    p /= p.sum()
    order = np.argsort(-p, kind="stable")
    keep = np.zeros_like(p, bool)
    keep[order[: (top_k or len(p))]] = True
    if top_p is not None:
        q = np.where(keep, p, 0.0)
        q /= q.sum()
        mass = 0.0
        nucleus = np.zeros_like(keep)
        for i in order:
            if not keep[i]:
                break
            nucleus[i] = True
            mass += q[i]
            if mass >= top_p:
                break
        keep &= nucleus
    p = np.where(keep, p, 0.0)
    return p / p.sum()


def step_probs(step, tokens, states, **filters):
    out = step([np.asarray(tokens, np.int32), *states])
    logits = np.asarray(out[0])
    probs = np.stack([numpy_filter(row, **filters) for row in logits])
    return probs, [np.asarray(s) for s in out[1:]]


def reference_sample(step, prime, length, rng, **filters):
    """The slow way: one eager step-model call and one numpy draw per token."""
    batch = prime.shape[0]
    states = zoo.zero_states(step, batch)
    for t in range(prime.shape[1] - 1):
        _, states = step_probs(step, prime[:, t], states)
    token, out = prime[:, -1], []
    for _ in range(length):
        probs, states = step_probs(step, token, states, **filters)
        cdf = np.cumsum(probs, axis=1)  # inverse-CDF draw, one uniform per row
        token = np.minimum((rng.random((len(cdf), 1)) * cdf[:, -1:] > cdf).sum(axis=1), VOCAB - 1)
        out.append(token)
    return np.stack(out, axis=1)


def greedy(step, prime, length):
    states = zoo.zero_states(step, 1)
    token = None
    for t in range(len(prime)):
        out = step([np.asarray([prime[t]], np.int32), *states])
        states, token = [np.asarray(s) for s in out[1:]], int(np.argmax(out[0][0]))
    result = [token]
    for _ in range(length - 1):
        out = step([np.asarray([token], np.int32), *states])
        states, token = [np.asarray(s) for s in out[1:]], int(np.argmax(out[0][0]))
        result.append(token)
    return result


def test_filter_logits_matches_numpy_reference():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(5, 11)) * 2
    for kwargs in [
        dict(temperature=0.7),
        dict(top_k=3),
        dict(top_p=0.6),
        dict(temperature=1.3, top_k=5, top_p=0.8),
        dict(top_p=1.0),
        dict(top_k=1),
    ]:
        out = filter_logits(logits, **kwargs).numpy()
        probs = np.exp(out - out.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        expected = np.stack([numpy_filter(row, **kwargs) for row in logits])
        np.testing.assert_allclose(probs, expected, atol=1e-5, err_msg=str(kwargs))


@pytest.mark.slow
def test_same_seed_same_tokens_other_seed_other_tokens(step):
    sampler = Sampler(step)
    prime = np.full((4, 2), EOS)
    a = sampler(prime, 30, seed=5, temperature=1.5)
    b = sampler(prime, 30, seed=5, temperature=1.5)
    c = sampler(prime, 30, seed=6, temperature=1.5)
    assert a.shape == (4, 30) and a.dtype == np.int32
    assert (a == b).all()
    assert (a != c).any()
    assert len({tuple(row) for row in a}) > 1  # rows of a batch differ


@pytest.mark.slow
def test_top_k_one_equals_greedy(step):
    prime = np.array([EOS, 4, 5])
    tokens = Sampler(step)(prime[None, :], 12, top_k=1, seed=123, temperature=2.0)
    assert tokens[0].tolist() == greedy(step, prime, 12)


@pytest.mark.slow
def test_beam_width_one_equals_greedy_and_scores_are_log_probs(lm, step):
    import keras

    sampler = Sampler(step)
    prime = np.array([EOS, 3])
    tokens, scores = sampler.beam_search(prime, 10, width=1)
    assert tokens[0].tolist() == greedy(step, prime, 10)
    tokens, scores = sampler.beam_search(prime, 6, width=4)
    assert tokens.shape == (4, 6) and (np.diff(scores) <= 1e-6).all()  # best first
    for row, score in zip(tokens, scores):  # each score is the sequence's own log-probability
        seq = np.concatenate([prime, row]).astype(np.int32)
        logp = keras.ops.log_softmax(lm(seq[None, :-1]), axis=-1).numpy()[0]
        own = logp[np.arange(len(prime) - 1, len(seq) - 1), seq[len(prime) :]].sum()
        assert score == pytest.approx(own, abs=1e-4)
    greedy_logp = scores.max()
    g = np.concatenate([prime, greedy(step, prime, 6)]).astype(np.int32)
    lp = keras.ops.log_softmax(lm(g[None, :-1]), axis=-1).numpy()[0]
    assert (
        greedy_logp >= lp[np.arange(1, len(g) - 1), g[2:]].sum() - 1e-4
    )  # beam never worse than greedy


def test_beam_search_stops_beams_at_eos(step):
    tokens, scores = Sampler(step).beam_search(np.array([EOS]), 8, width=3, eos_id=EOS, pad_id=0)
    for row in tokens:
        ends = np.flatnonzero(row == EOS)
        if len(ends):
            assert (row[ends[0] + 1 :] == 0).all()


@pytest.mark.slow
def test_beam_search_runs_on_the_loop_pieces_alone(step):
    """zoo.generation.beam needs only a StepLoop (no Sampler, no import of sampler): on a bare
    StepLoop it finds the same beams and scores as Sampler.beam_search."""
    from zoo.generation.beam import beam_search
    from zoo.generation.loop import StepLoop

    prime = np.array([[1, 3], [4, 5]])
    tokens, scores = beam_search(StepLoop(step), prime, 6, width=3, eos_id=EOS)
    expected_tokens, expected_scores = Sampler(step).beam_search(prime, 6, width=3, eos_id=EOS)
    np.testing.assert_array_equal(tokens, expected_tokens)
    np.testing.assert_allclose(scores, expected_scores, rtol=1e-6)


@pytest.mark.slow
def test_eos_stops_a_row_and_pads_the_rest(step):
    tokens = Sampler(step)(np.full((64, 1), EOS), 25, seed=2, temperature=2.0, eos_id=EOS, pad_id=0)
    ended = 0
    for row in tokens:
        ends = np.flatnonzero(row == EOS)
        if len(ends):
            ended += 1
            assert (row[ends[0] + 1 :] == 0).all()
    assert ended > 0


def chi2_critical(df, z=3.09):
    """Upper 0.1% point of the chi-square distribution (Wilson-Hilferty approximation)."""
    return df * (1 - 2 / (9 * df) + z * math.sqrt(2 / (9 * df))) ** 3


@pytest.mark.parametrize(
    "filters", [dict(temperature=0.8), dict(temperature=1.2, top_k=4, top_p=0.9)]
)
@pytest.mark.slow
def test_compiled_sampler_draws_from_the_reference_distribution(step, filters):
    """Joint law of the first two tokens: compiled sampler vs exact probabilities and vs the
    slow reference sampler (chi-square tests at the 0.1% level, fixed seeds)."""
    n, m = 20000, 10000
    prime = np.tile(np.array([EOS, 5], np.int32), (n, 1))
    fast = Sampler(step)(prime, 2, seed=2024, **filters)
    slow = reference_sample(step, prime[:m], 2, np.random.default_rng(7), **filters)
    # Exact joint probabilities p(a) p(b | a).
    states = zoo.zero_states(step, 1)
    _, states = step_probs(step, [EOS], states)
    p1, states1 = step_probs(step, [5], states, **filters)
    exact = np.zeros((VOCAB, VOCAB))
    for a in np.flatnonzero(p1[0] > 0):
        p2, _ = step_probs(step, [a], states1, **filters)
        exact[a] = p1[0, a] * p2[0]
    support = exact > 0
    # Tokens removed by the filters are never drawn.
    assert support[fast[:, 0], fast[:, 1]].all() and support[slow[:, 0], slow[:, 1]].all()

    def counts(samples):
        c = np.zeros((VOCAB, VOCAB))
        np.add.at(c, (samples[:, 0], samples[:, 1]), 1)
        return c

    cf, cs = counts(fast), counts(slow)
    cells = support & (exact * m >= 5)  # pool rare cells into one

    def stat(observed, total):
        e = np.append(exact[cells] * total, exact[~cells & support].sum() * total)
        o = np.append(observed[cells], observed[~cells & support].sum())
        keep = e > 0
        return float((((o - e) ** 2)[keep] / e[keep]).sum()), int(keep.sum()) - 1

    for observed, total in ((cf, n), (cs, m)):
        chi2, df = stat(observed, total)
        assert df >= 3 and chi2 < chi2_critical(df), (chi2, df)
    # Two-sample homogeneity test between the compiled and the slow sampler.
    a = np.append(cf[cells], cf[~cells].sum())
    b = np.append(cs[cells], cs[~cells].sum())
    keep = (a + b) > 0
    a, b = a[keep], b[keep]
    ea, eb = (a + b) * n / (n + m), (a + b) * m / (n + m)
    chi2 = float(((a - ea) ** 2 / ea + (b - eb) ** 2 / eb).sum())
    assert chi2 < chi2_critical(int(keep.sum()) - 1)


def test_bad_sampling_arguments(step):
    sampler = Sampler(step)
    prime = np.full((1, 1), EOS)
    for kwargs, message in [
        (dict(temperature=0), r"temperature must be a number in \(0, inf\); got 0"),
        (dict(temperature=-1.0), r"temperature must be a number in \(0, inf\)"),
        (dict(top_k=0), "top_k must be an integer >= 1; got 0"),
        (dict(top_p=0.0), r"top_p must be a number in \(0, 1\]; got 0.0"),
        (dict(top_p=1.5), r"top_p must be a number in \(0, 1\]"),
    ]:
        with pytest.raises(ValueError, match=message):
            sampler(prime, 5, **kwargs)
    with pytest.raises(ValueError, match="length must be an integer >= 0; got -1"):
        sampler(prime, -1)
    with pytest.raises(ValueError, match=r"prime must be an int array"):
        sampler(np.zeros((2, 0), int), 5)
    with pytest.raises(ValueError, match="width must be an integer >= 1; got 0"):
        sampler.beam_search(np.array([EOS]), 5, width=0)
    assert sampler(prime, 0).shape == (1, 0)
    assert check_sampling_args(1, None, 1) == (1.0, None, 1.0)
