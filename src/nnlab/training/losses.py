"""Losses with Keras names: ``loss(y_true, y_pred) -> scalar tensor`` (mean over the batch).

Every loss is a function registered in :data:`LOSSES` and, for ``compile()``, a
:class:`Loss` object (``CategoricalCrossentropy(from_logits=False, label_smoothing=0)``,
...). :func:`get` resolves a name, a function, a ``Loss`` or a torch loss module.
The kernels are torch's (``F.cross_entropy``, ``F.binary_cross_entropy_with_logits``,
``F.huber_loss``, ``F.multi_margin_loss``, ``F.triplet_margin_loss``, ...).

Shapes: ``y_pred`` is ``(batch, ..., classes)`` for classification losses and
``(batch, ...)`` otherwise. Regression losses never broadcast: a ``(batch,)`` target
against a ``(batch, 1)`` prediction is reshaped, any other mismatch is an error
(torch would silently broadcast it to ``(batch, batch)``).

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

from .loss_functions import (  # noqa: F401  (re-exported: nnlab.losses.mse, ...)
    LOSSES,
    EPSILON,
    _REDUCTIONS,
    Tensorish,
    _reduce,
    labels_prevalidated,
    categorical_crossentropy,
    sparse_categorical_crossentropy,
    binary_crossentropy,
    mean_squared_error,
    mean_absolute_error,
    huber,
    kl_divergence,
    hinge,
    squared_hinge,
    categorical_hinge,
    multiclass_hinge,
    triplet_loss,
    batch_hard_triplet,
    contrastive,
)

__all__ = [
    "EPSILON", "LOSSES", "BatchHardTripletLoss", "BinaryCrossentropy",
    "CategoricalCrossentropy", "CategoricalHinge", "ContrastiveLoss", "Hinge", "Huber",
    "KLDivergence", "Loss", "LossFunctionWrapper", "MeanAbsoluteError", "MeanSquaredError",
    "MulticlassHinge", "SparseCategoricalCrossentropy", "SquaredHinge", "TripletLoss",
    "batch_hard_triplet", "binary_crossentropy", "categorical_crossentropy",
    "categorical_hinge", "contrastive", "get", "hinge", "huber", "kl_divergence",
    "mean_absolute_error", "mean_squared_error", "multiclass_hinge",
    "sparse_categorical_crossentropy", "squared_hinge", "triplet_loss",
]

# ------------------------------------------------------------ Loss objects
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


def _smoothing(owner: str, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{owner}: label_smoothing must be in [0, 1], got {value}")
    return float(value)


class CategoricalCrossentropy(LossFunctionWrapper):
    """Object form of :func:`categorical_crossentropy`; fusable with a final softmax."""

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0,
                 name: str = "categorical_crossentropy", reduction: str = "mean"):
        super().__init__(categorical_crossentropy, name, reduction, from_logits=from_logits,
                         label_smoothing=_smoothing(name, label_smoothing))
        self.fusable_with_softmax = not from_logits


class SparseCategoricalCrossentropy(LossFunctionWrapper):
    """Object form of :func:`sparse_categorical_crossentropy`; fusable with a final softmax."""

    def __init__(self, from_logits: bool = False, ignore_class: int | None = None,
                 name: str = "sparse_categorical_crossentropy", reduction: str = "mean"):
        extra = {} if ignore_class is None else {"ignore_class": int(ignore_class)}
        super().__init__(sparse_categorical_crossentropy, name, reduction,
                         from_logits=from_logits, **extra)
        self.fusable_with_softmax = not from_logits
        self.ignore_class = ignore_class

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self.ignore_class is None:
            return super().__call__(y_true, y_pred, sample_weight)
        # Keras 3: ignored targets weigh 0 and the mean is over the targets kept
        per = self.call(y_true, y_pred, "none")
        keep = (torch.as_tensor(y_true, device=per.device).reshape(per.shape)
                != self.ignore_class).to(per.dtype)
        w = keep
        if sample_weight is not None:
            sw = torch.as_tensor(sample_weight, dtype=per.dtype, device=per.device)
            w = keep * sw.reshape(sw.shape + (1,) * (per.ndim - sw.ndim))
        if self.reduction == "none":
            return per * w
        total = (per * w).sum()
        return total if self.reduction == "sum" else total / keep.sum().clamp_min(1.0)


class BinaryCrossentropy(LossFunctionWrapper):
    """Object form of :func:`binary_crossentropy`; fusable with a final sigmoid."""

    def __init__(self, from_logits: bool = False, label_smoothing: float = 0.0,
                 name: str = "binary_crossentropy", reduction: str = "mean"):
        super().__init__(binary_crossentropy, name, reduction, from_logits=from_logits,
                         label_smoothing=_smoothing(name, label_smoothing))
        self.fusable_with_sigmoid = not from_logits


class Huber(LossFunctionWrapper):
    """Object form of :func:`huber`."""

    def __init__(self, delta: float = 1.0, name: str = "huber", reduction: str = "mean"):
        if delta <= 0:
            raise ValueError(f"Huber: delta must be > 0, got {delta}")
        super().__init__(huber, name, reduction, delta=delta)


def _plain(cls_name: str, fn: Callable) -> type:
    """A Keras-named class ``cls_name(name=fn.__name__, reduction="mean")`` around ``fn``."""

    def __init__(self: LossFunctionWrapper, name: str = fn.__name__,
                 reduction: str = "mean") -> None:
        LossFunctionWrapper.__init__(self, fn, name, reduction)

    doc = f"Object form of :func:`{fn.__name__}`.\n\n{fn.__doc__}"
    return type(cls_name, (LossFunctionWrapper,),
                {"__init__": __init__, "__doc__": doc, "__module__": __name__})


MeanSquaredError = _plain("MeanSquaredError", mean_squared_error)
MeanAbsoluteError = _plain("MeanAbsoluteError", mean_absolute_error)
KLDivergence = _plain("KLDivergence", kl_divergence)
Hinge = _plain("Hinge", hinge)
SquaredHinge = _plain("SquaredHinge", squared_hinge)
CategoricalHinge = _plain("CategoricalHinge", categorical_hinge)


def _margin(owner: str, margin: float) -> float:
    if margin < 0:
        raise ValueError(f"{owner}: margin must be >= 0, got {margin}")
    return float(margin)


class MulticlassHinge(LossFunctionWrapper):
    """Object form of :func:`multiclass_hinge` (the multiclass SVM loss)."""

    def __init__(self, margin: float = 1.0, name: str = "multiclass_hinge",
                 reduction: str = "mean"):
        super().__init__(multiclass_hinge, name, reduction, margin=_margin(name, margin))


class BatchHardTripletLoss(LossFunctionWrapper):
    """Object form of :func:`batch_hard_triplet`: ``loss(labels, embeddings)``."""

    def __init__(self, margin: float = 1.0, name: str = "batch_hard_triplet",
                 reduction: str = "mean"):
        super().__init__(batch_hard_triplet, name, reduction, margin=_margin(name, margin))


class ContrastiveLoss(LossFunctionWrapper):
    """Object form of :func:`contrastive`: ``loss(similar, distances)``."""

    def __init__(self, margin: float = 1.0, name: str = "contrastive", reduction: str = "mean"):
        super().__init__(contrastive, name, reduction, margin=_margin(name, margin))


_CLASSES = (CategoricalCrossentropy, SparseCategoricalCrossentropy, BinaryCrossentropy,
            MeanSquaredError, MeanAbsoluteError, Huber, KLDivergence, Hinge, SquaredHinge,
            CategoricalHinge, MulticlassHinge, BatchHardTripletLoss, ContrastiveLoss)
_CLASS_OF = {c().fn: c for c in _CLASSES}
_BY_CLASS_NAME = {c.__name__: c for c in _CLASSES}


class TripletLoss:
    """``TripletLoss(margin=1.0)(anchor, positive, negative)``; embeddings ``(batch, dim)``.

    ``L = mean_i max(||a_i - p_i|| - ||a_i - n_i|| + margin, 0)`` (``F.triplet_margin_loss``).
    For a Keras-style ``(labels, embeddings)`` loss use :class:`BatchHardTripletLoss`.
    """

    def __init__(self, margin: float = 1.0, name: str = "triplet_loss", reduction: str = "mean"):
        if reduction not in _REDUCTIONS:
            raise ValueError(f"TripletLoss: reduction must be one of {_REDUCTIONS}, "
                             f"got {reduction!r}")
        self.margin, self.name, self.reduction = _margin(name, margin), name, reduction

    def __call__(self, anchor: torch.Tensor, positive: torch.Tensor,
                 negative: torch.Tensor) -> torch.Tensor:
        return triplet_loss(anchor, positive, negative, self.margin, self.reduction)

    def get_config(self) -> dict:
        return {"margin": self.margin, "name": self.name, "reduction": self.reduction}


def get(identifier: str | Callable | Loss | None) -> Loss | None:
    """Resolve ``identifier`` to a :class:`Loss` object.

    Accepts a registered name (``"categorical_crossentropy"``, ``"mse"``, ``"svm"``...), a
    Keras class name (``"CategoricalCrossentropy"``), a ``Loss`` (returned as is) or class,
    a torch loss module (called as ``module(y_pred, y_true)``, torch's argument order), or
    any callable ``fn(y_true, y_pred)``. ``None`` gives ``None``.
    """
    if identifier is None or isinstance(identifier, (Loss, TripletLoss)):
        return identifier
    if isinstance(identifier, str):
        if identifier in _BY_CLASS_NAME:
            return _BY_CLASS_NAME[identifier]()
        fn = LOSSES.get(identifier)
        cls = _CLASS_OF.get(fn)
        return cls() if cls is not None else LossFunctionWrapper(fn, name=identifier.lower())
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if isinstance(identifier, torch.nn.modules.loss._Loss):
        module = identifier
        return LossFunctionWrapper(lambda y_true, y_pred: module(y_pred, y_true),
                                   name=type(module).__name__)
    if callable(identifier):
        cls = _CLASS_OF.get(identifier)
        return cls() if cls is not None else LossFunctionWrapper(identifier)
    raise TypeError(f"loss must be a name, a Loss, or a callable (y_true, y_pred); got "
                    f"{type(identifier).__name__}: {identifier!r}")


# Keras 3's other losses (CosineSimilarity, LogCosh, MAPE, MSLE, Poisson, focal BCE)
from .extra_losses import (  # noqa: E402  (they subclass LossFunctionWrapper above)
    EXTRA_LOSS_CLASSES, BinaryFocalCrossentropy, CosineSimilarity, LogCosh,
    MeanAbsolutePercentageError, MeanSquaredLogarithmicError, Poisson, binary_focal_crossentropy,
    cosine_similarity, log_cosh, mean_absolute_percentage_error, mean_squared_logarithmic_error,
    poisson)

_CLASS_OF.update({c().fn: c for c in EXTRA_LOSS_CLASSES})
_BY_CLASS_NAME.update({c.__name__: c for c in EXTRA_LOSS_CLASSES})
__all__ += ["BinaryFocalCrossentropy", "CosineSimilarity", "LogCosh",
            "MeanAbsolutePercentageError", "MeanSquaredLogarithmicError", "Poisson",
            "binary_focal_crossentropy", "cosine_similarity", "log_cosh",
            "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "poisson"]
