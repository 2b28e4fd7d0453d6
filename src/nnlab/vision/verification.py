"""Siamese / triplet verification (FaceNet): a shared embedding net, contrastive and triplet
losses with a margin, online batch-hard and semi-hard negative mining, a distance threshold
chosen on validation pairs, and the ROC curve.

Embeddings are L2-normalised; distances are Euclidean, and the triplet losses here use
their squares, as FaceNet does (``nnlab.losses.triplet_margin_loss`` defaults to plain
Euclidean distances: see :func:`triplet_loss`).
"""
from __future__ import annotations

import time
from typing import Optional, Tuple

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..losses.metric_learning import triplet_margin_loss
from .contrastive import nt_xent_loss
from .margin_softmax import margin_logits

__all__ = ["EmbeddingNet", "contrastive_loss", "triplet_loss", "batch_hard_triplet_loss",
           "batch_semi_hard_triplet_loss", "batch_all_triplet_loss", "choose_threshold",
           "verification_roc", "train_embedding", "pretrain_softmax", "embed", "make_pairs",
           "augment", "rotation_classes", "subclass_labels"]


class EmbeddingNet(nn.Module):
    """``(batch, 28, 28, 1)`` -> unit vectors ``(batch, dim)``; shared by both siamese arms.

    Two conv levels (two 3x3 convs + BN + ReLU each, 2x2 max pool), then either
    ``head='flatten'`` (the 7x7 map flattened into a 128-unit dense layer: keeps *where*
    strokes are, which digit shapes need) or ``head='gap'`` (global average pooling).
    """

    def __init__(self, dim: int = 64, width: int = 32, head: str = "flatten"):
        super().__init__()
        if head not in ("flatten", "gap"):
            raise ValueError(f"EmbeddingNet: head must be 'flatten' or 'gap', got {head!r}")

        def level(cin, cout):
            return [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(),
                    nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(),
                    nn.MaxPool2d(2)]
        w2 = 2 * width
        top = ([nn.Flatten(), nn.Linear(w2 * 49, 128), nn.ReLU(), nn.Linear(128, dim)]
               if head == "flatten" else
               [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(w2, dim)])
        self.net = nn.Sequential(*level(1, width), *level(width, w2), *top)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.ndim != 4 or tuple(x.shape[1:]) != (28, 28, 1):
            raise ValueError(f"EmbeddingNet: expected images (batch, 28, 28, 1), got shape "
                             f"{tuple(x.shape)}")
        return F.normalize(self.net(x.permute(0, 3, 1, 2)), dim=-1)


def contrastive_loss(e1: torch.Tensor, e2: torch.Tensor, same: torch.Tensor,
                     margin: float = 1.0) -> torch.Tensor:
    """``mean(y d^2 + (1 - y) max(0, margin - d)^2)``, ``d = ||e1 - e2||``; ``(B, D)`` pairs."""
    d = (e1 - e2).norm(dim=-1)
    y = same.float()
    return (y * d ** 2 + (1 - y) * F.relu(margin - d) ** 2).mean()


def triplet_loss(anchor: torch.Tensor, positive: torch.Tensor, negative: torch.Tensor,
                 margin: float = 0.2) -> torch.Tensor:
    """FaceNet's triplet loss (eq. 1) on **squared** distances, averaged over the batch:
    ``mean(max(0, ||a - p||^2 - ||a - n||^2 + margin))``.

    One definition: this is ``nnlab.losses.triplet_margin_loss(a, p, n, margin,
    reduction="mean", squared=True)``. ``nnlab.losses.triplet_margin_loss`` by default
    uses plain Euclidean distances (torch's ``F.triplet_margin_loss``) and margin 1.0,
    so the two names give different numbers on the same input by design.
    """
    return triplet_margin_loss(anchor, positive, negative, margin=margin, reduction="mean",
                               squared=True)


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

    ``emb`` ``(B, D)``, ``labels`` ``(B,)``; **squared** distances (FaceNet's, as
    :func:`triplet_loss`), margin 0.2; anchors without a positive are skipped. The Keras
    loss ``nnlab.losses.batch_hard_triplet(labels, emb)`` is the same mining on plain
    Euclidean distances with margin 1.0, so their numbers differ by design.
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


def batch_all_triplet_loss(emb: torch.Tensor, labels: torch.Tensor,
                           margin: float = 0.2) -> torch.Tensor:
    """Batch-all (Hermans et al.): every valid triplet (a, p, n) in the batch, averaged over
    the triplets whose loss is positive (the easy ones would dilute the mean to ~0).

    ``emb`` ``(B, D)``, ``labels`` ``(B,)``; squared distances. A gentle start for
    training: unlike batch-hard it does not collapse a fresh network to one point.
    """
    pos, neg = _masks(labels)
    d = torch.cdist(emb, emb).pow(2)
    loss = F.relu(d[:, :, None] - d[:, None, :] + margin)       # (a, p, n)
    valid = pos[:, :, None] & neg[:, None, :]
    loss = loss * valid
    active = (loss > 1e-12).sum()
    return loss.sum() / active.clamp(min=1)


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
def embed(model: nn.Module, x: torch.Tensor, batch_size: int = 512,
          tta_shift: int = 0) -> torch.Tensor:
    """Embeddings ``(N, dim)`` of images ``(N, 28, 28, 1)`` in eval mode.

    ``tta_shift=s > 0``: test-time augmentation -- the mean embedding over the image shifted
    by every ``(dy, dx)`` in ``{-s, 0, s}^2`` (9 copies, ``torch.roll``; MNIST's blank border
    makes the wrap-around harmless for ``s <= 3``), re-normalised to unit length.
    """
    model.eval()
    if tta_shift < 0:
        raise ValueError(f"embed: tta_shift must be >= 0, got {tta_shift}")
    offsets = [(dy, dx) for dy in (-tta_shift, 0, tta_shift)
               for dx in (-tta_shift, 0, tta_shift)] if tta_shift else [(0, 0)]
    out = []
    for c in x.split(batch_size):
        e = sum(model(torch.roll(c, (dy, dx), dims=(1, 2))) for dy, dx in offsets)
        out.append(F.normalize(e, dim=-1) if tta_shift else e)
    return torch.cat(out)


def augment(x: torch.Tensor, generator: Optional[torch.Generator] = None,
            degrees: float = 10.0, shift: float = 0.1, scale: float = 0.1) -> torch.Tensor:
    """Random rotation (+-``degrees``), scale (1 +- ``scale``) and shift (+- ``shift`` of the
    half-width) per image of ``(batch, H, W, C)``, by ``F.affine_grid`` / ``F.grid_sample``."""
    n = len(x)

    def u(lo, hi):
        return lo + (hi - lo) * torch.rand(n, generator=generator)
    a = u(-degrees, degrees) * (torch.pi / 180)
    s = u(1 - scale, 1 + scale)
    t = torch.stack((u(-shift, shift), u(-shift, shift)), 1)
    theta = torch.stack((torch.stack((a.cos() / s, -a.sin() / s), 1),
                         torch.stack((a.sin() / s, a.cos() / s), 1)), 1)
    theta = torch.cat((theta, t[:, :, None]), 2)                  # (n, 2, 3)
    xc = x.permute(0, 3, 1, 2)
    grid = F.affine_grid(theta, list(xc.shape), align_corners=False)
    return F.grid_sample(xc, grid, align_corners=False).permute(0, 2, 3, 1)


def _step(opt, sched, loss: torch.Tensor, total: float) -> float:
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    sched.step()
    return total + float(loss.detach())


def _progress(what: str, step: int, steps: int, total: float, log_every: int, start: float,
              cpu_budget: Optional[float]) -> Tuple[float, bool]:
    """Print the mean loss every ``log_every`` steps; ``(running total, budget spent)``."""
    if log_every and (step + 1) % log_every == 0:
        print(f"{what} {step + 1}/{steps} loss {total / log_every:.4f} "
              f"cpu {time.process_time() - start:.0f}s", flush=True)
        total = 0.0
    spent = cpu_budget is not None and time.process_time() - start > cpu_budget
    if spent and log_every:
        print(f"cpu budget {cpu_budget:.0f}s spent after {step + 1} steps")
    return total, spent


def train_embedding(x: torch.Tensor, y: torch.Tensor, steps: int = 1500,
                    mining: str = "semi_hard", margin: float = 0.2, warmup_steps: int = 200,
                    classes_per_batch: int = 7, per_class: int = 16, lr: float = 2e-3,
                    augmentation: bool = True, dim: int = 64, width: int = 32,
                    head: str = "flatten",
                    cpu_budget: Optional[float] = None, seed: int = 0,
                    log_every: int = 0, model: Optional[EmbeddingNet] = None) -> EmbeddingNet:
    """Triplet training with balanced P x K batches (P classes, K images each).

    ``x`` ``(N, 28, 28, 1)`` in [0, 1], ``y`` ``(N,)``. The first ``warmup_steps`` use
    batch-all mining (stable from a random start); then ``mining`` (``'semi_hard'``,
    ``'batch_hard'`` or ``'batch_all'``). Adam with a cosine decay of ``lr`` over ``steps``;
    ``cpu_budget`` (seconds of this process's CPU time) stops early when spent.
    ``model``: fine-tune this net (e.g. from :func:`pretrain_softmax`) instead of a new one.
    """
    losses = {"semi_hard": batch_semi_hard_triplet_loss, "batch_hard": batch_hard_triplet_loss,
              "batch_all": batch_all_triplet_loss}
    if mining not in losses:
        raise ValueError(f"mining must be one of {list(losses)}, got {mining!r}")
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} images but y has {len(y)} labels")
    by = [torch.nonzero(y == c)[:, 0] for c in y.unique()]
    if len(by) < 2 or per_class < 2:
        raise ValueError(f"triplet training needs >= 2 classes and per_class >= 2, got "
                         f"{len(by)} classes and per_class={per_class}")
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = EmbeddingNet(dim=dim, width=width, head=head) if model is None else model
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    p = min(classes_per_batch, len(by))
    start, total = time.process_time(), 0.0
    model.train()
    for step in range(steps):
        cls = torch.randperm(len(by), generator=gen)[:p]
        idx = torch.cat([by[c][torch.randint(len(by[c]), (per_class,), generator=gen)]
                         for c in cls])
        xb = augment(x[idx], gen) if augmentation else x[idx]
        loss_fn = batch_all_triplet_loss if step < warmup_steps else losses[mining]
        total = _step(opt, sched, loss_fn(model(xb), y[idx], margin), total)
        total, spent = _progress("step", step, steps, total, log_every, start, cpu_budget)
        if spent:
            break
    return model.eval()


def rotation_classes(x: torch.Tensor, y: torch.Tensor, classes: int,
                     turns: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Class augmentation by rotation: image ``i`` turned by ``turns[i]`` quarter turns
    (0-3) becomes class ``y[i] + classes * turns[i]``, so C classes give 4C.

    ``x`` ``(B, H, W, C)`` square images, ``y`` and ``turns`` ``(B,)``; returns the rotated
    images ``(B, H, W, C)`` and their labels ``(B,)``. More training classes make features
    that are less specific to the C original ones (a known few-shot device).
    """
    if x.ndim != 4 or x.shape[1] != x.shape[2]:
        raise ValueError(f"rotation_classes: expected square images (B, H, W, C), got "
                         f"{tuple(x.shape)}")
    turns = torch.as_tensor(turns).long()
    if turns.shape != y.shape or turns.shape != (len(x),) or not ((turns >= 0) & (turns < 4)).all():
        raise ValueError("rotation_classes: turns must be (B,) integers in 0..3 like y")
    out = x.clone()
    for t in range(1, 4):
        sel = turns == t
        if sel.any():
            out[sel] = torch.rot90(x[sel], t, dims=(1, 2))
    return out, y + classes * turns


def subclass_labels(x: torch.Tensor, y: torch.Tensor, k: int, seed: int = 0) -> torch.Tensor:
    """Pseudo-classes: each class of ``y`` split into ``k`` k-means clusters of its pixels,
    labels ``y * k + cluster`` ``(N,)`` for ``x`` ``(N, ...)`` and ``y`` ``(N,)`` in 0..C-1.

    Training to tell writing *styles* apart within a class keeps in the features the
    variation that new classes differ by, which C-way training alone throws away.
    """
    from sklearn.cluster import MiniBatchKMeans
    if k < 1:
        raise ValueError(f"subclass_labels: k must be >= 1, got {k}")
    flat = x.reshape(len(x), -1).numpy()
    out = torch.empty_like(y)
    for c in y.unique():
        sel = (y == c).numpy()
        if sel.sum() < k:
            raise ValueError(f"subclass_labels: class {int(c)} has {int(sel.sum())} images, "
                             f"fewer than k={k}")
        km = MiniBatchKMeans(k, random_state=seed, n_init=3, batch_size=2048).fit(flat[sel])
        out[torch.from_numpy(sel)] = int(c) * k + torch.from_numpy(km.labels_).long()
    return out


def pretrain_softmax(x: torch.Tensor, y: torch.Tensor, steps: int = 1500, batch_size: int = 128,
                     lr: float = 2e-3, scale: float = 16.0, augmentation: bool = True,
                     dim: int = 64, width: int = 32, head: str = "flatten",
                     cpu_budget: Optional[float] = None, seed: int = 0,
                     log_every: int = 0, margin: float = 0.0, margin_kind: str = "cosface",
                     augment_strength: float = 1.0, rotations: bool = False,
                     contrastive_weight: float = 0.0, temperature: float = 0.1,
                     projection_head: bool = False,
                     label_smoothing: float = 0.0) -> EmbeddingNet:
    """Classification pre-training of an :class:`EmbeddingNet`: cosine softmax (NormFace,
    Wang et al. 2017) on the unit embedding, ``logits = scale * e @ normalize(W).T`` with
    one learnt proxy ``W[c]`` per class, so that the embedding itself (not a hidden layer)
    is what the classes shape. ``x`` ``(N, 28, 28, 1)`` in [0, 1], ``y`` ``(N,)`` labels
    ``0..C-1``; Adam, cosine decay over ``steps``; returns the net (proxies dropped).
    ``margin > 0``: CosFace / ArcFace (``margin_kind``) additive margin on the true class
    (:func:`nnlab.vision.margin_softmax.margin_logits`). ``augment_strength`` scales
    :func:`augment`'s rotation, shift and scale ranges. ``rotations``: train on 4C classes,
    each image turned by a random quarter turn (:func:`rotation_classes`).
    ``contrastive_weight > 0``: two augmented views of every image, the softmax loss on
    both plus ``contrastive_weight *`` SimCLR's NT-Xent between them (on the embedding,
    ``temperature``; :func:`nnlab.vision.contrastive.nt_xent_loss`), which keeps what tells
    images of one class apart -- twice the images per step. ``projection_head``: the NT-Xent
    on ``g(e)`` instead, ``g`` a ``dim -> dim -> dim`` ReLU MLP trained along and dropped
    (SimCLR's design: the embedding feeds the loss without having to be instance-uniform;
    without ``augmentation`` the two views are the same image).
    ``label_smoothing``: passed to ``F.cross_entropy``.
    """
    if len(x) != len(y):
        raise ValueError(f"x has {len(x)} images but y has {len(y)} labels")
    if contrastive_weight < 0 or not 0 <= label_smoothing < 1:
        raise ValueError(f"pretrain_softmax: contrastive_weight must be >= 0 and "
                         f"label_smoothing in [0, 1), got {contrastive_weight} and "
                         f"{label_smoothing}")
    classes = int(y.max()) + 1
    if classes < 2 or int(y.min()) < 0:
        raise ValueError(f"pretrain_softmax: y must hold labels 0..C-1 with C >= 2, got "
                         f"min {int(y.min())}, max {int(y.max())}")
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    model = EmbeddingNet(dim=dim, width=width, head=head)
    n_proxies = 4 * classes if rotations else classes
    proxies = nn.Parameter(torch.randn(n_proxies, dim) / dim ** 0.5)
    proj = (nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim))
            if projection_head else nn.Identity())
    opt = torch.optim.Adam([*model.parameters(), proxies, *proj.parameters()], lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    start, total = time.process_time(), 0.0
    model.train()
    for step in range(steps):
        idx = torch.randint(len(x), (batch_size,), generator=gen)
        xb, yb = x[idx], y[idx]
        if rotations:
            xb, yb = rotation_classes(xb, yb, classes, torch.randint(4, (batch_size,),
                                                                     generator=gen))
        k = augment_strength
        views = 2 if contrastive_weight else 1
        xb = xb.repeat(views, 1, 1, 1)
        xb = augment(xb, gen, 10.0 * k, 0.1 * k, 0.1 * k) if augmentation else xb
        e = model(xb)                                            # (views * batch, dim)
        logits = margin_logits(e, proxies, yb.repeat(views), scale, margin, margin_kind)
        loss = F.cross_entropy(logits, yb.repeat(views), label_smoothing=label_smoothing)
        if contrastive_weight:
            loss = loss + contrastive_weight * nt_xent_loss(*proj(e).chunk(2), temperature)
        total = _step(opt, sched, loss, total)
        total, spent = _progress("softmax step", step, steps, total, log_every, start,
                                 cpu_budget)
        if spent:
            break
    return model.eval()
