"""Accuracy metrics, Keras 3's: the functions ``categorical_accuracy``,
``sparse_categorical_accuracy``, ``top_k_categorical_accuracy`` and
``sparse_top_k_categorical_accuracy`` (one value per sample, ``(batch,)``) and
``binary_accuracy`` (one per element, ``y_pred``'s shape), their running-mean classes,
plus ``AutoAccuracy`` (what ``metrics=["accuracy"]`` means when the loss does not decide).

Shapes: ``y_pred`` is ``(batch, C)`` class scores/probabilities or ``(batch,)`` /
``(batch, 1)`` binary probabilities; ``y_true`` is one-hot ``(batch, C)``, integer
labels ``(batch,)`` / ``(batch, 1)``, or 0/1 targets. Argmax-based metrics work on logits
as well as probabilities.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from .metric import METRICS, _labels
from .reduction_metrics import MeanMetricWrapper, _wrapper


def accuracy(y_true: Any, y_pred: Any) -> torch.Tensor:
    """Exact match (Keras ``Accuracy``): ``y_true == y_pred`` elementwise, as float."""
    return (y_true.reshape(y_pred.shape) == y_pred).to(torch.float32)


def binary_accuracy(y_true: Any, y_pred: Any, threshold: float = 0.5) -> torch.Tensor:
    """``(y_pred > threshold) == y_true`` elementwise, as float: the shape of ``y_pred``
    (``(batch, ...)``), as Keras 3's (``BinaryAccuracy`` averages every element)."""
    return ((y_pred > threshold) == (y_true.reshape(y_pred.shape) > 0.5)).to(torch.float32)


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
]:
    METRICS.add(*_names)(_cls)
