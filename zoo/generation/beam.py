"""Batched beam search for the generation engine (`zoo.generation.sampler.Sampler.beam_search`).

It runs on the graph pieces of a `zoo.generation.loop.StepLoop` (a `Sampler` is one), so it
calls the step model and the hooks exactly as sampling does.

Every prime of the batch keeps `width` beams; the `batch * width` rows run through the step
model together, inside the same kind of compiled `tf.while_loop` as sampling, with the same
hooks (extra inputs, logits mask, carry). At each step the `width` best of the
`width * vocab` one-token extensions of a prime survive; their states, carry, tokens and
extra outputs are gathered from the beams they extend.
"""

import numpy as np
import tensorflow as tf

from zoo.core.checks import check_int
from zoo.generation.loop import Step, rows, token_tensor


def _build(loop, static_length, width):
    def search(prime, length, given, states, carry, context, eos_id, pad_id):
        length = length if static_length is None else static_length
        batch, fed = tf.shape(prime)[0], tf.shape(prime)[1] - 1
        if prime.shape[1] != 1:
            states = loop.feed(prime, fed, given, states, carry, context)
        # Every row becomes `width` beams: (batch * width, ...), beams of a prime adjacent.
        repeat = lambda x: tf.repeat(x, width, axis=0)  # noqa: E731
        given = {k: repeat(v) for k, v in given.items()}
        states, carry = [repeat(s) for s in states], {k: repeat(v) for k, v in carry.items()}
        token = repeat(prime[:, -1])
        beams = batch * width
        zeros = loop.template(token[:, None], given, states, carry, context)
        history = tf.fill(tf.stack([beams, length]), pad_id)  # (beams, length)
        extras = [
            tf.zeros(tf.concat([[beams, length], tf.shape(z)[1:]], 0), z.dtype) for z in zeros
        ]
        # Only beam 0 of each prime is live at first, so the first expansion has no duplicates.
        scores = tf.tile(tf.concat([[0.0], tf.fill([width - 1], -np.inf)], 0), [batch])
        first = Step(fed, tf.constant(0), token, carry, context)
        offsets = tf.range(batch)[:, None] * width  # (batch, 1)

        def body(t, token, scores, done, carry, states, history, extras):
            step = Step(fed + t, t, token, carry, context)
            logits, states, extra = loop.call(token, step, given, states)
            logp = tf.nn.log_softmax(loop.mask(step, logits), axis=-1)  # (beams, vocab)
            vocab = tf.shape(logp)[1]
            # A finished beam can only "emit" pad at no cost, so its score is kept.
            finished = tf.where(tf.range(vocab) == pad_id, 0.0, -np.inf)[None, :]
            logp = tf.where(done[:, None], finished, logp)
            total = tf.reshape(scores[:, None] + logp, tf.stack([batch, width * vocab]))
            top, flat = tf.math.top_k(total, k=width)  # (batch, width), best first
            source = tf.reshape(flat // vocab + offsets, [-1])  # the beam each survivor extends
            nxt = tf.reshape(tf.cast(flat % vocab, tf.int32), [-1])
            was_done = tf.gather(done, source)
            at_t = tf.range(length)[None, :] == t
            history = tf.where(at_t, nxt[:, None], tf.gather(history, source))
            extras = [
                tf.where(
                    rows(at_t[0], h[0])[None] & ~rows(was_done, h),
                    tf.gather(e, source)[:, None],
                    tf.gather(h, source),
                )
                for h, e in zip(extras, extra)
            ]
            step = Step(
                fed + t,
                t,
                tf.gather(token, source),
                {k: tf.gather(v, source) for k, v in carry.items()},
                context,
            )
            carry = loop.update(step, nxt, was_done)
            states = [tf.gather(s, source) for s in states]
            done = (
                was_done
                | tf.equal(nxt, eos_id)
                | loop.done(Step(fed + t + 1, t + 1, nxt, carry, context))
            )
            return t + 1, nxt, tf.reshape(top, [-1]), done, carry, states, history, extras

        init = (tf.constant(0), token, scores, loop.done(first), carry, states, history, extras)
        result = tf.while_loop(
            lambda t, token, scores, done, *_: tf.logical_and(t < length, ~tf.reduce_all(done)),
            body,
            init,
        )
        scores, history, extras = result[2], result[6], result[7]

        def by_prime(x):  # (batch * width, ...) -> (batch, width, ...)
            return tf.reshape(x, tf.concat([[batch, width], tf.shape(x)[1:]], 0))

        return by_prime(history), tf.reshape(scores, [batch, width]), [by_prime(e) for e in extras]

    return tf.function(search, jit_compile=loop.jit_compile, reduce_retracing=True, autograph=False)


def beam_search(
    loop,
    prime,
    length,
    *,
    width=5,
    eos_id=None,
    pad_id=0,
    states=None,
    inputs=None,
    carry=None,
    context=None,
    return_outputs=False,
):
    """Batched beam search with a `StepLoop`'s step model and hooks.

    The `width` best of the `width * vocab` one-token extensions of each prime's beams
    survive every step, all primes in one compiled loop.

    Args:
        loop: a `zoo.generation.loop.StepLoop`, usually a `zoo.generation.sampler.Sampler`.
        prime, length, width, eos_id, pad_id: see `Sampler.beam_search`.
        states, inputs, carry, context: see `Sampler.generate` (one row per prime).
        return_outputs: bool, also return the extra outputs per beam. Defaults to False.

    Returns:
        See `Sampler.beam_search`.

    Example:

    >>> import numpy as np, zoo
    >>> sampler = zoo.Sampler(zoo.build_lm_step(zoo.build_lm(9, units=4)))
    >>> beam_search(sampler, np.array([1, 2]), 3, width=2)[0].shape
    (2, 3)
    """
    single = np.ndim(prime) == 1
    prime = np.reshape(prime, (1, -1)) if single else prime
    length = check_int("length", length, 0)
    width = check_int("width", width, 1)
    args = loop.prepare_args(prime, states, inputs, carry, context, length)
    batch = args[0].shape[0]
    if length == 0:
        tokens = np.zeros((batch, width, 0), np.int32)
        scores = np.where(np.arange(width) == 0, 0.0, -np.inf)[None].repeat(batch, 0)
        outputs = {}
    else:
        key = ("beam", length if loop.jit_compile else None, width)
        search = loop.cached(key, lambda: _build(loop, *key[1:]))
        tokens, scores, extras = search(
            args[0], tf.constant(length), *args[1:], token_tensor(eos_id), token_tensor(pad_id)
        )
        tokens, scores = tokens.numpy(), scores.numpy()
        outputs = {n: e.numpy() for n, e in zip(loop.output_names, extras)}
    if single:
        tokens, scores = tokens[0], scores[0]
        outputs = {n: e[0] for n, e in outputs.items()}
    scores = scores.astype(np.float32)
    return (tokens, scores, outputs) if return_outputs else (tokens, scores)
