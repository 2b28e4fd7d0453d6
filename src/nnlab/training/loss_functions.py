"""Loss functions with Keras names: ``fn(y_true, y_pred) -> scalar`` (registered in
``LOSSES``). The ``Loss`` objects that ``compile`` uses live in :mod:`nnlab.training.losses`."""
from __future__ import annotations

import contextlib
from typing import Any

import torch
import torch.nn.functional as F

from nnlab.registry import Registry


LOSSES = Registry("loss")
EPSILON = 1e-7  # Keras' backend epsilon, used to clamp probabilities before log
_REDUCTIONS = ("mean", "sum_over_batch_size", "sum", "none")
Tensorish = Any  # a torch.Tensor, or anything torch.as_tensor accepts


# ----------------------------------------------------------------- helpers
def _tensors(y_true: Tensorish, y_pred: Tensorish):
    if isinstance(y_true, torch.Tensor) and isinstance(y_pred, torch.Tensor) \
            and y_pred.is_floating_point() and y_true.device == y_pred.device:
        return y_true, y_pred  # the hot path: nothing to convert
    y_pred = torch.as_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.float()
    return torch.as_tensor(y_true, device=y_pred.device), y_pred


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


# ----------------------------------------------------------- cross-entropy
@LOSSES.add("categorical_crossentropy", "cce")
def categorical_crossentropy(y_true: Tensorish, y_pred: Tensorish, from_logits: bool = False,
                             label_smoothing: float = 0.0, reduction: str = "mean") -> torch.Tensor:
    """Cross-entropy with one-hot (or soft) targets, ``(batch, ..., C)`` both.

    ``L = -sum_c y_c log p_c`` with ``p = softmax(y_pred)`` if ``from_logits`` (computed
    by ``F.cross_entropy``, i.e. log-sum-exp) else ``p = y_pred / sum(y_pred)`` clamped
    at ``EPSILON``. Label smoothing: ``y <- y (1 - s) + s / C``.
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
                                    from_logits: bool = False, reduction: str = "mean",
                                    ignore_class: int | None = None) -> torch.Tensor:
    """Cross-entropy with integer labels: ``y_true (batch, ...)``, ``y_pred (batch, ..., C)``.

    ``L = -log p_y``; logits go through ``F.cross_entropy``, probabilities through
    ``F.nll_loss(log(clamp(p, EPSILON)))``. Labels outside [0, C) raise ``ValueError``.
    ``ignore_class`` (e.g. a padding label): those targets give 0 and the mean is over the
    others, as in Keras 3.
    """
    name = "sparse_categorical_crossentropy"
    y_true, y_pred = _tensors(y_true, y_pred)
    if ignore_class is not None:
        keep = y_true != ignore_class
        per = sparse_categorical_crossentropy(torch.where(keep, y_true, 0), y_pred, from_logits,
                                              "none")
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
                        label_smoothing: float = 0.0, reduction: str = "mean") -> torch.Tensor:
    """``L = -[y log p + (1 - y) log(1 - p)]``, mean over the last axis; shapes ``(batch, ...)``.

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


# --------------------------------------------------------------- regression
@LOSSES.add("mean_squared_error", "mse")
def mean_squared_error(y_true: Tensorish, y_pred: Tensorish,
                       reduction: str = "mean") -> torch.Tensor:
    """``L = mean((y_true - y_pred)^2)``; shapes ``(batch, ...)`` (``F.mse_loss``)."""
    y_true, y_pred = _tensors(y_true, y_pred)
    y_true = _same_shape("mean_squared_error", y_true, y_pred)
    return _reduce(_per_sample(F.mse_loss(y_pred, y_true, reduction="none")), reduction)


@LOSSES.add("mean_absolute_error", "mae")
def mean_absolute_error(y_true: Tensorish, y_pred: Tensorish,
                        reduction: str = "mean") -> torch.Tensor:
    """``L = mean(|y_true - y_pred|)``; shapes ``(batch, ...)`` (``F.l1_loss``)."""
    y_true, y_pred = _tensors(y_true, y_pred)
    y_true = _same_shape("mean_absolute_error", y_true, y_pred)
    return _reduce(_per_sample(F.l1_loss(y_pred, y_true, reduction="none")), reduction)


@LOSSES.add("huber", "huber_loss")
def huber(y_true: Tensorish, y_pred: Tensorish, delta: float = 1.0,
          reduction: str = "mean") -> torch.Tensor:
    """``L = 0.5 e^2`` if ``|e| <= delta`` else ``delta (|e| - 0.5 delta)``; ``e = y_pred - y``."""
    y_true, y_pred = _tensors(y_true, y_pred)
    y_true = _same_shape("huber", y_true, y_pred)
    elem = F.huber_loss(y_pred, y_true, reduction="none", delta=delta)
    return _reduce(_per_sample(elem), reduction)


@LOSSES.add("kl_divergence", "kld", "kullback_leibler_divergence")
def kl_divergence(y_true: Tensorish, y_pred: Tensorish, reduction: str = "mean") -> torch.Tensor:
    """``KL(y_true || y_pred) = sum_c y_c log(y_c / p_c)`` over the last axis (``F.kl_div``).

    ``p`` is clamped at ``EPSILON``; terms with ``y_c = 0`` contribute exactly 0.
    """
    y_true, y_pred = _tensors(y_true, y_pred)
    y_true = _same_shape("kl_divergence", y_true, y_pred)
    elem = F.kl_div(torch.log(y_pred.clamp(EPSILON, 1.0)), y_true, reduction="none")
    return _reduce(elem.sum(-1) if elem.ndim >= 2 else elem, reduction)


# ------------------------------------------------------------------- hinges
def _pm_one(y_true: torch.Tensor) -> torch.Tensor:
    """Keras: labels that are all in {0, 1} become {-1, 1} (decided on-device, no sync)."""
    is_binary = ((y_true == 0) | (y_true == 1)).all()
    return torch.where(is_binary, 2.0 * y_true - 1.0, y_true)


@LOSSES.add("hinge")
def hinge(y_true: Tensorish, y_pred: Tensorish, reduction: str = "mean") -> torch.Tensor:
    """Binary hinge (Keras): ``L = mean(max(1 - y * y_pred, 0))``, ``y`` in {-1, 1} (0/1 mapped)."""
    y_true, y_pred = _tensors(y_true, y_pred)
    y = _pm_one(_same_shape("hinge", y_true, y_pred))
    return _reduce(_per_sample(F.relu(1.0 - y * y_pred)), reduction)


@LOSSES.add("squared_hinge")
def squared_hinge(y_true: Tensorish, y_pred: Tensorish, reduction: str = "mean") -> torch.Tensor:
    """``L = mean(max(1 - y * y_pred, 0)^2)``, ``y`` in {-1, 1} (0/1 converted)."""
    y_true, y_pred = _tensors(y_true, y_pred)
    y = _pm_one(_same_shape("squared_hinge", y_true, y_pred))
    return _reduce(_per_sample(F.relu(1.0 - y * y_pred) ** 2), reduction)


@LOSSES.add("categorical_hinge")
def categorical_hinge(y_true: Tensorish, y_pred: Tensorish,
                      reduction: str = "mean") -> torch.Tensor:
    """Keras: ``L = max(neg - pos + 1, 0)``, ``pos = sum(y s)``, ``neg = max((1 - y) s)``.

    ``y_true`` is one-hot ``(batch, C)``, ``y_pred`` scores ``(batch, C)``.
    """
    name = "categorical_hinge"
    y_true, y_pred = _tensors(y_true, y_pred)
    _check_one_hot(name, y_true, y_pred)
    y = y_true.to(y_pred.dtype)
    pos = (y * y_pred).sum(-1)
    neg = ((1.0 - y) * y_pred).amax(-1)
    return _reduce(F.relu(neg - pos + 1.0), reduction, name)


@LOSSES.add("multiclass_hinge", "svm", "multiclass_svm")
def multiclass_hinge(y_true: Tensorish, y_pred: Tensorish, margin: float = 1.0,
                     reduction: str = "mean") -> torch.Tensor:
    """Multiclass SVM loss (CS231n): ``L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + margin)``.

    ``y_pred`` are scores ``(batch, C)``; ``y_true`` integer labels ``(batch,)`` or one-hot
    ``(batch, C)``. Computed as ``C * F.multi_margin_loss`` (torch divides by C).
    Example: scores [cat 3.2, car 5.1, frog -1.7], label cat -> 2.9 + 0 = 2.9.
    """
    name = "multiclass_hinge"
    y_true, y_pred = _tensors(y_true, y_pred)
    c = y_pred.shape[-1]
    if y_true.ndim == y_pred.ndim and y_true.shape[-1] == c and c > 1:
        _check_one_hot(name, y_true, y_pred)
        y_true = y_true.argmax(-1)
    labels = _sparse_labels(name, y_true, y_pred).reshape(-1)
    per = c * F.multi_margin_loss(y_pred.reshape(-1, c), labels, margin=margin, reduction="none")
    return _reduce(per.reshape(y_pred.shape[:-1]), reduction, name)


# --------------------------------------------------------------- embeddings
def triplet_loss(anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor,
                 margin: float = 1.0, reduction: str = "mean") -> torch.Tensor:
    """``L = max(||a - p|| - ||a - n|| + margin, 0)``; embeddings ``(batch, dim)``.

    Computed by ``F.triplet_margin_loss``.
    """
    per = F.triplet_margin_loss(anchor, positive, negative, margin=margin, reduction="none")
    return _reduce(per, reduction, "triplet_loss")


@LOSSES.add("batch_hard_triplet", "triplet", "triplet_batch_hard")
def batch_hard_triplet(y_true: Tensorish, y_pred: Tensorish, margin: float = 1.0,
                       reduction: str = "mean") -> torch.Tensor:
    """Batch-hard triplet loss (Hermans et al. 2017) usable as a Keras loss.

    ``y_true`` labels ``(batch,)``, ``y_pred`` embeddings ``(batch, dim)``. For each anchor
    ``i``: ``L_i = max(max_{y_p = y_i, p != i} d(i, p) - min_{y_n != y_i} d(i, n) + margin, 0)``
    with Euclidean ``d`` (``torch.cdist``); the mean runs over anchors that have both a
    positive and a negative in the batch (others give 0).
    """
    y_true, y_pred = _tensors(y_true, y_pred)
    labels = y_true.reshape(-1)
    if y_pred.ndim != 2 or labels.shape[0] != y_pred.shape[0]:
        raise ValueError(
            f"batch_hard_triplet: expected labels (batch,) and embeddings (batch, dim), got "
            f"y_true {tuple(y_true.shape)} and y_pred {tuple(y_pred.shape)}.")
    d = torch.cdist(y_pred, y_pred)
    same = labels[:, None] == labels[None, :]
    pos = same & ~torch.eye(len(labels), dtype=torch.bool, device=d.device)
    hardest_pos = (d * pos).amax(1)
    hardest_neg = d.masked_fill(same, float("inf")).amin(1)
    valid = pos.any(1) & (~same).any(1)
    per = F.relu(hardest_pos - hardest_neg + margin) * valid
    if reduction in ("mean", "sum_over_batch_size"):
        return per.sum() / valid.sum().clamp_min(1)
    return _reduce(per, reduction, "batch_hard_triplet")


@LOSSES.add("contrastive", "contrastive_loss")
def contrastive(y_true: Tensorish, y_pred: Tensorish, margin: float = 1.0,
                reduction: str = "mean") -> torch.Tensor:
    """Contrastive loss (Hadsell et al. 2006): ``L = y d^2 + (1 - y) max(margin - d, 0)^2``.

    ``y_true`` is 1 for similar pairs, 0 for dissimilar; ``y_pred`` are distances ``(batch,)``.
    """
    y_true, y_pred = _tensors(y_true, y_pred)
    y = _same_shape("contrastive", y_true, y_pred)
    elem = y * y_pred ** 2 + (1.0 - y) * F.relu(margin - y_pred) ** 2
    return _reduce(_per_sample(elem), reduction)
