"""Siamese / triplet verification (FaceNet): a shared embedding net, contrastive and triplet
losses with a margin, online batch-hard and semi-hard negative mining, a distance threshold
chosen on validation pairs, and the ROC curve.

Embeddings are L2-normalised; distances are Euclidean.
"""
from __future__ import annotations

from typing import Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = ["EmbeddingNet", "contrastive_loss", "triplet_loss", "batch_hard_triplet_loss",
           "batch_semi_hard_triplet_loss", "choose_threshold", "verification_roc",
           "train_embedding", "embed", "make_pairs"]


class EmbeddingNet(nn.Module):
    """``(batch, 28, 28, 1)`` -> unit vectors ``(batch, dim)``; shared by both siamese arms."""

    def __init__(self, dim: int = 32, width: int = 32):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU(),
            nn.MaxPool2d(2), nn.Conv2d(2 * width, 2 * width, 3, padding=1), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(2 * width, dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.net(x.permute(0, 3, 1, 2)), dim=-1)


def contrastive_loss(e1: torch.Tensor, e2: torch.Tensor, same: torch.Tensor,
                     margin: float = 1.0) -> torch.Tensor:
    """``mean(y d^2 + (1 - y) max(0, margin - d)^2)``, ``d = ||e1 - e2||``; ``(B, D)`` pairs."""
    d = (e1 - e2).norm(dim=-1)
    y = same.float()
    return (y * d ** 2 + (1 - y) * F.relu(margin - d) ** 2).mean()


def triplet_loss(anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor,
                 margin: float = 0.2) -> torch.Tensor:
    """``mean(max(0, ||a - p||^2 - ||a - n||^2 + margin))`` (FaceNet eq. 1)."""
    return F.relu((anchor - positive).pow(2).sum(-1) - (anchor - negative).pow(2).sum(-1)
                  + margin).mean()


def _masks(labels: torch.Tensor):
    labels = torch.as_tensor(labels)
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D (batch,), got shape {tuple(labels.shape)}")
    classes = labels.unique()
    if len(classes) < 2:
        raise ValueError(f"triplet mining: the batch has only one class "
                         f"({classes.tolist()}), so there is no negative to mine; "
                         f"sample at least two classes per batch")
    same = labels[:, None] == labels[None, :]
    eye = torch.eye(len(labels), dtype=torch.bool, device=labels.device)
    pos = same & ~eye
    if not pos.any():
        raise ValueError("triplet mining: no class appears twice in the batch, so there is "
                         "no positive pair; sample K >= 2 examples per class")
    return pos, ~same


def batch_hard_triplet_loss(emb: torch.Tensor, labels: torch.Tensor,
                            margin: float = 0.2) -> torch.Tensor:
    """Batch-hard (Hermans et al.): per anchor, the farthest positive and nearest negative.

    ``emb`` ``(B, D)``, ``labels`` ``(B,)``; squared distances; anchors without a positive
    are skipped.
    """
    pos, neg = _masks(labels)
    d = torch.cdist(emb, emb).pow(2)
    hardest_p = (d * pos).max(1).values
    hardest_n = d.masked_fill(~neg, float("inf")).min(1).values
    has = pos.any(1)
    return F.relu(hardest_p - hardest_n + margin)[has].mean()


def batch_semi_hard_triplet_loss(emb: torch.Tensor, labels: torch.Tensor,
                                 margin: float = 0.2) -> torch.Tensor:
    """Semi-hard mining (FaceNet): for every positive pair (a, p), the nearest negative
    farther than p (``d_ap < d_an``); if none, the farthest negative (as TF-Addons)."""
    pos, neg = _masks(labels)
    d = torch.cdist(emb, emb).pow(2)
    d_ap = d[:, :, None]                                   # (a, p, 1)
    d_an = d[:, None, :]                                   # (a, 1, n)
    outside = neg[:, None, :] & (d_an > d_ap)              # semi-hard candidates
    semi = d_an.masked_fill(~outside, float("inf")).min(2).values
    fallback = d.masked_fill(~neg, -float("inf")).max(1).values[:, None].expand_as(semi)
    d_neg = torch.where(outside.any(2), semi, fallback)
    return F.relu(d - d_neg + margin)[pos].mean()


def choose_threshold(distances: np.ndarray, same: np.ndarray) -> Tuple[float, float]:
    """The distance threshold (predict "same" when ``d <= t``) maximising accuracy on
    validation pairs; returns ``(threshold, accuracy)``."""
    d, y = np.asarray(distances, float), np.asarray(same, bool)
    order = np.argsort(d)
    d, y = d[order], y[order]
    # accuracy when the first k pairs are called "same": TP(k) + TN(k)
    correct = np.r_[0, np.cumsum(y)] + (np.sum(~y) - np.r_[0, np.cumsum(~y)])
    k = int(np.argmax(correct))
    t = d[0] - 1e-6 if k == 0 else (d[k - 1] + d[k]) / 2 if k < len(d) else d[-1] + 1e-6
    return float(t), float(correct[k] / len(d))


def verification_roc(distances: np.ndarray, same: np.ndarray):
    """ROC of "same" scored by ``-distance``: ``(fpr, tpr, thresholds_on_distance, auc)``."""
    from sklearn.metrics import roc_auc_score, roc_curve
    score = -np.asarray(distances, float)
    fpr, tpr, thr = roc_curve(np.asarray(same, bool), score)
    return fpr, tpr, -thr, float(roc_auc_score(np.asarray(same, bool), score))


def make_pairs(labels: np.ndarray, n_pairs: int, seed: int = 0):
    """Half same-class, half different-class index pairs ``(n, 2)`` and ``same`` ``(n,)``."""
    rng = np.random.default_rng(seed)
    labels = np.asarray(labels)
    by = {c: np.flatnonzero(labels == c) for c in np.unique(labels)}
    cls = list(by)
    pairs, same = [], []
    for i in range(n_pairs):
        if i % 2 == 0:
            c = rng.choice(cls)
            pairs.append(rng.choice(by[c], 2, replace=False))
        else:
            a, b = rng.choice(cls, 2, replace=False)
            pairs.append([rng.choice(by[a]), rng.choice(by[b])])
        same.append(i % 2 == 0)
    return np.array(pairs), np.array(same)


@torch.no_grad()
def embed(model: nn.Module, x: torch.Tensor, batch_size: int = 512) -> torch.Tensor:
    model.eval()
    return torch.cat([model(c) for c in x.split(batch_size)])


def train_embedding(x: torch.Tensor, y: torch.Tensor, epochs: int = 5, mining: str = "semi_hard",
                    margin: float = 0.2, classes_per_batch: int = 7, per_class: int = 16,
                    steps_per_epoch: int = 100, lr: float = 2e-3, seed: int = 0,
                    verbose: bool = False) -> EmbeddingNet:
    """Triplet training with P x K batches (P classes, K examples each), online mining."""
    losses = {"semi_hard": batch_semi_hard_triplet_loss, "batch_hard": batch_hard_triplet_loss}
    if mining not in losses:
        raise ValueError(f"mining must be one of {list(losses)}, got {mining!r}")
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = EmbeddingNet()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    by = [torch.nonzero(y == c)[:, 0] for c in y.unique()]
    p = min(classes_per_batch, len(by))
    for epoch in range(epochs):
        model.train()
        total = 0.0
        for _ in range(steps_per_epoch):
            cls = torch.randperm(len(by), generator=gen)[:p]
            idx = torch.cat([by[c][torch.randint(len(by[c]), (per_class,), generator=gen)]
                             for c in cls])
            loss = losses[mining](model(x[idx]), y[idx], margin)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += float(loss.detach())
        if verbose:
            print(f"epoch {epoch + 1}/{epochs} loss {total / steps_per_epoch:.4f}")
    return model.eval()
