"""Metric-learning losses on embeddings: ``triplet_margin_loss`` (anchor, positive,
negative), ``batch_hard_triplet`` (Hermans et al. 2017, a Keras-style ``(labels,
embeddings)`` loss) and ``contrastive`` (Hadsell et al. 2006), with their ``Loss`` objects.

Functions return one value per sample ``(batch,)``; ``reduction="mean"`` (or ``"sum"``)
reduces over the batch.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from .checks import _margin, _same_shape, _tensors
from .loss import _REDUCTIONS, LOSSES, LossFunctionWrapper, Tensorish, _per_sample, _reduce


def triplet_margin_loss(anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor,
                        margin: float = 1.0, reduction: str = "none",
                        squared: bool = False) -> torch.Tensor:
    """``L = max(d(a, p) - d(a, n) + margin, 0)``; embeddings ``(batch, dim)`` -> ``(batch,)``.

    ``squared=False`` (default, torch's and PyTorch users' triplet loss): ``d`` is the
    Euclidean distance ``||a - p||``, computed by ``F.triplet_margin_loss``.
    ``squared=True`` (FaceNet, Schroff et al. 2015, eq. 1): ``d = ||a - p||^2``. The two
    give different numbers on the same input (``||.||`` vs ``||.||^2``);
    :func:`nnlab.vision.verification.triplet_loss` is this function with FaceNet's
    ``squared=True, margin=0.2, reduction="mean"``.
    """
    if squared:
        per = F.relu((anchor - positive).pow(2).sum(-1) - (anchor - negative).pow(2).sum(-1)
                     + margin)
    else:
        per = F.triplet_margin_loss(anchor, positive, negative, margin=margin,
                                    reduction="none")
    return _reduce(per, reduction, "triplet_margin_loss")


@LOSSES.add("batch_hard_triplet", "triplet", "triplet_batch_hard")
def batch_hard_triplet(y_true: Tensorish, y_pred: Tensorish, margin: float = 1.0,
                       reduction: str = "none") -> torch.Tensor:
    """Batch-hard triplet loss (Hermans et al. 2017) usable as a Keras loss.

    ``y_true`` labels ``(batch,)``, ``y_pred`` embeddings ``(batch, dim)``. For each anchor
    ``i``: ``L_i = max(max_{y_p = y_i, p != i} d(i, p) - min_{y_n != y_i} d(i, n) + margin, 0)``
    with Euclidean ``d`` (``torch.cdist``). Returns ``(batch,)``: anchors without both a
    positive and a negative in the batch give 0, and ``reduction="mean"`` averages over the
    other anchors only.
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
                reduction: str = "none") -> torch.Tensor:
    """Contrastive loss (Hadsell et al. 2006): ``L = y d^2 + (1 - y) max(margin - d, 0)^2``.

    ``y_true`` is 1 for similar pairs, 0 for dissimilar; ``y_pred`` are distances ``(batch,)``.
    """
    y_true, y_pred = _tensors(y_true, y_pred)
    y = _same_shape("contrastive", y_true, y_pred)
    elem = y * y_pred ** 2 + (1.0 - y) * F.relu(margin - y_pred) ** 2
    return _reduce(_per_sample(elem), reduction)


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
        return triplet_margin_loss(anchor, positive, negative, self.margin, self.reduction)

    def get_config(self) -> dict:
        return {"margin": self.margin, "name": self.name, "reduction": self.reduction}


class BatchHardTripletLoss(LossFunctionWrapper):
    """Object form of :func:`batch_hard_triplet`: ``loss(labels, embeddings)``."""

    def __init__(self, margin: float = 1.0, name: str = "batch_hard_triplet",
                 reduction: str = "mean"):
        super().__init__(batch_hard_triplet, name, reduction, margin=_margin(name, margin))


class ContrastiveLoss(LossFunctionWrapper):
    """Object form of :func:`contrastive`: ``loss(similar, distances)``."""

    def __init__(self, margin: float = 1.0, name: str = "contrastive", reduction: str = "mean"):
        super().__init__(contrastive, name, reduction, margin=_margin(name, margin))
