"""Metric base classes and helpers: ``Metric`` (update_state / result / reset_state),
``Mean`` and ``MeanMetricWrapper``; running sums stay on the device."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from nnlab.registry import Registry

METRICS = Registry("metric")


def _acc_dtype(device: torch.device) -> torch.dtype:
    return torch.float32 if device.type == "mps" else torch.float64


def _plain(value: Any, device: Any = None) -> torch.Tensor:
    """A tensor without autograd history (no dispatch when it already is one)."""
    if not isinstance(value, torch.Tensor) or (device is not None and value.device != device):
        value = torch.as_tensor(value, device=device)
    return value.detach() if value.requires_grad else value


def _detach(y_true: Any, y_pred: Any):
    y_pred = _plain(y_pred)
    y_true = _plain(y_true, y_pred.device)
    if y_true.dtype == torch.bool:  # boolean one-hot or binary targets, as Keras accepts
        y_true = y_true.to(y_pred.dtype if y_pred.is_floating_point() else torch.float32)
    return y_true, y_pred


def _weights(sample_weight: Any, like: torch.Tensor) -> torch.Tensor:
    """Per-element weights broadcast to ``like`` (a per-sample tensor)."""
    if sample_weight is None:
        return torch.ones_like(like, dtype=_acc_dtype(like.device))
    w = torch.as_tensor(sample_weight, device=like.device, dtype=_acc_dtype(like.device))
    if w.ndim and w.ndim < like.ndim:
        w = w.reshape(w.shape + (1,) * (like.ndim - w.ndim))
    return w.expand_as(like)


def _labels(y_true: torch.Tensor, c: int) -> torch.Tensor:
    """Class indices from one-hot ``(batch, C)`` or integer ``(batch,)``/``(batch, 1)`` labels."""
    if y_true.ndim >= 2 and y_true.shape[-1] == c and c > 1:
        return y_true.argmax(-1)
    if y_true.ndim >= 2 and y_true.shape[-1] == 1:
        y_true = y_true.squeeze(-1)
    return y_true.long()


class Metric:
    """Base class: subclasses implement ``update_state``, ``result``, ``reset_state``."""

    def __init__(self, name: str | None = None):
        self.name = name or _snake(type(self).__name__)
        self.reset_state()

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        raise NotImplementedError

    def result(self) -> float | np.ndarray:
        raise NotImplementedError

    def reset_state(self) -> None:
        raise NotImplementedError

    def __call__(self, y_true: Any, y_pred: Any, sample_weight: Any = None):
        """Update with one batch and return the running result (syncs)."""
        self.update_state(y_true, y_pred, sample_weight)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name}

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _snake(name: str) -> str:
    out = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
    return out.replace("a_u_c", "auc")


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
