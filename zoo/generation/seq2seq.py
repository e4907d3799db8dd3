"""Encoder-decoder decoding through the generation engine: greedy, sampling and beam search.

The encoder runs once per batch (one `tf.function` call); the decoder step then runs inside the
engine's compiled loop (`zoo.generation.sampler.Sampler`) from the encoder's final states, with the
encoder outputs and the source mask as inputs that are the same at every step. With attention,
the decoder step's last output is its attention weights, which the engine records per step.
"""

import collections
from typing import NamedTuple

import numpy as np
import tensorflow as tf

from zoo.core.checks import check_choice, check_int
from zoo.generation.sampler import Sampler

METHODS = ("greedy", "sample", "beam")


class Decoded(NamedTuple):
    """The result of `Seq2SeqDecoder.__call__` (numpy arrays).

    Attributes:
        tokens: int32 `(batch, max_length)`, 0 after the end token.
        log_probs: float32 `(batch,)`, the summed natural-log probability of each sequence
            (the end token included) under the model.
        attention: float32 `(batch, max_length, Tx)` attention weights (rows sum to 1, 0 at
            padded source positions and after the end), or None without attention.
    """

    tokens: np.ndarray
    log_probs: np.ndarray
    attention: object


class Seq2SeqDecoder:
    """Compiled decoding with the inference twins of `zoo.build_encoder_decoder`.

    Args:
        encoder: the encoder from `zoo.build_encoder_decoder_inference`.
        decoder_step: the decoder step model from `zoo.build_encoder_decoder_inference`.
        jit_compile: bool, compile the decoding loop with XLA. Defaults to True.

    Example:

    >>> import numpy as np, zoo
    >>> model = zoo.build_encoder_decoder(source_vocab_size=10, target_vocab_size=12, units=8,
    ...                                   attention="dot")
    >>> decode = Seq2SeqDecoder(*zoo.build_encoder_decoder_inference(model))
    >>> source = np.array([[3, 4, 5, 0], [6, 7, 0, 0]], "int32")
    >>> out = decode(source, start_id=1, end_id=2, max_length=5, method="beam", width=3)
    >>> out.tokens.shape, out.attention.shape
    ((2, 5), (2, 5, 4))
    >>> float(out.attention[1, 0, 2:].sum())  # padded source positions get no attention
    0.0
    """

    def __init__(self, encoder, decoder_step, *, jit_compile=True):
        self.encoder = encoder
        self.decoder_step = decoder_step
        self.sampler = Sampler(decoder_step, jit_compile=jit_compile)
        self.has_attention = "encoder_outputs" in self.sampler.extra_specs
        self._encode = tf.function(
            lambda source: encoder(source, training=False), reduce_retracing=True
        )

    def __call__(
        self,
        source,
        *,
        start_id,
        end_id=None,
        max_length=50,
        method="greedy",
        width=4,
        temperature=1.0,
        top_k=None,
        top_p=None,
        seed=0,
    ):
        """Decode a batch of sources.

        Args:
            source: int array `(batch, Tx)` of source ids (0 = padding), or features
                `(batch, Tx, source_dim)` (an all-zero vector is padding).
            start_id: int, the token that starts every target sequence.
            end_id: optional int that ends a sequence; later positions are 0.
            max_length: int >= 1, the most tokens to produce. Defaults to 50.
            method: `"greedy"`, `"sample"` or `"beam"`. Defaults to `"greedy"`.
            width: int >= 1, beams per source for `"beam"` (the best one is returned).
                Defaults to 4.
            temperature, top_k, top_p: sampling filters for `"sample"` (see
                `zoo.generation.sampler.check_sampling_args`).
            seed: int, seeds `"sample"`.

        Returns:
            A `Decoded` (tokens, log_probs, attention).
        """
        check_choice("method", method, METHODS)
        max_length = check_int("max_length", max_length, 1)
        source = np.asarray(source)
        encoded = self._encode(tf.constant(source))
        encoded = list(encoded) if isinstance(encoded, (list, tuple)) else [encoded]
        inputs = {}
        if self.has_attention:
            mask = source != 0 if source.ndim == 2 else np.any(source != 0, axis=-1)
            inputs = {"encoder_outputs": encoded[0].numpy(), "source_mask": mask}
            encoded = encoded[1:]
        states = [e.numpy() for e in encoded]
        prime = np.full((source.shape[0], 1), start_id, np.int32)
        common = dict(eos_id=end_id, pad_id=0, states=states, inputs=inputs)
        if method == "beam":
            tokens, scores, outputs = self.sampler.beam_search(
                prime, max_length, width=width, return_outputs=True, **common
            )
            tokens, scores = tokens[:, 0], scores[:, 0]
            attention = outputs.get("attention_weights")
            attention = None if attention is None else attention[:, 0]
        else:
            result = self.sampler.generate(
                prime,
                max_length,
                greedy=method == "greedy",
                temperature=temperature,
                top_k=top_k,
                top_p=top_p,
                seed=seed,
                **common,
            )
            tokens, scores = result.tokens, result.log_probs
            attention = result.outputs.get("attention_weights")
        return Decoded(tokens, scores, attention)


_CACHE = collections.OrderedDict()  # (id(encoder), id(decoder_step)) -> Seq2SeqDecoder
_CACHE_SIZE = 4


def cached_decoder(encoder, decoder_step):
    """The `Seq2SeqDecoder` of this pair of models, built once (for `zoo.greedy_decode`).

    The last few pairs are kept (each holds its compiled loops), so repeated calls do not trace
    again.

    Args:
        encoder: the encoder from `zoo.build_encoder_decoder_inference`.
        decoder_step: its decoder step model.

    Returns:
        A `Seq2SeqDecoder`.

    Example:

    >>> import zoo
    >>> model = zoo.build_encoder_decoder(source_vocab_size=10, target_vocab_size=12, units=8)
    >>> enc, dec = zoo.build_encoder_decoder_inference(model)
    >>> cached_decoder(enc, dec) is cached_decoder(enc, dec)
    True
    """
    key = (id(encoder), id(decoder_step))
    decoder = _CACHE.get(key)
    if (
        decoder is None
        or decoder.encoder is not encoder
        or decoder.decoder_step is not decoder_step
    ):
        decoder = _CACHE[key] = Seq2SeqDecoder(encoder, decoder_step)
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    _CACHE.move_to_end(key)
    return decoder
