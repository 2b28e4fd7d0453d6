"""Automatic layer names as Keras gives them (``dense``, ``dense_1``, ...): the naming scope
of a session. :func:`nnlab.utils.clear_session` starts a fresh one (:func:`reset`)."""
from __future__ import annotations

import re
from typing import Dict

__all__ = ["reserve_name", "reset", "to_snake_case", "unique_name"]

_NAME_COUNTS: Dict[str, int] = {}
_GIVEN_NAMES: set = set()  # names passed explicitly (or restored by load_model)


def to_snake_case(name: str) -> str:
    """``'MaxPooling2D'`` -> ``'max_pooling2d'`` (Keras' naming)."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(base: str) -> str:
    """Keras-style automatic names: ``dense``, ``dense_1``, ``dense_2``, ...; a name
    someone gave explicitly is skipped, so an automatic name never repeats it."""
    while True:
        count = _NAME_COUNTS.get(base, 0)
        _NAME_COUNTS[base] = count + 1
        name = base if count == 0 else f"{base}_{count}"
        if name not in _GIVEN_NAMES:
            return name


def reserve_name(name: str) -> None:
    """Record a name given explicitly: :func:`unique_name` will not hand it out."""
    _GIVEN_NAMES.add(name)


def reset() -> None:
    """Forget every name: the next ``Dense`` is ``dense`` again."""
    _NAME_COUNTS.clear()
    _GIVEN_NAMES.clear()
