"""Cross-entropy losses, Keras 3's: ``categorical_crossentropy``,
``sparse_categorical_crossentropy``, ``binary_crossentropy``, ``binary_focal_crossentropy``
and their ``Loss`` objects.

Functions return per-sample values: ``(batch,)`` for ``y_pred`` of shape ``(batch, C)``
(``(batch, ...)`` for ``(batch, ..., C)``), like Keras 3's; ``reduction="mean"`` (or
``"sum"``) gives the batch mean (or sum). The objects reduce with their ``reduction``
(``"mean"`` by default). The kernels are torch's (``F.cross_entropy``, ``F.nll_loss``,
``F.binary_cross_entropy[_with_logits]``).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .checks import _check_one_hot, _pair, _same_shape, _smoothing, _sparse_labels, _tensors
from .loss import EPSILON, LOSSES, LossFunctionWrapper, Tensorish, _per_sample, _reduce


@LOSSES.add("categorical_crossentropy", "cce")
def categorical_crossentropy(y_true: Tensorish, y_pred: Tensorish, from_logits: bool = False,
                             label_smoothing: float = 0.0, reduction: str = "none") -> torch.Tensor:
    """Cross-entropy with one-hot (or soft) targets, ``(batch, ..., C)`` both.

    ``L = -sum_c y_c log p_c`` with ``p = softmax(y_pred)`` if ``from_logits`` (computed
    by ``F.cross_entropy``, i.e. log-sum-exp) else ``p = y_pred / sum(y_pred)`` clamped
    at ``EPSILON``. Label smoothing: ``y <- y (1 - s) + s / C``. Returns ``(batch, ...)``
    (``y_pred.shape[:-1]``), one value per sample as Keras 3.
    """
    name = "categorical_crossentropy"
    y_true, y_pred = _tensors(y_true, y_pred)
    _check_one_hot(name, y_true, y_pred)
    c = y_pred.shape[-1]
    y_true = y_true.to(y_pred.dtype)
    if from_logits:
        per = F.cross_entropy(y_pred.reshape(-1, c), y_true.reshape(-1, c), reduction="none",
                              label_smoothing=label_smoothing).reshape(y_pred.shape[:-1])
    else:
        if label_smoothing:
            y_true = y_true * (1.0 - label_smoothing) + label_smoothing / c
        p = y_pred / y_pred.sum(-1, keepdim=True)
        per = -(y_true * torch.log(p.clamp_min(EPSILON))).sum(-1)
    return _reduce(per, reduction, name)


@LOSSES.add("sparse_categorical_crossentropy", "scce")
def sparse_categorical_crossentropy(y_true: Tensorish, y_pred: Tensorish,
                                    from_logits: bool = False, ignore_class: int | None = None,
                                    reduction: str = "none") -> torch.Tensor:
    """Cross-entropy with integer labels: ``y_true (batch, ...)``, ``y_pred (batch, ..., C)``.

    ``L = -log p_y``; logits go through ``F.cross_entropy``, probabilities through
    ``F.nll_loss(log(clamp(p, EPSILON)))``. Labels outside [0, C) raise ``ValueError``.
    ``ignore_class`` (e.g. a padding label): those targets give 0 and the mean is over the
    others, as in Keras 3. Returns ``(batch, ...)`` (``y_pred.shape[:-1]``) per sample.
    """
    name = "sparse_categorical_crossentropy"
    y_true, y_pred = _tensors(y_true, y_pred)
    if ignore_class is not None:
        keep = y_true != ignore_class
        per = sparse_categorical_crossentropy(torch.where(keep, y_true, 0), y_pred, from_logits,
                                              reduction="none")
        per = per * keep.reshape(per.shape).to(per.dtype)
        if reduction in ("mean", "sum_over_batch_size"):
            return per.sum() / keep.sum().clamp_min(1).to(per.dtype)
        return _reduce(per, reduction, name)
    labels = _sparse_labels(name, y_true, y_pred)
    c = y_pred.shape[-1]
    if y_pred.dim() != 2:  # (batch, ..., C): flatten to the (N, C) torch's kernels take
        labels, flat = labels.reshape(-1), y_pred.reshape(-1, c)
    else:
        flat = y_pred
    if from_logits and reduction in ("mean", "sum_over_batch_size", "sum"):
        # One fused kernel for the common case (the training hot path).
        return F.cross_entropy(flat, labels, reduction="sum" if reduction == "sum" else "mean")
    if from_logits:
        per = F.cross_entropy(flat, labels, reduction="none")
    else:
        per = F.nll_loss(torch.log(flat.clamp_min(EPSILON)), labels, reduction="none")
    return _reduce(per.reshape(y_pred.shape[:-1]), reduction, name)


@LOSSES.add("binary_crossentropy", "bce")
def binary_crossentropy(y_true: Tensorish, y_pred: Tensorish, from_logits: bool = False,
                        label_smoothing: float = 0.0, reduction: str = "none") -> torch.Tensor:
    """``L = -[y log p + (1 - y) log(1 - p)]``, mean over the last axis: ``(batch, d) -> (batch,)``.

    ``from_logits`` uses ``F.binary_cross_entropy_with_logits`` (stable); otherwise ``p``
    is clamped to ``[EPSILON, 1 - EPSILON]``. Label smoothing: ``y <- y (1 - s) + s / 2``.
    """
    name = "binary_crossentropy"
    y_true, y_pred = _tensors(y_true, y_pred)
    y_true = _same_shape(name, y_true, y_pred)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        elem = F.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none")
    else:
        elem = F.binary_cross_entropy(y_pred.clamp(EPSILON, 1.0 - EPSILON), y_true,
                                      reduction="none")
    return _reduce(_per_sample(elem), reduction, name)


@LOSSES.add("binary_focal_crossentropy")
def binary_focal_crossentropy(y_true: Tensorish, y_pred: Tensorish,
                              apply_class_balancing: bool = False, alpha: float = 0.25,
                              gamma: float = 2.0, from_logits: bool = False,
                              label_smoothing: float = 0.0, reduction: str = "none"
                              ) -> torch.Tensor:
    """Focal loss (Lin et al., 2017): ``L = mean(w * (1 - p_t)^gamma * BCE(y, p))`` with
    ``p_t = y p + (1 - y)(1 - p)``; ``w = alpha`` for positives and ``1 - alpha`` for
    negatives when ``apply_class_balancing``, else 1. ``gamma = 0`` is plain BCE. The mean runs
    over the last axis: ``(batch, d) -> (batch,)``."""
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


class BinaryFocalCrossentropy(LossFunctionWrapper):
    """Object form of :func:`binary_focal_crossentropy` (Keras 3's arguments)."""

    def __init__(self, apply_class_balancing: bool = False, alpha: float = 0.25,
                 gamma: float = 2.0, from_logits: bool = False, label_smoothing: float = 0.0,
                 name: str = "binary_focal_crossentropy", reduction: str = "mean"):
        if gamma < 0:
            raise ValueError(f"BinaryFocalCrossentropy: gamma must be >= 0, got {gamma}")
        if not 0 <= alpha <= 1:
            raise ValueError(f"BinaryFocalCrossentropy: alpha must be in [0, 1], got {alpha}")
        super().__init__(binary_focal_crossentropy, name, reduction,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing)
