"""Box operations for detection: conversion, IoU, (batched) NMS, anchors, offset coding.

All boxes are float tensors of shape ``(N, 4)``; the default format is ``xyxy``
(``x1, y1, x2, y2`` with ``x2 >= x1`` and ``y2 >= y1``). Written here in torch because
torchvision (which has the same operations) cannot be imported with this machine's torch.
"""
from __future__ import annotations

import math
from typing import Sequence, Tuple

import numpy as np
import torch

__all__ = ["box_convert", "box_area", "box_iou", "nms", "batched_nms", "make_anchors",
           "encode_boxes", "decode_boxes", "check_boxes"]

_FORMATS = ("xyxy", "xywh", "cxcywh")
_NMS_BLOCK = 512


def check_boxes(boxes: torch.Tensor, name: str = "boxes") -> torch.Tensor:
    """Validate ``(N, 4)`` xyxy boxes; raise naming the first box with ``x2 < x1``/``y2 < y1``."""
    boxes = torch.as_tensor(boxes)
    if boxes.ndim != 2 or boxes.shape[-1] != 4:
        raise ValueError(f"{name}: expected shape (N, 4), got {tuple(boxes.shape)}")
    if not boxes.is_floating_point():
        boxes = boxes.float()
    if not torch.isfinite(boxes).all():
        i = int((~torch.isfinite(boxes)).any(1).nonzero()[0])
        raise ValueError(f"{name}[{i}] = {boxes[i].tolist()} has a non-finite coordinate")
    bad = (boxes[:, 2] < boxes[:, 0]) | (boxes[:, 3] < boxes[:, 1])
    if bad.any():
        i = int(bad.nonzero()[0])
        b = boxes[i].tolist()
        what = "x2 < x1" if b[2] < b[0] else "y2 < y1"
        raise ValueError(f"{name}[{i}] = {b} has {what}; boxes must be (x1, y1, x2, y2) "
                         f"with x2 >= x1 and y2 >= y1 ({int(bad.sum())} bad box(es) in all)")
    return boxes


def box_convert(boxes: torch.Tensor, in_fmt: str, out_fmt: str) -> torch.Tensor:
    """Convert ``(..., 4)`` boxes between ``'xyxy'``, ``'xywh'`` (corner + size), ``'cxcywh'``."""
    for arg, fmt in (("in_fmt", in_fmt), ("out_fmt", out_fmt)):
        if fmt not in _FORMATS:
            raise ValueError(f"box_convert: {arg} must be one of {_FORMATS}, got {fmt!r}")
    boxes = torch.as_tensor(boxes)
    if boxes.shape[-1] != 4:
        raise ValueError(f"box_convert: boxes must have 4 coordinates on the last axis, "
                         f"got shape {tuple(boxes.shape)}")
    a, b, c, d = boxes.unbind(-1)
    if in_fmt == "xywh":
        a, b, c, d = a, b, a + c, b + d
    elif in_fmt == "cxcywh":
        a, b, c, d = a - c / 2, b - d / 2, a + c / 2, b + d / 2
    if out_fmt == "xywh":
        a, b, c, d = a, b, c - a, d - b
    elif out_fmt == "cxcywh":
        a, b, c, d = (a + c) / 2, (b + d) / 2, c - a, d - b
    return torch.stack((a, b, c, d), -1)


def box_area(boxes: torch.Tensor) -> torch.Tensor:
    """Areas ``(N,)`` of ``(N, 4)`` xyxy boxes."""
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def _iou(b1: torch.Tensor, b2: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Intersections and unions ``(N, M)``; per-coordinate contiguous columns broadcast
    several times faster than ``(N, 1, 2)`` x ``(1, M, 2)`` strided views."""
    a = [c.contiguous()[:, None] for c in b1.unbind(1)]
    b = [c.contiguous()[None, :] for c in b2.unbind(1)]
    iw = (torch.minimum(a[2], b[2]) - torch.maximum(a[0], b[0])).clamp_(min=0)
    ih = (torch.minimum(a[3], b[3]) - torch.maximum(a[1], b[1])).clamp_(min=0)
    inter = iw.mul_(ih)
    union = ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1])) - inter
    return inter, union


def box_iou(boxes1: torch.Tensor, boxes2: torch.Tensor, *,
            zero_area: str = "raise") -> torch.Tensor:
    """Pairwise intersection over union, ``(N, 4)`` x ``(M, 4)`` xyxy -> ``(N, M)``.

    ``IoU = |A ∩ B| / |A ∪ B|``. Two zero-area boxes have an empty union, so their IoU
    is undefined (0/0): ``zero_area='raise'`` (default) names the pair, ``'zero'`` gives 0.
    Empty inputs (N or M = 0) give an empty ``(N, M)`` matrix.
    """
    if zero_area not in ("raise", "zero"):
        raise ValueError(f"box_iou: zero_area must be 'raise' or 'zero', got {zero_area!r}")
    b1, b2 = check_boxes(boxes1, "boxes1"), check_boxes(boxes2, "boxes2")
    dtype = torch.promote_types(b1.dtype, b2.dtype)
    inter, union = _iou(b1.to(dtype), b2.to(dtype))
    empty = union <= 0
    if empty.any():
        if zero_area == "raise":
            i, j = (int(v) for v in empty.nonzero()[0])
            raise ValueError(f"box_iou: boxes1[{i}] and boxes2[{j}] both have zero area, so "
                             f"their IoU (intersection over an empty union) is undefined; "
                             f"pass zero_area='zero' to score such pairs 0")
        return torch.where(empty, torch.zeros_like(inter), inter / union.clamp(min=1e-30))
    return inter / union


def nms(boxes: torch.Tensor, scores: torch.Tensor, iou_threshold: float) -> torch.Tensor:
    """Greedy non-maximum suppression; returns kept indices ``(K,)`` by decreasing score.

    Repeatedly keep the highest-scoring remaining box (equal scores: lower index first)
    and drop every remaining box whose IoU with it is ``> iou_threshold``.
    ``boxes`` ``(N, 4)`` xyxy, ``scores`` ``(N,)``. Zero-area boxes overlap nothing.
    """
    boxes = check_boxes(boxes)
    scores = torch.as_tensor(scores)
    if scores.shape != (boxes.shape[0],):
        raise ValueError(f"nms: scores must have shape ({boxes.shape[0]},) to match boxes, "
                         f"got {tuple(scores.shape)}")
    order = torch.sort(scores, descending=True, stable=True).indices
    b = boxes[order]
    n = len(b)
    alive = np.ones(n, bool)
    # The greedy pass is sequential by definition. Done in blocks of sorted boxes: one
    # vectorised IoU block (rows s:e against every later box), a cheap numpy sweep to
    # resolve suppression inside the block, then the block's survivors suppress later boxes.
    for s in range(0, n, _NMS_BLOCK):
        e = min(s + _NMS_BLOCK, n)
        cols = s + np.flatnonzero(alive[s:])      # only boxes not yet suppressed
        rows = int(np.searchsorted(cols, e))      # the first `rows` of cols are in s:e
        if not rows:
            continue
        idx = torch.from_numpy(cols)
        inter, union = _iou(b[idx[:rows]], b[idx])
        iou = torch.where(union > 0, inter / union.clamp(min=1e-30), torch.zeros_like(inter))
        sup = (iou > iou_threshold).numpy()
        a = np.ones(rows, bool)
        for i in range(rows):
            if a[i]:
                a[i + 1:] &= ~sup[i, i + 1:rows]
        alive[cols[:rows]] = a
        if len(cols) > rows:
            alive[cols[rows:]] &= ~sup[a, rows:].any(0)
    return order[torch.from_numpy(alive)]


def batched_nms(boxes: torch.Tensor, scores: torch.Tensor, classes: torch.Tensor,
                iou_threshold: float) -> torch.Tensor:
    """NMS within each class only (boxes of different classes never suppress each other).

    Done in one pass by shifting each class's boxes by ``class * (max coordinate + 1)`` so
    boxes of different classes cannot overlap. Returns kept indices by decreasing score.
    """
    boxes = check_boxes(boxes)
    classes = torch.as_tensor(classes)
    if classes.shape != (boxes.shape[0],):
        raise ValueError(f"batched_nms: classes must have shape ({boxes.shape[0]},), "
                         f"got {tuple(classes.shape)}")
    if boxes.numel() == 0:
        return torch.zeros(0, dtype=torch.long)
    span = boxes.max() - boxes.min() + 1
    shifted = boxes - boxes.min() + classes.to(boxes.dtype)[:, None] * span
    return nms(shifted, scores, iou_threshold)


def make_anchors(grid_size: int | Tuple[int, int], image_size: int | Tuple[int, int],
                 scales: Sequence[float], ratios: Sequence[float] = (1.0,)) -> torch.Tensor:
    """Anchor boxes centred on every grid cell: ``(rows * cols * A, 4)`` xyxy, A = scales x ratios.

    Cell ``(r, c)`` of an ``image_size`` image split into ``grid_size`` cells gets one
    anchor per (scale, ratio) with area ``scale**2`` and ``width / height = ratio``, so
    ``w = scale * sqrt(ratio)``, ``h = scale / sqrt(ratio)``. Order: row, column, scale, ratio.
    """
    gh, gw = (grid_size, grid_size) if isinstance(grid_size, int) else tuple(grid_size)
    ih, iw = (image_size, image_size) if isinstance(image_size, int) else tuple(image_size)
    if min(gh, gw, ih, iw) <= 0:
        raise ValueError(f"make_anchors: grid_size {grid_size} and image_size {image_size} "
                         f"must be positive")
    if ih % gh or iw % gw:
        raise ValueError(f"make_anchors: a {gh}x{gw} grid does not fit a {ih}x{iw} image "
                         f"(image size must be a multiple of the grid size)")
    if not len(scales) or not len(ratios) or min(scales) <= 0 or min(ratios) <= 0:
        raise ValueError(f"make_anchors: scales {list(scales)} and ratios {list(ratios)} "
                         f"must be non-empty and positive")
    if max(scales) * max(math.sqrt(r) for r in ratios) > 2 * iw or \
            max(scales) / min(math.sqrt(r) for r in ratios) > 2 * ih:
        raise ValueError(f"make_anchors: anchors of scales {list(scales)} x ratios "
                         f"{list(ratios)} are more than twice the {ih}x{iw} image")
    s = torch.tensor(scales, dtype=torch.float32)[:, None]
    r = torch.tensor(ratios, dtype=torch.float32)[None, :].sqrt()
    w, h = (s * r).reshape(-1), (s / r).reshape(-1)                     # (A,)
    cy = (torch.arange(gh, dtype=torch.float32) + 0.5) * (ih / gh)
    cx = (torch.arange(gw, dtype=torch.float32) + 0.5) * (iw / gw)
    cy, cx = torch.meshgrid(cy, cx, indexing="ij")
    centres = torch.stack((cx, cy), -1).reshape(-1, 1, 2)               # (cells, 1, 2)
    wh = torch.stack((w, h), -1).reshape(1, -1, 2).expand(centres.shape[0], -1, -1)
    return box_convert(torch.cat((centres.expand_as(wh), wh), -1).reshape(-1, 4),
                       "cxcywh", "xyxy")


def encode_boxes(boxes: torch.Tensor, anchors: torch.Tensor,
                 weights: Tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
                 ) -> torch.Tensor:
    """Offsets of ``boxes`` relative to ``anchors`` (both ``(N, 4)`` xyxy) -> ``(N, 4)``.

    ``tx = wx (x - xa) / wa``, ``ty = wy (y - ya) / ha``, ``tw = ww log(w / wa)``,
    ``th = wh log(h / ha)`` with ``(x, y, w, h)`` centre and size (Faster R-CNN coding).
    """
    b, a = check_boxes(boxes, "boxes"), check_boxes(anchors, "anchors")
    if b.shape != a.shape:
        raise ValueError(f"encode_boxes: boxes {tuple(b.shape)} and anchors {tuple(a.shape)} "
                         f"must have the same shape")
    if (box_area(a) <= 0).any():
        i = int((box_area(a) <= 0).nonzero()[0])
        raise ValueError(f"encode_boxes: anchors[{i}] has zero width or height")
    x, y, w, h = box_convert(b, "xyxy", "cxcywh").unbind(-1)
    xa, ya, wa, ha = box_convert(a, "xyxy", "cxcywh").unbind(-1)
    wx, wy, ww, wh = weights
    return torch.stack((wx * (x - xa) / wa, wy * (y - ya) / ha,
                        ww * torch.log(w / wa), wh * torch.log(h / ha)), -1)


def decode_boxes(offsets: torch.Tensor, anchors: torch.Tensor,
                 weights: Tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0)
                 ) -> torch.Tensor:
    """Inverse of :func:`encode_boxes`: offsets ``(N, 4)`` + anchors ``(N, 4)`` -> xyxy boxes."""
    a = check_boxes(anchors, "anchors")
    xa, ya, wa, ha = box_convert(a, "xyxy", "cxcywh").unbind(-1)
    wx, wy, ww, wh = weights
    tx, ty, tw, th = torch.as_tensor(offsets).unbind(-1)
    clamp = math.log(1000.0 / 16)  # as Detectron: keep exp() finite for wild predictions
    return box_convert(torch.stack((xa + tx / wx * wa, ya + ty / wy * ha,
                                    wa * torch.exp((tw / ww).clamp(max=clamp)),
                                    ha * torch.exp((th / wh).clamp(max=clamp))), -1),
                       "cxcywh", "xyxy")
