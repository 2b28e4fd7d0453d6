"""The loss base: ``Loss`` objects (what ``compile`` uses), the ``LOSSES`` registry and the
reductions.

A loss *function* (``categorical_crossentropy(y_true, y_pred)``) returns per-sample values,
as Keras 3's do; a :class:`Loss` *object* (``CategoricalCrossentropy()``) reduces them
(``reduction="mean"`` by default, Keras' ``"sum_over_batch_size"``), weighs them by
``sample_weight`` and honours a mask carried by ``y_pred``. Every loss function registers
itself in :data:`LOSSES` under its Keras names and aliases (``"mse"``, ``"cce"``, ...).

Softmax fusion hook:
    A ``CategoricalCrossentropy`` / ``SparseCategoricalCrossentropy`` built with
    ``from_logits=False`` has ``fusable_with_softmax = True`` (``BinaryCrossentropy``:
    ``fusable_with_sigmoid = True``). When the model's last layer is that activation,
    a trainer may run the model *without* it and call
    ``loss.from_logits_version()(y_true, logits)``. Mathematically
    ``-sum(y * log(softmax(z))) == cross_entropy_with_logits(y, z)``; the fused form
    uses log-sum-exp (stable, exact gradient ``softmax(z) - y``, no ``log(clamp(p, eps))``).
    Argmax metrics are unchanged by fusion; threshold metrics and ``predict()`` still
    need the activation applied to the logits.
"""
from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import torch

from nnlab.registry import Registry

LOSSES = Registry("loss")
EPSILON = 1e-7  # Keras' backend epsilon, used to clamp probabilities before log
_REDUCTIONS = ("mean", "sum_over_batch_size", "sum", "none")
Tensorish = Any  # a torch.Tensor, or anything torch.as_tensor accepts


def _reduce(per_sample: torch.Tensor, reduction: str, name: str = "loss") -> torch.Tensor:
    if reduction in ("mean", "sum_over_batch_size"):
        return per_sample.mean()
    if reduction == "sum":
        return per_sample.sum()
    if reduction == "none":
        return per_sample
    raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _per_sample(elementwise: torch.Tensor) -> torch.Tensor:
    """Keras convention: average over the last axis, one value per sample."""
    return elementwise.mean(-1) if elementwise.ndim >= 2 else elementwise


class Loss:
    """Base of loss objects: ``loss(y_true, y_pred, sample_weight=None) -> tensor``.

    ``reduction``: ``"mean"`` (= Keras ``"sum_over_batch_size"``), ``"sum"`` or ``"none"``.
    ``sample_weight`` of shape ``(batch,)`` (or broadcastable) weights per-sample losses.
    """

    fusable_with_softmax = False
    fusable_with_sigmoid = False

    def __init__(self, name: str | None = None, reduction: str | None = "mean"):
        reduction = "none" if reduction is None else reduction  # Keras 3: None = no reduction
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {_REDUCTIONS}, "
                             f"got {reduction!r}")
        self.name = name or type(self).__name__
        self.reduction = reduction

    def call(self, y_true: Tensorish, y_pred: Tensorish, reduction: str) -> torch.Tensor:
        raise NotImplementedError

    def __call__(self, y_true: Tensorish, y_pred: Tensorish,
                 sample_weight: Tensorish | None = None) -> torch.Tensor:
        mask = getattr(y_pred, "_keras_mask", None)
        if sample_weight is None and mask is None:
            return self.call(y_true, y_pred, self.reduction)
        per = self.call(y_true, y_pred, "none")
        w = None
        if sample_weight is not None:
            w = torch.as_tensor(sample_weight, dtype=per.dtype, device=per.device)
            if w.ndim and w.ndim < per.ndim:
                w = w.reshape(w.shape + (1,) * (per.ndim - w.ndim))
        if mask is not None:
            w = _mask_weights(self.name, mask, per, w, self.reduction)
        return _reduce(per * w, self.reduction, self.name)

    def from_logits_version(self) -> Loss:
        """The same loss on logits (see the module docstring); only for fusable losses."""
        if not (self.fusable_with_softmax or self.fusable_with_sigmoid):
            raise ValueError(f"{self.name} has no from-logits version to fuse with.")
        return type(self)(**{**self.get_config(), "from_logits": True})

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config: dict) -> Loss:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _mask_weights(name: str, mask: torch.Tensor, per: torch.Tensor, w: Any,
                  reduction: str) -> torch.Tensor:
    """Keras 3's ``apply_mask``: a ``(batch, timesteps)`` mask on ``y_pred`` becomes
    weights ``total / valid`` on kept steps and 0 on masked ones, so a mean-reduced loss is
    the mean over the kept steps only (a padded step changes nothing)."""
    if tuple(mask.shape) != tuple(per.shape[:mask.ndim]):
        raise ValueError(f"{name}: y_pred carries a mask of shape {tuple(mask.shape)}, which "
                         f"does not match the per-step losses of shape {tuple(per.shape)}.")
    keep = mask.to(per.device, torch.bool)
    if keep.ndim < per.ndim:
        keep = keep.reshape(keep.shape + (1,) * (per.ndim - keep.ndim))
    if reduction in ("mean", "sum_over_batch_size"):
        valid = keep.sum().to(per.dtype)
        scale = torch.where(valid > 0, keep.numel() / valid.clamp(min=1), valid)
        weights = torch.where(keep, scale, per.new_zeros(()))
    else:
        weights = keep.to(per.dtype)
    weights = weights.expand_as(per) if weights.shape != per.shape else weights
    return weights if w is None else weights * w


class LossFunctionWrapper(Loss):
    """Wraps a function ``fn(y_true, y_pred, **kwargs)`` as a :class:`Loss`."""

    def __init__(self, fn: Callable, name: str | None = None, reduction: str = "mean",
                 **kwargs: Any):
        super().__init__(name or getattr(fn, "__name__", type(fn).__name__), reduction)
        self.fn, self._kwargs = fn, kwargs
        try:
            self._takes_reduction = "reduction" in inspect.signature(fn).parameters
        except (TypeError, ValueError):
            self._takes_reduction = False

    def call(self, y_true: Tensorish, y_pred: Tensorish, reduction: str) -> torch.Tensor:
        if self._takes_reduction:
            return self.fn(y_true, y_pred, reduction=reduction, **self._kwargs)
        out = torch.as_tensor(self.fn(y_true, y_pred, **self._kwargs))
        if reduction == "none" or out.ndim == 0:
            return out
        return _reduce(out, reduction, self.name)

    def get_config(self) -> dict:
        return {**super().get_config(), **self._kwargs}
