"""``keras.ops.image``: resizing, patches, crops and pads, grayscale, on torch.

Images are ``(batch, height, width, channels)`` (or one image without the batch axis)
in channels_last, or channels-first with ``data_format="channels_first"``.

Example:
    >>> from nnlab import ops
    >>> ops.image.extract_patches(ops.ones((1, 8, 8, 3)), 4).shape
    torch.Size([1, 2, 2, 48])
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import torch
import torch.nn.functional as F

from ..config import normalize_data_format
from .core import image_resize
from .nn import _same_padding, _tuple
from .numpy_more import _float

__all__ = ["crop_images", "extract_patches", "pad_images", "resize", "rgb_to_grayscale"]


def _batched(images: Any, data_format: Optional[str]):
    """``(NCHW tensor, was unbatched, channels_first)``."""
    x = _float(images)
    single = x.ndim == 3
    x = x[None] if single else x
    first = normalize_data_format(data_format) == "channels_first"
    return (x if first else x.permute(0, 3, 1, 2)), single, first


def _restore(x: torch.Tensor, single: bool, first: bool) -> torch.Tensor:
    x = x if first else x.permute(0, 2, 3, 1)
    return x[0] if single else x


def resize(images: Any, size: Sequence[int], interpolation: str = "bilinear",
           antialias: bool = False, crop_to_aspect_ratio: bool = False,
           pad_to_aspect_ratio: bool = False, fill_mode: str = "constant",
           fill_value: float = 0.0, data_format: Optional[str] = None) -> torch.Tensor:
    """Resize to ``size`` ``(height, width)`` (``"bilinear"``, ``"nearest"``,
    ``"bicubic"``, ``"area"``)."""
    if crop_to_aspect_ratio or pad_to_aspect_ratio:
        raise NotImplementedError("ops.image.resize: crop_to_aspect_ratio and "
                                  "pad_to_aspect_ratio are not supported; use "
                                  "layers.Resizing(crop_to_aspect_ratio=True)")
    x, single, first = _batched(images, data_format)
    if interpolation == "nearest":  # half-pixel centres, as TensorFlow and Keras
        return _restore(F.interpolate(x, size=tuple(size), mode="nearest-exact"), single,
                        first)
    if not antialias or interpolation not in ("bilinear", "bicubic"):
        return image_resize(images, size, interpolation, data_format)
    out = F.interpolate(x, size=tuple(size), mode=interpolation, align_corners=False,
                        antialias=True)
    return _restore(out, single, first)


def extract_patches(images: Any, size: Any, strides: Any = None, dilation_rate: Any = 1,
                    padding: str = "valid", data_format: Optional[str] = None
                    ) -> torch.Tensor:
    """Patches of ``size`` ``(ph, pw)`` as vectors: ``(B, H', W', ph * pw * C)``, each
    patch flattened in (row, column, channel) order as Keras (``torch.nn.functional
    .unfold`` underneath); ``strides`` default to ``size``."""
    x, single, first = _batched(images, data_format)
    ph, pw = _tuple(size, 2)
    strides = (ph, pw) if strides is None else _tuple(strides, 2)
    dilation = _tuple(dilation_rate, 2)
    if padding.lower() == "same":
        x = F.pad(x, _same_padding(x.shape[2:], (ph, pw), strides, dilation))
    n, c, h, w = x.shape
    cols = F.unfold(x, (ph, pw), dilation=dilation, stride=strides)  # (B, C*ph*pw, L)
    oh = (h - (ph - 1) * dilation[0] - 1) // strides[0] + 1
    ow = (w - (pw - 1) * dilation[1] - 1) // strides[1] + 1
    patches = cols.reshape(n, c, ph, pw, oh, ow).permute(0, 4, 5, 2, 3, 1)
    out = patches.reshape(n, oh, ow, ph * pw * c)
    out = out.permute(0, 3, 1, 2) if first else out
    return out[0] if single else out


def rgb_to_grayscale(images: Any, data_format: Optional[str] = None) -> torch.Tensor:
    """Luma ``0.2989 R + 0.587 G + 0.114 B``, keeping a channel axis of size 1."""
    x, single, first = _batched(images, data_format)
    weights = torch.tensor([0.2989, 0.5870, 0.1140], dtype=x.dtype, device=x.device)
    gray = (x * weights.reshape(1, 3, 1, 1)).sum(dim=1, keepdim=True)
    return _restore(gray, single, first)


def crop_images(images: Any, top_cropping: Optional[int] = None,
                left_cropping: Optional[int] = None, bottom_cropping: Optional[int] = None,
                right_cropping: Optional[int] = None, target_height: Optional[int] = None,
                target_width: Optional[int] = None, data_format: Optional[str] = None
                ) -> torch.Tensor:
    """Crop ``top``/``left`` and either ``bottom``/``right`` or to ``target_*``."""
    x, single, first = _batched(images, data_format)
    h, w = x.shape[2:]
    top, left = top_cropping or 0, left_cropping or 0
    height = target_height if target_height is not None else h - top - (bottom_cropping or 0)
    width = target_width if target_width is not None else w - left - (right_cropping or 0)
    if height <= 0 or width <= 0 or top + height > h or left + width > w:
        raise ValueError(f"ops.image.crop_images: cropping {height}x{width} at ({top}, "
                         f"{left}) does not fit images of {h}x{w}")
    return _restore(x[:, :, top:top + height, left:left + width], single, first)


def pad_images(images: Any, top_padding: Optional[int] = None,
               left_padding: Optional[int] = None, bottom_padding: Optional[int] = None,
               right_padding: Optional[int] = None, target_height: Optional[int] = None,
               target_width: Optional[int] = None, data_format: Optional[str] = None
               ) -> torch.Tensor:
    """Zero-pad ``top``/``left`` and either ``bottom``/``right`` or to ``target_*``."""
    x, single, first = _batched(images, data_format)
    h, w = x.shape[2:]
    top, left = top_padding or 0, left_padding or 0
    bottom = target_height - h - top if target_height is not None else (bottom_padding or 0)
    right = target_width - w - left if target_width is not None else (right_padding or 0)
    if min(top, left, bottom, right) < 0:
        raise ValueError(f"ops.image.pad_images: padding ({top}, {bottom}, {left}, {right}) "
                         f"must be >= 0 for images of {h}x{w}")
    return _restore(F.pad(x, (left, right, top, bottom)), single, first)
