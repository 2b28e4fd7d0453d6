"""Metrics that average values: ``Mean`` (running weighted mean, used for the loss) and
``MeanMetricWrapper`` (the running mean of a per-sample function ``fn(y_true, y_pred)``)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from .metric import METRICS, Metric, _acc_dtype, _detach, _plain, _weights


class Mean(Metric):
    """Running (weighted) mean of values: ``result = sum(w * v) / sum(w)``; used for the loss."""

    def reset_state(self) -> None:
        self._total: torch.Tensor | None = None
        self._count: torch.Tensor | None = None
        self._host_count = 0  # unweighted updates count samples on the host: no kernel

    def update_state(self, values: Any, sample_weight: Any = None) -> None:  # type: ignore[override]
        v = _plain(values)
        if self._total is None:
            self._total = torch.zeros((), dtype=_acc_dtype(v.device), device=v.device)
            self._count = torch.zeros_like(self._total)
        if sample_weight is None:
            # The hot path of fit's metrics: one reduction accumulated into the float64
            # total (add_ promotes), the count known without touching the device.
            self._total += v.sum(dtype=self._total.dtype) if v.ndim else v
            self._host_count += v.numel() if v.ndim else 1
            return
        v = v.to(self._total.device, self._total.dtype)
        w = _weights(sample_weight, v) if v.ndim else torch.as_tensor(
            sample_weight, dtype=v.dtype, device=v.device)
        self._total += (v * w).sum()
        self._count += w.sum()

    @property
    def count(self) -> float:
        """Total weight seen (the number of values for unweighted updates); syncs."""
        return (float(self._count) if self._count is not None else 0.0) + self._host_count

    def result(self) -> float:
        if self._total is None:
            return 0.0
        total, count = torch.stack([self._total, self._count]).tolist()
        count += self._host_count
        return total / count if count else 0.0


class MeanMetricWrapper(Mean):
    """Mean over samples of ``fn(y_true, y_pred, **kwargs)`` (a per-sample tensor).

    A function returning a scalar (e.g. a loss) counts as that value for each sample.
    """

    def __init__(self, fn: Callable, name: str | None = None, **kwargs: Any):
        self.fn, self._kwargs = fn, kwargs
        super().__init__(name or getattr(fn, "__name__", type(fn).__name__))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        mask = getattr(y_pred, "_keras_mask", None)  # Keras: masked steps are not counted
        y_true, y_pred = _detach(y_true, y_pred)
        with torch.no_grad():
            values = torch.as_tensor(self.fn(y_true, y_pred, **self._kwargs))
        if mask is not None and tuple(values.shape[:mask.ndim]) == tuple(mask.shape):
            keep = mask.to(values.device, _acc_dtype(values.device))
            if sample_weight is not None:
                keep = keep * _weights(sample_weight, keep)
            sample_weight = keep
        if values.ndim == 0 and sample_weight is None and y_pred.ndim:
            sample_weight = float(y_pred.shape[0])
        super().update_state(values, sample_weight)

    def get_config(self) -> dict:
        return {**super().get_config(), **self._kwargs}


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
                {"__init__": __init__, "__doc__": doc, "__module__": fn.__module__})


METRICS.add("mean")(Mean)
