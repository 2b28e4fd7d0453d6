"""Input checks shared by the loss functions: tensors, shapes, one-hot and integer labels.

Regression losses never broadcast: a ``(batch,)`` target against a ``(batch, 1)``
prediction is reshaped, any other mismatch is an error (torch would silently broadcast
it to ``(batch, batch)``). Integer labels are range-checked in ``[0, C)`` unless ``fit``
has checked the whole ``y`` once already (:func:`labels_prevalidated`).
"""
from __future__ import annotations

import contextlib

import torch

from .loss import Tensorish


def _tensors(y_true: Tensorish, y_pred: Tensorish):
    if isinstance(y_true, torch.Tensor) and isinstance(y_pred, torch.Tensor) \
            and y_pred.is_floating_point() and y_true.device == y_pred.device:
        return y_true, y_pred  # the hot path: nothing to convert
    y_pred = torch.as_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.float()
    return torch.as_tensor(y_true, device=y_pred.device), y_pred


def _same_shape(name: str, y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
    """Return y_true as y_pred's dtype and shape; refuse silent broadcasting."""
    if y_true.shape != y_pred.shape:
        if y_true.numel() != y_pred.numel() or y_true.shape[:1] != y_pred.shape[:1]:
            raise ValueError(
                f"{name}: y_true has shape {tuple(y_true.shape)} but y_pred has shape "
                f"{tuple(y_pred.shape)}; they must match (batch, ...) element for element."
            )
        y_true = y_true.reshape(y_pred.shape)
    return y_true.to(y_pred.dtype)


def _check_one_hot(name: str, y_true: torch.Tensor, y_pred: torch.Tensor) -> None:
    if y_true.shape == y_pred.shape:
        return
    c = y_pred.shape[-1] if y_pred.ndim else 1
    if y_true.ndim == y_pred.ndim and y_true.shape[:-1] == y_pred.shape[:-1]:
        raise ValueError(
            f"{name}: one-hot y_true must have width C={c} like y_pred {tuple(y_pred.shape)}, "
            f"got width {y_true.shape[-1]} (y_true {tuple(y_true.shape)})."
        )
    raise ValueError(
        f"{name}: expected one-hot y_true of shape {tuple(y_pred.shape)}, got "
        f"{tuple(y_true.shape)}. For integer class labels use "
        f"sparse_categorical_crossentropy (or to_categorical the labels)."
    )


_range_checks = {"on": True}


@contextlib.contextmanager
def labels_prevalidated():
    """Skip the per-call label range check (one host read per call, a device sync on GPU).

    ``fit`` enters this after checking the whole of an in-memory ``y`` once.
    """
    previous = _range_checks["on"]
    _range_checks["on"] = False
    try:
        yield
    finally:
        _range_checks["on"] = previous


def _sparse_labels(name: str, y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
    """Integer labels shaped like ``y_pred.shape[:-1]``, range-checked in [0, C).

    The range check is one ``aminmax`` and one host read (a device sync on GPU).
    """
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == 1:
        y_true = y_true.squeeze(-1)
    if y_true.shape != y_pred.shape[:-1]:
        hint = " If y_true is one-hot, use the categorical (non-sparse) loss." if (
            y_true.shape == y_pred.shape) else ""
        raise ValueError(
            f"{name}: y_true must hold integer class labels of shape "
            f"{tuple(y_pred.shape[:-1])} for y_pred {tuple(y_pred.shape)}, got "
            f"{tuple(y_true.shape)}.{hint}"
        )
    c = y_pred.shape[-1]
    if y_true.numel() and _range_checks["on"]:
        lo, hi = torch.stack(torch.aminmax(y_true.detach())).tolist()
        if lo < 0 or hi >= c:
            bad = lo if lo < 0 else hi
            raise ValueError(
                f"{name}: labels must be in [0, {c}) for {c} classes, got label {bad}."
            )
    return y_true if y_true.dtype == torch.int64 else y_true.long()


def _smoothing(owner: str, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{owner}: label_smoothing must be in [0, 1], got {value}")
    return float(value)


def _margin(owner: str, margin: float) -> float:
    if margin < 0:
        raise ValueError(f"{owner}: margin must be >= 0, got {margin}")
    return float(margin)


def _pair(name: str, y_true: Tensorish, y_pred: Tensorish):
    y_true, y_pred = _tensors(y_true, y_pred)
    return _same_shape(name, y_true, y_pred), y_pred
