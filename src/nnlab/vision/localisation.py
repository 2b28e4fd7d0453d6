"""Classification + localisation: one trunk, a softmax head, a box head and a landmark head.

Multi-task loss (CS231n): ``CE(class) + box_weight * SmoothL1(box / S) +
landmark_weight * SmoothL1(landmarks / S)``, with boxes xyxy and landmarks (x, y) divided by
the image side ``S`` so every regression target is in [0, 1].
"""
from __future__ import annotations

from typing import Dict

import torch
import torch.nn.functional as F
from torch import nn

from ..utils.allocator import reuse_large_blocks

__all__ = ["ClassifyLocalise", "localisation_loss", "train_localiser"]


class ClassifyLocalise(nn.Module):
    """``(batch, S, S, 1)`` -> ``{"logits": (batch, C), "boxes": (batch, 4),
    "landmarks": (batch, L, 2)}``; boxes and landmarks in pixels."""

    def __init__(self, num_classes: int = 10, image_size: int = 48, num_landmarks: int = 4,
                 width: int = 16):
        super().__init__()
        self.image_size, self.num_landmarks = image_size, num_landmarks
        self.trunk = nn.Sequential(
            nn.Conv2d(1, width, 3, padding=1), nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(width, 2 * width, 3, padding=1), nn.BatchNorm2d(2 * width), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(2 * width, 4 * width, 3, padding=1), nn.BatchNorm2d(4 * width), nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(4 * width * (image_size // 8) ** 2, 128), nn.ReLU())
        self.cls = nn.Linear(128, num_classes)
        self.box = nn.Linear(128, 4)
        self.landmarks = nn.Linear(128, 2 * num_landmarks)

    def forward(self, x: torch.Tensor) -> Dict[str, torch.Tensor]:
        h = self.trunk(x.permute(0, 3, 1, 2))
        s = self.image_size
        return {"logits": self.cls(h), "boxes": self.box(h).sigmoid() * s,
                "landmarks": self.landmarks(h).sigmoid().reshape(-1, self.num_landmarks, 2) * s}


def localisation_loss(out: Dict[str, torch.Tensor], labels: torch.Tensor, boxes: torch.Tensor,
                      landmarks: torch.Tensor, image_size: int, box_weight: float = 1.0,
                      landmark_weight: float = 1.0) -> torch.Tensor:
    """The weighted multi-task loss (scalar)."""
    s = float(image_size)
    return (F.cross_entropy(out["logits"], labels)
            + box_weight * F.smooth_l1_loss(out["boxes"] / s, boxes / s, beta=0.05)
            + landmark_weight * F.smooth_l1_loss(out["landmarks"] / s, landmarks / s, beta=0.05))


def train_localiser(data: Dict[str, torch.Tensor], epochs: int = 5, batch_size: int = 64,
                    lr: float = 2e-3, seed: int = 0, **loss_kwargs) -> ClassifyLocalise:
    """Train on ``make_localisation_set`` output."""
    torch.manual_seed(seed)
    x = data["images"]
    model = ClassifyLocalise(image_size=x.shape[1])
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    with reuse_large_blocks(model):  # CPU: activations above 32 MiB reused
        for _ in range(epochs):
            for idx in torch.randperm(len(x)).split(batch_size):
                loss = localisation_loss(model(x[idx]), data["labels"][idx], data["boxes"][idx],
                                         data["landmarks"][idx], x.shape[1], **loss_kwargs)
                opt.zero_grad(set_to_none=True)
                loss.backward()
                opt.step()
    return model.eval()
