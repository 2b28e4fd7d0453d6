"""Offline detection / localisation / segmentation data from real MNIST digits on canvases.

``make_digit_canvases`` pastes real MNIST digits (random scale, random place, limited overlap)
onto a black canvas and records, per image, the tight box of every digit, its class, and a
per-pixel label map (0 = background, 1 + digit where the digit's ink is > 0.5). The train
split only uses MNIST training digits and the test split only MNIST test digits, so no
source image is in both. ``make_localisation_set`` places one digit per canvas and adds its
4 extreme points (left, top, right, bottom) as landmarks. Reproducible from ``seed``.
"""
from __future__ import annotations

from typing import Dict, Tuple

import numpy as np
import torch
import torch.nn.functional as F

__all__ = ["make_digit_canvases", "make_localisation_set"]


def _digits(split: str):
    from ..data import load_mnist
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test', got {split!r}")
    (xtr, ytr), (xte, yte) = load_mnist()
    x, y = (xtr, ytr) if split == "train" else (xte, yte)
    return torch.from_numpy(x).float() / 255.0, torch.from_numpy(y.astype(np.int64))


def _scaled(digit: torch.Tensor, size: int) -> torch.Tensor:
    return F.interpolate(digit[None, None], size=(size, size), mode="bilinear",
                         align_corners=False)[0, 0].clamp(0, 1)


def _iou(a, b):
    iw = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def _check(n, canvas_size, scale_range):
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    lo, hi = scale_range
    if not 4 <= lo <= hi <= canvas_size:
        raise ValueError(f"scale_range {scale_range} must satisfy 4 <= low <= high <= "
                         f"canvas_size={canvas_size} (digit side in pixels)")


def make_digit_canvases(n: int, canvas_size: int = 64, max_objects: int = 3,
                        scale_range: Tuple[int, int] = (16, 28), max_iou: float = 0.1,
                        split: str = "train", seed: int = 0) -> Dict[str, object]:
    """``n`` canvases with 1..``max_objects`` digits each.

    Returns a dict: ``images`` ``(n, S, S, 1)`` float in [0, 1]; ``masks`` ``(n, S, S)``
    int64 (0 background, 1 + class); ``boxes`` list of ``(k, 4)`` xyxy float tensors (tight
    around the ink); ``labels`` list of ``(k,)`` int64; ``sources`` list of ``(k,)`` MNIST
    indices. Two digits' placement boxes overlap with IoU <= ``max_iou``.
    """
    _check(n, canvas_size, scale_range)
    x, y = _digits(split)
    rng = np.random.default_rng(seed)
    images = torch.zeros(n, canvas_size, canvas_size)
    masks = torch.zeros(n, canvas_size, canvas_size, dtype=torch.long)
    boxes, labels, sources = [], [], []
    for i in range(n):
        want, placed, b, lab, src = rng.integers(1, max_objects + 1), [], [], [], []
        for _ in range(50 * max_objects):
            if len(placed) == want:
                break
            size = int(rng.integers(scale_range[0], scale_range[1] + 1))
            r, c = rng.integers(0, canvas_size - size + 1, 2)
            cell = (float(c), float(r), float(c + size), float(r + size))
            if any(_iou(cell, p) > max_iou for p in placed):
                continue
            k = int(rng.integers(0, len(x)))
            d = _scaled(x[k], size)
            ink = d > 0.5
            if not ink.any():
                continue
            rows, cols = ink.any(1).nonzero()[:, 0], ink.any(0).nonzero()[:, 0]
            region = images[i, r:r + size, c:c + size]
            images[i, r:r + size, c:c + size] = torch.maximum(region, d)
            masks[i, r:r + size, c:c + size][ink] = int(y[k]) + 1
            placed.append(cell)
            b.append([c + cols[0].item(), r + rows[0].item(), c + cols[-1].item() + 1,
                      r + rows[-1].item() + 1])
            lab.append(int(y[k]))
            src.append(k)
        boxes.append(torch.tensor(b, dtype=torch.float32).reshape(-1, 4))
        labels.append(torch.tensor(lab, dtype=torch.long))
        sources.append(torch.tensor(src, dtype=torch.long))
    return {"images": images[..., None], "masks": masks, "boxes": boxes, "labels": labels,
            "sources": sources}


def make_localisation_set(n: int, canvas_size: int = 48, scale_range: Tuple[int, int] = (16, 36),
                          split: str = "train", seed: int = 0) -> Dict[str, torch.Tensor]:
    """One digit per canvas: ``images`` ``(n, S, S, 1)``, ``boxes`` ``(n, 4)`` xyxy,
    ``labels`` ``(n,)``, ``landmarks`` ``(n, 4, 2)`` (x, y) of the leftmost, topmost,
    rightmost and bottommost ink pixel centres."""
    _check(n, canvas_size, scale_range)
    data = make_digit_canvases(n, canvas_size, 1, scale_range, 0.0, split, seed)
    lm = torch.zeros(n, 4, 2)
    for i in range(n):
        ys, xs = (data["masks"][i] > 0).nonzero(as_tuple=True)
        for j, k in enumerate((xs.argmin(), ys.argmin(), xs.argmax(), ys.argmax())):
            lm[i, j] = torch.stack((xs[k], ys[k])).float() + 0.5
    return {"images": data["images"], "boxes": torch.cat(data["boxes"]),
            "labels": torch.cat(data["labels"]), "landmarks": lm}
