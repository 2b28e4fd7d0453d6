"""Max unpooling (the "remember which element was max" upsampling of segmentation nets).

``MaxPooling2D(return_indices=True)`` returns ``(pooled, indices)``; ``MaxUnpooling2D``
puts each value back at its remembered position and zeros elsewhere (torch's
``F.max_unpool2d``). Indices are flat positions ``row * width + col`` within each channel's
input plane, stored in the user layout (channels_last by default) like the values.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from .base.layer import Layer
from .conv_utils import normalize_tuple, to_channels_first, to_user_layout

__all__ = ["MaxUnpooling2D", "max_pool2d_with_indices"]


def max_pool2d_with_indices(layer, inputs: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """Run a ``MaxPooling2D`` layer keeping argmax indices (used by ``return_indices=True``)."""
    if layer.padding != "valid":
        raise ValueError(f"MaxPooling2D {layer.name!r}: return_indices=True needs "
                         f"padding='valid' (padded positions have no place to unpool to), "
                         f"got {layer.padding!r}")
    x = to_channels_first(inputs, layer.data_format)
    y, idx = F.max_pool2d(x, layer.pool_size, layer.strides, return_indices=True)
    return to_user_layout(y, layer.data_format), to_user_layout(idx, layer.data_format)


class MaxUnpooling2D(Layer):
    """Inverse of max pooling: ``(batch, h, w, c)`` values + indices -> ``(batch, H, W, c)``.

    Args:
        pool_size, strides: as the ``MaxPooling2D`` that produced the indices.
        data_format: ``'channels_last'`` (default from config) or ``'channels_first'``.

    Call: ``layer(inputs, indices, output_size=None)``; ``output_size`` ``(H, W)`` recovers
    an odd input size that pooling floored (default ``(h - 1) * s + k``).
    """

    def __init__(self, pool_size: Any = (2, 2), strides: Optional[Any] = None,
                 data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(**kwargs)
        from .. import config
        self.pool_size = normalize_tuple(pool_size, 2, "pool_size", "MaxUnpooling2D")
        self.strides = self.pool_size if strides is None else normalize_tuple(
            strides, 2, "strides", "MaxUnpooling2D")
        self.data_format = data_format or config.image_data_format()

    def compute_output_shape(self, input_shape):
        first = self.data_format == "channels_first"
        h, w = input_shape[2:4] if first else input_shape[1:3]
        size = [None if d is None else (d - 1) * s + k
                for d, s, k in zip((h, w), self.strides, self.pool_size)]
        return (input_shape[0], input_shape[1], *size) if first else \
            (input_shape[0], *size, input_shape[3])

    def call(self, inputs, indices=None, output_size: Optional[Sequence[int]] = None):
        if indices is None:
            raise ValueError(f"MaxUnpooling2D {self.name!r}: needs the indices from "
                             f"MaxPooling2D(return_indices=True) as second argument")
        if tuple(indices.shape) != tuple(inputs.shape):
            raise ValueError(f"MaxUnpooling2D {self.name!r}: indices shape "
                             f"{tuple(indices.shape)} must equal inputs shape "
                             f"{tuple(inputs.shape)}")
        x = to_channels_first(inputs, self.data_format)
        i = to_channels_first(indices, self.data_format)
        y = F.max_unpool2d(x, i, self.pool_size, self.strides,
                           output_size=None if output_size is None else tuple(output_size))
        return to_user_layout(y, self.data_format)
