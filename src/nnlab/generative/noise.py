"""Corruptions for denoising autoencoders (Vincent et al. 2008) and the PSNR figure.

Each transform maps a batch ``x`` (any shape, values in ``[low, high]``) to a corrupted
copy of the same shape; randomness comes from torch's global generator (``set_seed``).
"""
from __future__ import annotations

import torch

__all__ = ["GaussianNoise", "SaltAndPepperNoise", "MaskingNoise", "psnr"]


def _rate(owner: str, rate: float) -> float:
    if not 0.0 <= float(rate) <= 1.0:
        raise ValueError(f"{owner}: rate must be in [0, 1], got {rate!r}")
    return float(rate)


class GaussianNoise:
    """``x + stddev * N(0, 1)``, clipped to ``[low, high]`` when ``clip`` (default)."""

    def __init__(self, stddev: float, clip: bool = True, low: float = 0.0, high: float = 1.0):
        if stddev < 0:
            raise ValueError(f"GaussianNoise: stddev must be >= 0, got {stddev!r}")
        self.stddev, self.clip, self.low, self.high = float(stddev), clip, low, high

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        y = x + self.stddev * torch.randn_like(x)
        return y.clamp(self.low, self.high) if self.clip else y


class SaltAndPepperNoise:
    """A fraction ``rate`` of the values set to ``low`` or ``high`` (half each)."""

    def __init__(self, rate: float, low: float = 0.0, high: float = 1.0):
        self.rate, self.low, self.high = _rate("SaltAndPepperNoise", rate), low, high

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        u = torch.rand_like(x)
        y = torch.where(u < self.rate / 2, torch.full_like(x, self.low), x)
        return torch.where((u >= self.rate / 2) & (u < self.rate),
                           torch.full_like(x, self.high), y)


class MaskingNoise:
    """A fraction ``rate`` of the values set to zero (Vincent et al.'s masking noise)."""

    def __init__(self, rate: float):
        self.rate = _rate("MaskingNoise", rate)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return x * (torch.rand_like(x) >= self.rate).to(x.dtype)


def psnr(clean, other, max_val: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB over the whole batch:
    ``10 log10(max_val**2 / mean((clean - other)**2))``."""
    clean, other = torch.as_tensor(clean, dtype=torch.float32), \
        torch.as_tensor(other, dtype=torch.float32)
    if clean.shape != other.shape:
        raise ValueError(f"psnr: shapes differ, {tuple(clean.shape)} vs {tuple(other.shape)}")
    mse = torch.mean((clean - other) ** 2)
    return float(10 * torch.log10(max_val ** 2 / mse))
