"""More Keras losses: ``CosineSimilarity``, ``LogCosh``, ``MeanAbsolutePercentageError``,
``MeanSquaredLogarithmicError``, ``Poisson``, ``BinaryFocalCrossentropy`` (Keras 3 formulas).

Functions take ``(y_true, y_pred)`` of the same shape ``(batch, ..., d)`` and average over
the last axis (one value per sample, Keras' convention), then reduce over the batch.
"""
from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from .loss_functions import (EPSILON, LOSSES, Tensorish, _per_sample, _reduce, _same_shape,
                             _tensors)
from .losses import LossFunctionWrapper


def _pair(name: str, y_true: Tensorish, y_pred: Tensorish):
    y_true, y_pred = _tensors(y_true, y_pred)
    return _same_shape(name, y_true, y_pred), y_pred


@LOSSES.add("cosine_similarity")
def cosine_similarity(y_true: Tensorish, y_pred: Tensorish, axis: int = -1,
                      reduction: str = "mean") -> torch.Tensor:
    """``L = -sum(l2_normalize(y_true) * l2_normalize(y_pred), axis)`` (in [-1, 1]; -1 is best).

    ``l2_normalize(x) = x / sqrt(max(sum(x^2), 1e-12))`` as Keras (``F.normalize``)."""
    y_true, y_pred = _pair("cosine_similarity", y_true, y_pred)
    per = -(F.normalize(y_true, dim=axis, eps=1e-6) * F.normalize(y_pred, dim=axis, eps=1e-6)
            ).sum(axis)
    return _reduce(per, reduction, "cosine_similarity")


@LOSSES.add("log_cosh", "logcosh")
def log_cosh(y_true: Tensorish, y_pred: Tensorish, reduction: str = "mean") -> torch.Tensor:
    """``L = mean(log(cosh(y_pred - y_true)))``, computed stably as
    ``x + softplus(-2x) - log 2``: ~ ``x^2 / 2`` for small errors, ``|x| - log 2`` for large."""
    y_true, y_pred = _pair("log_cosh", y_true, y_pred)
    x = y_pred - y_true
    return _reduce(_per_sample(x + F.softplus(-2.0 * x) - math.log(2.0)), reduction, "log_cosh")


@LOSSES.add("mean_absolute_percentage_error", "mape")
def mean_absolute_percentage_error(y_true: Tensorish, y_pred: Tensorish,
                                   reduction: str = "mean") -> torch.Tensor:
    """``L = 100 * mean(|y_true - y_pred| / max(|y_true|, EPSILON))``."""
    y_true, y_pred = _pair("mean_absolute_percentage_error", y_true, y_pred)
    diff = ((y_true - y_pred) / y_true.abs().clamp_min(EPSILON)).abs()
    return _reduce(100.0 * _per_sample(diff), reduction, "mean_absolute_percentage_error")


@LOSSES.add("mean_squared_logarithmic_error", "msle")
def mean_squared_logarithmic_error(y_true: Tensorish, y_pred: Tensorish,
                                   reduction: str = "mean") -> torch.Tensor:
    """``L = mean((log(1 + max(y_pred, EPSILON)) - log(1 + max(y_true, EPSILON)))^2)``."""
    y_true, y_pred = _pair("mean_squared_logarithmic_error", y_true, y_pred)
    d = torch.log1p(y_pred.clamp_min(EPSILON)) - torch.log1p(y_true.clamp_min(EPSILON))
    return _reduce(_per_sample(d * d), reduction, "mean_squared_logarithmic_error")


@LOSSES.add("poisson")
def poisson(y_true: Tensorish, y_pred: Tensorish, reduction: str = "mean") -> torch.Tensor:
    """``L = mean(y_pred - y_true * log(y_pred + EPSILON))`` (negative Poisson log-likelihood
    up to a constant); ``y_pred`` is the predicted rate, > 0."""
    y_true, y_pred = _pair("poisson", y_true, y_pred)
    return _reduce(_per_sample(y_pred - y_true * torch.log(y_pred + EPSILON)), reduction,
                   "poisson")


@LOSSES.add("binary_focal_crossentropy")
def binary_focal_crossentropy(y_true: Tensorish, y_pred: Tensorish,
                              apply_class_balancing: bool = False, alpha: float = 0.25,
                              gamma: float = 2.0, from_logits: bool = False,
                              label_smoothing: float = 0.0, reduction: str = "mean"
                              ) -> torch.Tensor:
    """Focal loss (Lin et al., 2017): ``L = mean(w * (1 - p_t)^gamma * BCE(y, p))`` with
    ``p_t = y p + (1 - y)(1 - p)``; ``w = alpha`` for positives and ``1 - alpha`` for
    negatives when ``apply_class_balancing``, else 1. ``gamma = 0`` is plain BCE."""
    y_true, y_pred = _pair("binary_focal_crossentropy", y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        bce = F.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none")
        p = torch.sigmoid(y_pred)
    else:
        p = y_pred.clamp(EPSILON, 1.0 - EPSILON)
        bce = -(y_true * torch.log(p) + (1 - y_true) * torch.log(1 - p))
        p = y_pred
    p_t = y_true * p + (1 - y_true) * (1 - p)
    focal = (1.0 - p_t).pow(gamma) * bce
    if apply_class_balancing:
        focal = (y_true * alpha + (1 - y_true) * (1 - alpha)) * focal
    return _reduce(_per_sample(focal), reduction, "binary_focal_crossentropy")


class CosineSimilarity(LossFunctionWrapper):
    """Object form of :func:`cosine_similarity` (``axis``: the vector axis)."""

    def __init__(self, axis: int = -1, name: str = "cosine_similarity",
                 reduction: Any = "mean"):
        super().__init__(cosine_similarity, name, reduction, axis=axis)


class LogCosh(LossFunctionWrapper):
    """Object form of :func:`log_cosh`."""

    def __init__(self, name: str = "log_cosh", reduction: Any = "mean"):
        super().__init__(log_cosh, name, reduction)


class MeanAbsolutePercentageError(LossFunctionWrapper):
    """Object form of :func:`mean_absolute_percentage_error`."""

    def __init__(self, name: str = "mean_absolute_percentage_error", reduction: Any = "mean"):
        super().__init__(mean_absolute_percentage_error, name, reduction)


class MeanSquaredLogarithmicError(LossFunctionWrapper):
    """Object form of :func:`mean_squared_logarithmic_error`."""

    def __init__(self, name: str = "mean_squared_logarithmic_error", reduction: Any = "mean"):
        super().__init__(mean_squared_logarithmic_error, name, reduction)


class Poisson(LossFunctionWrapper):
    """Object form of :func:`poisson`."""

    def __init__(self, name: str = "poisson", reduction: Any = "mean"):
        super().__init__(poisson, name, reduction)


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Object form of :func:`binary_focal_crossentropy` (Keras 3's arguments)."""

    def __init__(self, apply_class_balancing: bool = False, alpha: float = 0.25,
                 gamma: float = 2.0, from_logits: bool = False, label_smoothing: float = 0.0,
                 name: str = "binary_focal_crossentropy", reduction: Any = "mean"):
        if gamma < 0:
            raise ValueError(f"BinaryFocalCrossentropy: gamma must be >= 0, got {gamma}")
        if not 0 <= alpha <= 1:
            raise ValueError(f"BinaryFocalCrossentropy: alpha must be in [0, 1], got {alpha}")
        super().__init__(binary_focal_crossentropy, name, reduction,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing)


EXTRA_LOSS_CLASSES = (CosineSimilarity, LogCosh, MeanAbsolutePercentageError,
                      MeanSquaredLogarithmicError, Poisson, BinaryFocalCrossentropy)
