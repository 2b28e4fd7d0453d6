"""Metrics by name: :func:`get` resolves a name, a ``Metric`` (class) or a per-sample
function to a fresh :class:`~nnlab.metrics.metric.Metric`; ``"accuracy"`` follows the loss
as in Keras."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .accuracy_metrics import (Accuracy, AutoAccuracy, BinaryAccuracy, CategoricalAccuracy,
                               SparseCategoricalAccuracy)
from .metric import METRICS, Metric
from .reduction_metrics import MeanMetricWrapper


def _accuracy_for(loss: Any) -> type | None:
    """Keras' rule: the accuracy that matches the loss's label format, or None."""
    name = loss if isinstance(loss, str) else getattr(
        loss, "name", getattr(loss, "__name__", type(loss).__name__))
    name = str(name).lower()
    if "sparse" in name or name == "scce":
        return SparseCategoricalAccuracy
    if "binary" in name or name.startswith("bce"):
        return BinaryAccuracy
    if "categorical" in name or name == "cce":
        return CategoricalAccuracy
    return None


def _on_logits(loss: Any) -> bool:
    config = loss.get_config() if hasattr(loss, "get_config") else {}
    return bool(config.get("from_logits")) or "logits" in str(getattr(loss, "name", "")).lower()


def get(identifier: str | Metric | Callable | type,
        loss: str | Callable | None = None) -> Metric:
    """Resolve ``identifier`` to a fresh :class:`Metric`.

    ``"accuracy"``/``"acc"`` follow the loss like Keras (sparse_categorical_crossentropy ->
    SparseCategoricalAccuracy, binary_crossentropy -> BinaryAccuracy, with threshold 0 if
    the loss takes logits, categorical losses -> CategoricalAccuracy, anything else ->
    decided by shapes at the first update). Other
    strings go through :data:`METRICS` (or a Keras class name); the metric's ``name`` is the
    string given. A ``Metric`` is returned as is, a Metric class is instantiated, and any
    callable ``fn(y_true, y_pred)`` is averaged over samples.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, str):
        if identifier.lower() in ("accuracy", "acc"):
            cls = _accuracy_for(loss) if loss is not None else None
            if cls is BinaryAccuracy and _on_logits(loss):
                return BinaryAccuracy(threshold=0.0, name=identifier)  # sigmoid(z) > .5 <=> z > 0
            return cls(name=identifier) if cls else AutoAccuracy(name=identifier)
        by_class_name = {c.__name__: c for _, c in METRICS.items()}
        by_class_name["Accuracy"] = Accuracy
        if identifier in by_class_name:
            return by_class_name[identifier]()
        return METRICS.get(identifier)(name=identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise TypeError(f"metric must be a name, a Metric or a callable (y_true, y_pred); got "
                    f"{type(identifier).__name__}: {identifier!r}")
