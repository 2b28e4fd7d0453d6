"""Regression metrics, Keras 3's: ``MeanSquaredError``, ``MeanAbsoluteError``,
``RootMeanSquaredError``, ``CosineSimilarity``, ``LogCoshError``,
``MeanAbsolutePercentageError``, ``MeanSquaredLogarithmicError``, ``Poisson`` (running
means of the per-sample values, as Keras computes them; the per-sample functions are
:mod:`nnlab.losses`').

Shapes: ``y_true`` and ``y_pred`` ``(batch, ..., d)``; ``sample_weight`` ``(batch,)``.
"""
from __future__ import annotations

from typing import Any

import torch

from .. import losses as L
from .metric import METRICS, _detach
from .reduction_metrics import Mean, MeanMetricWrapper, _wrapper


def _squared_error(y_true: Any, y_pred: Any) -> torch.Tensor:
    e = (y_true.reshape(y_pred.shape).to(y_pred.dtype) - y_pred) ** 2
    return e.flatten(1).mean(1) if e.ndim >= 2 else e


def _absolute_error(y_true: Any, y_pred: Any) -> torch.Tensor:
    e = (y_true.reshape(y_pred.shape).to(y_pred.dtype) - y_pred).abs()
    return e.flatten(1).mean(1) if e.ndim >= 2 else e


MeanSquaredError = _wrapper("MeanSquaredError", _squared_error, "mean_squared_error")
MeanAbsoluteError = _wrapper("MeanAbsoluteError", _absolute_error, "mean_absolute_error")


class RootMeanSquaredError(Mean):
    """``sqrt(mean((y_true - y_pred)^2))`` over every element seen (weighted by
    ``sample_weight``), Keras' ``RootMeanSquaredError``."""

    def __init__(self, name: str = "root_mean_squared_error"):
        super().__init__(name)

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_true, y_pred = _detach(y_true, y_pred)
        if not y_pred.is_floating_point():
            y_pred = y_pred.float()
        err = (y_true.reshape(y_pred.shape).to(y_pred.dtype) - y_pred) ** 2
        super().update_state(err, sample_weight)

    def result(self) -> float:
        return float(super().result()) ** 0.5


def _per_sample(fn, sign: float = 1.0, **fixed: Any):
    def per(y_true: torch.Tensor, y_pred: torch.Tensor, **kwargs: Any) -> torch.Tensor:
        return sign * fn(y_true, y_pred, reduction="none", **fixed, **kwargs)
    per.__name__ = fn.__name__
    per.__doc__ = fn.__doc__
    return per


class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine similarity of ``y_true`` and ``y_pred`` along ``axis`` (1 = same
    direction; the *loss* of the same name is its negative)."""

    def __init__(self, name: str = "cosine_similarity", axis: int = -1):
        super().__init__(_per_sample(L.cosine_similarity, -1.0), name, axis=axis)


class LogCoshError(MeanMetricWrapper):
    """Mean of ``log(cosh(y_pred - y_true))``."""

    def __init__(self, name: str = "logcosh"):
        super().__init__(_per_sample(L.log_cosh), name)


class MeanAbsolutePercentageError(MeanMetricWrapper):
    """Mean of ``100 |y_true - y_pred| / max(|y_true|, eps)``."""

    def __init__(self, name: str = "mean_absolute_percentage_error"):
        super().__init__(_per_sample(L.mean_absolute_percentage_error), name)


class MeanSquaredLogarithmicError(MeanMetricWrapper):
    """Mean of ``(log(1 + y_pred) - log(1 + y_true))^2``."""

    def __init__(self, name: str = "mean_squared_logarithmic_error"):
        super().__init__(_per_sample(L.mean_squared_logarithmic_error), name)


class Poisson(MeanMetricWrapper):
    """Mean of ``y_pred - y_true log(y_pred + eps)``."""

    def __init__(self, name: str = "poisson"):
        super().__init__(_per_sample(L.poisson), name)


for _names, _cls in [
    (("mean_squared_error", "mse"), MeanSquaredError),
    (("mean_absolute_error", "mae"), MeanAbsoluteError),
    (("root_mean_squared_error", "rmse"), RootMeanSquaredError),
    (("cosine_similarity",), CosineSimilarity), (("logcosh", "log_cosh"), LogCoshError),
    (("mean_absolute_percentage_error", "mape"), MeanAbsolutePercentageError),
    (("mean_squared_logarithmic_error", "msle"), MeanSquaredLogarithmicError),
    (("poisson",), Poisson),
]:
    METRICS.add(*_names)(_cls)
