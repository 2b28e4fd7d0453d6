"""``RandomAffine``: rotation, shear, zoom and translation in one resampling (batched).

Used by the Keras preprocessing layers (``RandomZoom``, ``RandomTranslation``) and by
Keras 2's ``ImageDataGenerator``. Each image gets one 2x3 matrix mapping output pixels to
input pixels, in pixel units centred on the image::

    [x_in, y_in] = R(angle) @ Shear(s) @ diag(zx, zy) @ [x_out, y_out] - [dx, dy]

``zx > 1`` samples a wider region (the content shrinks: zoom out); ``dx > 0`` moves the
content right (``dy > 0``: down). The matrix is converted to ``F.affine_grid``'s
normalised coordinates (``theta = D^-1 M D``, ``D = diag(W/2, H/2)``), so one
``grid_sample`` call resamples the whole batch.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence, Tuple, Union

import torch

from .geometric import _Affine

Range = Union[float, Sequence[float], None]


def _range(value: Range, name: str, centre: float = 0.0) -> Optional[Tuple[float, float]]:
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return (centre - abs(float(value)), centre + abs(float(value)))
    low, high = (float(v) for v in value)
    if low > high:
        raise ValueError(f"{name} must be (low, high) with low <= high, got {tuple(value)}")
    return low, high


class RandomAffine(_Affine):
    """Random rotation, shear, zoom and translation per image.

    Args:
        degrees: rotation angle range (``d`` for U(-d, d), or ``(low, high)``), counter-
            clockwise positive; ``None`` or 0: no rotation.
        shear: horizontal shear angle range in degrees (same form).
        zoom: ``(low, high)`` range of the output->input scale (``>1`` zooms out), or one
            float ``z`` for ``(1 - z, 1 + z)``; ``zoom_width`` gives the width its own range
            (default: the same draw as the height, keeping the aspect ratio).
        translate: ``(low, high)`` fraction of the height to move the content down (negative:
            up), or ``f`` for U(-f, f); ``translate_width``: the same for the width (right).
        fill_mode: ``"reflect"``, ``"nearest"`` or ``"constant"``; ``fill_value``: its value.
        interpolation: ``"bilinear"`` or ``"nearest"``.

    Shape: ``(N, H, W, C)`` in and out (channels_last) or ``(N, C, H, W)``.
    """

    def __init__(self, degrees: Range = None, shear: Range = None, zoom: Range = None,
                 zoom_width: Range = None, translate: Range = None, translate_width: Range = None,
                 fill_mode: str = "reflect", fill_value: float = 0.0,
                 interpolation: str = "bilinear", value_range=None, seed=None, generator=None,
                 data_format=None) -> None:
        super().__init__(fill_mode, fill_value, interpolation, value_range, seed, generator,
                         data_format)
        self.degrees, self.shear = _range(degrees, "degrees"), _range(shear, "shear")
        self.zoom = _range(zoom, "zoom", centre=1.0) if isinstance(zoom, (int, float)) \
            else _range(zoom, "zoom")
        self.zoom_width = _range(zoom_width, "zoom_width", centre=1.0) \
            if isinstance(zoom_width, (int, float)) else _range(zoom_width, "zoom_width")
        for name, rng in (("zoom", self.zoom), ("zoom_width", self.zoom_width)):
            if rng is not None and rng[0] <= 0:
                raise ValueError(f"{name} scales must be > 0, got {rng}")
        self.translate = _range(translate, "translate")
        self.translate_width = _range(translate_width, "translate_width")

    def _draw(self, rng: Optional[Tuple[float, float]], n: int, default: float) -> torch.Tensor:
        if rng is None:
            return torch.full((n,), default, dtype=torch.float64)
        return self.uniform(n, rng[0], rng[1], "cpu").double()

    def matrices(self, n: int, h: int, w: int) -> torch.Tensor:
        """``(n, 2, 3)`` thetas for ``F.affine_grid`` (output -> input, normalised)."""
        a = self._draw(self.degrees, n, 0.0) * math.pi / 180
        s = torch.tan(self._draw(self.shear, n, 0.0) * math.pi / 180)
        zy = self._draw(self.zoom, n, 1.0)
        zx = self._draw(self.zoom_width, n, 1.0) if self.zoom_width is not None else zy
        ty = self._draw(self.translate, n, 0.0) * h
        tx = self._draw(self.translate_width, n, 0.0) * w
        cos, sin, one, zero = torch.cos(a), torch.sin(a), torch.ones(n, dtype=torch.float64), \
            torch.zeros(n, dtype=torch.float64)
        rot = torch.stack([torch.stack([cos, -sin], 1), torch.stack([sin, cos], 1)], 1)
        shear = torch.stack([torch.stack([one, s], 1), torch.stack([zero, one], 1)], 1)
        zoom = torch.diag_embed(torch.stack([zx, zy], 1))
        m = rot @ shear @ zoom                                        # pixel units
        d = torch.tensor([w / 2, h / 2], dtype=torch.float64)
        m = m * d[None, None, :] / d[None, :, None]                   # D^-1 M D
        t = -torch.stack([tx, ty], 1) / d                             # pixels -> normalised
        return torch.cat([m, t[:, :, None]], 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_images(x)
        h, w = (x.shape[a] for a in self.spatial_axes())
        return self.resample(x, self.matrices(x.shape[0], h, w))
