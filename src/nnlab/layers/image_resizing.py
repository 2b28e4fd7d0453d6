"""``Resizing`` and ``CenterCrop``: deterministic image-size layers (Keras names).

Images are ``(batch, height, width, channels)`` (channels_last) or
``(batch, channels, height, width)``; resizing is ``F.interpolate`` with
``align_corners=False`` (the half-pixel convention Keras' torch backend uses).
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import torch
import torch.nn.functional as F

from ..config import normalize_data_format
from .base.layer import Layer

_MODES = {"bilinear": "bilinear", "nearest": "nearest-exact", "bicubic": "bicubic",
          "area": "area"}


def resize(x: torch.Tensor, size: Sequence[int], interpolation: str, data_format: str,
           antialias: bool = False) -> torch.Tensor:
    """Resize an image batch in the user's layout to ``size`` ``(height, width)``."""
    last = data_format == "channels_last"
    nchw = x.permute(0, 3, 1, 2) if last else x
    nchw = nchw if nchw.is_floating_point() else nchw.float()
    kwargs = {"align_corners": False, "antialias": antialias} \
        if interpolation in ("bilinear", "bicubic") else {}
    out = F.interpolate(nchw, size=tuple(size), mode=_MODES[interpolation], **kwargs)
    return out.permute(0, 2, 3, 1) if last else out


def _crop_box(h: int, w: int, target_h: int, target_w: int):
    """Largest centred box with the target's aspect ratio (Keras' smart_resize)."""
    crop_h = min(h, int(w * target_h / target_w))
    crop_w = min(w, int(h * target_w / target_h))
    return (h - crop_h) // 2, (w - crop_w) // 2, max(crop_h, 1), max(crop_w, 1)


class _ImageSize(Layer):
    def __init__(self, height: int, width: int, data_format: Optional[str] = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        for arg, v in (("height", height), ("width", width)):
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{type(self).__name__}: {arg} must be a positive int, got "
                                 f"{v!r}")
        self.height, self.width = height, width
        self.data_format = normalize_data_format(data_format)
        self._h_axis = 1 if self.data_format == "channels_last" else 2

    def input_spec_before_build(self):
        return {"ndim": 4, "layout": "(batch, height, width, channels)"
                if self.data_format == "channels_last" else "(batch, channels, height, width)"}

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        shape[self._h_axis], shape[self._h_axis + 1] = self.height, self.width
        return tuple(shape)

    def compute_output_dtype(self, input_dtype):
        return torch.float32 if not input_dtype.is_floating_point else input_dtype

    def _crop(self, x: torch.Tensor, top: int, left: int, h: int, w: int) -> torch.Tensor:
        return x.narrow(self._h_axis, top, h).narrow(self._h_axis + 1, left, w)


class Resizing(_ImageSize):
    """Resize images to ``(height, width)``.

    Args:
        height, width: output size.
        interpolation: ``"bilinear"`` (default), ``"nearest"``, ``"bicubic"``, ``"area"``.
        crop_to_aspect_ratio: centre-crop to the target aspect ratio first (no distortion).
        pad_to_aspect_ratio: pad with ``fill_value`` to the target aspect ratio first.
        antialias: low-pass filter when downsampling (bilinear/bicubic).

    Input ``(batch, H, W, C)`` -> output ``(batch, height, width, C)`` (channels_last).
    """

    def __init__(self, height: int, width: int, interpolation: str = "bilinear",
                 crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False,
                 fill_mode: str = "constant", fill_value: float = 0.0, antialias: bool = False,
                 data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(height, width, data_format=data_format, **kwargs)
        if interpolation not in _MODES:
            raise ValueError(f"Resizing: interpolation must be one of {sorted(_MODES)}, got "
                             f"{interpolation!r}")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError("Resizing: crop_to_aspect_ratio and pad_to_aspect_ratio cannot "
                             "both be True")
        if fill_mode != "constant":
            raise ValueError(f"Resizing: only fill_mode='constant' is supported, got "
                             f"{fill_mode!r}")
        self.interpolation, self.antialias = interpolation, antialias
        self.crop_to_aspect_ratio, self.pad_to_aspect_ratio = crop_to_aspect_ratio, \
            pad_to_aspect_ratio
        self.fill_value = float(fill_value)

    def call(self, inputs):
        x = inputs
        h, w = x.shape[self._h_axis], x.shape[self._h_axis + 1]
        if self.crop_to_aspect_ratio:
            x = self._crop(x, *_crop_box(h, w, self.height, self.width))
        elif self.pad_to_aspect_ratio:
            # Keras pads int((target_size - size) / 2) on *each* side of the short axis
            pad_h = int(max(0, int(w * self.height / self.width) - h) / 2)
            pad_w = int(max(0, int(h * self.width / self.height) - w) / 2)
            pads = [0] * 8
            ax = self._h_axis  # F.pad lists pads from the last axis backwards
            pads[2 * (3 - ax)] = pads[2 * (3 - ax) + 1] = pad_h
            pads[2 * (2 - ax)] = pads[2 * (2 - ax) + 1] = pad_w
            x = F.pad(x if x.is_floating_point() else x.float(), pads, value=self.fill_value)
        return resize(x, (self.height, self.width), self.interpolation, self.data_format,
                      self.antialias)


class CenterCrop(_ImageSize):
    """Crop the central ``(height, width)`` window; an image smaller than the window is first
    centre-cropped to the target aspect ratio and resized (bilinear), as Keras does.

    Input ``(batch, H, W, C)`` -> output ``(batch, height, width, C)`` (channels_last).
    """

    def call(self, inputs):
        x = inputs if inputs.is_floating_point() else inputs.float()
        h, w = x.shape[self._h_axis], x.shape[self._h_axis + 1]
        if h >= self.height and w >= self.width:
            return self._crop(x, (h - self.height) // 2, (w - self.width) // 2, self.height,
                              self.width)
        x = self._crop(x, *_crop_box(h, w, self.height, self.width))
        return resize(x, (self.height, self.width), "bilinear", self.data_format)
