"""Sample grids: tile a batch of images into one picture, save PNGs, and a callback that
writes a grid of samples at the end of every epoch."""
from __future__ import annotations

import os
from typing import Any, Callable, Optional

import numpy as np
import torch

from ..callbacks import Callback

__all__ = ["image_grid", "save_grid", "SampleGrid"]


def image_grid(images: Any, ncols: int = 10, value_range: tuple = (0.0, 1.0)) -> np.ndarray:
    """``(n, h, w[, c])`` images (channels_last) -> one ``(rows*h, ncols*w)`` float array in
    [0, 1] (grey) or ``(.., .., c)``; missing tiles are black."""
    imgs = images.detach().cpu().numpy() if isinstance(images, torch.Tensor) \
        else np.asarray(images)
    if imgs.ndim == 4 and imgs.shape[-1] == 1:
        imgs = imgs[..., 0]
    if imgs.ndim not in (3, 4):
        raise ValueError(f"image_grid: expected (n, h, w) or (n, h, w, c) images, got shape "
                         f"{imgs.shape}")
    lo, hi = value_range
    imgs = np.clip((imgs.astype("float32") - lo) / (hi - lo), 0, 1)
    n, h, w = imgs.shape[:3]
    rows = -(-n // ncols)
    grid = np.zeros((rows * h, ncols * w) + imgs.shape[3:], dtype="float32")
    for i in range(n):
        r, c = divmod(i, ncols)
        grid[r * h:(r + 1) * h, c * w:(c + 1) * w] = imgs[i]
    return grid


def save_grid(images: Any, path: str, ncols: int = 10, value_range: tuple = (0.0, 1.0),
              scale: int = 1) -> np.ndarray:
    """Write :func:`image_grid` to ``path`` as an 8-bit grey (or RGB) PNG; returns it."""
    from PIL import Image  # Pillow, installed with matplotlib (the plots extra)
    grid = image_grid(images, ncols, value_range)
    if scale > 1:
        grid = grid.repeat(scale, 0).repeat(scale, 1)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    Image.fromarray(np.round(grid * 255).astype(np.uint8)).save(path, optimize=True)
    return grid


class SampleGrid(Callback):
    """At each epoch end, ``sample_fn()`` -> images, saved to ``path.format(epoch=...)``.

    Args:
        sample_fn: returns ``(n, h, w[, c])`` images, e.g. ``lambda: gan.generate(z)``
            with a fixed ``z`` so the grids show training progress.
        path: a PNG path with an optional ``{epoch}`` field (1-based).
        every: write every this many epochs.
    """

    def __init__(self, sample_fn: Callable[[], Any], path: str, ncols: int = 10,
                 value_range: tuple = (0.0, 1.0), every: int = 1):
        super().__init__()
        if "{epoch" not in path and every != 1:
            raise ValueError("SampleGrid: with every > 1 put '{epoch}' in path")
        self.sample_fn, self.path, self.ncols = sample_fn, path, ncols
        self.value_range, self.every = value_range, every
        self.written: list = []

    def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None:
        if (epoch + 1) % self.every:
            return
        path = self.path.format(epoch=epoch + 1)
        save_grid(self.sample_fn(), path, self.ncols, self.value_range)
        self.written.append(path)
