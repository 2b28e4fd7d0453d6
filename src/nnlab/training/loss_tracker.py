"""Per-step losses kept on the device and summed only when read (no sync per step)."""
from __future__ import annotations

import math
from typing import List, Optional

import torch


class LossTracker:
    """Per-step losses kept on the device; summed only when read."""

    def __init__(self):
        self.losses: List[torch.Tensor] = []
        self.sizes: List[int] = []
        self.samples = 0
        self._read = 0
        self._sum = 0.0

    def add(self, loss: torch.Tensor, size: int) -> None:
        self.losses.append(loss)
        self.sizes.append(size)
        self.samples += size

    def _catch_up(self) -> None:
        if self._read < len(self.losses):
            new = torch.stack(self.losses[self._read:]).double().cpu()
            sizes = torch.tensor(self.sizes[self._read:], dtype=torch.float64)
            self._sum += float((new * sizes).sum())
            self._read = len(self.losses)

    def mean(self) -> float:
        self._catch_up()
        return self._sum / self.samples if self.samples else math.nan

    def first_nonfinite(self) -> Optional[int]:
        self._catch_up()
        if math.isfinite(self._sum):
            return None
        values = torch.stack(self.losses).double()
        bad = (~torch.isfinite(values)).nonzero()
        return int(bad[0]) if len(bad) else None
