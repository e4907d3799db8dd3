"""The native ops trust no input: each one is checked before it is read (an InvalidArgument
error naming it, never a crash), a failed allocation or thread start is a TensorFlow error,
NaN logits mean what they mean on the XLA loop, and the sampler draws XLA's uniforms."""

import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

import zoo
from zoo.generation import native_lstm as lstm_sampling
from zoo.native import library as native

VOCAB, UNITS = 5, 4
TINY = np.finfo(np.float32).tiny


def _inputs(**change):
    """A valid SeqzooLstmSample call (one layer of 4 units, vocabulary 5) with `change`."""
    rng = np.random.default_rng(0)
    inputs = {
        "table": rng.normal(size=(VOCAB, 4 * UNITS)).astype(np.float32),
        "recurrent": [rng.normal(size=(UNITS, 4 * UNITS)).astype(np.float32)],
        "kernels": [],
        "biases": [],
        "dense_kernel": rng.normal(size=(UNITS, VOCAB)).astype(np.float32),
        "dense_bias": np.zeros(VOCAB, np.float32),
        "h": [np.zeros((1, UNITS), np.float32)],
        "c": [np.zeros((1, UNITS), np.float32)],
        "prime": np.array([[1]], np.int32),
        "seed": 0,
        "length": 3,
        "temperature": 1.0,
        "top_k": 1,
        "top_p": 1.0,
        "eos_id": -1,
        "pad_id": 0,
    }
    return {**inputs, **change}


def _refused(op, message, **inputs):
    """`op(**inputs)` fails with InvalidArgumentError whose message is exactly `message`."""
    with pytest.raises(tf.errors.InvalidArgumentError) as error:
        op(**inputs)
    assert re.search(r"(^|\} )" + re.escape(message) + r" \[Op:", str(error.value)), str(
        error.value
    )


@pytest.mark.parametrize(
    "name", ["seed", "length", "temperature", "top_k", "top_p", "eos_id", "pad_id"]
)
def test_every_scalar_of_the_sampler_must_have_rank_0(ops, name):
    value = _inputs()[name]
    _refused(
        ops.seqzoo_lstm_sample,
        f"{name} must be a scalar, got shape [1]",
        **_inputs(**{name: [value]}),
    )
    _refused(
        ops.seqzoo_lstm_sample,
        f"{name} must be a scalar, got shape [0]",
        **_inputs(**{name: np.zeros(0, type(value))}),
    )


@pytest.mark.parametrize(
    "change,message",
    [
        ({"temperature": 0.0}, "temperature must be finite and > 0, got 0"),
        ({"temperature": 1e-50}, "temperature must be finite and > 0, got 0"),  # 0 in float32
        ({"temperature": -2.0}, "temperature must be finite and > 0, got -2"),
        ({"temperature": np.inf}, "temperature must be finite and > 0, got inf"),
        ({"temperature": np.nan}, "temperature must be finite and > 0, got nan"),
        ({"temperature": 0.0, "greedy": True}, "temperature must be finite and > 0, got 0"),
        ({"top_p": 0.0}, "top_p must be in (0, 1], got 0"),
        ({"top_p": 1e-50, "use_top_p": True}, "top_p must be in (0, 1], got 0"),  # 0 in float32
        ({"top_p": 1.5}, "top_p must be in (0, 1], got 1.5"),
        ({"top_p": -0.25}, "top_p must be in (0, 1], got -0.25"),
        ({"top_p": np.nan}, "top_p must be in (0, 1], got nan"),
        ({"top_k": 0, "use_top_k": True}, "top_k must be >= 1, got 0"),
        ({"top_k": -3}, "top_k must be >= 1, got -3"),
        ({"length": -1}, "length must be >= 0, got -1"),
        ({"pad_id": VOCAB}, "pad_id out of range [0, 5), got 5"),
        ({"pad_id": -1}, "pad_id out of range [0, 5), got -1"),
        ({"prime": [[1, 5]]}, "prime token 5 out of range [0, 5)"),
        ({"prime": [[-1]]}, "prime token -1 out of range [0, 5)"),
    ],
)
def test_the_samplers_settings_and_ids_are_checked(ops, change, message):
    _refused(ops.seqzoo_lstm_sample, message, **_inputs(**change))


def test_the_samplers_shapes_are_checked_and_no_size_overflows(ops):
    four = np.zeros((UNITS, 4 * UNITS), np.float32)
    for change, message in [
        # 4 * 2**62 wraps to 0 in int64: the shape is refused, not trusted
        (
            {"recurrent": [tf.zeros((2**62, 0))]},
            "recurrent[0] must be (units >= 1, 4 * units), got shape [4611686018427387904,0]",
        ),
        (
            {"recurrent": [np.zeros((0, 0), np.float32)]},
            "recurrent[0] must be (units >= 1, 4 * units), got shape [0,0]",
        ),
        (
            {"recurrent": [np.zeros(4 * UNITS, np.float32)]},
            "recurrent[0] must be (units >= 1, 4 * units), got shape [16]",
        ),
        (
            {"table": np.zeros((VOCAB, 12), np.float32)},
            "table must be (vocab, 4 * units of layer 0)",
        ),
        ({"h": [np.zeros((2, UNITS), np.float32)]}, "h[0] and c[0] must be (batch, units)"),
        ({"c": [np.zeros((1, UNITS + 1), np.float32)]}, "h[0] and c[0] must be (batch, units)"),
        ({"prime": [1]}, "prime must be (batch, prime_len >= 1), got shape [1]"),
        (
            {"prime": np.zeros((1, 0), np.int32)},
            "prime must be (batch, prime_len >= 1), got shape [1,0]",
        ),
        (
            {"dense_kernel": np.zeros((UNITS, VOCAB + 1), np.float32)},
            "dense_kernel must be (units of the top layer, vocab) and dense_bias (vocab,)",
        ),
        (
            {
                "recurrent": [four, four],
                "h": [np.zeros((1, UNITS), np.float32)] * 2,
                "c": [np.zeros((1, UNITS), np.float32)] * 2,
                "kernels": [np.zeros((3, 16), np.float32)],
                "biases": [np.zeros(16, np.float32)],
            },
            "kernels[0] must be (units below, 4 * units) and biases[0] (4 * units,)",
        ),
    ]:
        _refused(ops.seqzoo_lstm_sample, message, **_inputs(**change))


def test_an_eos_id_outside_the_vocabulary_never_ends_a_row_and_an_empty_batch_is_empty(ops):
    for eos_id in (VOCAB, 99, -7):
        tokens, lengths, *_ = ops.seqzoo_lstm_sample(**_inputs(eos_id=eos_id, length=6))
        assert (
            lengths.numpy().tolist() == [6]
            and ((tokens.numpy() >= 0) & (tokens.numpy() < VOCAB)).all()
        )
    empty = np.zeros((0, UNITS), np.float32)
    tokens, lengths, _log_probs, h, _c = ops.seqzoo_lstm_sample(
        **_inputs(prime=np.zeros((0, 2), np.int32), h=[empty], c=[empty])
    )
    assert tokens.shape == (0, 3) and lengths.shape == (0,) and h[0].shape == (0, UNITS)


def test_the_step_ops_check_t_and_their_sizes(ops):
    p, b, r, c = tf.zeros((3, 2, 16)), tf.zeros(16), tf.zeros((2, 16)), tf.zeros((2, 4))
    _refused(
        lambda **a: ops.seqzoo_lstm_step(p, b, a["t"], r, c),
        "t must be a scalar, got shape [2]",
        t=[0, 1],
    )
    _refused(
        lambda **a: ops.seqzoo_lstm_step(p, b, a["t"], r, c), "t out of range [0, 3), got -1", t=-1
    )
    d_out, d = tf.zeros((2, 3, 4)), tf.zeros((2, 24))
    _refused(
        lambda **a: ops.seqzoo_lstm_step_grad(c, d_out, d, a["t"], c),
        "t must be a scalar, got shape [1,1]",
        t=[[0]],
    )
    _refused(
        lambda **a: ops.seqzoo_lstm_step_grad(c, d_out, d, a["t"], c),
        "t out of range [0, 3), got 3",
        t=3,
    )
    # (0, 2**62): no element, but 6 * units overflows int64; refused before any size is used
    huge = tf.zeros((0, 2**62))
    _refused(
        lambda: ops.seqzoo_lstm_step(tf.zeros((1, 0, 0)), tf.zeros(0), 0, tf.zeros((0, 0)), huge),
        "c is too large: (batch, 6 * units) must hold at most 2**56 elements, got shape "
        "[0,4611686018427387904]",
    )
    _refused(
        lambda: ops.seqzoo_lstm_step_grad(huge, tf.zeros((0, 1, 0)), tf.zeros((0, 0)), 0, huge),
        "dc is too large: (batch, 6 * units) must hold at most 2**56 elements, got shape "
        "[0,4611686018427387904]",
    )


# Under a tight address-space limit in a child process: a buffer too big for it (the logits of
# 200,000 rows x 200,000 tokens, 160 GB) and the sampler's second thread (its stack) cannot be
# had; both must come back as TensorFlow errors, and the process goes on.
_LIMITS = r"""
import re, resource, numpy as np, tensorflow as tf
from zoo.native import library as native

ops = native.lstm_ops()
def vm_bytes():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) * 1024 for l in status if l.startswith("VmSize"))
def call(batch, vocab, threads):
    return ops.seqzoo_lstm_sample(
        table=tf.zeros((vocab, 16)), recurrent=[tf.zeros((4, 16))], kernels=[], biases=[],
        dense_kernel=tf.zeros((4, vocab)), dense_bias=tf.zeros(vocab), h=[tf.zeros((batch, 4))],
        c=[tf.zeros((batch, 4))], prime=tf.zeros((batch, 1), tf.int32), seed=0, length=2,
        temperature=1.0, top_k=1, top_p=1.0, eos_id=-1, pad_id=0, threads=threads)
call(1, 5, 1)
soft, hard = resource.getrlimit(resource.RLIMIT_AS)
for batch, vocab, threads, margin in [(200_000, 200_000, 1, 2**30), (1, 5, 2, 2**19)]:
    resource.setrlimit(resource.RLIMIT_AS, (vm_bytes() + margin, hard))
    try:
        call(batch, vocab, threads)
        print("no error")
    except tf.errors.OpError as error:
        print(type(error).__name__, re.search(r"(?:^|\} )([^{}]*?) \[Op:", error.message)[1])
    resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
print("alive", call(1, 5, 2)[0].shape)
"""


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/status")
def test_a_failed_allocation_or_thread_start_is_an_error_not_a_crash(ops):
    done = subprocess.run(
        [sys.executable, "-c", _LIMITS],
        capture_output=True,
        text=True,
        env=os.environ,
        cwd=pathlib.Path(__file__).resolve().parents[2],
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.strip().splitlines()
    assert lines[-3] == "ResourceExhaustedError SeqzooLstmSample: out of memory", done.stdout
    assert re.fullmatch(
        r"InternalError SeqzooLstmSample: could not start a thread \(.+\)", lines[-2]
    ), done.stdout
    assert lines[-1] == "alive (1, 2)"


@pytest.mark.slow
def test_nan_logits_mean_the_same_on_the_native_op_and_the_xla_loop(ops):
    """A NaN logit is never chosen; a row of NaN logits gets token 0; its score is NaN. The
    logits are made NaN through the output layer's bias (one model, one compiled loop)."""
    keras.utils.set_random_seed(1)
    step = zoo.build_lm_step(zoo.build_lm(11, units=8, embedding_dim=4))
    bias = step.get_layer("logits").bias
    plan, xla = lstm_sampling.plan(step), zoo.Sampler(step)
    prime = np.array([[1, 2], [4, 0], [9, 9]], np.int32)
    states = [np.zeros((3, 8), np.float32)] * 2
    for settings in ({"greedy": True}, {}, {"temperature": 0.7, "top_k": 6, "top_p": 0.9}):
        for nan_ids in ([3, 7], list(range(11))):
            values = np.zeros(11, np.float32)
            values[nan_ids] = np.nan
            bias.assign(values)
            tokens, lengths, log_probs, _ = plan.run(
                ops, prime, 30, states, seed=5, scored=True, **settings
            )
            with native.disabled():
                want = xla.generate(prime, 30, seed=5, **settings)
            np.testing.assert_array_equal(tokens, want.tokens)
            np.testing.assert_array_equal(lengths, want.lengths)
            assert np.isnan(log_probs).all() and np.isnan(want.log_probs).all()
            if len(nan_ids) == 11:
                assert (tokens == 0).all()
            else:
                assert not np.isin(tokens, nan_ids).any()


@pytest.mark.parametrize(
    "seed,step,shape",
    [
        (0, 0, (1, 1, 23)),
        (7, 59, (3, 1, 5)),  # rows of odd length: the sampler's per-row offsets
        (2**31 - 2, 2**31 - 1, (2, 1, 1001)),
        (-(2**31), 1, (1, 1, 4097)),
        (123_456_789, 40_000, (7,)),
        (1, 2, (5, 3, 3)),
        (65_537, 3, (2, 0, 9)),
    ],
)
def test_the_samplers_uniforms_are_xlas_stateless_uniform(ops, seed, step, shape):
    """`SeqzooPhiloxUniform` runs the sampler's generator; a TensorFlow release that changed
    XLA's stream would fail here."""
    with tf.device("/CPU:0"):
        got = ops.seqzoo_philox_uniform(seed, step, shape)
        xla = tf.function(
            lambda s: tf.random.stateless_uniform(shape, seed=s, minval=TINY), jit_compile=True
        )
        want = xla(tf.constant([seed, step], tf.int32))
    assert got.shape == shape and got.dtype == tf.float32
    np.testing.assert_array_equal(got.numpy(), want.numpy())


def test_the_uniform_op_checks_its_inputs(ops):
    _refused(
        lambda **a: ops.seqzoo_philox_uniform(a["seed"], 0, [2]),
        "seed must be a scalar, got shape [2]",
        seed=[1, 2],
    )
    _refused(
        lambda **a: ops.seqzoo_philox_uniform(0, a["step"], [2]),
        "step must be a scalar, got shape [1]",
        step=[1],
    )
    _refused(
        lambda: ops.seqzoo_philox_uniform(0, 0, [[2]]),
        "shape must be a vector (rank,), got shape [1,1]",
    )
    _refused(
        lambda: ops.seqzoo_philox_uniform(0, 0, [3, -1]),
        "shape must hold sizes >= 0 with at most 2**56 elements in all, got size -1 at 1",
    )
    _refused(
        lambda: ops.seqzoo_philox_uniform(0, 0, [2**40, 2**40]),
        "shape must hold sizes >= 0 with at most 2**56 elements in all, got size 1099511627776 at 1",
    )


@pytest.mark.parametrize(
    "change,message",
    [
        ({"temperature": 1e-50}, "temperature must be finite and > 0 as a float32; got 1e-50"),
        ({"temperature": 1e39}, "temperature must be finite and > 0 as a float32; got 1e+39"),
        (
            {"temperature": 10**400},
            "temperature must be a number in (0, inf); got 1" + "0" * 400,  # not even a float
        ),
        ({"top_p": 1e-46}, "top_p must be > 0 as a float32; got 1e-46"),
    ],
)
def test_sampling_arguments_are_checked_as_the_float32_the_samplers_use(change, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        zoo.generation.choice.check_sampling_args(**change)


@pytest.mark.slow
@pytest.mark.parametrize("jit_compile", [True, False])
def test_the_xla_pick_treats_nan_as_minus_infinity_on_every_path(jit_compile):
    """TensorFlow's CPU kernel alone would draw the out-of-range id `vocab` from a row of
    -inf, and XLA's argmax would pick a NaN."""
    logits = tf.constant([[np.nan, 0.0, np.nan, 2.0], [np.nan] * 4, [-np.inf] * 4], tf.float32)
    pick = tf.function(zoo.generation.choice.choose_tokens, jit_compile=jit_compile)
    for seed in range(2):
        for kwargs in ({"greedy": True}, {}, {"top_k": 2, "top_p": 0.9}):
            tokens = pick(logits, tf.constant([seed, 0]), **kwargs).numpy()
            assert tokens[0] in (1, 3) and tokens[1:].tolist() == [0, 0], (seed, kwargs, tokens)
    filtered = zoo.generation.choice.filter_logits(logits, top_k=1).numpy()
    assert filtered[0].tolist() == [-np.inf, -np.inf, -np.inf, 2.0]
