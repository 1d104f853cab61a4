"""A tiny name -> object registry used for encoders, featurizers and splitters.

Adding an encoder means writing one module and decorating its class with
``@ENCODERS.register("name")``; the CLI builds its ``--model`` choices from the registry.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from molpred.exceptions import UnknownNameError

T = TypeVar("T")


class Registry(Generic[T]):
    """Maps lower-case names to objects (usually classes).

    Args:
        kind: What the registry holds, used in error messages ("encoder", "featurizer").
        lazy: ``name -> module`` whose import registers ``name``; such names are listed
            without importing anything, and imported on first :meth:`get`.
    """

    def __init__(self, kind: str, lazy: dict[str, str] | None = None) -> None:
        self.kind = kind
        self._items: dict[str, T] = {}
        self._lazy = {k.lower(): v for k, v in (lazy or {}).items()}

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator that registers its target under ``name``.

        Raises:
            ValueError: if ``name`` is already taken.
        """
        key = name.lower()

        def decorate(obj: T) -> T:
            if key in self._items:
                raise ValueError(f"{self.kind} {name!r} is registered twice")
            self._items[key] = obj
            return obj

        return decorate

    def get(self, name: str) -> T:
        """Return the object registered under ``name``.

        Raises:
            UnknownNameError: naming the unknown key and listing the known ones.
        """
        key = name.lower()
        if key not in self._items and key in self._lazy:
            importlib.import_module(self._lazy[key])
        try:
            return self._items[key]
        except KeyError:
            known = ", ".join(self.names()) or "none"
            raise UnknownNameError(f"unknown {self.kind} {name!r}; choose one of: {known}") from None

    def names(self) -> list[str]:
        """Registered (or lazily registrable) names, sorted."""
        return sorted(set(self._items) | set(self._lazy))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self.names()

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())
