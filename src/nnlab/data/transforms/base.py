"""The transform protocol and the helpers every transform shares.

A transform is a callable on a batch. ``t(x)`` returns the transformed ``x``;
``t(x, y)`` or ``t((x, y))`` returns ``(x', y')`` (labels pass through unchanged
unless the transform is about labels, like :class:`OneHot`). Images are
``(N, H, W, C)`` tensors when ``data_format="channels_last"`` (the default,
following :func:`nnlab.config.image_data_format`) or ``(N, C, H, W)`` with
``"channels_first"``; numpy arrays are accepted and come back as tensors.

Randomness: each random transform owns a CPU ``torch.Generator``, seeded from
``seed`` (or, when ``seed=None``, from torch's global RNG at construction, so
:func:`nnlab.set_seed` makes it reproducible) or passed in as ``generator=``.
Random parameters (one per image) are drawn on the CPU and moved to the
batch's device, so the same seed gives the same result on CPU and GPU and the
work itself runs batched on the device.
"""
from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import get_worker_info

from ...config import normalize_data_format
from ...errors import ShapeError


def as_tensor(x) -> torch.Tensor:
    """A tensor view of ``x`` (numpy arrays are not copied)."""
    if isinstance(x, torch.Tensor):
        return x
    if isinstance(x, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(x))
    return torch.as_tensor(x)


class Transform:
    """Base class: a callable ``x -> x`` that also accepts ``(x, y)`` batches.

    Subclasses implement :meth:`forward`; label-aware ones override :meth:`forward_pair`.
    """

    def __init__(self, seed: int | None = None, generator: torch.Generator | None = None,
                 data_format: str | None = None) -> None:
        self.data_format = normalize_data_format(data_format)
        if generator is not None and seed is not None:
            raise ValueError("pass either seed or generator, not both")
        if generator is None:
            if seed is None:
                seed = int(torch.randint(0, 2**62, (1,)).item())
            generator = torch.Generator().manual_seed(int(seed))
        self.generator = generator
        self._worker_key: tuple[int, int] | None = None
        self._worker_generator: torch.Generator | None = None

    @property
    def rng(self) -> torch.Generator:
        """The generator to draw from: :attr:`generator`, or, inside a DataLoader worker, one
        re-seeded from (this transform's seed, the worker's seed), so that workers forked
        with identical copies of this transform do not repeat each other's augmentations."""
        info = get_worker_info()
        if info is None:
            return self.generator
        key = (info.id, info.seed)
        if self._worker_key != key:
            seed = (self.generator.initial_seed() * 6364136223846793005 + info.seed) % 2**63
            self._worker_generator = torch.Generator().manual_seed(seed)
            self._worker_key = key
        return self._worker_generator

    def __call__(self, x, y=None):
        if y is None and isinstance(x, (tuple, list)):
            if len(x) != 2:
                raise ValueError(f"{type(self).__name__} takes x or an (x, y) pair, "
                                 f"got a sequence of length {len(x)}")
            x, y = x
            return self.forward_pair(as_tensor(x), y)
        if y is None:
            return self.forward(as_tensor(x))
        return self.forward_pair(as_tensor(x), y)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # pragma: no cover - interface
        raise NotImplementedError

    def forward_pair(self, x: torch.Tensor, y):
        """Transform an ``(x, y)`` batch; by default ``y`` is returned unchanged."""
        return self.forward(x), y

    # -- helpers ---------------------------------------------------------------------------------

    def uniform(self, n: int, low: float, high: float, device) -> torch.Tensor:
        """``n`` draws from U(low, high) on the CPU generator, as float32 on ``device``."""
        u = torch.rand(n, generator=self.rng, dtype=torch.float64)
        return (low + (high - low) * u).to(device=device, dtype=torch.float32)

    def check_images(self, x: torch.Tensor) -> None:
        """Raise :class:`~nnlab.errors.ShapeError` unless ``x`` is a 4-D image batch."""
        if x.ndim != 4:
            layout = "(N, H, W, C)" if self.data_format == "channels_last" else "(N, C, H, W)"
            hint = " (add a channel axis: x[..., None])" if x.ndim == 3 else ""
            raise ShapeError(f"{type(self).__name__} expects a batch of images {layout} "
                             f"({self.data_format}), got shape {tuple(x.shape)}{hint}")

    def to_nchw(self, x: torch.Tensor) -> torch.Tensor:
        """The batch as logical NCHW (a zero-copy permute for channels_last)."""
        self.check_images(x)
        return x.permute(0, 3, 1, 2) if self.data_format == "channels_last" else x

    def from_nchw(self, x: torch.Tensor) -> torch.Tensor:
        """Back to the user's layout."""
        return x.permute(0, 2, 3, 1) if self.data_format == "channels_last" else x

    def spatial_axes(self) -> tuple[int, int]:
        """Axes of H and W in the user's layout."""
        return (1, 2) if self.data_format == "channels_last" else (2, 3)

    def channel_axis(self) -> int:
        return 3 if self.data_format == "channels_last" else 1

    def __repr__(self) -> str:
        fields = {k: v for k, v in vars(self).items() if k != "generator" and not k.startswith("_")}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in fields.items())})"


def to_float(x: torch.Tensor) -> torch.Tensor:
    """Float view/copy for arithmetic (float32 unless ``x`` is already floating)."""
    return x if x.is_floating_point() else x.to(torch.float32)


def like_input(out: torch.Tensor, x: torch.Tensor, value_range) -> torch.Tensor:
    """Clamp ``out`` to ``value_range`` and cast back to ``x``'s dtype (rounding for integers)."""
    if value_range is not None:
        out = out.clamp(value_range[0], value_range[1])
    if not x.is_floating_point():
        out = out.round()
    return out.to(x.dtype)


def default_range(x: torch.Tensor, value_range):
    """``"auto"``: (0, 255) for uint8, (0, 1) for floats; otherwise as given (``None`` = no clamp)."""
    if isinstance(value_range, str):
        if value_range != "auto":
            raise ValueError(f"value_range must be 'auto', None or (low, high), got {value_range!r}")
        if x.dtype == torch.uint8:
            return (0.0, 255.0)
        return (0.0, 1.0) if x.is_floating_point() else None
    return value_range


def pair(value, name: str) -> tuple[int, int]:
    """``int`` or ``(h, w)`` -> ``(h, w)``, validated positive."""
    if isinstance(value, int):
        value = (value, value)
    h, w = (int(v) for v in value)
    if h <= 0 or w <= 0:
        raise ValueError(f"{name} must be positive, got {value!r}")
    return h, w


def degree_range(value, name: str) -> tuple[float, float]:
    """``d`` -> ``(-d, d)``; ``(lo, hi)`` kept; validated."""
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError(f"{name} must be >= 0 when a single number, got {value}")
        return (-float(value), float(value))
    lo, hi = (float(v) for v in value)
    if lo > hi:
        raise ValueError(f"{name}: low {lo} > high {hi}")
    return lo, hi
