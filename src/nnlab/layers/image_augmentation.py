"""Keras' random image-augmentation layers, active only in training:
``RandomFlip``, ``RandomRotation``, ``RandomZoom``, ``RandomTranslation``,
``RandomContrast``, ``RandomCrop``.

Each wraps a batched transform of :mod:`nnlab.data.transforms` (one random draw per
image, one ``grid_sample`` per batch). At inference they return the input unchanged, as
in Keras (``RandomCrop`` then returns the input too: Keras 3 crops only in training).
Images are ``(batch, height, width, channels)`` (channels_last) or
``(batch, channels, height, width)``.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple, Union

import torch

from ..config import normalize_data_format
from .base.layer import Layer

Factor = Union[float, Sequence[float]]


def _transforms():
    """nnlab.data.transforms, imported on first use (keeps ``import nnlab`` light)."""
    from ..data import transforms
    return transforms


def _factor(value: Factor, name: str, layer: str, bound: Optional[float] = None
            ) -> Tuple[float, float]:
    """Keras' factor: ``f`` -> ``(-f, f)``; ``(low, high)`` kept; checked."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        low, high = -abs(float(value)), abs(float(value))
    else:
        try:
            low, high = (float(v) for v in value)
        except (TypeError, ValueError):
            raise ValueError(f"{layer}: {name} must be a float or (low, high), got "
                             f"{value!r}") from None
    if low > high or (bound is not None and (low < -bound or high > bound)):
        raise ValueError(f"{layer}: {name} must satisfy "
                         f"{'' if bound is None else f'-{bound} <= '}low <= high"
                         f"{'' if bound is None else f' <= {bound}'}, got {value!r}")
    return low, high


class _Augment(Layer):
    """Shared: the training switch, rank check and shape-preserving output."""

    def __init__(self, data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format)

    def input_spec_before_build(self):
        return {"ndim": 4, "layout": "(batch, height, width, channels)"
                if self.data_format == "channels_last" else "(batch, channels, height, width)"}

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def call(self, inputs, training=None):
        training = self.training if training is None else training
        if not training:
            return inputs
        x = inputs if inputs.is_floating_point() else inputs.float()
        return self.transform(x)


class RandomFlip(_Augment):
    """Flip each image left-right and/or up-down with probability 1/2.

    Args:
        mode: ``"horizontal"``, ``"vertical"`` or ``"horizontal_and_vertical"`` (default).
        seed: optional int (reproducible draws).
    """

    def __init__(self, mode: str = "horizontal_and_vertical", seed: Optional[int] = None,
                 data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(data_format=data_format, **kwargs)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError(f"RandomFlip: mode must be 'horizontal', 'vertical' or "
                             f"'horizontal_and_vertical', got {mode!r}")
        self.mode = mode
        self.transform = _transforms().RandomFlip(mode, p=0.5, seed=seed,
                                                  data_format=self.data_format)


class RandomRotation(_Augment):
    """Rotate each image by ``factor * 2 pi`` (``factor=0.1``: U(-36, 36) degrees),
    counter-clockwise positive.

    Args:
        factor: ``f`` for U(-f, f) or ``(low, high)``, fractions of a full turn.
        fill_mode: ``"reflect"`` (default), ``"nearest"`` or ``"constant"``.
        interpolation: ``"bilinear"`` or ``"nearest"``. fill_value: for ``"constant"``.
    """

    def __init__(self, factor: Factor, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: Optional[int] = None,
                 fill_value: float = 0.0, data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(data_format=data_format, **kwargs)
        low, high = _factor(factor, "factor", "RandomRotation")
        self.factor = (low, high)
        self.transform = _transforms().RandomAffine(
            degrees=(low * 360, high * 360), fill_mode=fill_mode, fill_value=fill_value,
            interpolation=interpolation, seed=seed, data_format=self.data_format)


class RandomZoom(_Augment):
    """Zoom each image by a random amount: ``height_factor=(0.2, 0.3)`` zooms *out* by 20-30%
    (negative values zoom in), as in Keras 3.

    Args:
        height_factor: ``f`` for U(-f, f) or ``(low, high)``, each in [-1, 1].
        width_factor: the same for the width; ``None`` (default) reuses the height's draw,
            keeping the aspect ratio.
        fill_mode, interpolation, fill_value: as :class:`RandomRotation`.
    """

    def __init__(self, height_factor: Factor, width_factor: Optional[Factor] = None,
                 fill_mode: str = "reflect", interpolation: str = "bilinear",
                 seed: Optional[int] = None, fill_value: float = 0.0,
                 data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(data_format=data_format, **kwargs)
        h = _factor(height_factor, "height_factor", "RandomZoom", bound=1.0)
        w = None if width_factor is None else _factor(width_factor, "width_factor",
                                                      "RandomZoom", bound=1.0)
        self.transform = _transforms().RandomAffine(
            zoom=(1 + h[0], 1 + h[1]), zoom_width=None if w is None else (1 + w[0], 1 + w[1]),
            fill_mode=fill_mode, fill_value=fill_value, interpolation=interpolation,
            seed=seed, data_format=self.data_format)


class RandomTranslation(_Augment):
    """Shift each image by a random fraction of its size: positive ``height_factor`` moves
    the content down, positive ``width_factor`` right (Keras 3's convention).

    Args:
        height_factor, width_factor: ``f`` for U(-f, f) or ``(low, high)``, in [-1, 1].
        fill_mode, interpolation, fill_value: as :class:`RandomRotation`.
    """

    def __init__(self, height_factor: Factor, width_factor: Factor, fill_mode: str = "reflect",
                 interpolation: str = "bilinear", seed: Optional[int] = None,
                 fill_value: float = 0.0, data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(data_format=data_format, **kwargs)
        h = _factor(height_factor, "height_factor", "RandomTranslation", bound=1.0)
        w = _factor(width_factor, "width_factor", "RandomTranslation", bound=1.0)
        self.transform = _transforms().RandomAffine(
            translate=h, translate_width=w, fill_mode=fill_mode, fill_value=fill_value,
            interpolation=interpolation, seed=seed, data_format=self.data_format)


class RandomContrast(_Augment):
    """Scale each image's contrast by ``c ~ U(1 - low, 1 + high)`` per image:
    ``y = (x - mean) * c + mean`` (mean per image and channel), clipped to ``value_range``.

    Args:
        factor: ``f`` for ``c ~ U(1 - f, 1 + f)`` or ``(low, high)``, each in [0, 1].
        value_range: the pixels' range, ``(0, 255)`` by default as Keras (``(0, 1)`` for
            rescaled images).
    """

    def __init__(self, factor: Factor, value_range: Sequence[float] = (0, 255),
                 seed: Optional[int] = None, data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(data_format=data_format, **kwargs)
        if isinstance(factor, (int, float)) and not isinstance(factor, bool):
            low, high = float(factor), float(factor)
        else:
            low, high = (float(v) for v in factor)
        if not (0 <= low <= 1 and 0 <= high <= 1):
            raise ValueError(f"RandomContrast: factor must be in [0, 1] (or a pair of such "
                             f"values), got {factor!r}")
        self.range = (1 - low, 1 + high)
        self.value_range = tuple(float(v) for v in value_range)
        self.generator = torch.Generator().manual_seed(
            seed if seed is not None else int(torch.randint(0, 2**62, (1,))))

    def transform(self, x: torch.Tensor) -> torch.Tensor:
        axes = (1, 2) if self.data_format == "channels_last" else (2, 3)
        c = torch.empty(x.shape[0], 1, 1, 1).uniform_(*self.range, generator=self.generator)
        mean = x.mean(dim=axes, keepdim=True)
        return ((x - mean) * c.to(x.device, x.dtype) + mean).clamp(*self.value_range)


class RandomCrop(_Augment):
    """Crop ``(height, width)`` windows, as Keras 3: in training a random window (one offset
    per batch); at inference, and when the image is not larger than the window, the largest
    centred box of the window's aspect ratio, resized (bilinear) to ``(height, width)``.

    Output shape: ``(batch, height, width, channels)`` (channels_last), always.
    """

    def __init__(self, height: int, width: int, seed: Optional[int] = None,
                 data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(data_format=data_format, **kwargs)
        for arg, v in (("height", height), ("width", width)):
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"RandomCrop: {arg} must be a positive int, got {v!r}")
        self.height, self.width = height, width
        self.generator = torch.Generator().manual_seed(
            seed if seed is not None else int(torch.randint(0, 2**62, (1,))))

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        h_axis = 1 if self.data_format == "channels_last" else 2
        shape[h_axis], shape[h_axis + 1] = self.height, self.width
        return tuple(shape)

    def call(self, inputs, training=None):
        from .image_resizing import resize
        training = self.training if training is None else training
        x = inputs if inputs.is_floating_point() else inputs.float()
        h_axis = 1 if self.data_format == "channels_last" else 2
        h, w = x.shape[h_axis], x.shape[h_axis + 1]
        if training and h > self.height and w > self.width:
            top = int(torch.randint(0, h - self.height + 1, (1,), generator=self.generator))
            left = int(torch.randint(0, w - self.width + 1, (1,), generator=self.generator))
            crop_h, crop_w = self.height, self.width
        else:  # Keras' centred aspect-ratio box
            crop_h = max(min(h, int(w * self.height / self.width)), 1)
            crop_w = max(min(w, int(h * self.width / self.height)), 1)
            top, left = int((h - crop_h) / 2), int((w - crop_w) / 2)
        x = x.narrow(h_axis, top, crop_h).narrow(h_axis + 1, left, crop_w)
        if (crop_h, crop_w) != (self.height, self.width):
            x = resize(x, (self.height, self.width), "bilinear", self.data_format)
        return x
