"""Load any saved zoo model: Keras's loader, once every zoo layer class is registered.

The zoo's models hold layers Keras does not have (`zoo.models.fast_rnn.LSTM`, the default LSTM
of every factory, the pooling, conditioning, state and attention layers); Keras resolves a
saved `registered_name` such as `seqzoo>JoinConditioning` only once the module that defines
the class has been imported. This module imports every one of them, so it is the one place
that knows them all: `load_model` loads a file saved by any factory, in a fresh process too.
"""

import keras

# Every module that registers Keras classes (package "seqzoo"), imported for that effect.
from zoo.models import fast_rnn, layers, pooling, seq2seq

REGISTERING_MODULES = (fast_rnn, layers, pooling, seq2seq)
"""The modules whose classes `model.keras` files may name (`seqzoo>...`)."""


def load_model(path, **kwargs):
    """Load a `.keras` file of a zoo model: `keras.saving.load_model` with the zoo's layers known.

    `import zoo` alone registers nothing (it imports nothing heavy), so in a new process load
    with this function (`zoo.load_model`) rather than `keras.saving.load_model`. Files written
    before the zoo's modules moved (they record `"module": "zoo.layers"`) load too: Keras finds
    the class by its registered name.

    Args:
        path: the `.keras` file.
        **kwargs: passed to `keras.saving.load_model` (safe mode stays on unless you pass
            `safe_mode=False`).

    Returns:
        The `keras.Model`.

    Example:

    >>> import os, tempfile, zoo
    >>> path = os.path.join(tempfile.mkdtemp(), "lm.keras")
    >>> zoo.build_lm(10, units=4).save(path)
    >>> zoo.load_model(path).name
    'lm'
    """
    return keras.saving.load_model(path, **kwargs)


__all__ = ["REGISTERING_MODULES", "load_model"]
