"""Additive-margin cosine softmax for metric learning: CosFace (Wang et al. 2018) and
ArcFace (Deng et al. 2019), the margin-free case being NormFace (Wang et al. 2017).

Embeddings ``e`` ``(batch, dim)`` and class proxies ``W`` ``(classes, dim)`` are
L2-normalised; ``cos = e . W_c``. The true class's logit is penalised by a margin so that
a class must win by that margin on the unit sphere, which tightens each class and widens
the gaps between them:

- ``kind="cosface"``: ``s * (cos - m)`` for the true class, ``s * cos`` for the others.
- ``kind="arcface"``: ``s * cos(theta + m)`` for the true class (angle ``theta``).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

__all__ = ["margin_logits", "margin_softmax_loss"]

_KINDS = ("cosface", "arcface")


def margin_logits(embeddings: torch.Tensor, proxies: torch.Tensor, labels: torch.Tensor,
                  scale: float = 16.0, margin: float = 0.0,
                  kind: str = "cosface") -> torch.Tensor:
    """Logits ``(batch, classes)`` from ``embeddings`` ``(batch, dim)``, ``proxies``
    ``(classes, dim)`` (both normalised here) and ``labels`` ``(batch,)``; ``margin=0``
    gives NormFace's ``scale * cos`` for either kind."""
    if kind not in _KINDS:
        raise ValueError(f"margin_logits: kind must be one of {_KINDS}, got {kind!r}")
    if embeddings.ndim != 2 or proxies.ndim != 2 or embeddings.shape[1] != proxies.shape[1]:
        raise ValueError(f"margin_logits: embeddings (batch, dim) and proxies (classes, dim) "
                         f"must share dim; got {tuple(embeddings.shape)} and "
                         f"{tuple(proxies.shape)}")
    labels = torch.as_tensor(labels, device=embeddings.device).long()
    if labels.shape != (embeddings.shape[0],):
        raise ValueError(f"margin_logits: labels must be ({embeddings.shape[0]},), got "
                         f"{tuple(labels.shape)}")
    if margin < 0:
        raise ValueError(f"margin_logits: margin must be >= 0, got {margin}")
    cos = F.normalize(embeddings, dim=-1) @ F.normalize(proxies, dim=-1).T
    if margin == 0:
        return scale * cos
    true = cos.gather(1, labels[:, None])
    if kind == "cosface":
        target = true - margin
    else:
        theta = true.clamp(-1 + 1e-7, 1 - 1e-7).acos()
        # past pi - m, cos(theta + m) would rise again: fall back to CosFace's penalty there
        target = torch.where(theta + margin < torch.pi, (theta + margin).cos(),
                             true - margin * torch.sin(torch.tensor(margin)))
    return scale * cos.scatter(1, labels[:, None], target)


def margin_softmax_loss(embeddings: torch.Tensor, proxies: torch.Tensor,
                        labels: torch.Tensor, scale: float = 16.0, margin: float = 0.0,
                        kind: str = "cosface") -> torch.Tensor:
    """Mean cross-entropy of :func:`margin_logits` over the batch (a scalar)."""
    return F.cross_entropy(margin_logits(embeddings, proxies, labels, scale, margin, kind),
                           torch.as_tensor(labels, device=embeddings.device).long())
