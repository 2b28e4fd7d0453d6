"""Schedules by name or config: :func:`get`, :func:`serialize` and :func:`deserialize`.

Names and Keras class names resolve through :data:`SCHEDULES`, which every schedule
class fills when its module is imported (``nnlab.schedules`` imports them all).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .learning_rate_schedule import SCHEDULES, LearningRateSchedule


def serialize(schedule: LearningRateSchedule) -> dict:
    """``{"class_name": ..., "config": ...}`` (JSON-friendly)."""
    if not isinstance(schedule, LearningRateSchedule):
        raise TypeError(f"serialize: expected an nnlab LearningRateSchedule, got "
                        f"{type(schedule).__name__}; plain callables cannot be saved as config")
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(config: dict) -> LearningRateSchedule:
    """Inverse of :func:`serialize`."""
    name = config.get("class_name")
    by_class_name = {cls.__name__: cls for _, cls in SCHEDULES.items()}
    cls = by_class_name.get(name) or SCHEDULES.get(str(name))
    return cls.from_config(config.get("config", {}))


def get(identifier: str | dict | Callable, **kwargs: Any) -> Callable[[float], float]:
    """A schedule from a name (with its arguments), a serialized dict, or a callable."""
    if isinstance(identifier, str):
        return SCHEDULES.get(identifier)(**kwargs)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(f"schedule must be a name, a config dict or a callable step -> lr; got "
                    f"{type(identifier).__name__}: {identifier!r}")
