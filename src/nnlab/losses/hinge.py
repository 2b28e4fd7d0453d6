"""Hinge losses: Keras 3's ``hinge``, ``squared_hinge``, ``categorical_hinge`` and the
multiclass SVM losses ``multiclass_hinge`` and ``multiclass_squared_hinge`` (CS231n), with
their ``Loss`` objects.

Functions return one value per sample ``(batch,)``; ``reduction="mean"`` (or ``"sum"``)
reduces over the batch.
"""
from __future__ import annotations


import torch
import torch.nn.functional as F

from .checks import _check_one_hot, _margin, _same_shape, _sparse_labels, _tensors
from .loss import LOSSES, LossFunctionWrapper, Tensorish, _per_sample, _reduce


def _pm_one(y_true: torch.Tensor) -> torch.Tensor:
    """Keras: labels that are all in {0, 1} become {-1, 1} (decided on-device, no sync)."""
    is_binary = ((y_true == 0) | (y_true == 1)).all()
    return torch.where(is_binary, 2.0 * y_true - 1.0, y_true)


@LOSSES.add("hinge")
def hinge(y_true: Tensorish, y_pred: Tensorish, reduction: str = "none") -> torch.Tensor:
    """Binary hinge (Keras): ``L = mean(max(1 - y * y_pred, 0))``, ``y`` in {-1, 1} (0/1 mapped)."""
    y_true, y_pred = _tensors(y_true, y_pred)
    y = _pm_one(_same_shape("hinge", y_true, y_pred))
    return _reduce(_per_sample(F.relu(1.0 - y * y_pred)), reduction)


@LOSSES.add("squared_hinge")
def squared_hinge(y_true: Tensorish, y_pred: Tensorish, reduction: str = "none") -> torch.Tensor:
    """``L = mean(max(1 - y * y_pred, 0)^2)``, ``y`` in {-1, 1} (0/1 converted)."""
    y_true, y_pred = _tensors(y_true, y_pred)
    y = _pm_one(_same_shape("squared_hinge", y_true, y_pred))
    return _reduce(_per_sample(F.relu(1.0 - y * y_pred) ** 2), reduction)


@LOSSES.add("categorical_hinge")
def categorical_hinge(y_true: Tensorish, y_pred: Tensorish,
                      reduction: str = "none") -> torch.Tensor:
    """Keras: ``L = max(neg - pos + 1, 0)``, ``pos = sum(y s)``, ``neg = max((1 - y) s)``.

    ``y_true`` is one-hot ``(batch, C)``, ``y_pred`` scores ``(batch, C)``.
    """
    name = "categorical_hinge"
    y_true, y_pred = _tensors(y_true, y_pred)
    _check_one_hot(name, y_true, y_pred)
    y = y_true.to(y_pred.dtype)
    pos = (y * y_pred).sum(-1)
    neg = ((1.0 - y) * y_pred).amax(-1)
    return _reduce(F.relu(neg - pos + 1.0), reduction, name)


@LOSSES.add("multiclass_hinge", "svm", "multiclass_svm")
def multiclass_hinge(y_true: Tensorish, y_pred: Tensorish, margin: float = 1.0,
                     reduction: str = "none") -> torch.Tensor:
    """Multiclass SVM loss (CS231n): ``L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + margin)``.

    ``y_pred`` are scores ``(batch, C)``; ``y_true`` integer labels ``(batch,)`` or one-hot
    ``(batch, C)``. Computed as ``C * F.multi_margin_loss`` (torch divides by C).
    Example: scores [cat 3.2, car 5.1, frog -1.7], label cat -> 2.9 + 0 = 2.9.
    """
    return _multiclass_margin("multiclass_hinge", y_true, y_pred, margin, 1, reduction)


@LOSSES.add("multiclass_squared_hinge", "squared_svm")
def multiclass_squared_hinge(y_true: Tensorish, y_pred: Tensorish, margin: float = 1.0,
                             reduction: str = "none") -> torch.Tensor:
    """Squared-hinge multiclass SVM (CS231n, "L2-SVM"):
    ``L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + margin)^2``.

    Not Keras' ``squared_hinge`` (binary, labels in {-1, 1}). Shapes as
    :func:`multiclass_hinge`. Example: scores [cat 3.2, car 5.1, frog -1.7], label cat ->
    2.9^2 + 0 = 8.41.
    """
    return _multiclass_margin("multiclass_squared_hinge", y_true, y_pred, margin, 2, reduction)


def _multiclass_margin(name: str, y_true: Tensorish, y_pred: Tensorish, margin: float, p: int,
                       reduction: str) -> torch.Tensor:
    """``sum_{j != y} max(0, s_j - s_y + margin)^p`` per sample: ``C * F.multi_margin_loss``
    (torch divides by C). Labels ``(batch,)`` or one-hot ``(batch, C)``; scores ``(batch, C)``."""
    y_true, y_pred = _tensors(y_true, y_pred)
    c = y_pred.shape[-1]
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == c and c > 1:
        _check_one_hot(name, y_true, y_pred)
        y_true = y_true.argmax(-1)
    labels = _sparse_labels(name, y_true, y_pred).reshape(-1)
    per = c * F.multi_margin_loss(y_pred.reshape(-1, c), labels, p=p, margin=margin,
                                  reduction="none")
    return _reduce(per.reshape(y_pred.shape[:-1]), reduction, name)


class Hinge(LossFunctionWrapper):
    """Object form of :func:`hinge`: ``L = mean(max(1 - y * y_pred, 0))``."""

    def __init__(self, name: str = "hinge", reduction: str = "mean"):
        super().__init__(hinge, name, reduction)


class SquaredHinge(LossFunctionWrapper):
    """Object form of :func:`squared_hinge`: ``L = mean(max(1 - y * y_pred, 0)^2)``."""

    def __init__(self, name: str = "squared_hinge", reduction: str = "mean"):
        super().__init__(squared_hinge, name, reduction)


class CategoricalHinge(LossFunctionWrapper):
    """Object form of :func:`categorical_hinge`: ``L = max(neg - pos + 1, 0)``."""

    def __init__(self, name: str = "categorical_hinge", reduction: str = "mean"):
        super().__init__(categorical_hinge, name, reduction)


class MulticlassHinge(LossFunctionWrapper):
    """Object form of :func:`multiclass_hinge` (the multiclass SVM loss)."""

    def __init__(self, margin: float = 1.0, name: str = "multiclass_hinge",
                 reduction: str = "mean"):
        super().__init__(multiclass_hinge, name, reduction, margin=_margin(name, margin))


class MulticlassSquaredHinge(LossFunctionWrapper):
    """Object form of :func:`multiclass_squared_hinge` (the squared-hinge multiclass SVM)."""

    def __init__(self, margin: float = 1.0, name: str = "multiclass_squared_hinge",
                 reduction: str = "mean"):
        super().__init__(multiclass_squared_hinge, name, reduction,
                         margin=_margin(name, margin))
