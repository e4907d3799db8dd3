"""Encoder-decoder (Tx != Ty): a teacher-forced training model and its inference twins.

The encoder reads the source (optionally in both directions) and hands each layer's final
states to the matching decoder layer; with `attention`, every decoder step also attends over
all encoder outputs with Keras's built-in `Attention` (dot product, Luong) or
`AdditiveAttention` (Bahdanau). Inference uses the same layer objects: an encoder model and a
decoder model that advances one token with explicit states.
"""

import keras

from zoo.core.checks import check_choice, check_int
from zoo.generation.seq2seq import cached_decoder
from zoo.models.inputs import sequence_input
from zoo.models.recording import records_call
from zoo.models.recurrent import build_stack, find_stack, run_stack, state_suffixes, step_stack
from zoo.models.states import state_inputs

ATTENTION = {"dot": keras.layers.Attention, "additive": keras.layers.AdditiveAttention}


@records_call
def build_encoder_decoder(
    *,
    target_vocab_size,
    source_vocab_size=None,
    source_dim=None,
    cell="lstm",
    units=64,
    num_layers=1,
    bidirectional=False,
    dropout=0.0,
    embedding_dim=32,
    attention=None,
    name="encoder_decoder",
):
    """Build a teacher-forced encoder-decoder for sequence-to-sequence tasks (Tx != Ty).

    Source id 0 (or an all-zero source vector) is padding and is masked; target id 0 is
    padding too. Sources are right-padded (real steps first, as cuDNN requires on GPUs); a
    left-padded source or an empty one is refused with an error that says how to pad. Each
    decoder layer starts from the final states of the encoder layer at the
    same depth; with `bidirectional=True` the encoder's forward and backward states are
    concatenated, so the decoder has `2 * units` units. Get the inference twins from
    `build_encoder_decoder_inference` and decode with `zoo.Seq2SeqDecoder`.

    Args:
        target_vocab_size: int >= 2, output tokens (0 = padding; reserve start/end ids too).
        source_vocab_size: int >= 2 when the source is token ids; else None.
        source_dim: int >= 1 when the source is feature vectors; else None. Give exactly one.
        cell: `"rnn"`, `"gru"` or `"lstm"`. Defaults to `"lstm"`.
        units: int >= 1, encoder units per direction. Defaults to 64.
        num_layers: int >= 1, layers in the encoder and in the decoder. Defaults to 1.
        bidirectional: bidirectional encoder. Defaults to False.
        dropout: float in [0, 1) after each recurrent layer. Defaults to 0.
        embedding_dim: size of the token embeddings. Defaults to 32.
        attention: None, `"dot"` or `"additive"`. Defaults to None.
        name: the model's name. Defaults to `"encoder_decoder"`.

    Returns:
        An uncompiled Functional `keras.Model`. Inputs: `"encoder_tokens"` `(batch, Tx)` (or
        `"encoder_features"` `(batch, Tx, source_dim)`) and `"decoder_tokens"` int32
        `(batch, Ty)` (start token, then the targets but the last). Output: logits
        `(batch, Ty, target_vocab_size)`.

    Example:

    >>> import numpy as np, zoo
    >>> model = zoo.build_encoder_decoder(source_vocab_size=10, target_vocab_size=12,
    ...                                   units=8, attention="dot")
    >>> model([np.ones((2, 5), "int32"), np.ones((2, 7), "int32")]).shape
    TensorShape([2, 7, 12])
    """
    target_vocab_size = check_int("target_vocab_size", target_vocab_size, 2)
    check_choice("attention", attention, (None, "dot", "additive"))
    units = check_int("units", units, 1)
    decoder_units = units * (2 if bidirectional else 1)
    encoder = build_stack(
        cell,
        units,
        num_layers,
        prefix="encoder_",
        bidirectional=bidirectional,
        dropout=dropout,
        return_state=True,
    )
    decoder = build_stack(
        cell, decoder_units, num_layers, prefix="decoder_", dropout=dropout, return_state=True
    )
    source, x = sequence_input(
        vocab_size=source_vocab_size,
        input_dim=source_dim,
        embedding_dim=embedding_dim,
        prefix="encoder_",
    )
    encoder_outputs, encoder_states = run_stack(x, encoder)  # (batch, Tx, decoder_units)
    states = _decoder_initial_states(
        cell,
        encoder_states,
        bidirectional,
        lambda s, i: keras.layers.Concatenate(name=f"encoder_state_{s}_{i}"),
    )
    target = keras.Input((None,), dtype="int32", name="decoder_tokens")  # (batch, Ty)
    y = keras.layers.Embedding(
        target_vocab_size, embedding_dim, mask_zero=True, name="decoder_embedding"
    )(target)
    y, _ = run_stack(y, decoder, states)  # (batch, Ty, decoder_units)
    if attention:
        context = ATTENTION[attention](name="attention")([y, encoder_outputs])
        y = keras.layers.Concatenate(name="attention_join")([y, context])
        y = keras.layers.Dense(decoder_units, activation="tanh", name="attention_projection")(y)
    logits = keras.layers.Dense(target_vocab_size, name="logits")(y)
    return keras.Model([source, target], logits, name=name)


@keras.saving.register_keras_serializable(package="seqzoo")
class AttentionWithWeights(keras.layers.Layer):
    """Call a shared Keras attention layer and return both its context and attention weights.

    The decoder step of `build_encoder_decoder_inference` reuses the training model's
    `Attention` / `AdditiveAttention` layer, whose first call returned the context only; Keras
    cannot take a second output from a later call of the same layer, so this wrapper makes
    that call (same layer, same weights) and returns both.

    Args:
        attention: a `keras.layers.Attention` or `keras.layers.AdditiveAttention` (or its
            serialized config).
        **kwargs: base `keras.layers.Layer` arguments.

    Call arguments:
        inputs: `[query (batch, Tq, units), values (batch, Tv, units), value_mask (batch, Tv)]`
            with `value_mask` False at padded positions.

    Returns:
        `[context (batch, Tq, units), weights (batch, Tq, Tv)]`; each row of weights sums to 1
        and is 0 at masked positions.

    Example:

    >>> import numpy as np, zoo
    >>> layer = AttentionWithWeights(keras.layers.Attention())
    >>> mask = np.array([[True, True, False]])
    >>> context, weights = layer([np.ones((1, 1, 4)), np.ones((1, 3, 4)), mask])
    >>> np.round(np.asarray(weights), 3).tolist()
    [[[0.5, 0.5, 0.0]]]
    """

    def __init__(self, attention, **kwargs):
        super().__init__(**kwargs)
        if isinstance(attention, dict):
            attention = keras.saving.deserialize_keras_object(attention)
        self.attention = attention
        self.supports_masking = True

    def call(self, inputs, mask=None):
        query, values, value_mask = inputs
        return list(
            self.attention([query, values], mask=[None, value_mask], return_attention_scores=True)
        )

    def compute_output_spec(self, inputs, mask=None):
        query, values, value_mask = inputs
        return list(
            self.attention.compute_output_spec(
                [query, values], mask=[None, value_mask], return_attention_scores=True
            )
        )

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config["attention"] = keras.saving.serialize_keras_object(self.attention)
        return config


def _decoder_initial_states(cell, encoder_states, bidirectional, concat_layer):
    """Per layer, the encoder's final states shaped for the decoder.

    Bidirectional forward and backward states are joined by `concat_layer(suffix, i)`, which
    creates the named `Concatenate` (training graph) or finds it (inference graph).
    """
    if not bidirectional:
        return encoder_states
    per_direction = len(state_suffixes(cell))
    return [
        [
            concat_layer(s, i)([f, b])
            for s, f, b in zip(state_suffixes(cell), states[:per_direction], states[per_direction:])
        ]
        for i, states in enumerate(encoder_states)
    ]


def build_encoder_decoder_inference(model):
    """Build the inference twins of an encoder-decoder, sharing its layers and weights.

    Args:
        model: a model from `build_encoder_decoder` (trained or loaded).

    Returns:
        `(encoder, decoder_step)`, two Functional `keras.Model`s.
        `encoder`: the source -> `[encoder_outputs (batch, Tx, units), *states]` (the
        outputs only with attention, for the decoder to attend over). `decoder_step`:
        `"token"` int32 `(batch,)`, with attention `"encoder_outputs"` and `"source_mask"`
        (bool `(batch, Tx)`, False at padding), then the states `state_h_0`, ... ->
        `[logits (batch, target_vocab_size), *new_states]`, and with attention a last output
        `"attention_weights"` `(batch, Tx)` (rows sum to 1, 0 at padded source positions).
        Decode with `zoo.Seq2SeqDecoder` (greedy, sampling or beam search, compiled).

    Example:

    >>> import numpy as np, zoo
    >>> model = zoo.build_encoder_decoder(source_vocab_size=10, target_vocab_size=12, units=8)
    >>> encoder, step = zoo.build_encoder_decoder_inference(model)
    >>> states = [np.asarray(s) for s in encoder(np.ones((2, 5), "int32"))]
    >>> step([np.ones((2,), "int32")] + states)[0].shape
    TensorShape([2, 12])
    """
    cell, encoder = find_stack(model, prefix="encoder_")
    _, decoder = find_stack(model, prefix="decoder_")
    names = {layer.name for layer in model.layers}
    bidirectional = isinstance(encoder[0][0], keras.layers.Bidirectional)
    has_attention = "attention" in names

    # Encoder: the same layers called on a fresh input.
    source_spec = model.inputs[0]
    source = keras.Input(source_spec.shape[1:], dtype=source_spec.dtype, name=source_spec.name)
    first = "encoder_embedding" if "encoder_embedding" in names else "encoder_masking"
    x = model.get_layer(first)(source)
    if "encoder_padding_check" in names:  # models saved before the check have none
        x = model.get_layer("encoder_padding_check")(x)
    encoder_outputs, raw = run_stack(x, encoder)
    joined = _decoder_initial_states(
        cell, raw, bidirectional, lambda s, i: model.get_layer(f"encoder_state_{s}_{i}")
    )
    encoder_states = [state for layer_states in joined for state in layer_states]
    outputs = ([encoder_outputs] if has_attention else []) + encoder_states
    encoder_model = keras.Model(source, outputs, name=f"{model.name}_encoder")

    # Decoder: one token with explicit states.
    token = keras.Input((), dtype="int32", name="token")  # (batch,)
    inputs = [token]
    decoder_units = decoder[0][0].cell.units
    states = state_inputs(keras, cell, [decoder_units] * len(decoder))
    y, new_states = step_stack(model.get_layer("decoder_embedding")(token), decoder, states)
    extra_outputs = []
    if has_attention:
        values = keras.Input((None, decoder_units), name="encoder_outputs")
        mask = keras.Input((None,), dtype="bool", name="source_mask")
        inputs += [values, mask]
        to_query = keras.layers.Reshape((1, decoder_units), name="query")
        to_context = keras.layers.Reshape((decoder_units,), name="context")
        to_weights = keras.layers.Reshape((-1,), name="attention_weights")
        # The target padding mask means nothing for one step; let it pass without warnings.
        to_query.supports_masking = to_context.supports_masking = True
        to_weights.supports_masking = True
        query = to_query(y)  # (batch, 1, units)
        context, weights = AttentionWithWeights(
            model.get_layer("attention"), name="attention_with_weights"
        )([query, values, mask])
        context = to_context(context)  # (batch, units)
        extra_outputs = [to_weights(weights)]  # (batch, Tx), 0 at padded source positions
        y = model.get_layer("attention_join")([y, context])
        y = model.get_layer("attention_projection")(y)
    logits = model.get_layer("logits")(y)
    step = keras.Model(
        inputs + states, [logits] + new_states + extra_outputs, name=f"{model.name}_decoder_step"
    )
    return encoder_model, step


def greedy_decode(encoder, decoder_step, source, *, start_id, end_id=None, max_length=50):
    """Decode a batch greedily with the inference twins of `build_encoder_decoder`.

    Kept for existing code: it is `zoo.Seq2SeqDecoder(encoder, decoder_step)(source,
    method="greedy", ...).tokens`, the compiled engine (the decoder is cached per step model).
    Use `zoo.Seq2SeqDecoder` for sampling, beam search, scores and attention weights.

    Args:
        encoder: the encoder model from `build_encoder_decoder_inference`.
        decoder_step: the decoder step model from `build_encoder_decoder_inference`.
        source: int array `(batch, Tx)` of source ids (0 = padding), or features.
        start_id: the token id that starts every target sequence.
        end_id: optional id that ends a sequence; later positions are set to 0.
        max_length: int >= 1, the most tokens to produce. Defaults to 50.

    Returns:
        int32 numpy array `(batch, max_length)` of chosen ids (0 after `end_id`).

    Example:

    >>> import numpy as np, zoo
    >>> model = zoo.build_encoder_decoder(source_vocab_size=10, target_vocab_size=12, units=8)
    >>> enc, dec = zoo.build_encoder_decoder_inference(model)
    >>> zoo.greedy_decode(enc, dec, np.ones((2, 4), "int32"), start_id=1, max_length=3).shape
    (2, 3)
    """
    max_length = check_int("max_length", max_length, 1)
    return cached_decoder(encoder, decoder_step)(
        source, start_id=start_id, end_id=end_id, max_length=max_length, method="greedy"
    ).tokens
