"""Streaming metrics, Keras' API: ``update_state(y_true, y_pred)``, ``result()``, ``reset_state()``.

Running sums live as torch tensors on the data's device; ``update_state`` never
calls ``.item()`` (no host-device sync per step). ``result()`` is the only place
that reads them back, as a python float or a numpy array.

Shapes: ``y_pred`` is ``(batch, C)`` class scores/probabilities or ``(batch,)`` /
``(batch, 1)`` binary probabilities; ``y_true`` is one-hot ``(batch, C)``, integer
labels ``(batch,)`` / ``(batch, 1)``, or 0/1 targets. ``sample_weight`` is ``(batch,)``.
Argmax-based metrics work on logits as well as probabilities.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from .confusion_metrics import (AUC, ConfusionMatrix, F1Score, MulticlassPrecision,
                                MulticlassRecall, Precision, Recall)
from .metric_base import METRICS, Mean, MeanMetricWrapper, Metric, _labels
from .regression_metrics import (CosineSimilarity, LogCoshError, MeanAbsolutePercentageError,
                                 MeanSquaredLogarithmicError, Poisson, RootMeanSquaredError)

__all__ = [
    "AUC", "METRICS", "Accuracy", "AutoAccuracy", "BinaryAccuracy", "CategoricalAccuracy",
    "ConfusionMatrix", "F1Score", "Mean", "MeanAbsoluteError", "MeanMetricWrapper",
    "MeanSquaredError", "Metric", "MulticlassPrecision", "MulticlassRecall", "Precision",
    "Recall", "SparseCategoricalAccuracy", "SparseTopKCategoricalAccuracy",
    "TopKCategoricalAccuracy", "get",
    "CosineSimilarity", "LogCoshError", "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError", "Poisson", "RootMeanSquaredError",
]


# --------------------------------------------------- per-sample functions
def accuracy(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Exact match (Keras ``Accuracy``): ``y_true == y_pred`` elementwise, as float."""
    return (y_true.reshape(y_pred.shape) == y_pred).to(torch.float32)


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> torch.Tensor:
    """``mean((y_pred > threshold) == y_true)`` over the last axis; shapes ``(batch, ...)``."""
    hit = ((y_pred > threshold) == (y_true.reshape(y_pred.shape) > 0.5)).to(torch.float32)
    return hit.mean(-1) if hit.ndim >= 2 else hit


def categorical_accuracy(y_true: Any, y_pred: Any) -> torch.Tensor:
    """``argmax(y_true) == argmax(y_pred)``; one-hot ``y_true (batch, C)``."""
    if y_true.shape != y_pred.shape:
        raise ValueError(f"categorical_accuracy: one-hot y_true must have shape "
                         f"{tuple(y_pred.shape)}, got {tuple(y_true.shape)}; for integer "
                         f"labels use sparse_categorical_accuracy.")
    return (y_true.argmax(-1) == y_pred.argmax(-1)).to(torch.float32)


def sparse_categorical_accuracy(y_true: Any, y_pred: Any) -> torch.Tensor:
    """``y_true == argmax(y_pred)``; integer ``y_true (batch,)`` or ``(batch, 1)``."""
    if tuple(y_true.shape) == tuple(y_pred.shape[:-1]):  # (batch, steps) labels of a sequence
        labels = y_true.long()
    else:
        labels = _labels(y_true, y_pred.shape[-1]).reshape(y_pred.shape[:-1])
    return (labels == y_pred.argmax(-1)).to(torch.float32)


def sparse_top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> torch.Tensor:
    """1 if the integer label is among the ``k`` highest scores of ``y_pred (batch, C)``."""
    top = y_pred.topk(min(k, y_pred.shape[-1]), dim=-1).indices
    labels = _labels(y_true, y_pred.shape[-1]).reshape(y_pred.shape[:-1] + (1,))
    return (top == labels).any(-1).to(torch.float32)


def top_k_categorical_accuracy(y_true: Any, y_pred: Any, k: int = 5) -> torch.Tensor:
    """1 if ``argmax(y_true)`` is among the ``k`` highest scores; one-hot ``y_true``."""
    return sparse_top_k_categorical_accuracy(y_true.argmax(-1), y_pred, k)


def _squared_error(y_true: Any, y_pred: Any) -> torch.Tensor:
    e = (y_true.reshape(y_pred.shape).to(y_pred.dtype) - y_pred) ** 2
    return e.flatten(1).mean(1) if e.ndim >= 2 else e


def _absolute_error(y_true: Any, y_pred: Any) -> torch.Tensor:
    e = (y_true.reshape(y_pred.shape).to(y_pred.dtype) - y_pred).abs()
    return e.flatten(1).mean(1) if e.ndim >= 2 else e


def _wrapper(cls_name: str, fn: Callable, default: str, **defaults: Any) -> type:
    """A Keras-named MeanMetricWrapper class ``cls_name(**defaults, name=default)``."""

    def __init__(self, *args: Any, name: str = default, **kwargs: Any) -> None:
        params = {**defaults, **dict(zip(defaults, args)), **kwargs}
        if set(params) - set(defaults):
            unknown = sorted(set(params) - set(defaults))
            raise TypeError(f"{cls_name}: unexpected arguments {unknown}")
        if "k" in params and params["k"] < 1:
            raise ValueError(f"{cls_name}: k must be >= 1, got {params['k']}")
        MeanMetricWrapper.__init__(self, fn, name, **params)

    doc = f"``{cls_name}``: running mean of :func:`{fn.__name__}`.\n\n{fn.__doc__}"
    return type(cls_name, (MeanMetricWrapper,),
                {"__init__": __init__, "__doc__": doc, "__module__": __name__})


Accuracy = _wrapper("Accuracy", accuracy, "accuracy")
BinaryAccuracy = _wrapper("BinaryAccuracy", binary_accuracy, "binary_accuracy", threshold=0.5)
CategoricalAccuracy = _wrapper("CategoricalAccuracy", categorical_accuracy,
                               "categorical_accuracy")
SparseCategoricalAccuracy = _wrapper("SparseCategoricalAccuracy", sparse_categorical_accuracy,
                                     "sparse_categorical_accuracy")
TopKCategoricalAccuracy = _wrapper("TopKCategoricalAccuracy", top_k_categorical_accuracy,
                                   "top_k_categorical_accuracy", k=5)
SparseTopKCategoricalAccuracy = _wrapper("SparseTopKCategoricalAccuracy",
                                         sparse_top_k_categorical_accuracy,
                                         "sparse_top_k_categorical_accuracy", k=5)
MeanSquaredError = _wrapper("MeanSquaredError", _squared_error, "mean_squared_error")
MeanAbsoluteError = _wrapper("MeanAbsoluteError", _absolute_error, "mean_absolute_error")


class AutoAccuracy(MeanMetricWrapper):
    """What ``metrics=["accuracy"]`` means when the loss does not decide it (Keras rule).

    At the first update: ``y_pred`` of width 1 (or 1-D) -> binary accuracy; ``y_true`` of
    lower rank or width 1 -> sparse categorical; otherwise categorical accuracy.
    """

    def __init__(self, name: str = "accuracy"):
        super().__init__(self._pick, name)
        self._fn: Callable | None = None

    def _pick(self, y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
        if self._fn is None:
            if y_pred.ndim == 1 or y_pred.shape[-1] == 1:
                self._fn = binary_accuracy
            elif y_true.ndim < y_pred.ndim or y_true.shape[-1] == 1:
                self._fn = sparse_categorical_accuracy
            else:
                self._fn = categorical_accuracy
        return self._fn(y_true, y_pred)


for _names, _cls in [
    (("accuracy", "acc"), AutoAccuracy), (("binary_accuracy",), BinaryAccuracy),
    (("categorical_accuracy",), CategoricalAccuracy),
    (("sparse_categorical_accuracy",), SparseCategoricalAccuracy),
    (("top_k_categorical_accuracy", "top_k"), TopKCategoricalAccuracy),
    (("sparse_top_k_categorical_accuracy", "sparse_top_k"), SparseTopKCategoricalAccuracy),
    (("precision",), Precision), (("recall",), Recall), (("f1_score", "f1"), F1Score),
    (("multiclass_precision",), MulticlassPrecision), (("multiclass_recall",), MulticlassRecall),
    (("confusion_matrix",), ConfusionMatrix), (("auc",), AUC),
    (("mean_squared_error", "mse"), MeanSquaredError),
    (("mean_absolute_error", "mae"), MeanAbsoluteError), (("mean",), Mean),
]:
    METRICS.add(*_names)(_cls)

_BY_CLASS_NAME = {c.__name__: c for _, c in METRICS.items()}
_BY_CLASS_NAME["Accuracy"] = Accuracy


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
        if identifier in _BY_CLASS_NAME:
            return _BY_CLASS_NAME[identifier]()
        return METRICS.get(identifier)(name=identifier)
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise TypeError(f"metric must be a name, a Metric or a callable (y_true, y_pred); got "
                    f"{type(identifier).__name__}: {identifier!r}")
