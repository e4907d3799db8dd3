"""The one result type: a dict of figures that also reads as attributes.

`Result` is what the engines and applications return (`zoo.training.engine.TrainingResult`,
the text application's `Score`): a plain dict, so it prints, compares and is written to JSON as
one, with attribute access for scripts and notebooks (`result.best_epoch`), and `summary()`
for the JSON-serialisable part (without the model).
"""

__all__ = ["Result"]


class Result(dict):
    """A dict with attribute access and a JSON-ready `summary()`.

    Reading a missing attribute raises `AttributeError` (so `getattr(result, name, default)`
    and `hasattr` work). Write entries by key: `result["name"] = value`.

    Example:

    >>> result = Result(loss=0.5, model="<a keras.Model>")
    >>> result.loss
    0.5
    >>> result.summary()
    {'loss': 0.5}
    >>> hasattr(result, "accuracy")
    False
    """

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(
                f"{type(self).__name__} has no {name!r}; it holds "
                f"{', '.join(sorted(map(str, self))) or 'nothing'}"
            ) from None

    def __dir__(self):
        return sorted(set(super().__dir__()) | {k for k in self if isinstance(k, str)})

    def summary(self, exclude=("model",)):
        """The JSON-serialisable part: every entry except those named in `exclude`.

        Args:
            exclude: iterable of keys to leave out. Defaults to `("model",)` (a Keras model
                is no JSON value).

        Returns:
            dict: a plain dict of the other entries (a shallow copy).

        Example:

        >>> Result(loss=0.5, model=None, seconds=3).summary(exclude=("model", "seconds"))
        {'loss': 0.5}
        """
        exclude = set(exclude)
        return {k: v for k, v in self.items() if k not in exclude}
