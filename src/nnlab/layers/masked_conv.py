"""``MaskedConv2D``: the masked convolution of PixelCNN (van den Oord et al. 2016,
"Pixel Recurrent Neural Networks", section 3.5).

The kernel is multiplied by a fixed 0/1 mask so that output pixel ``(i, j)`` depends only on
input pixels above it, or left of it on the same row (raster order)::

    mask[r, c] = 1  if r < kh // 2                     (rows above the centre)
               = 1  if r == kh // 2 and c < kw // 2    (left of the centre)
    centre     = 0 for type "A" (first layer: never sees the pixel it predicts)
               = 1 for type "B" (later layers: may see their own position's features)

Colour channels are not split into R/G/B groups (the paper's extra mask for RGB images):
all input channels of a pixel are treated as one, which is exact for grey images.
The convolution itself is torch's ``F.conv2d`` on ``kernel * mask`` (the base ``Conv2D``).
"""
from __future__ import annotations

from typing import Any, Optional

import torch

from .conv_utils import to_user_layout
from .convolutional import _CONV, Conv2D, explain_kernel_error

__all__ = ["MaskedConv2D", "causal_mask"]


def causal_mask(kernel_size: tuple, mask_type: str) -> torch.Tensor:
    """The ``(kh, kw)`` 0/1 mask above (``mask_type`` ``"A"`` or ``"B"``)."""
    kh, kw = kernel_size
    mask = torch.zeros(kh, kw)
    mask[: kh // 2, :] = 1
    mask[kh // 2, : kw // 2 + (mask_type == "B")] = 1
    return mask


class MaskedConv2D(Conv2D):
    """2D convolution whose kernel is masked so each output sees only earlier pixels.

    Args:
        filters, kernel_size, activation, use_bias, kernel_initializer, bias_initializer,
        kernel_regularizer, bias_regularizer, data_format: as in :class:`Conv2D`.
        mask_type: ``"A"`` (excludes the centre pixel; use for the first layer) or ``"B"``
            (includes it; every later layer).
        padding: must be ``"same"`` (so output ``(i, j)`` is centred on input ``(i, j)``).

    Input shape: ``(batch, height, width, channels)`` (channels_last).
    Output shape: ``(batch, height, width, filters)``.

    Raises:
        ValueError: ``mask_type`` not ``"A"``/``"B"``, an even kernel size (no centre pixel),
            strides or dilation other than 1, or padding other than ``"same"``.

    Example:
        >>> import nnlab
        >>> MaskedConv2D(16, 7, mask_type="A")(nnlab.Input((28, 28, 1))).shape
        (None, 28, 28, 16)
    """

    def __init__(self, filters: int, kernel_size: Any, mask_type: str = "B",
                 padding: str = "same", data_format: Optional[str] = None,
                 activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, **kwargs: Any):
        super().__init__(filters, kernel_size, padding=padding, data_format=data_format,
                         activation=activation, use_bias=use_bias,
                         kernel_initializer=kernel_initializer,
                         bias_initializer=bias_initializer,
                         kernel_regularizer=kernel_regularizer,
                         bias_regularizer=bias_regularizer, **kwargs)
        owner = f"MaskedConv2D {self.name!r}"
        if mask_type not in ("A", "B"):
            raise ValueError(f"{owner}: mask_type must be 'A' or 'B', got {mask_type!r}")
        if any(k % 2 == 0 for k in self.kernel_size):
            raise ValueError(f"{owner}: kernel_size must be odd in both axes (the mask needs "
                             f"a centre pixel), got {self.kernel_size}")
        if self.padding != "same":
            raise ValueError(f"{owner}: padding must be 'same', got {padding!r}")
        self.mask_type = mask_type
        self.register_buffer("mask", causal_mask(self.kernel_size, mask_type), persistent=False)

    def call(self, inputs):
        x, pad = self._padded_channels_first(inputs)
        try:
            y = _CONV[2](x, self.kernel * self.mask.to(self.kernel.dtype), self.bias,
                         self.strides, pad, self.dilation_rate, self.groups)
        except RuntimeError as err:
            explain_kernel_error(self, inputs, err)
        return self.activation(to_user_layout(y, self.data_format))
