"""Colour augmentation: brightness / contrast / saturation jitter and AlexNet PCA lighting noise.

Both work on a whole batch at once, on the batch's device. Values are assumed
to be in ``value_range``: ``"auto"`` means 0..255 for uint8 and 0..1 for float
images, and the result is clamped to it (pass ``None`` for standardised data,
which must not be clamped). Integer images are computed in float32 and rounded back.
"""
from __future__ import annotations

import torch

from .base import Transform, as_tensor, default_range, like_input, to_float

#: ITU-R BT.601 luma weights (R, G, B), as in PIL's ``convert("L")``.
GRAY_WEIGHTS = (0.299, 0.587, 0.114)

#: ImageNet RGB eigenvalues and eigenvectors (columns) for pixels in [0, 1], from
#: Krizhevsky et al. (2012) as published in fb.resnet.torch's transforms.
IMAGENET_EIGVALS = (0.2175, 0.0188, 0.0045)
IMAGENET_EIGVECS = ((-0.5675, 0.7192, 0.4009),
                    (-0.5808, -0.0045, -0.8140),
                    (-0.5836, -0.6948, 0.4203))


def _factor_range(value: float, name: str) -> tuple[float, float]:
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return max(0.0, 1.0 - value), 1.0 + value


class ColorJitter(Transform):
    """Randomly change brightness, contrast and saturation, one factor per image.

    Factors are drawn from U(max(0, 1 - v), 1 + v) for each non-zero ``v`` and
    applied in this order (``m`` = the image's mean grey level, ``g`` = grey image):

    - brightness ``b``: ``x * b``
    - contrast ``c``: ``(x - m) * c + m``
    - saturation ``s``: ``(x - g) * s + g`` (single-channel images are left as they are)

    Args:
        brightness, contrast, saturation: jitter strengths (0 = off).
        value_range: ``"auto"``, ``None`` or ``(low, high)`` (see module docstring).

    Shape: ``(N, H, W, C)`` in and out (channels_last); dtype kept.
    """

    def __init__(self, brightness: float = 0.0, contrast: float = 0.0, saturation: float = 0.0,
                 value_range="auto", seed=None, generator=None, data_format=None) -> None:
        super().__init__(seed, generator, data_format)
        self.brightness = _factor_range(brightness, "brightness")
        self.contrast = _factor_range(contrast, "contrast")
        self.saturation = _factor_range(saturation, "saturation")
        self.value_range = value_range

    def _gray(self, x: torch.Tensor) -> torch.Tensor:  # x: N C H W float
        if x.shape[1] == 3:
            w = torch.tensor(GRAY_WEIGHTS, device=x.device, dtype=x.dtype).view(1, 3, 1, 1)
            return (x * w).sum(1, keepdim=True)
        return x.mean(1, keepdim=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nchw = self.to_nchw(x)
        out = to_float(nchw)
        n = out.shape[0]
        if self.brightness != (1.0, 1.0):
            out = out * self.uniform(n, *self.brightness, x.device).view(-1, 1, 1, 1)
        if self.contrast != (1.0, 1.0):
            c = self.uniform(n, *self.contrast, x.device).view(-1, 1, 1, 1)
            m = self._gray(out).mean((1, 2, 3), keepdim=True)
            out = (out - m) * c + m
        if self.saturation != (1.0, 1.0) and out.shape[1] == 3:
            s = self.uniform(n, *self.saturation, x.device).view(-1, 1, 1, 1)
            g = self._gray(out)
            out = (out - g) * s + g
        return self.from_nchw(like_input(out, nchw, default_range(nchw, self.value_range)))


class PCAColorNoise(Transform):
    """AlexNet "fancy PCA" lighting noise (Krizhevsky et al., 2012, section 4.1).

    Each image gets the same RGB offset at every pixel:
    ``delta = P @ (alpha * lambda)``, ``alpha ~ N(0, std^2)`` per image and component,
    where ``lambda`` and the columns of ``P`` are the eigenvalues and eigenvectors of
    the 3x3 covariance of RGB pixel values. Defaults are ImageNet's (pixels in [0, 1]);
    :meth:`fit` computes them from your training images instead. For uint8 images the
    offset is scaled by 255.

    Args:
        std: standard deviation of ``alpha`` (AlexNet: 0.1).
        eigenvalues: ``(3,)``; eigenvectors: ``(3, 3)`` with eigenvectors as columns.
        value_range: ``"auto"``, ``None`` or ``(low, high)``.

    Shape: ``(N, H, W, 3)`` in and out (channels_last); dtype kept.
    """

    def __init__(self, std: float = 0.1, eigenvalues=IMAGENET_EIGVALS,
                 eigenvectors=IMAGENET_EIGVECS, value_range="auto", seed=None, generator=None,
                 data_format=None) -> None:
        super().__init__(seed, generator, data_format)
        if std < 0:
            raise ValueError(f"std must be >= 0, got {std}")
        self.std = float(std)
        self.eigenvalues = torch.as_tensor(eigenvalues, dtype=torch.float64).reshape(3)
        self.eigenvectors = torch.as_tensor(eigenvectors, dtype=torch.float64).reshape(3, 3)
        self.value_range = value_range

    def fit(self, x) -> PCAColorNoise:
        """Eigen-decompose the RGB covariance of images ``x`` ``(N, H, W, 3)``; returns self."""
        x = as_tensor(x)
        nchw = self.to_nchw(x)
        if nchw.shape[1] != 3:
            raise ValueError(f"PCAColorNoise needs 3 channels, got {nchw.shape[1]}")
        pixels = nchw.permute(1, 0, 2, 3).reshape(3, -1).double()
        if x.dtype == torch.uint8:
            pixels = pixels / 255.0
        cov = torch.cov(pixels)
        vals, vecs = torch.linalg.eigh(cov)               # ascending
        order = torch.argsort(vals, descending=True)
        self.eigenvalues, self.eigenvectors = vals[order].clamp(min=0), vecs[:, order]
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nchw = self.to_nchw(x)
        if nchw.shape[1] != 3:
            raise ValueError(f"PCAColorNoise needs RGB images (3 channels), got {nchw.shape[1]}")
        n = nchw.shape[0]
        alpha = torch.randn(n, 3, generator=self.rng, dtype=torch.float64) * self.std
        delta = (alpha * self.eigenvalues) @ self.eigenvectors.T          # N x 3
        if x.dtype == torch.uint8:
            delta = delta * 255.0
        out = to_float(nchw) + delta.to(device=x.device, dtype=torch.float32).view(n, 3, 1, 1)
        return self.from_nchw(like_input(out, nchw, default_range(nchw, self.value_range)))


