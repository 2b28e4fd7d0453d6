"""A YOLO-style single-shot detector: S x S grid, B anchors per cell, one conv pass.

Each cell predicts, per anchor, ``(tx, ty, tw, th, objectness, class logits...)``. Target
assignment (YOLOv2): a ground-truth box belongs to the cell holding its centre and to the
anchor whose shape (centred) has the best IoU with it; ``tx, ty`` are the centre's offset in
the cell (through a sigmoid), ``tw = log(w / anchor_w)``. Loss = ``lambda_coord`` x squared
error on the responsible anchors' coordinates + BCE objectness (negatives weighted
``lambda_noobj``) + cross-entropy of classes on responsible anchors.
"""
from __future__ import annotations

from typing import Dict, List, Sequence, Tuple

import torch
import torch.nn.functional as F
from torch import nn

from .boxes import batched_nms, box_convert, check_boxes

__all__ = ["YoloDetector", "yolo_targets", "yolo_loss", "yolo_decode"]


class YoloDetector(nn.Module):
    """Input ``(batch, S*cell, S*cell, 1)`` channels_last; output ``(batch, S, S, B, 5 + C)``.

    A small conv trunk with ``log2(cell)`` 2x poolings, then a 1x1 conv head.
    """

    def __init__(self, num_classes: int = 10, anchors: Sequence[Tuple[float, float]] = (
            (12.0, 16.0), (18.0, 24.0)), image_size: int = 64, grid_size: int = 8,
            width: int = 16, in_channels: int = 1):
        super().__init__()
        if image_size % grid_size:
            raise ValueError(f"YoloDetector: a {grid_size}x{grid_size} grid does not fit a "
                             f"{image_size}x{image_size} image")
        cell = image_size // grid_size
        if cell & (cell - 1):
            raise ValueError(f"YoloDetector: cell size {cell} must be a power of two")
        self.num_classes, self.image_size, self.grid_size = num_classes, image_size, grid_size
        self.register_buffer("anchors", torch.tensor(anchors, dtype=torch.float32))
        layers, c = [], in_channels
        for k in range(cell.bit_length() - 1):
            w = width * min(2 ** k, 4)
            layers += [nn.Conv2d(c, w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU(),
                       nn.MaxPool2d(2)]
            c = w
        layers += [nn.Conv2d(c, 2 * c, 3, padding=1), nn.BatchNorm2d(2 * c), nn.ReLU(),
                   nn.Conv2d(2 * c, 2 * c, 3, padding=1), nn.BatchNorm2d(2 * c), nn.ReLU(),
                   nn.Conv2d(2 * c, len(anchors) * (5 + num_classes), 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.net(x.permute(0, 3, 1, 2))                     # (N, B*(5+C), S, S)
        n, _, s, _ = y.shape
        return y.permute(0, 2, 3, 1).reshape(n, s, s, len(self.anchors), 5 + self.num_classes)


def _shape_iou(wh: torch.Tensor, anchors: torch.Tensor) -> torch.Tensor:
    inter = torch.minimum(wh[:, None], anchors[None]).prod(-1)
    return inter / (wh.prod(-1)[:, None] + anchors.prod(-1)[None] - inter)


def yolo_targets(boxes: List[torch.Tensor], labels: List[torch.Tensor], anchors: torch.Tensor,
                 image_size: int, grid_size: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Targets ``(batch, S, S, B, 5)`` = (tx, ty, tw, th, class) and mask ``(batch, S, S, B)``."""
    cell = image_size / grid_size
    n, b = len(boxes), anchors.shape[0]
    target = torch.zeros(n, grid_size, grid_size, b, 5)
    mask = torch.zeros(n, grid_size, grid_size, b, dtype=torch.bool)
    for i, (bx, lb) in enumerate(zip(boxes, labels)):
        if not len(bx):
            continue
        cx, cy, w, h = box_convert(check_boxes(bx, f"boxes[{i}]"), "xyxy", "cxcywh").unbind(-1)
        col = (cx / cell).floor().long().clamp(0, grid_size - 1)
        row = (cy / cell).floor().long().clamp(0, grid_size - 1)
        a = _shape_iou(torch.stack((w, h), -1), anchors).argmax(1)
        t = torch.stack((cx / cell - col, cy / cell - row, torch.log(w / anchors[a, 0]),
                         torch.log(h / anchors[a, 1]), lb.float()), -1)
        target[i, row, col, a] = t
        mask[i, row, col, a] = True
    return target, mask


def yolo_loss(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor,
              lambda_coord: float = 5.0, lambda_noobj: float = 0.5) -> torch.Tensor:
    """Scalar loss, averaged over the batch; shapes as :func:`yolo_targets`."""
    pos = pred[mask]
    tp = target[mask]
    coord = ((pos[:, :2].sigmoid() - tp[:, :2]) ** 2).sum() + ((pos[:, 2:4] - tp[:, 2:4]) ** 2).sum()
    obj = F.binary_cross_entropy_with_logits(pred[..., 4], mask.float(), reduction="none")
    obj = obj[mask].sum() + lambda_noobj * obj[~mask].sum()
    cls = F.cross_entropy(pos[:, 5:], tp[:, 4].long(), reduction="sum") if len(pos) else 0.0
    return (lambda_coord * coord + obj + cls) / pred.shape[0]


@torch.no_grad()
def yolo_decode(pred: torch.Tensor, anchors: torch.Tensor, image_size: int,
                score_threshold: float = 0.05, iou_threshold: float = 0.5,
                max_detections: int = 100) -> List[Dict[str, torch.Tensor]]:
    """Raw output ``(batch, S, S, B, 5 + C)`` -> per image ``{"boxes", "scores", "labels"}``.

    Score = sigmoid(objectness) x max class probability; keep scores above the threshold,
    then per-class NMS.
    """
    n, s = pred.shape[:2]
    cell = image_size / s
    grid = torch.arange(s, dtype=pred.dtype)
    gy, gx = torch.meshgrid(grid, grid, indexing="ij")
    cx = (pred[..., 0].sigmoid() + gx[..., None]) * cell
    cy = (pred[..., 1].sigmoid() + gy[..., None]) * cell
    w = anchors[:, 0] * pred[..., 2].clamp(max=6).exp()
    h = anchors[:, 1] * pred[..., 3].clamp(max=6).exp()
    boxes = box_convert(torch.stack((cx, cy, w, h), -1), "cxcywh", "xyxy").clamp(0, image_size)
    prob, label = pred[..., 5:].softmax(-1).max(-1)
    score = pred[..., 4].sigmoid() * prob
    out = []
    for i in range(n):
        b, sc, lb = boxes[i].reshape(-1, 4), score[i].reshape(-1), label[i].reshape(-1)
        keep = sc > score_threshold
        b, sc, lb = b[keep], sc[keep], lb[keep]
        k = batched_nms(b, sc, lb, iou_threshold)[:max_detections]
        out.append({"boxes": b[k], "scores": sc[k], "labels": lb[k]})
    return out
