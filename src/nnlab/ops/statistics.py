"""``keras.ops``' statistics: averages, quantiles, counts, histograms and the NaN-ignoring
reductions, as thin wrappers of torch with Keras' argument names.

Example:
    >>> from nnlab import ops
    >>> float(ops.median(ops.array([3.0, 1.0, 2.0])))
    2.0
"""
from __future__ import annotations

import builtins
from typing import Any, Optional

import numpy as np
import torch

from .core import _axis, _t
from .numpy_more import _float, amax, amin


def average(x: Any, axis: Optional[int] = None, weights: Any = None) -> torch.Tensor:
    x = _float(x)
    if weights is None:
        return x.mean() if axis is None else x.mean(dim=axis)
    w = _float(weights)
    if axis is not None and w.ndim == 1:
        shape = [1] * x.ndim
        shape[axis] = -1
        w = w.reshape(shape)
    return (x * w).sum() / w.expand_as(x).sum() if axis is None else \
        (x * w).sum(dim=axis) / w.expand_as(x).sum(dim=axis)


def median(x: Any, axis: Optional[int] = None, keepdims: bool = False) -> torch.Tensor:
    return quantile(x, 0.5, axis=axis, keepdims=keepdims)


def quantile(x: Any, q: Any, axis: Optional[int] = None, method: str = "linear",
             keepdims: bool = False) -> torch.Tensor:
    return torch.quantile(_float(x), _float(q), dim=axis, keepdim=keepdims,
                          interpolation=method)


def percentile(x: Any, q: Any, axis: Optional[int] = None, method: str = "linear",
               keepdims: bool = False) -> torch.Tensor:
    return quantile(x, _float(q) / 100.0, axis, method, keepdims)


def ptp(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    return amax(x, axis, keepdims) - amin(x, axis, keepdims)


def count_nonzero(x: Any, axis: Any = None) -> torch.Tensor:
    return torch.count_nonzero(_t(x), dim=_axis(axis))


def bincount(x: Any, weights: Any = None, minlength: int = 0, sparse: bool = False
             ) -> torch.Tensor:
    x = _t(x)
    w = None if weights is None else _t(weights)
    if x.ndim == 2:  # Keras: one count per row
        length = builtins.max(minlength, int(x.max()) + 1 if x.numel() else 0)
        return torch.stack([torch.bincount(r, None if w is None else wr, length)
                            for r, wr in zip(x, w if w is not None else [None] * len(x))])
    return torch.bincount(x, w, minlength)


def histogram(x: Any, bins: int = 10, range: Any = None) -> tuple:  # noqa: A002
    x = _float(x)
    lo, hi = (float(x.min()), float(x.max())) if range is None else range
    return torch.histogram(x.cpu(), bins=bins, range=(lo, hi))


def correlate(x1: Any, x2: Any, mode: str = "valid") -> torch.Tensor:
    return torch.as_tensor(np.correlate(np.asarray(_t(x1).detach().cpu()),
                                        np.asarray(_t(x2).detach().cpu()), mode))


def corrcoef(x: Any) -> torch.Tensor:
    return torch.corrcoef(_float(x))


def trapezoid(y: Any, x: Any = None, dx: float = 1.0, axis: int = -1) -> torch.Tensor:
    if x is None:
        return torch.trapezoid(_float(y), dx=dx, dim=axis)
    return torch.trapezoid(_float(y), _float(x), dim=axis)


def _nan(fn_name: str, torch_fn):
    def op(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
        x = _float(x)
        if axis is None:
            out = torch_fn(x)
            return out.reshape((1,) * x.ndim) if keepdims else out
        return torch_fn(x, dim=_axis(axis), keepdim=keepdims)
    op.__name__ = fn_name
    op.__doc__ = f"``{fn_name}`` ignoring NaNs."
    return op


nanmean, nansum, nanmedian = (_nan(n, f) for n, f in (
    ("nanmean", torch.nanmean), ("nansum", torch.nansum),
    ("nanmedian", lambda x, **k: torch.nanquantile(x, 0.5, **k))))


def nanmax(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    x = _float(x)
    return amax(torch.where(x.isnan(), -torch.inf, x), axis, keepdims)


def nanmin(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    x = _float(x)
    return amin(torch.where(x.isnan(), torch.inf, x), axis, keepdims)
