"""Many-to-one (sequence -> one output) and many-to-many (one output per step, Tx = Ty)."""

import keras

from zoo.inputs import sequence_input
from zoo.pooling import POOLINGS, pool_sequence
from zoo.recurrent import build_stack, run_stack
from zoo.recording import records_call
from zoo.validation import check_int


def _build_tagger_or_classifier(per_step, *, output_dim, vocab_size, input_dim, cell, units,
                                num_layers, bidirectional, dropout, embedding_dim,
                                output_activation, name, pooling="last", embedding_dropout=0.0):
    check_int("output_dim", output_dim, 1)
    if pooling not in POOLINGS:
        raise ValueError(f"pooling must be one of {', '.join(POOLINGS)}; got {pooling!r}")
    if not 0 <= embedding_dropout < 1:
        raise ValueError(f"embedding_dropout must be in [0, 1); got {embedding_dropout!r}")
    pooled = not per_step and pooling != "last"
    stack = build_stack(cell, units, num_layers, bidirectional=bidirectional, dropout=dropout,
                        last_returns_sequences=per_step or pooled)
    inputs, x = sequence_input(vocab_size=vocab_size, input_dim=input_dim,
                               embedding_dim=embedding_dim)
    if embedding_dropout:
        x = keras.layers.Dropout(embedding_dropout, name="embedding_dropout")(x)
    x, _ = run_stack(x, stack)  # (batch, [time,] units * directions)
    if pooled:
        x = pool_sequence(x, pooling)  # (batch, units * directions [* 2])
    outputs = keras.layers.Dense(output_dim, activation=output_activation, name="output")(x)
    return keras.Model(inputs, outputs, name=name)


@records_call
def build_many_to_one(*, output_dim, vocab_size=None, input_dim=None, cell="lstm", units=64,
                      num_layers=1, bidirectional=False, dropout=0.0, embedding_dim=32,
                      output_activation=None, pooling="last", embedding_dropout=0.0,
                      name="many_to_one"):
    """Build a many-to-one model: a whole sequence -> one output (e.g. sentiment).

    Padded, variable-length batches are masked: token id 0 (or an all-zero feature vector)
    is padding and does not change the result, so the output is that of the real sequence.
    Padding goes after the real steps (right padding, as cuDNN requires on GPUs); left-padded
    batches and empty rows are refused with an error that says how to pad (see
    `zoo.layers.RequireRightPadding`). The defaults keep Keras's cuDNN kernels eligible.
    With `bidirectional=True` the forward and backward final states are concatenated.

    On long texts (hundreds of steps) the last state learns poorly from few examples;
    `pooling="max"`, `"mean"` or `"max_mean"` reads the top layer's state at every real step
    and pools them over time (padding excluded; see `zoo.pooling`), so every position has a
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
        False, output_dim=output_dim, vocab_size=vocab_size, input_dim=input_dim, cell=cell,
        units=units, num_layers=num_layers, bidirectional=bidirectional, dropout=dropout,
        embedding_dim=embedding_dim, output_activation=output_activation, name=name,
        pooling=pooling, embedding_dropout=embedding_dropout)


@records_call
def build_many_to_many(*, output_dim, vocab_size=None, input_dim=None, cell="lstm", units=64,
                       num_layers=1, bidirectional=False, dropout=0.0, embedding_dim=32,
                       output_activation=None, name="many_to_many"):
    """Build a many-to-many model with one output per input step (Tx = Ty), e.g. tagging.

    Padding (token id 0, or an all-zero feature vector) is masked, so a padded batch gives
    the same outputs on the real positions as the unpadded sequences. Padding goes after the
    real steps (right padding, as cuDNN requires on GPUs); left-padded batches and empty rows
    are refused with an error that says how to pad. With `bidirectional=True` every step sees its whole sentence, as named-entity taggers need.

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
        name: the model's name. Defaults to `"many_to_many"`.

    Returns:
        An uncompiled Functional `keras.Model`: `(batch, time)` ids or
        `(batch, time, input_dim)` features -> `(batch, time, output_dim)`.

    Example:

    >>> import numpy as np, zoo
    >>> tagger = zoo.build_many_to_many(vocab_size=50, output_dim=5, units=8, num_layers=2)
    >>> tagger(np.ones((3, 9), "int32")).shape
    TensorShape([3, 9, 5])
    """
    return _build_tagger_or_classifier(
        True, output_dim=output_dim, vocab_size=vocab_size, input_dim=input_dim, cell=cell,
        units=units, num_layers=num_layers, bidirectional=bidirectional, dropout=dropout,
        embedding_dim=embedding_dim, output_activation=output_activation, name=name)
