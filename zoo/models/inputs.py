"""Sequence inputs shared by the factories: token ids (embedded) or feature vectors (masked)."""

import keras

from zoo.core.checks import check_int, check_one_input_kind
from zoo.models.layers import RequireRightPadding


def sequence_input(*, vocab_size=None, input_dim=None, embedding_dim=64, prefix="", mask=True):
    """Create a named sequence input and its first layer.

    Token ids are embedded with id 0 reserved for padding (`mask_zero=True`); feature
    vectors pass through `keras.layers.Masking`, so an all-zero step is padding. Either way
    the mask reaches the recurrent layers and padding does not change the result.

    Padding must come after the real steps (right padding), with at least one real step per
    row: that is what Keras's cuDNN kernels accept on GPUs, and a `zoo.models.layers.
    RequireRightPadding` layer (`{prefix}padding_check`) refuses anything else on every device
    with an error that says how to pad (`keras.utils.pad_sequences(..., padding="post")`).
    Left-padded input is refused, not converted: converting would move the outputs of a
    many-to-many model.

    Args:
        vocab_size: number of token ids (id 0 = padding), or None for feature vectors.
        input_dim: size of each feature vector (one-hot or real), or None for token ids.
        embedding_dim: size of the embeddings, when `vocab_size` is given.
        prefix: prepended to the input's and the layers' names (e.g. `"encoder_"`).
        mask: whether padding is masked.

    Returns:
        `(input_tensor, features)`: the `keras.Input` (`{prefix}tokens` int32
        `(batch, time)` or `{prefix}features` `(batch, time, input_dim)`) and the tensor
        `(batch, time, embedding_dim or input_dim)` that carries the mask.
    """
    vocab_size, input_dim = check_one_input_kind(
        vocab_size, input_dim, what=f"{prefix or 'model '}inputs"
    )
    if vocab_size is not None:
        embedding_dim = check_int("embedding_dim", embedding_dim, 1)
        tokens = keras.Input((None,), dtype="int32", name=f"{prefix}tokens")
        embed = keras.layers.Embedding(
            vocab_size, embedding_dim, mask_zero=mask, name=f"{prefix}embedding"
        )
        check = RequireRightPadding(name=f"{prefix}padding_check")
        return tokens, (check(embed(tokens)) if mask else embed(tokens))
    features = keras.Input((None, input_dim), name=f"{prefix}features")
    if not mask:
        return features, features
    masked = keras.layers.Masking(0.0, name=f"{prefix}masking")(features)
    return features, RequireRightPadding(name=f"{prefix}padding_check")(masked)
