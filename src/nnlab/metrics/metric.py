"""The metric base: ``Metric`` (``update_state`` / ``result`` / ``reset_state``), the
``METRICS`` registry and the helpers every metric shares; running sums stay on the device."""
from __future__ import annotations

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
