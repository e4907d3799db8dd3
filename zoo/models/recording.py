"""Factories record how they were called, so an artifact can say which factory built its model.

`@records_call` wraps a zoo factory: the model it returns carries the factory's public name and
the exact arguments of the call (defaults filled in), which `zoo.artifacts.format.save_artifact` writes
into `config.json`. Nothing is parsed back out of layer names.
"""

import functools
import inspect
import json

from zoo.io.jsonio import jsonable

_ATTRIBUTE = "_seqzoo_factory_call"


def records_call(factory):
    """Decorate a model factory so that its models remember the call that built them.

    Args:
        factory: a function returning a `keras.Model`, public as `zoo.<its name>`.

    Returns:
        The wrapped factory; `factory_call(model)` then returns
        `{"factory": "zoo.<name>", "arguments": {...}}` for every model it builds.

    Example:

    >>> import keras
    >>> @records_call
    ... def build_tiny(units=3, *, name="tiny"):
    ...     return keras.Sequential([keras.Input((2,)), keras.layers.Dense(units)], name=name)
    >>> factory_call(build_tiny(units=4))
    {'factory': 'zoo.build_tiny', 'arguments': {'units': 4, 'name': 'tiny'}}
    """
    signature = inspect.signature(factory)

    @functools.wraps(factory)
    def wrapper(*args, **kwargs):
        model = factory(*args, **kwargs)
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        arguments = {
            name: jsonable(value, f"{factory.__name__}({name}=...)")
            for name, value in bound.arguments.items()
        }
        # object.__setattr__: Keras would otherwise wrap the dict in a tracked container.
        object.__setattr__(
            model, _ATTRIBUTE, {"factory": f"zoo.{factory.__name__}", "arguments": arguments}
        )
        return model

    return wrapper


def factory_call(model):
    """The factory call recorded on `model` by `records_call`, or None.

    Args:
        model: a `keras.Model`.

    Returns:
        dict `{"factory": str, "arguments": dict}` (a copy), or None for a model that no
        recorded factory built (e.g. one loaded from a `.keras` file).

    Example:

    >>> import zoo
    >>> factory_call(zoo.build_lm(12, units=8))["arguments"]["units"]
    8
    """
    call = getattr(model, _ATTRIBUTE, None)
    return json.loads(json.dumps(call)) if call is not None else None


def set_factory_call(model, call):
    """Attach a recorded factory call (e.g. read back from an artifact) to a loaded model.

    Args:
        model: a `keras.Model`.
        call: dict `{"factory": str, "arguments": dict}` or None.

    Returns:
        The model.

    Example:

    >>> import keras
    >>> model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> factory_call(set_factory_call(model, {"factory": "zoo.x", "arguments": {}}))
    {'factory': 'zoo.x', 'arguments': {}}
    """
    if call is not None:
        object.__setattr__(model, _ATTRIBUTE, json.loads(json.dumps(call)))
    return model


__all__ = ["records_call", "factory_call", "set_factory_call"]
