"""One small name -> object registry per kind (activations, initialisers, losses, ...).

An unknown name raises an error that lists the known ones.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, Iterable


class Registry:
    """Maps lower-case names (and aliases) to objects of one kind.

    Example:
        >>> r = Registry("activation")
        >>> r.add("relu")(lambda x: x)  # doctest: +ELLIPSIS
        <function ...>
        >>> r.names()
        ['relu']
    """

    def __init__(self, kind: str):
        self.kind = kind
        self._items: Dict[str, Any] = {}

    def add(self, *names: str) -> Callable[[Any], Any]:
        """Decorator registering an object under one or more names."""

        def decorator(obj: Any) -> Any:
            for name in names:
                self._items[name.lower()] = obj
            return obj

        return decorator

    def register(self, name: str, obj: Any) -> None:
        self._items[name.lower()] = obj

    def __contains__(self, name: str) -> bool:
        return isinstance(name, str) and name.lower() in self._items

    def get(self, name: str) -> Any:
        if not isinstance(name, str):
            raise TypeError(f"{self.kind} name must be a string, got {type(name).__name__}")
        try:
            return self._items[name.lower()]
        except KeyError:
            known = ", ".join(sorted(self._items))
            raise ValueError(
                f"Unknown {self.kind} {name!r}. Known {self.kind}s: {known}"
            ) from None

    def names(self) -> list:
        return sorted(self._items)

    def items(self) -> Iterable:
        return self._items.items()
