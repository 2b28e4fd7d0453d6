"""Small image operations the synthesis methods share, on ``(N, H, W, C)`` or ``(N, C, H,
W)`` tensors: Gaussian blur, jitter, resizing, total variation. Written here because
torch has no Gaussian blur outside torchvision (which this project cannot import)."""
from __future__ import annotations

import math
from typing import Tuple

import torch
import torch.nn.functional as F


def to_nchw(x: torch.Tensor, data_format: str) -> torch.Tensor:
    return x.permute(0, 3, 1, 2) if data_format == "channels_last" else x


def from_nchw(x: torch.Tensor, data_format: str) -> torch.Tensor:
    return x.permute(0, 2, 3, 1) if data_format == "channels_last" else x


def spatial_dims(data_format: str) -> Tuple[int, int]:
    return (1, 2) if data_format == "channels_last" else (2, 3)


def gaussian_blur(x: torch.Tensor, sigma: float, data_format: str) -> torch.Tensor:
    """Separable Gaussian blur (kernel radius ``ceil(3 sigma)``, reflect padding)."""
    if sigma <= 0:
        return x
    radius = max(1, int(math.ceil(3 * sigma)))
    t = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    k = torch.exp(-t ** 2 / (2 * sigma ** 2))
    k = k / k.sum()
    y = to_nchw(x, data_format)
    c = y.shape[1]
    y = F.pad(y, (radius, radius, radius, radius), mode="reflect")
    y = F.conv2d(y, k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    y = F.conv2d(y, k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)
    return from_nchw(y, data_format)


def jitter(x: torch.Tensor, dy: int, dx: int, data_format: str) -> torch.Tensor:
    """Roll the image by ``(dy, dx)`` pixels (wrapping around), Yosinski's jitter."""
    return torch.roll(x, shifts=(dy, dx), dims=spatial_dims(data_format))


def resize(x: torch.Tensor, size: Tuple[int, int], data_format: str) -> torch.Tensor:
    y = F.interpolate(to_nchw(x, data_format), size=size, mode="bilinear", align_corners=False)
    return from_nchw(y, data_format)


def total_variation(x: torch.Tensor, data_format: str) -> torch.Tensor:
    """``sum (x[i+1, j] - x[i, j])^2 + (x[i, j+1] - x[i, j])^2`` (Mahendran & Vedaldi's
    TV with beta = 2, as CS231n's assignment), summed over the batch."""
    y = to_nchw(x, data_format)
    return ((y[:, :, 1:, :] - y[:, :, :-1, :]) ** 2).sum() + \
        ((y[:, :, :, 1:] - y[:, :, :, :-1]) ** 2).sum()
