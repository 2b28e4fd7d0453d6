"""Regularisation noise layers, active only in training: ``GaussianNoise``,
``GaussianDropout``, ``SpatialDropout1D``, ``SpatialDropout2D`` (Keras names).

At inference each is the identity. Output shape = input shape.
"""
from __future__ import annotations

import math
from typing import Any, Optional

import torch

from ..config import normalize_data_format
from .base.layer import Layer
from .core import Dropout


class _Noise(Layer):
    def __init__(self, seed: Optional[int] = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.generator = None if seed is None else torch.Generator().manual_seed(seed)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def _normal(self, x: torch.Tensor) -> torch.Tensor:
        # a seeded layer draws on its own CPU generator (reproducible on its own)
        if self.generator is None:
            return torch.randn_like(x)
        return torch.randn(x.shape, generator=self.generator, dtype=x.dtype).to(x.device)


class GaussianNoise(_Noise):
    """Add N(0, stddev^2) noise in training (a regulariser; also data augmentation).

    Args:
        stddev: standard deviation of the noise (>= 0).
        seed: optional int for a layer-private generator.
    """

    def __init__(self, stddev: float, seed: Optional[int] = None, **kwargs: Any):
        super().__init__(seed=seed, **kwargs)
        if not isinstance(stddev, (int, float)) or isinstance(stddev, bool) or stddev < 0:
            raise ValueError(f"GaussianNoise: stddev must be a number >= 0, got {stddev!r}")
        self.stddev = float(stddev)

    def call(self, inputs, training=None):
        training = self.training if training is None else training
        if not training or self.stddev == 0:
            return inputs
        return inputs + self.stddev * self._normal(inputs)


class GaussianDropout(_Noise):
    """Multiply by N(1, rate / (1 - rate)) noise in training (dropout's Gaussian form,
    same mean and variance as inverted Bernoulli dropout with ``rate``).

    Args:
        rate: drop probability of the equivalent dropout, in [0, 1).
        seed: optional int for a layer-private generator.
    """

    def __init__(self, rate: float, seed: Optional[int] = None, **kwargs: Any):
        super().__init__(seed=seed, **kwargs)
        if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 <= rate < 1:
            raise ValueError(f"GaussianDropout: rate must be in [0, 1), got {rate!r}")
        self.rate = float(rate)

    def call(self, inputs, training=None):
        training = self.training if training is None else training
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return inputs * (1.0 + stddev * self._normal(inputs))


class SpatialDropout1D(Dropout):
    """Drop whole feature channels of a sequence: input ``(batch, steps, channels)``, one
    keep/drop decision per (sample, channel), shared by every step."""

    def __init__(self, rate: float, seed: Optional[int] = None, **kwargs: Any):
        super().__init__(rate, noise_shape=(None, 1, None), seed=seed, **kwargs)

    def input_spec_before_build(self):
        return {"ndim": 3, "layout": "(batch, steps, channels)"}


class SpatialDropout2D(Dropout):
    """Drop whole feature maps: input ``(batch, height, width, channels)`` (channels_last)
    or ``(batch, channels, height, width)``; one decision per (sample, channel)."""

    def __init__(self, rate: float, data_format: Optional[str] = None,
                 seed: Optional[int] = None, **kwargs: Any):
        fmt = normalize_data_format(data_format)
        shape = (None, 1, 1, None) if fmt == "channels_last" else (None, None, 1, 1)
        super().__init__(rate, noise_shape=shape, seed=seed, **kwargs)
        self.data_format = fmt

    def input_spec_before_build(self):
        return {"ndim": 4, "layout": "(batch, height, width, channels)"
                if self.data_format == "channels_last" else "(batch, channels, height, width)"}
