"""Probabilistic losses besides cross-entropy, Keras 3's: ``kl_divergence`` and ``poisson``
and their ``Loss`` objects.

Functions return one value per sample ``(batch, ...)`` (Keras 3's convention);
``reduction="mean"`` (or ``"sum"``) reduces over the batch.
"""
from __future__ import annotations


import torch
import torch.nn.functional as F

from .checks import _pair, _same_shape, _tensors
from .loss import EPSILON, LOSSES, LossFunctionWrapper, Tensorish, _per_sample, _reduce


@LOSSES.add("kl_divergence", "kld", "kullback_leibler_divergence")
def kl_divergence(y_true: Tensorish, y_pred: Tensorish, reduction: str = "none") -> torch.Tensor:
    """``KL(y_true || y_pred) = sum_c y_c log(y_c / p_c)`` over the last axis (``F.kl_div``).

    ``p`` is clamped at ``EPSILON``; terms with ``y_c = 0`` contribute exactly 0.
    """
    y_true, y_pred = _tensors(y_true, y_pred)
    y_true = _same_shape("kl_divergence", y_true, y_pred)
    elem = F.kl_div(torch.log(y_pred.clamp(EPSILON, 1.0)), y_true, reduction="none")
    return _reduce(elem.sum(-1) if elem.ndim >= 2 else elem, reduction)


@LOSSES.add("poisson")
def poisson(y_true: Tensorish, y_pred: Tensorish, reduction: str = "none") -> torch.Tensor:
    """``L = mean(y_pred - y_true * log(y_pred + EPSILON))`` (negative Poisson log-likelihood
    up to a constant); ``y_pred`` is the predicted rate, > 0."""
    y_true, y_pred = _pair("poisson", y_true, y_pred)
    return _reduce(_per_sample(y_pred - y_true * torch.log(y_pred + EPSILON)), reduction,
                   "poisson")


class KLDivergence(LossFunctionWrapper):
    """Object form of :func:`kl_divergence`: ``KL(y_true || y_pred)`` over the last axis."""

    def __init__(self, name: str = "kl_divergence", reduction: str = "mean"):
        super().__init__(kl_divergence, name, reduction)


class Poisson(LossFunctionWrapper):
    """Object form of :func:`poisson`."""

    def __init__(self, name: str = "poisson", reduction: str = "mean"):
        super().__init__(poisson, name, reduction)
