"""The model-zoo registry: ``@register_model`` in each family file, ``create(name)`` to build.

    from nnlab import zoo
    zoo.names()                                  # ['alexnet', 'densenet121', ...]
    model = zoo.create("resnet50", num_classes=10, input_shape=(64, 64, 3))

Weights are described as data (:class:`WeightsInfo`), never downloaded on import.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

_MODELS: Dict[str, Callable[..., Any]] = {}
_FAMILIES: Dict[str, str] = {}


@dataclass(frozen=True)
class WeightsInfo:
    """Facts about one set of pretrained weights (a variant's metadata, not its tensors)."""

    input_size: Tuple[int, int, int]
    mean: Tuple[float, ...] = (0.485, 0.456, 0.406)
    std: Tuple[float, ...] = (0.229, 0.224, 0.225)
    num_classes: int = 1000
    num_params: Optional[int] = None
    source: str = ""
    licence: str = ""
    extra: Dict[str, Any] = field(default_factory=dict)


def register_model(name: Optional[str] = None) -> Callable:
    """Decorator: register a builder function under ``name`` (default: its own name)."""

    def decorator(fn: Callable) -> Callable:
        key = (name or fn.__name__).lower()
        if key in _MODELS and _MODELS[key] is not fn:
            raise ValueError(f"zoo model {key!r} is registered twice")
        _MODELS[key] = fn
        _FAMILIES[key] = fn.__module__.rsplit(".", 1)[-1]
        return fn

    return decorator


def _load_all() -> None:
    # Importing the package imports every family file, which registers its models.
    from .. import zoo  # noqa: F401


def names(family: Optional[str] = None) -> List[str]:
    """Registered model names, sorted (optionally only one family, e.g. ``'resnet'``)."""
    _load_all()
    return sorted(k for k in _MODELS if family is None or _FAMILIES[k] == family)


def family_of(name: str) -> str:
    _load_all()
    return _FAMILIES[name.lower()]


def create(name: str, **kwargs: Any):
    """Build a registered model: ``create("vgg16", include_top=False, input_shape=(...))``."""
    _load_all()
    key = name.lower()
    if key not in _MODELS:
        raise ValueError(f"Unknown zoo model {name!r}. Known models: {', '.join(names())}")
    return _MODELS[key](**kwargs)
