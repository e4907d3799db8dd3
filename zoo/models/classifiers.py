"""Many-to-one (sequence -> one output) and many-to-many (one output per step, Tx = Ty)."""

import keras

from zoo.core.checks import check_int
from zoo.models.inputs import sequence_input
from zoo.models.layers import RequireRightPadding
from zoo.models.pooling import POOLINGS, pool_sequence
from zoo.models.recording import records_call
from zoo.models.recurrent import build_stack, run_stack


def _build_tagger_or_classifier(
    per_step,
    *,
    output_dim,
    vocab_size,
    input_dim,
    cell,
    units,
    num_layers,
    bidirectional,
    dropout,
    embedding_dim,
    output_activation,
    name,
    pooling="last",
    embedding_dropout=0.0,
    chars=None,
):
    output_dim = check_int("output_dim", output_dim, 1)
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {', '.join(POOLINGS)}; got {pooling!r}")
    if not 0 <= embedding_dropout < 1:
        raise ValueError(f"embedding_dropout must be in [0, 1); got {embedding_dropout!r}")
    pooled = not per_step and pooling != "last"
    stack = build_stack(
        cell,
        units,
        num_layers,
        bidirectional=bidirectional,
        dropout=dropout,
        last_returns_sequences=per_step or pooled,
    )
    inputs, x = sequence_input(
        vocab_size=vocab_size, input_dim=input_dim, embedding_dim=embedding_dim
    )
    if chars is not None:
        if vocab_size is None:
            raise ValueError("char_vocab_size needs token-id inputs (vocab_size), not input_dim")
        char_input, char_features = _char_encoder(**chars)  # (batch, time, char_filters)
        # Concatenate ORs its inputs' masks (a missing mask counts as all True): give the
        # character features the words' mask so the concatenation keeps it.
        word_mask = keras.ops.not_equal(inputs, 0)  # (batch, time)
        char_features = RequireRightPadding(name="char_padding_check")(
            char_features, mask=word_mask
        )
        x = keras.layers.Concatenate(name="word_features")([x, char_features])
        inputs = {"tokens": inputs, "chars": char_input}
    if embedding_dropout:
        x = keras.layers.Dropout(embedding_dropout, name="embedding_dropout")(x)
    x, _ = run_stack(x, stack)  # (batch, [time,] units * directions)
    if pooled:
        x = pool_sequence(x, pooling)  # (batch, units * directions [* 2])
    outputs = keras.layers.Dense(output_dim, activation=output_activation, name="output")(x)
    return keras.Model(inputs, outputs, name=name)


def _char_encoder(*, char_vocab_size, char_length, char_embedding_dim, char_filters, char_width):
    """The `"chars"` input `(batch, time, char_length)` and one vector per word from it."""
    char_vocab_size = check_int("char_vocab_size", char_vocab_size, 2)
    char_length, char_embedding_dim, char_filters, char_width = (
        check_int(arg, value, 1)
        for arg, value in (
            ("char_length", char_length),
            ("char_embedding_dim", char_embedding_dim),
            ("char_filters", char_filters),
            ("char_width", char_width),
        )
    )
    chars = keras.Input((None, char_length), dtype="int32", name="chars")
    x = keras.layers.Embedding(char_vocab_size, char_embedding_dim, name="char_embedding")(
        chars
    )  # (batch, time, length, dim)
    # A (1, width) kernel convolves within each word. (TimeDistributed(Conv1D) would do the
    # same, but Keras maps it over the batch size instead of the time axis when time is None.)
    x = keras.layers.Conv2D(
        char_filters, (1, char_width), padding="same", activation="relu", name="char_conv"
    )(x)  # (batch, time, length, filters)
    x = keras.layers.MaxPooling2D((1, char_length), name="char_max")(x)  # (batch, time, 1, f)
    return chars, keras.layers.Reshape((-1, char_filters), name="char_pool")(x)


@records_call
def build_many_to_one(
    *,
    output_dim,
    vocab_size=None,
    input_dim=None,
    cell="lstm",
    units=64,
    num_layers=1,
    bidirectional=False,
    dropout=0.0,
    embedding_dim=32,
    output_activation=None,
    pooling="last",
    embedding_dropout=0.0,
    name="many_to_one",
):
    """Build a many-to-one model: a whole sequence -> one output (e.g. sentiment).

    Padded, variable-length batches are masked: token id 0 (or an all-zero feature vector)
    is padding and does not change the result, so the output is that of the real sequence.
    Padding goes after the real steps (right padding, as cuDNN requires on GPUs); left-padded
    batches and empty rows are refused with an error that says how to pad (see
    `zoo.models.layers.RequireRightPadding`). The defaults keep Keras's cuDNN kernels eligible.
    With `bidirectional=True` the forward and backward final states are concatenated.

    On long texts (hundreds of steps) the last state learns poorly from few examples;
    `pooling="max"`, `"mean"` or `"max_mean"` reads the top layer's state at every real step
    and pools them over time (padding excluded; see `zoo.models.pooling`), so every position has a
    short path to the output.

    Args:
        output_dim: int >= 1, size of the output (classes, or regression targets).
        vocab_size: int >= 2 when the input is token ids (id 0 = padding); else None.
        input_dim: int >= 1 when the input is feature vectors (one-hot or real); else None.
            Give exactly one of `vocab_size` and `input_dim`.
        cell: `"rnn"`, `"gru"` or `"lstm"`. Defaults to `"lstm"`.
        units: int >= 1, hidden size per direction. Defaults to 64.
        num_layers: int >= 1, stacked recurrent layers. Defaults to 1.
        bidirectional: read the sequence both ways. Defaults to False.
        dropout: float in [0, 1) after each recurrent layer. Defaults to 0.
        embedding_dim: embedding size for token ids. Defaults to 32.
        output_activation: activation of the output `Dense`; None gives logits (use
            `from_logits=True` in the loss). Defaults to None.
        pooling: how the sequence becomes one vector: `"last"` (the final state of each
            direction), `"max"`, `"mean"` (over the top layer's states at the real steps) or
            `"max_mean"` (both, concatenated; layer `"pooling"`). Defaults to `"last"`.
        embedding_dropout: float in [0, 1), dropout on the embedded (or feature) inputs.
            Defaults to 0.
        name: the model's name. Defaults to `"many_to_one"`.

    Returns:
        An uncompiled Functional `keras.Model`: `"tokens"` `(batch, time)` or `"features"`
        `(batch, time, input_dim)` -> `(batch, output_dim)`.

    Example:

    >>> import numpy as np, zoo
    >>> model = zoo.build_many_to_one(vocab_size=20, output_dim=2, cell="gru", units=8,
    ...                               bidirectional=True)
    >>> model(np.array([[5, 6, 7, 0, 0]], "int32")).shape
    TensorShape([1, 2])
    """
    return _build_tagger_or_classifier(
        False,
        output_dim=output_dim,
        vocab_size=vocab_size,
        input_dim=input_dim,
        cell=cell,
        units=units,
        num_layers=num_layers,
        bidirectional=bidirectional,
        dropout=dropout,
        embedding_dim=embedding_dim,
        output_activation=output_activation,
        name=name,
        pooling=pooling,
        embedding_dropout=embedding_dropout,
    )


@records_call
def build_many_to_many(
    *,
    output_dim,
    vocab_size=None,
    input_dim=None,
    cell="lstm",
    units=64,
    num_layers=1,
    bidirectional=False,
    dropout=0.0,
    embedding_dim=32,
    output_activation=None,
    embedding_dropout=0.0,
    char_vocab_size=None,
    char_length=16,
    char_embedding_dim=25,
    char_filters=50,
    char_width=3,
    name="many_to_many",
):
    """Build a many-to-many model with one output per input step (Tx = Ty), e.g. tagging.

    Padding (token id 0, or an all-zero feature vector) is masked, so a padded batch gives
    the same outputs on the real positions as the unpadded sequences. Padding goes after the
    real steps (right padding, as cuDNN requires on GPUs); left-padded batches and empty rows
    are refused with an error that says how to pad. With `bidirectional=True` every step sees
    its whole sentence, as named-entity taggers need.

    With `char_vocab_size`, the model also reads each word's characters (a second input,
    `"chars"`): a character embedding, a convolution over each word's `char_length` character
    ids and a max over them give `char_filters` features per word (prefixes, suffixes,
    capitals), concatenated with its word embedding, so a word outside the vocabulary is
    still seen. Character id 0 pads a word to `char_length`; give every word the same
    `char_length` ids so its features never depend on the batch.

    Args:
        output_dim: int >= 1, size of each step's output (e.g. number of tags).
        vocab_size: int >= 2 when the input is token ids (id 0 = padding); else None.
        input_dim: int >= 1 when the input is feature vectors; else None. Give exactly one.
        cell: `"rnn"`, `"gru"` or `"lstm"`. Defaults to `"lstm"`.
        units: int >= 1, hidden size per direction. Defaults to 64.
        num_layers: int >= 1, stacked recurrent layers. Defaults to 1.
        bidirectional: read the sequence both ways. Defaults to False.
        dropout: float in [0, 1) after each recurrent layer. Defaults to 0.
        embedding_dim: embedding size for token ids. Defaults to 32.
        output_activation: activation of the per-step output `Dense`; None gives logits.
        embedding_dropout: float in [0, 1), dropout on the word (and character) features.
            Defaults to 0.
        char_vocab_size: int >= 2 or None: the number of character ids (0 = padding) of the
            `"chars"` input; None (the default) reads words only.
        char_length: int, character ids per word in `"chars"`. Defaults to 16.
        char_embedding_dim, char_filters, char_width: the character embedding size, the
            number and width of the convolution's filters. Default to 25, 50 and 3.
        name: the model's name. Defaults to `"many_to_many"`.

    Returns:
        An uncompiled Functional `keras.Model`: `(batch, time)` ids or
        `(batch, time, input_dim)` features -> `(batch, time, output_dim)`. With
        `char_vocab_size` the input is a dict: `"tokens"` `(batch, time)` and `"chars"`
        `(batch, time, char_length)`.

    Example:

    >>> import numpy as np, zoo
    >>> tagger = zoo.build_many_to_many(vocab_size=50, output_dim=5, units=8, num_layers=2)
    >>> tagger(np.ones((3, 9), "int32")).shape
    TensorShape([3, 9, 5])
    >>> words_and_chars = zoo.build_many_to_many(vocab_size=50, output_dim=5, units=8,
    ...                                          char_vocab_size=30, char_length=6)
    >>> words_and_chars({"tokens": np.ones((3, 9), "int32"),
    ...                  "chars": np.ones((3, 9, 6), "int32")}).shape
    TensorShape([3, 9, 5])
    """
    chars = None
    if char_vocab_size is not None:
        chars = dict(
            char_vocab_size=char_vocab_size,
            char_length=char_length,
            char_embedding_dim=char_embedding_dim,
            char_filters=char_filters,
            char_width=char_width,
        )
    return _build_tagger_or_classifier(
        True,
        output_dim=output_dim,
        vocab_size=vocab_size,
        input_dim=input_dim,
        cell=cell,
        units=units,
        num_layers=num_layers,
        bidirectional=bidirectional,
        dropout=dropout,
        embedding_dim=embedding_dim,
        output_activation=output_activation,
        name=name,
        embedding_dropout=embedding_dropout,
        chars=chars,
    )
