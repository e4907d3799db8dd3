"""zoo.generation.native_lstm: the native sampling op gives the XLA loop's tokens, log-probabilities and
states for the same seed (with the token table or the embedding as the first layer's input),
never from a stale table, is used only where its sampled draws match the XLA loop's, and
names bad input."""

import warnings

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

import zoo  # noqa: E402
from zoo.generation import native_lstm as lstm_sampling  # noqa: E402
from zoo.native import library as native  # noqa: E402


@pytest.fixture(autouse=True)
def _op_on_any_cpu(monkeypatch):
    """Run the op whatever this CPU's vector width (the default samples with it only on
    AVX-512; `test_narrow_vector_cpus_sample_on_the_xla_loop` checks that rule)."""
    monkeypatch.setattr(lstm_sampling, "MIN_VECTOR_BITS", 0)


@pytest.mark.slow
def test_narrow_vector_cpus_sample_on_the_xla_loop(monkeypatch, ops):
    step = _step(8)
    ids = np.ones((2, 3), np.int32)
    assert zoo.Sampler(step).native_plan(ids, 5) is not None
    monkeypatch.setattr(lstm_sampling, "MIN_VECTOR_BITS", 512)
    monkeypatch.setattr(native, "vector_bits", lambda: 256)
    sampler = zoo.Sampler(step)
    assert sampler.native_plan(ids, 5) is None
    with native.disabled():
        expected = zoo.Sampler(step)(ids, 5, seed=3)
    np.testing.assert_array_equal(sampler(ids, 5, seed=3), expected)


def _step(units, layers=1, vocab=23, seed=0):
    keras.utils.set_random_seed(seed)
    return zoo.build_lm_step(zoo.build_lm(vocab, units=units, num_layers=layers, embedding_dim=8))


def _both(step, prime, length, **kwargs):
    """(native Generation, XLA Generation) of one call, checking the native path ran."""
    sampler = zoo.Sampler(step)
    ids = np.asarray(prime, np.int32)
    assert sampler.native_plan(ids, length, pad_id=kwargs.get("pad_id", 0)) is not None
    fast = sampler.generate(prime, length, **kwargs)
    with native.disabled():
        assert sampler.native_plan(ids, length) is None
        slow = zoo.Sampler(step).generate(prime, length, **kwargs)
    return fast, slow


def _same(fast, slow):
    np.testing.assert_array_equal(fast.tokens, slow.tokens)
    np.testing.assert_array_equal(fast.lengths, slow.lengths)
    np.testing.assert_allclose(fast.log_probs, slow.log_probs, rtol=1e-5, atol=1e-4)
    assert len(fast.states) == len(slow.states)
    for a, b in zip(fast.states, slow.states):
        np.testing.assert_allclose(a, b, atol=2e-5)


# units 48 at batch 1: one thread; the others: the op's two threads. Batches 5-7 take every
# row-block width of its kernel (4 + 1, 4 + 3, 4 + 2) and split the rows between the threads.
@pytest.mark.parametrize(
    "units,layers,batch", [(48, 1, 1), (48, 1, 5), (160, 1, 1), (160, 1, 7), (24, 2, 6)]
)
@pytest.mark.parametrize(
    "settings",
    [
        dict(greedy=True),
        dict(seed=7),
        dict(seed=3, temperature=0.6, top_k=4),
        dict(seed=11, top_p=0.7),
        dict(seed=5, temperature=1.3, top_k=9, top_p=0.9),
    ],
)
@pytest.mark.slow
def test_the_op_samples_the_xla_loops_tokens_for_the_same_seed(ops, units, layers, batch, settings):
    step = _step(units, layers)
    prime = np.random.default_rng(1).integers(0, 23, (batch, 4))
    _same(*_both(step, prime, 60, **settings))


# batch x length < vocab: the first layer projects the embedding at each step (no table);
# vocabulary 32 has the dense kernel read in place, 23 copied to padded rows.
@pytest.mark.parametrize(
    "units,layers,batch,length,vocab,settings",
    [
        (48, 1, 1, 20, 23, dict(greedy=True)),
        (160, 1, 1, 20, 23, dict(seed=5, temperature=1.3, top_k=9, top_p=0.9)),
        (24, 2, 5, 4, 23, dict(seed=7)),
        (160, 2, 3, 10, 32, dict(seed=11, top_p=0.8)),
    ],
)
@pytest.mark.slow
def test_a_short_generation_projects_the_embedding_and_samples_the_xla_loops_tokens(
    ops, units, layers, batch, length, vocab, settings
):
    step = _step(units, layers, vocab=vocab)
    assert not lstm_sampling.plan(step).uses_table(batch, length)
    prime = np.random.default_rng(2).integers(0, vocab, (batch, 3))
    _same(*_both(step, prime, length, **settings))
    assert lstm_sampling.plan(step)._table is None  # nothing vocabulary-sized was built


# vocabulary 1,030 at one row a thread: the logits are computed in column ranges (split between
# the op's two threads at 64 units and more, one thread at 16), with the embedding (batch 1) or
# the token table (batch 2 x 520 tokens) as the first layer's input. At batch 1, a thread's
# share of a layer over 256K floats is streamed (layer 1 of the 320-unit model, the 512-unit
# layer), a smaller one computed in blocks.
@pytest.mark.parametrize(
    "units,layers,batch,length",
    [(64, 1, 1, 20), (64, 1, 2, 520), (16, 1, 1, 20), (320, 2, 1, 20), (512, 1, 1, 20)],
)
@pytest.mark.slow
def test_a_large_vocabulary_at_a_small_batch_samples_the_xla_loops_tokens(
    ops, units, layers, batch, length
):
    step = _step(units, layers, vocab=1030)
    assert lstm_sampling.plan(step).uses_table(batch, length) == (batch == 2)
    prime = np.random.default_rng(4).integers(0, 1030, (batch, 2))
    _same(*_both(step, prime, length, seed=9, temperature=1.2, top_k=300, top_p=0.95))


@pytest.mark.slow
def test_the_table_is_built_once_per_weights_and_never_stale(ops):
    lm = zoo.build_lm(23, units=16, embedding_dim=8)
    step = zoo.build_lm_step(lm)
    plan = lstm_sampling.plan(step)
    sampler = zoo.Sampler(step)
    prime = np.array([[1, 2], [3, 4]])
    assert plan.uses_table(2, 30)

    def check(seed):
        ids = prime.astype(np.int32)
        assert sampler.native_plan(ids, 30) is not None
        fast = sampler.generate(prime, 30, seed=seed, top_k=8)
        with native.disabled():
            slow = sampler.generate(prime, 30, seed=seed, top_k=8)
        _same(fast, slow)
        return plan.table()

    table = check(1)
    assert check(2) is table  # the same weights: the same table, not rebuilt
    rng = np.random.default_rng(0)
    embedding, cell = lm.get_layer("embedding"), lm.get_layer("lstm_0").cell
    for variable in (embedding.embeddings, cell.kernel, cell.bias):
        before = variable.numpy()
        variable.assign(before + rng.normal(0, 0.3, before.shape).astype(np.float32))
        rebuilt = check(3)
        assert rebuilt is not table
        table = rebuilt
    weights = embedding.get_weights()
    weights[0][5, 0] = np.nextafter(weights[0][5, 0], np.float32(1))  # one bit of one weight
    embedding.set_weights(weights)
    table = check(4)
    assert table is not rebuilt
    lm.compile(
        optimizer=keras.optimizers.SGD(0.5),
        jit_compile=False,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    lm.fit(np.array([[1, 2, 3, 4]] * 4), np.array([[2, 3, 4, 5]] * 4), epochs=1, verbose=0)
    assert check(5) is not table


@pytest.mark.slow
def test_a_row_stops_at_eos_and_the_rest_is_padding_as_in_the_xla_loop(ops):
    step = _step(32)
    prime = np.array([[1], [2], [3]])
    fast, slow = _both(step, prime, 80, seed=2, eos_id=4, pad_id=6)
    _same(fast, slow)
    assert (fast.lengths < 80).any(), "the test needs a row that meets the end token"
    for row, n in zip(fast.tokens, fast.lengths):
        assert (row[n:] == 6).all() and (n == 80 or row[n - 1] == 4)


@pytest.mark.slow
def test_initial_states_and_a_single_start_token_give_the_xla_loops_result(ops):
    step = _step(40, layers=2)
    rng = np.random.default_rng(3)
    states = [rng.normal(0, 0.5, (2, 40)).astype(np.float32) for _ in range(4)]
    _same(*_both(step, np.array([[5], [9]]), 30, seed=4, states=states, top_k=6))


@pytest.mark.slow
def test_a_trained_models_text_is_the_same_through_the_text_generator(ops, tmp_path):
    from text import TextGenerator

    names = "\n".join(["ada", "bob", "cyd", "dee", "eve"] * 20)
    keras.utils.set_random_seed(0)
    gen = TextGenerator.from_corpus(names, lines=True, units=160)
    gen.fit(names, epochs=2, batch_size=8, seq_len=6, verbose=0)
    fast = gen.generate(n=3, temperature=0.8, seed=2, length=40)
    gen.save(tmp_path / "g")
    with native.disabled():
        slow = TextGenerator.load(tmp_path / "g").generate(n=3, temperature=0.8, seed=2, length=40)
    assert fast == slow


def test_only_float32_lstm_language_models_without_hooks_get_a_plan(ops):
    assert lstm_sampling.plan(_step(8)) is not None
    assert lstm_sampling.plan(zoo.build_lm_step(zoo.build_lm(12, cell="gru", units=8))) is None
    assert (
        lstm_sampling.plan(zoo.build_lm_step(zoo.build_lm(12, units=8, conditioning_dim=3))) is None
    )
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        assert lstm_sampling.plan(zoo.build_lm_step(zoo.build_lm(12, units=8))) is None
    finally:
        keras.mixed_precision.set_global_policy("float32")
    step = _step(8)
    ids = np.ones((1, 2), np.int32)
    assert zoo.Sampler(step).native_plan(ids, 5) is not None
    never = zoo.Sampler(step, mask_fn=lambda s, logits: tf.ones_like(logits, tf.bool))
    assert never.native_plan(ids, 5) is None
    assert zoo.Sampler(step, jit_compile=False).native_plan(ids, 5) is None
    assert zoo.Sampler(step).native_plan(np.ones((300, 2), np.int32), 5) is not None
    assert zoo.Sampler(step).native_plan(np.array([[23]]), 5) is None  # not in the vocabulary
    assert zoo.Sampler(step).native_plan(ids, 5, pad_id=99) is None  # pad_id outside it


def test_a_plan_that_disagrees_with_its_step_model_is_not_used_and_warns_once(ops):
    step = _step(8)
    good = lstm_sampling.plan(step)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert good.agrees(ops, step)
    other = keras.layers.Dense(23, name="logits")
    other.build((None, 8))
    other.kernel.assign(np.random.default_rng(0).normal(size=(8, 23)))
    bad = lstm_sampling.LstmPlan(good.embedding, good.cells, other)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        answers = [bad.agrees(ops, step), bad.agrees(ops, step)]
    assert answers == [False, False]
    assert [w.category for w in caught] == [RuntimeWarning]


def _drifted(monkeypatch, step):
    """The model's plan with its op run on another seed, as if the op's random stream had
    drifted from XLA's: greedy tokens and states unchanged, every sampled draw different."""
    plan = lstm_sampling.plan(step)
    real = plan.run

    def run(*args, seed=0, **kwargs):
        return real(*args, seed=seed + 1, **kwargs)

    monkeypatch.setattr(plan, "run", run)
    return plan


@pytest.mark.slow
def test_a_plan_whose_sampled_draws_drift_falls_back_to_the_xla_loop_with_one_warning(
    ops, monkeypatch
):
    step = _step(16)
    plan = _drifted(monkeypatch, step)
    prime = np.array([[1, 2], [3, 4]])
    # the drift leaves greedy decoding alone: a greedy-only check would have passed it
    greedy = plan.run(
        ops, prime.astype(np.int32), 5, [np.zeros((2, 16), np.float32)] * 2, greedy=True
    )
    real = lstm_sampling.LstmPlan.run(
        plan, ops, prime.astype(np.int32), 5, [np.zeros((2, 16), np.float32)] * 2, greedy=True
    )
    np.testing.assert_array_equal(greedy[0], real[0])
    sampler = zoo.Sampler(step)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tokens = [sampler.generate(prime, 12, seed=s, top_p=0.9).tokens for s in (1, 2)]
        assert zoo.Sampler(step).native_plan(prime.astype(np.int32), 12) is None
    ours = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    assert [str(w.message) for w in ours] == [
        (
            f"zoo.generation.native_lstm: the native sampling op drew other tokens than the XLA loop for step "
            f"model {step.name!r} (TensorFlow {tf.__version__}); that model samples on the XLA loop"
        )
    ]
    assert ours[0].filename == __file__  # the warning points at the caller
    with native.disabled():
        for s, got in zip((1, 2), tokens):
            np.testing.assert_array_equal(
                got, sampler.generate(prime, 12, seed=s, top_p=0.9).tokens
            )
    drifted = plan.run(
        ops, prime.astype(np.int32), 12, [np.zeros((2, 16), np.float32)] * 2, seed=1, top_p=0.9
    )
    assert not np.array_equal(drifted[0], tokens[0])  # the XLA loop ran, not the drifted op


def test_a_passing_model_is_checked_once_and_then_sampled_by_the_op(ops, monkeypatch):
    step = _step(16)
    plan = lstm_sampling.plan(step)
    calls = []
    real = plan.run
    monkeypatch.setattr(plan, "run", lambda *a, **k: calls.append(k.get("table")) or real(*a, **k))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for _ in range(2):
            zoo.Sampler(step).generate(np.array([[1, 2]]), 4, seed=3, temperature=0.8)
    assert plan.checked is True
    assert calls == [False, None, None]  # the check (no table), then the two generations


def test_the_op_names_bad_input(ops):
    step = _step(8)
    plan = lstm_sampling.plan(step)
    table, recurrent, kernels, biases, dense_kernel, dense_bias = plan.weights()
    base = dict(
        table=table,
        recurrent=recurrent,
        kernels=kernels,
        biases=biases,
        dense_kernel=dense_kernel,
        dense_bias=dense_bias,
        h=[tf.zeros((1, 8))],
        c=[tf.zeros((1, 8))],
        prime=tf.constant([[1]]),
        seed=0,
        length=3,
        temperature=1.0,
        top_k=1,
        top_p=1.0,
        eos_id=-1,
        pad_id=0,
    )
    for change, message in [
        (dict(prime=tf.constant([[23]])), r"prime token 23 out of range \[0, 23\)"),
        (dict(prime=tf.constant([1])), r"prime must be \(batch, prime_len >= 1\)"),
        (dict(h=[tf.zeros((2, 8))]), r"h\[0\] and c\[0\] must be \(batch, units\)"),
        (dict(pad_id=23), r"pad_id out of range"),
        (dict(length=-1), r"length must be >= 0"),
        (dict(dense_bias=tf.zeros(5)), r"dense_bias \(vocab,\)"),
        (
            dict(kernels=[tf.zeros((4, 32))] * 2, biases=[tf.zeros(32)] * 2),
            r"kernels and biases must hold one tensor per layer",
        ),
        (
            dict(table=tf.zeros((23, 4)), kernels=[tf.zeros((5, 32))], biases=[tf.zeros(32)]),
            r"kernels\[0\] must be \(units below, 4 \* units\) and biases\[0\] \(4 \* units,\)",
        ),
        (
            dict(table=tf.zeros((23, 0)), kernels=[tf.zeros((0, 32))], biases=[tf.zeros(32)]),
            r"table must be the embedding \(vocab, dim >= 1\)",
        ),
    ]:
        with pytest.raises(tf.errors.InvalidArgumentError, match=message):
            ops.seqzoo_lstm_sample(**{**base, **change})


@pytest.mark.slow
def test_a_short_generation_does_not_build_the_library_and_still_samples(tmp_path):
    import pathlib
    import subprocess
    import sys

    script = (
        "import numpy as np, zoo\n"
        "step = zoo.build_lm_step(zoo.build_lm(12, units=8))\n"
        "print(zoo.Sampler(step)(np.ones((2, 3), 'int32'), 50, seed=1).shape)\n"
    )
    env = {
        **__import__("os").environ,
        "SEQZOO_CACHE": str(tmp_path / "cache"),
        "SEQZOO_NATIVE": "1",
    }
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=pathlib.Path(__file__).resolve().parents[2],
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().endswith("(2, 50)")
    assert "building the native" not in done.stderr
    assert not list((tmp_path / "cache").glob("*.so"))
