"""Keras' packing of one batch for a step (``keras.utils.pack_x_y_sample_weight`` and
``unpack_x_y_sample_weight``): ``x`` alone, ``(x, y)`` or ``(x, y, sample_weight)``."""
from __future__ import annotations

from typing import Any


def pack_x_y_sample_weight(x: Any, y: Any = None, sample_weight: Any = None) -> Any:
    """Keras' packing of one batch: ``x`` (``(x,)`` if x is a tuple/list), ``(x, y)`` or
    ``(x, y, sample_weight)``."""
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    return (x, y) if sample_weight is None else (x, y, sample_weight)


def unpack_x_y_sample_weight(data: Any) -> tuple:
    """The inverse: ``(x, y, sample_weight)`` with ``None`` for what is missing."""
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) in (1, 2, 3):
        return tuple(data) + (None,) * (3 - len(data))
    raise ValueError(f"Data of a step is expected as (x,), (x, y) or (x, y, sample_weight); "
                     f"got a tuple of {len(data)} items")
