"""Semantic segmentation: an encoder-decoder with the lecture's upsamplings and U-Net skips.

Upsampling choices (each doubles height and width):
``'nearest'`` (copy each value to a 2x2 block), ``'bed_of_nails'`` (value at the top-left
of the block, zeros elsewhere), ``'max_unpool'`` (value back where the encoder's max was,
via ``MaxPooling2D(return_indices=True)`` + ``MaxUnpooling2D``), ``'transpose'``
(a learnable ``Conv2DTranspose(k=2, s=2)``). ``skips=True`` concatenates each encoder
level's features into the decoder (U-Net).
"""
from __future__ import annotations

import time
from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from ..utils.allocator import reuse_large_blocks
from ..layers import Conv2DTranspose, MaxPooling2D
from ..layers.unpooling import MaxUnpooling2D

__all__ = ["SegmentationNet", "pixel_accuracy", "mean_iou", "check_labels", "UPSAMPLINGS",
           "train_segmentation", "predict_masks", "soft_dice_loss", "plot_segmentation"]

UPSAMPLINGS = ("nearest", "bed_of_nails", "max_unpool", "transpose")


def _block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(),
                         nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU())


class SegmentationNet(nn.Module):
    """``(batch, H, W, in_channels)`` -> per-pixel logits ``(batch, H, W, num_classes)``.

    ``depth`` 2x downsamplings (H, W divisible by ``2**depth``), widths ``width * 2**level``.
    """

    def __init__(self, num_classes: int = 11, upsampling: str = "transpose", skips: bool = True,
                 depth: int = 2, width: int = 16, in_channels: int = 1):
        super().__init__()
        if upsampling not in UPSAMPLINGS:
            raise ValueError(f"SegmentationNet: upsampling must be one of {UPSAMPLINGS}, got "
                             f"{upsampling!r}")
        self.upsampling, self.skips, self.depth = upsampling, skips, depth
        ws = [width * 2 ** k for k in range(depth + 1)]
        self.enc = nn.ModuleList([_block(in_channels if k == 0 else ws[k - 1], ws[k])
                                  for k in range(depth)])
        self.pools = nn.ModuleList([MaxPooling2D(2, return_indices=True,
                                                 data_format="channels_first")
                                    for _ in range(depth)])
        self.bottom = _block(ws[depth - 1], ws[depth])
        self.reduce = nn.ModuleList([nn.Conv2d(ws[k + 1], ws[k], 1) for k in range(depth)])
        self.up = nn.ModuleList([
            Conv2DTranspose(ws[k], 2, strides=2, data_format="channels_first")
            if upsampling == "transpose" else
            MaxUnpooling2D(2, data_format="channels_first") if upsampling == "max_unpool"
            else nn.Identity() for k in range(depth)])
        self.dec = nn.ModuleList([_block(ws[k] * (2 if skips else 1), ws[k])
                                  for k in range(depth)])
        self.head = nn.Conv2d(ws[0], num_classes, 1)
        # nnlab layers (Conv2DTranspose) create weights on first call: build them now so
        # they are in parameters() when an optimizer is made (eval: BN stats untouched)
        with torch.no_grad():
            self.eval()
            self(torch.zeros(1, 2 ** depth, 2 ** depth, in_channels))
            self.train()

    def _upsample(self, k: int, x: torch.Tensor, indices: torch.Tensor) -> torch.Tensor:
        if self.upsampling == "transpose":
            return self.up[k](x)
        x = self.reduce[k](x)   # to the encoder level's width (1x1 conv)
        if self.upsampling == "nearest":
            return F.interpolate(x, scale_factor=2, mode="nearest")
        if self.upsampling == "bed_of_nails":
            out = x.new_zeros(x.shape[0], x.shape[1], 2 * x.shape[2], 2 * x.shape[3])
            out[:, :, ::2, ::2] = x
            return out
        return self.up[k](x, indices)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[1] % 2 ** self.depth or x.shape[2] % 2 ** self.depth:
            raise ValueError(f"SegmentationNet: height and width {tuple(x.shape[1:3])} must be "
                             f"divisible by 2**depth = {2 ** self.depth}")
        x = x.permute(0, 3, 1, 2)
        feats, idxs = [], []
        for enc, pool in zip(self.enc, self.pools):
            x = enc(x)
            feats.append(x)
            x, i = pool(x)
            idxs.append(i)
        x = self.bottom(x)
        for k in reversed(range(self.depth)):
            x = self._upsample(k, x, idxs[k])
            if self.skips:
                x = torch.cat((x, feats[k]), 1)
            x = self.dec[k](x)
        return self.head(x).permute(0, 2, 3, 1)


def check_labels(labels: torch.Tensor, num_classes: int, name: str = "labels") -> torch.Tensor:
    """Raise naming the first pixel whose label is outside ``[0, num_classes)``."""
    labels = torch.as_tensor(labels)
    bad = (labels < 0) | (labels >= num_classes)
    if bad.any():
        where = tuple(int(v) for v in bad.nonzero()[0])
        raise ValueError(f"{name}{list(where)} = {int(labels[where])} is outside the "
                         f"{num_classes} classes [0, {num_classes - 1}]")
    return labels


def _confusion(pred: torch.Tensor, target: torch.Tensor, num_classes: int) -> torch.Tensor:
    check_labels(target, num_classes, "target")
    check_labels(pred, num_classes, "pred")
    if pred.shape != target.shape:
        raise ValueError(f"pred shape {tuple(pred.shape)} != target shape {tuple(target.shape)}")
    idx = target.reshape(-1) * num_classes + pred.reshape(-1)
    return torch.bincount(idx, minlength=num_classes ** 2).reshape(num_classes, num_classes)


def pixel_accuracy(pred: torch.Tensor, target: torch.Tensor, num_classes: int) -> float:
    """Fraction of pixels whose predicted class ``(…, H, W)`` equals the label."""
    cm = _confusion(pred, target, num_classes)
    return float(cm.diag().sum() / cm.sum())


def mean_iou(pred: torch.Tensor, target: torch.Tensor, num_classes: int
             ) -> Tuple[float, torch.Tensor]:
    """Mean over classes present (in pred or target) of ``TP / (TP + FP + FN)``; and per class
    IoU ``(num_classes,)`` (NaN for classes absent from both)."""
    cm = _confusion(pred, target, num_classes).double()
    tp = cm.diag()
    union = cm.sum(0) + cm.sum(1) - tp
    iou = torch.where(union > 0, tp / union.clamp(min=1), torch.full_like(tp, float("nan")))
    return float(iou.nanmean()), iou


def soft_dice_loss(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``1 - mean_c 2|P_c T_c| / (|P_c| + |T_c|)`` over the classes present in ``target``.

    ``logits`` ``(batch, H, W, C)``, ``target`` ``(batch, H, W)`` int; ``P`` the softmax,
    ``T`` the one-hot labels, sums over the whole batch. Each class counts equally however
    few its pixels, which offsets the background's dominance in cross-entropy.
    """
    prob = logits.softmax(-1)
    onehot = F.one_hot(target, logits.shape[-1]).to(prob.dtype)
    inter = (prob * onehot).sum((0, 1, 2))
    sizes = prob.sum((0, 1, 2)) + onehot.sum((0, 1, 2))
    present = onehot.sum((0, 1, 2)) > 0
    return 1 - (2 * inter[present] / sizes[present]).mean()


def train_segmentation(images: torch.Tensor, masks: torch.Tensor, num_classes: int = 11,
                       epochs: int = 5, batch_size: int = 32, lr: float = 3e-3,
                       dice_weight: float = 1.0, cpu_budget: Optional[float] = None,
                       seed: int = 0, verbose: bool = False, **net_kwargs) -> SegmentationNet:
    """Pixel-wise cross-entropy ``+ dice_weight *`` :func:`soft_dice_loss`, Adam + one-cycle.

    ``images`` ``(N, H, W, 1)``, ``masks`` ``(N, H, W)`` int labels in
    ``[0, num_classes)`` (checked before training). ``cpu_budget`` (seconds of this
    process's CPU time) stops early when spent; ``net_kwargs`` go to :class:`SegmentationNet`.
    """
    check_labels(masks, num_classes, "masks")
    if images.shape[:3] != masks.shape:
        raise ValueError(f"images {tuple(images.shape)} and masks {tuple(masks.shape)} must "
                         f"share (N, H, W)")
    torch.manual_seed(seed)
    model = SegmentationNet(num_classes=num_classes, **net_kwargs)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * ((len(images) + batch_size - 1) // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=steps)
    start = time.process_time()
    model.train()
    with reuse_large_blocks(model):  # CPU: activations above 32 MiB reused
        for epoch in range(epochs):
            total = torch.zeros(())
            for idx in torch.randperm(len(images)).split(batch_size):
                logits = model(images[idx])
                loss = F.cross_entropy(logits.permute(0, 3, 1, 2), masks[idx])
                if dice_weight:
                    loss = loss + dice_weight * soft_dice_loss(logits, masks[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                total += loss.detach() * len(idx)
            spent = time.process_time() - start
            if verbose:
                print(f"epoch {epoch + 1}/{epochs} loss {total.item() / len(images):.4f} "
                      f"cpu {spent:.0f}s", flush=True)
            if cpu_budget is not None and spent > cpu_budget:
                if verbose:
                    print(f"cpu budget {cpu_budget:.0f}s spent after {epoch + 1} epochs")
                break
    return model.eval()


@torch.no_grad()
def predict_masks(model: SegmentationNet, images: torch.Tensor, batch_size: int = 128):
    """Per-pixel class ``(N, H, W)``."""
    model.eval()
    return torch.cat([model(c).argmax(-1) for c in images.split(batch_size)])


def plot_segmentation(images: torch.Tensor, masks: torch.Tensor, pred: torch.Tensor, path: str,
                      n: int = 4, dpi: int = 70) -> None:
    """PNG of the first ``n`` canvases: labels (top row) and predictions (bottom) over the
    image. ``images`` ``(N, H, W, 1)``, ``masks`` / ``pred`` ``(N, H, W)`` (0 = background,
    ``1 + digit`` otherwise)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, axes = plt.subplots(2, n, figsize=(2 * n, 4.2), squeeze=False)
    for k in range(n):
        for row, m, title in ((0, masks[k], "label"), (1, pred[k], "predicted")):
            ax = axes[row, k]
            ax.imshow(images[k, ..., 0], cmap="gray")
            ax.imshow(torch.where(m > 0, m - 1.0, float("nan")), cmap="tab10", vmin=0, vmax=9,
                      alpha=0.6)
            ax.set_title(title, fontsize=8)
            ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
