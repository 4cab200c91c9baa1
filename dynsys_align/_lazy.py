"""Lazy attribute loading for package ``__init__`` modules (PEP 562).

Importing a module of dynsys_align loads (and on first use compiles) its numba
kernels. Packages therefore expose their public names lazily: a name is imported
from its submodule the first time it is looked up, so a session pays only for
the kernels it uses.
"""

from __future__ import annotations

import importlib


def attach(package: str, exports: dict[str, tuple[str, ...]],
           submodules: tuple[str, ...] = ()):
    """Return ``(__getattr__, __dir__, __all__)`` for a package.

    ``exports`` maps a submodule name (relative to ``package``) to the names it
    provides; ``submodules`` lists submodules exposed as attributes themselves.
    """
    where = {name: module for module, names in exports.items() for name in names}
    names = [*submodules, *where]

    def __getattr__(name):
        if name in where:
            module = importlib.import_module(f".{where[name]}", package)
            value = getattr(module, name)
        elif name in submodules:
            value = importlib.import_module(f".{name}", package)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        # Cache on the package so the lookup happens once.
        setattr(importlib.import_module(package), name, value)
        return value

    def __dir__():
        return sorted(set(names) | set(vars(importlib.import_module(package))))

    return __getattr__, __dir__, names
