"""``MinibatchStdDev``: the minibatch standard-deviation feature of Karras et al. (2018,
"Progressive Growing of GANs", section 3). A discriminator layer that lets D see the
variety of a batch: a generator that collapses to a few modes yields batches with a small
spread, which this feature makes visible, so D can penalise it.

For an input ``x`` of shape ``(batch, height, width, channels)`` (channels_last; or
``(batch, channels, height, width)``), split the batch into groups of ``group_size``
consecutive samples; within each group take the standard deviation of every feature over
the group's samples, ``sqrt(var + epsilon)`` (biased variance); average those over all
features and positions to one scalar per group; append it as one constant feature map to
every sample of the group. Output: ``(batch, height, width, channels + 1)``.
"""
from __future__ import annotations

from typing import Any, Optional

import torch

from ..config import normalize_data_format
from .base.layer import Layer


class MinibatchStdDev(Layer):
    """Append the mean over features of the per-group standard deviation as one more channel.

    Args:
        group_size: samples per group (ProGAN uses 4). When the batch size is not a
            multiple of it, the largest divisor of the batch size below it is used (a
            batch of one has zero spread). ``None``: the whole batch is one group.
        epsilon: added to the variance before the square root (> 0).
        data_format: ``"channels_last"`` (default from the config) or ``"channels_first"``.

    Shapes: ``(batch, h, w, c) -> (batch, h, w, c + 1)`` (channels_last).
    No weights; the same computation in training and inference.
    """

    def __init__(self, group_size: Optional[int] = 4, epsilon: float = 1e-8,
                 data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(**kwargs)
        if group_size is not None and (not isinstance(group_size, int)
                                       or isinstance(group_size, bool) or group_size < 1):
            raise ValueError(f"MinibatchStdDev: group_size must be a positive int or None, "
                             f"got {group_size!r}")
        if not isinstance(epsilon, (int, float)) or isinstance(epsilon, bool) or epsilon <= 0:
            raise ValueError(f"MinibatchStdDev: epsilon must be a number > 0, got {epsilon!r}")
        self.group_size, self.epsilon = group_size, float(epsilon)
        self.data_format = normalize_data_format(data_format)

    def input_spec_before_build(self):
        return {"ndim": 4, "layout": "(batch, height, width, channels)"
                if self.data_format == "channels_last" else "(batch, channels, height, width)"}

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        axis = -1 if self.data_format == "channels_last" else 1
        shape[axis] = None if shape[axis] is None else shape[axis] + 1
        return tuple(shape)

    def _group(self, n: int) -> int:
        g = n if self.group_size is None else min(self.group_size, n)
        while n % g:
            g -= 1
        return g

    def call(self, inputs):
        n = inputs.shape[0]
        g = self._group(n)
        groups = inputs.reshape(n // g, g, *inputs.shape[1:])          # (n/g, g, ...)
        std = torch.sqrt(groups.var(dim=1, unbiased=False) + self.epsilon)
        stat = std.flatten(1).mean(dim=1)                                # (n/g,)
        stat = stat.repeat_interleave(g)                                 # (n,)
        if self.data_format == "channels_last":
            feature = stat[:, None, None, None].expand(*inputs.shape[:-1], 1)
            return torch.cat([inputs, feature.to(inputs.dtype)], dim=-1)
        feature = stat[:, None, None, None].expand(n, 1, *inputs.shape[2:])
        return torch.cat([inputs, feature.to(inputs.dtype)], dim=1)
