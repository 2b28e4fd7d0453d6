"""Training / evaluation loops for the YOLO-style detector on digit canvases."""
from __future__ import annotations

import time
from typing import Dict, Optional

import torch

from ..utils.allocator import reuse_large_blocks
from .map_metric import mean_average_precision
from .yolo import YoloDetector, yolo_decode, yolo_loss, yolo_targets

__all__ = ["train_detector", "detect", "evaluate_detector"]


def train_detector(data: Dict, epochs: int = 10, batch_size: int = 64, lr: float = 2e-3,
                   model: Optional[YoloDetector] = None, seed: int = 0,
                   verbose: bool = False) -> YoloDetector:
    """Adam + one-cycle schedule on ``make_digit_canvases`` output; returns the model."""
    torch.manual_seed(seed)
    images = data["images"]
    model = model or YoloDetector(image_size=images.shape[1])
    target, mask = yolo_targets(data["boxes"], data["labels"], model.anchors,
                                model.image_size, model.grid_size)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * ((len(images) + batch_size - 1) // batch_size)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=steps)
    model.train()
    with reuse_large_blocks(model):  # CPU: activations above 32 MiB reused
        for epoch in range(epochs):
            t0, total = time.time(), torch.zeros(())
            for idx in torch.randperm(len(images)).split(batch_size):
                loss = yolo_loss(model(images[idx]), target[idx], mask[idx])
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
                sched.step()
                total += loss.detach() * len(idx)
            if verbose:
                print(f"epoch {epoch + 1}/{epochs} loss {total.item() / len(images):.3f} "
                      f"({time.time() - t0:.0f}s)")
    return model.eval()


@torch.no_grad()
def detect(model: YoloDetector, images: torch.Tensor, score_threshold: float = 0.05,
           iou_threshold: float = 0.5, batch_size: int = 256):
    """Detections per image (list of dicts with ``boxes`` xyxy, ``scores``, ``labels``)."""
    model.eval()
    out = []
    for chunk in images.split(batch_size):
        out += yolo_decode(model(chunk), model.anchors, model.image_size, score_threshold,
                           iou_threshold)
    return out


def evaluate_detector(model: YoloDetector, data: Dict) -> Dict[str, float]:
    """``{'map50': VOC AP@0.5, 'map': COCO AP@[.5:.95]}`` on a canvas set."""
    preds = detect(model, data["images"])
    targets = [{"boxes": b, "labels": lb} for b, lb in zip(data["boxes"], data["labels"])]
    return {"map50": mean_average_precision(preds, targets, style="voc"),
            "map": mean_average_precision(preds, targets, style="coco")}
