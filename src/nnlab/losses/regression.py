"""Regression losses, Keras 3's: ``mean_squared_error``, ``mean_absolute_error``,
``mean_absolute_percentage_error``, ``mean_squared_logarithmic_error``, ``huber``,
``log_cosh``, ``cosine_similarity`` and their ``Loss`` objects.

Functions take ``(y_true, y_pred)`` of the same shape ``(batch, ..., d)`` and return one
value per sample (the last axis averaged, Keras' convention): ``(batch, ...)``;
``reduction="mean"`` (or ``"sum"``) reduces over the batch. The objects reduce with their
``reduction`` (``"mean"`` by default).
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .checks import _pair, _same_shape, _tensors
from .loss import EPSILON, LOSSES, LossFunctionWrapper, Tensorish, _per_sample, _reduce


@LOSSES.add("mean_squared_error", "mse")
def mean_squared_error(y_true: Tensorish, y_pred: Tensorish,
                       reduction: str = "none") -> torch.Tensor:
    """``L = mean((y_true - y_pred)^2)``; shapes ``(batch, ...)`` (``F.mse_loss``)."""
    y_true, y_pred = _tensors(y_true, y_pred)
    y_true = _same_shape("mean_squared_error", y_true, y_pred)
    return _reduce(_per_sample(F.mse_loss(y_pred, y_true, reduction="none")), reduction)


@LOSSES.add("mean_absolute_error", "mae")
def mean_absolute_error(y_true: Tensorish, y_pred: Tensorish,
                        reduction: str = "none") -> torch.Tensor:
    """``L = mean(|y_true - y_pred|)``; shapes ``(batch, ...)`` (``F.l1_loss``)."""
    y_true, y_pred = _tensors(y_true, y_pred)
    y_true = _same_shape("mean_absolute_error", y_true, y_pred)
    return _reduce(_per_sample(F.l1_loss(y_pred, y_true, reduction="none")), reduction)


@LOSSES.add("mean_absolute_percentage_error", "mape")
def mean_absolute_percentage_error(y_true: Tensorish, y_pred: Tensorish,
                                   reduction: str = "none") -> torch.Tensor:
    """``L = 100 * mean(|y_true - y_pred| / max(|y_true|, EPSILON))``."""
    y_true, y_pred = _pair("mean_absolute_percentage_error", y_true, y_pred)
    diff = ((y_true - y_pred) / y_true.abs().clamp_min(EPSILON)).abs()
    return _reduce(100.0 * _per_sample(diff), reduction, "mean_absolute_percentage_error")


@LOSSES.add("mean_squared_logarithmic_error", "msle")
def mean_squared_logarithmic_error(y_true: Tensorish, y_pred: Tensorish,
                                   reduction: str = "none") -> torch.Tensor:
    """``L = mean((log(1 + max(y_pred, EPSILON)) - log(1 + max(y_true, EPSILON)))^2)``."""
    y_true, y_pred = _pair("mean_squared_logarithmic_error", y_true, y_pred)
    d = torch.log1p(y_pred.clamp_min(EPSILON)) - torch.log1p(y_true.clamp_min(EPSILON))
    return _reduce(_per_sample(d * d), reduction, "mean_squared_logarithmic_error")


@LOSSES.add("huber", "huber_loss")
def huber(y_true: Tensorish, y_pred: Tensorish, delta: float = 1.0,
          reduction: str = "none") -> torch.Tensor:
    """``L = 0.5 e^2`` if ``|e| <= delta`` else ``delta (|e| - 0.5 delta)``; ``e = y_pred - y``."""
    y_true, y_pred = _tensors(y_true, y_pred)
    y_true = _same_shape("huber", y_true, y_pred)
    elem = F.huber_loss(y_pred, y_true, reduction="none", delta=delta)
    return _reduce(_per_sample(elem), reduction)


@LOSSES.add("log_cosh", "logcosh")
def log_cosh(y_true: Tensorish, y_pred: Tensorish, reduction: str = "none") -> torch.Tensor:
    """``L = mean(log(cosh(y_pred - y_true)))``, computed stably as
    ``x + softplus(-2x) - log 2``: ~ ``x^2 / 2`` for small errors, ``|x| - log 2`` for large."""
    y_true, y_pred = _pair("log_cosh", y_true, y_pred)
    x = y_pred - y_true
    return _reduce(_per_sample(x + F.softplus(-2.0 * x) - math.log(2.0)), reduction, "log_cosh")


@LOSSES.add("cosine_similarity")
def cosine_similarity(y_true: Tensorish, y_pred: Tensorish, axis: int = -1,
                      reduction: str = "none") -> torch.Tensor:
    """``L = -sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)`` (in [-1, 1]; -1 is best).

    ``l2_normalize(x) = x / sqrt(max(sum(x^2), 1e-12))`` as Keras (``F.normalize``)."""
    y_true, y_pred = _pair("cosine_similarity", y_true, y_pred)
    per = -(F.normalize(y_true, dim=axis, eps=1e-6) * F.normalize(y_pred, dim=axis, eps=1e-6)
            ).sum(axis)
    return _reduce(per, reduction, "cosine_similarity")


class MeanSquaredError(LossFunctionWrapper):
    """Object form of :func:`mean_squared_error`: ``L = mean((y_true - y_pred)^2)``."""

    def __init__(self, name: str = "mean_squared_error", reduction: str = "mean"):
        super().__init__(mean_squared_error, name, reduction)


class MeanAbsoluteError(LossFunctionWrapper):
    """Object form of :func:`mean_absolute_error`: ``L = mean(|y_true - y_pred|)``."""

    def __init__(self, name: str = "mean_absolute_error", reduction: str = "mean"):
        super().__init__(mean_absolute_error, name, reduction)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Object form of :func:`mean_absolute_percentage_error`."""

    def __init__(self, name: str = "mean_absolute_percentage_error", reduction: str = "mean"):
        super().__init__(mean_absolute_percentage_error, name, reduction)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Object form of :func:`mean_squared_logarithmic_error`."""

    def __init__(self, name: str = "mean_squared_logarithmic_error", reduction: str = "mean"):
        super().__init__(mean_squared_logarithmic_error, name, reduction)


class Huber(LossFunctionWrapper):
    """Object form of :func:`huber`."""

    def __init__(self, delta: float = 1.0, name: str = "huber", reduction: str = "mean"):
        if delta <= 0:
            raise ValueError(f"Huber: delta must be > 0, got {delta}")
        super().__init__(huber, name, reduction, delta=delta)


class LogCosh(LossFunctionWrapper):
    """Object form of :func:`log_cosh`."""

    def __init__(self, name: str = "log_cosh", reduction: str = "mean"):
        super().__init__(log_cosh, name, reduction)


class CosineSimilarity(LossFunctionWrapper):
    """Object form of :func:`cosine_similarity` (``axis``: the vector axis)."""

    def __init__(self, axis: int = -1, name: str = "cosine_similarity",
                 reduction: str = "mean"):
        super().__init__(cosine_similarity, name, reduction, axis=axis)
