"""Lazy public faces: a package names its public objects, and each is imported on first use.

`import zoo` stays cheap (no TensorFlow) until a factory is used, and `import zoo.reference`
stays numpy-only, because the faces of `zoo`, `zoo.training`, `zoo.artifacts`, `zoo.native`,
`zoo.notebook`, `text` and `music` resolve their names through `lazy_face`.
"""

import importlib
import sys

__all__ = ["lazy_face"]


def lazy_face(package, exports, modules=None):
    """The `__getattr__` and `__dir__` of a package whose public names load on first use.

    Args:
        package: str, the package's `__name__`.
        exports: dict, public name -> dotted path of the module that defines it.
        modules: optional dict, public name -> dotted path of a module returned itself
            (for example `{"datasets": "text.datasets"}`).

    Returns:
        `(__getattr__, __dir__)`, to assign at the package's top level. A name is imported
        once, then kept in the package's namespace.

    Example:

    >>> getattr_, dir_ = lazy_face("json", {"dumps": "json"}, {"decoder": "json.decoder"})
    >>> getattr_("dumps")({"a": 1})
    '{"a": 1}'
    >>> getattr_("decoder").__name__
    'json.decoder'
    """
    modules = dict(modules or {})
    public = sorted(set(exports) | set(modules))

    def __getattr__(name):
        if name in modules:
            value = importlib.import_module(modules[name])
        elif name in exports:
            value = getattr(importlib.import_module(exports[name]), name)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(sys.modules[package], name, value)
        return value

    def __dir__():
        return sorted(set(vars(sys.modules[package])) | set(public))

    return __getattr__, __dir__
