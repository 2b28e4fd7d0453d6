"""Geometric augmentation: flips, crops, resized crops, rotation, shear (batched).

Rotation, shear and resized crops build one 2x3 affine matrix per image and
resample the whole batch with ``F.affine_grid`` + ``F.grid_sample`` (one call,
no Python loop over images), so they run on whatever device the batch is on.
Angles are in degrees; positive rotation is counter-clockwise, as in Keras and
``torch.rot90``.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .base import Transform, degree_range, like_input, pair, to_float

_FILL = {"constant": "zeros", "nearest": "border", "reflect": "reflection"}


class RandomFlip(Transform):
    """Flip each image with probability ``p``.

    Args:
        mode: ``"horizontal"`` (left-right), ``"vertical"`` (up-down) or
            ``"horizontal_and_vertical"`` (each decided independently).
        p: probability of flipping an image (``1.0`` always flips; then twice is identity).

    Input/output shape: ``(N, H, W, C)`` (channels_last) or ``(N, C, H, W)``; any dtype.
    """

    def __init__(self, mode: str = "horizontal", p: float = 0.5, seed=None, generator=None,
                 data_format=None) -> None:
        super().__init__(seed, generator, data_format)
        if mode not in ("horizontal", "vertical", "horizontal_and_vertical"):
            raise ValueError("mode must be 'horizontal', 'vertical' or "
                             f"'horizontal_and_vertical', got {mode!r}")
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"p must be in [0, 1], got {p}")
        self.mode, self.p = mode, p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_images(x)
        h_axis, w_axis = self.spatial_axes()
        for axis, on in ((w_axis, self.mode != "vertical"), (h_axis, self.mode != "horizontal")):
            if on:
                flip = (torch.rand(x.shape[0], generator=self.rng) < self.p).to(x.device)
                x = torch.where(flip.view(-1, 1, 1, 1), x.flip(axis), x)
        return x


class RandomCrop(Transform):
    """Pad each image by ``padding`` then cut a random ``size`` window (CIFAR-style).

    Args:
        size: output ``(height, width)`` or one int for a square.
        padding: pixels added on each side before cropping (``4`` for 32x32 CIFAR).
        pad_mode: ``"constant"`` (``fill``), ``"reflect"`` or ``"replicate"``.
        fill: value of constant padding.

    Input shape ``(N, H, W, C)``; output ``(N, size[0], size[1], C)`` (channels_last).
    """

    def __init__(self, size, padding: int = 0, pad_mode: str = "constant", fill: float = 0,
                 seed=None, generator=None, data_format=None) -> None:
        super().__init__(seed, generator, data_format)
        self.size = pair(size, "size")
        if padding < 0:
            raise ValueError(f"padding must be >= 0, got {padding}")
        if pad_mode not in ("constant", "reflect", "replicate"):
            raise ValueError(f"pad_mode must be 'constant', 'reflect' or 'replicate', got {pad_mode!r}")
        self.padding, self.pad_mode, self.fill = int(padding), pad_mode, fill

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nchw = self.to_nchw(x)
        if self.padding:
            p = [self.padding] * 4
            if self.pad_mode == "constant":
                nchw = F.pad(nchw, p, value=self.fill)
            else:
                nchw = F.pad(to_float(nchw), p, mode=self.pad_mode).to(x.dtype)
        n, _, hp, wp = nchw.shape
        h, w = self.size
        if h > hp or w > wp:
            raise ValueError(f"RandomCrop size {self.size} is larger than the padded image ({hp}, {wp})")
        oy = torch.randint(0, hp - h + 1, (n,), generator=self.rng).to(x.device)
        ox = torch.randint(0, wp - w + 1, (n,), generator=self.rng).to(x.device)
        rows = oy[:, None] + torch.arange(h, device=x.device)             # N x h
        cols = ox[:, None] + torch.arange(w, device=x.device)             # N x w
        nhwc = nchw.permute(0, 2, 3, 1)
        out = nhwc[torch.arange(n, device=x.device)[:, None, None], rows[:, :, None], cols[:, None, :]]
        return out if self.data_format == "channels_last" else out.permute(0, 3, 1, 2)


class _Affine(Transform):
    """Shared resampling: one 2x3 matrix per image, mapping output to input coordinates."""

    def __init__(self, fill_mode: str, fill_value: float, interpolation: str, value_range,
                 seed, generator, data_format) -> None:
        super().__init__(seed, generator, data_format)
        if fill_mode not in _FILL:
            raise ValueError(f"fill_mode must be one of {list(_FILL)}, got {fill_mode!r}")
        if interpolation not in ("bilinear", "nearest"):
            raise ValueError(f"interpolation must be 'bilinear' or 'nearest', got {interpolation!r}")
        self.fill_mode, self.fill_value = fill_mode, float(fill_value)
        self.interpolation, self.value_range = interpolation, value_range

    def resample(self, x: torch.Tensor, theta: torch.Tensor, out_hw=None) -> torch.Tensor:
        nchw = self.to_nchw(x)
        n, c, h, w = nchw.shape
        oh, ow = out_hw or (h, w)
        src = to_float(nchw)
        theta = theta.to(device=x.device, dtype=src.dtype)
        grid = F.affine_grid(theta, [n, c, oh, ow], align_corners=False)
        out = F.grid_sample(src, grid, mode=self.interpolation,
                            padding_mode=_FILL[self.fill_mode], align_corners=False)
        if self.fill_mode == "constant" and self.fill_value != 0.0:
            inside = F.grid_sample(torch.ones_like(src[:, :1]), grid, mode=self.interpolation,
                                   padding_mode="zeros", align_corners=False)
            out = out + (1.0 - inside) * self.fill_value
        value_range = self.value_range
        if value_range is None and not nchw.is_floating_point():
            info = torch.iinfo(nchw.dtype)
            value_range = (info.min, info.max)
        return self.from_nchw(like_input(out, nchw, value_range))


def _rotation_theta(angles_deg: torch.Tensor, h: int, w: int) -> torch.Tensor:
    a = angles_deg.double() * (math.pi / 180.0)
    cos, sin = torch.cos(a), torch.sin(a)
    zero = torch.zeros_like(a)
    # normalised coords scale with W (x) and H (y); correct for non-square images
    return torch.stack([torch.stack([cos, -sin * h / w, zero], 1),
                        torch.stack([sin * w / h, cos, zero], 1)], 1)


class RandomRotation(_Affine):
    """Rotate each image by an angle drawn uniformly from ``degrees`` (counter-clockwise > 0).

    Args:
        degrees: ``d`` for U(-d, d), or ``(low, high)``; ``(90, 90)`` rotates by exactly 90.
        fill_mode: ``"reflect"`` (Keras' default), ``"nearest"`` or ``"constant"``.
        fill_value: value of ``"constant"`` fill.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        value_range: floats are not clamped by default (``None``); integer images are
            rounded and clamped to their range.

    Formula (output pixel -> input pixel, in normalised coordinates):
    ``[x_in, y_in] = [[cos a, -sin a * H/W], [sin a * W/H, cos a]] @ [x_out, y_out]``.

    Shape: ``(N, H, W, C)`` in and out (channels_last).
    """

    def __init__(self, degrees=15.0, fill_mode: str = "reflect", fill_value: float = 0.0,
                 interpolation: str = "bilinear", value_range=None, seed=None, generator=None,
                 data_format=None) -> None:
        super().__init__(fill_mode, fill_value, interpolation, value_range, seed, generator,
                         data_format)
        self.degrees = degree_range(degrees, "degrees")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_images(x)
        h, w = (x.shape[a] for a in self.spatial_axes())
        angles = self.uniform(x.shape[0], *self.degrees, device="cpu")
        return self.resample(x, _rotation_theta(angles, h, w))


class RandomShear(_Affine):
    """Shear each image by angles drawn from ``x_degrees`` and ``y_degrees``.

    Args:
        x_degrees: horizontal shear angle range (``d`` for U(-d, d), or ``(low, high)``).
        y_degrees: vertical shear angle range.
        fill_mode, fill_value, interpolation, value_range: as :class:`RandomRotation`.

    Formula: ``[x_in, y_in] = [[1, tan(sx) * H/W], [tan(sy) * W/H, 1]] @ [x_out, y_out]``.
    Shape: ``(N, H, W, C)`` in and out (channels_last).
    """

    def __init__(self, x_degrees=10.0, y_degrees=0.0, fill_mode: str = "reflect",
                 fill_value: float = 0.0, interpolation: str = "bilinear", value_range=None,
                 seed=None, generator=None, data_format=None) -> None:
        super().__init__(fill_mode, fill_value, interpolation, value_range, seed, generator,
                         data_format)
        self.x_degrees = degree_range(x_degrees, "x_degrees")
        self.y_degrees = degree_range(y_degrees, "y_degrees")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_images(x)
        h, w = (x.shape[a] for a in self.spatial_axes())
        n = x.shape[0]
        sx = torch.tan(self.uniform(n, *self.x_degrees, "cpu").double() * math.pi / 180)
        sy = torch.tan(self.uniform(n, *self.y_degrees, "cpu").double() * math.pi / 180)
        one, zero = torch.ones_like(sx), torch.zeros_like(sx)
        theta = torch.stack([torch.stack([one, sx * h / w, zero], 1),
                             torch.stack([sy * w / h, one, zero], 1)], 1)
        return self.resample(x, theta)


class RandomResizedCrop(_Affine):
    """Inception-style random scale and aspect crop, resized to ``size``.

    For each image, a box covering a fraction ``s ~ U(scale)`` of the area with aspect
    ratio ``r`` (log-uniform in ``ratio``) is placed uniformly at random and resampled to
    ``size``. ``scale=(1, 1), ratio=(1, 1)`` on a square image is a plain resize.

    Args:
        size: output ``(height, width)`` or one int.
        scale: range of the box area as a fraction of the image (default (0.08, 1.0)).
        ratio: range of box width / height (default (3/4, 4/3)).
        interpolation: ``"bilinear"`` or ``"nearest"``.

    Shape: ``(N, H, W, C)`` in, ``(N, size[0], size[1], C)`` out (channels_last).
    """

    def __init__(self, size, scale=(0.08, 1.0), ratio=(3 / 4, 4 / 3),
                 interpolation: str = "bilinear", value_range=None, seed=None, generator=None,
                 data_format=None) -> None:
        super().__init__("nearest", 0.0, interpolation, value_range, seed, generator, data_format)
        self.size = pair(size, "size")
        if not 0 < scale[0] <= scale[1] <= 1:
            raise ValueError(f"scale must satisfy 0 < low <= high <= 1, got {scale}")
        if not 0 < ratio[0] <= ratio[1]:
            raise ValueError(f"ratio must satisfy 0 < low <= high, got {ratio}")
        self.scale, self.ratio = tuple(scale), tuple(ratio)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.check_images(x)
        h, w = (x.shape[a] for a in self.spatial_axes())
        n = x.shape[0]
        area = self.uniform(n, *self.scale, "cpu").double()
        log_r = self.uniform(n, math.log(self.ratio[0]), math.log(self.ratio[1]), "cpu").double()
        r = torch.exp(log_r)
        bw = torch.sqrt(area * h * w * r).clamp(max=w) / w          # box width, fraction of W
        bh = torch.sqrt(area * h * w / r).clamp(max=h) / h          # box height, fraction of H
        cx = (2 * self.uniform(n, 0, 1, "cpu").double() - 1) * (1 - bw)  # centre, normalised
        cy = (2 * self.uniform(n, 0, 1, "cpu").double() - 1) * (1 - bh)
        zero = torch.zeros_like(bw)
        theta = torch.stack([torch.stack([bw, zero, cx], 1), torch.stack([zero, bh, cy], 1)], 1)
        return self.resample(x, theta, self.size)
