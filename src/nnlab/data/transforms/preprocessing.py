"""Deterministic transforms: normalisation, one-hot labels, a fixed pixel permutation, Compose."""
from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

from ...errors import ShapeError
from .base import Transform, as_tensor


class Normalize(Transform):
    """Subtract a mean and divide by a standard deviation, learnt with :meth:`fit`.

    Modes (as in the lectures):

    - ``"per_channel"`` (VGG / ResNet): one mean and std per channel, over all images
      and pixels; ``x' = (x - mean_c) / std_c`` gives mean 0 and std 1 per channel.
      For ``(N, F)`` feature matrices: one per feature.
    - ``"mean_image"`` (AlexNet): the mean image ``(H, W, C)`` over the training set is
      subtracted; by default nothing is divided (``scale=True`` divides by the per-pixel std).

    Args:
        mode: ``"per_channel"`` or ``"mean_image"``.
        mean, std: given statistics (skip :meth:`fit`); shapes ``(C,)`` or an image.
        scale: divide by std (default: True for per_channel, False for mean_image).
        eps: floor on std, so constant pixels (MNIST's borders) do not divide by zero.

    Shape: ``(N, H, W, C)`` (channels_last), ``(N, C, H, W)`` or ``(N, F)`` in; float32 out.
    """

    def __init__(self, mode: str = "per_channel", mean=None, std=None, scale: bool | None = None,
                 eps: float = 1e-7, data_format=None) -> None:
        super().__init__(seed=0, data_format=data_format)
        if mode not in ("per_channel", "mean_image"):
            raise ValueError(f"mode must be 'per_channel' or 'mean_image', got {mode!r}")
        self.mode = mode
        self.scale = (mode == "per_channel") if scale is None else bool(scale)
        self.eps = float(eps)
        self.mean = None if mean is None else torch.as_tensor(mean, dtype=torch.float32)
        self.std = None if std is None else torch.as_tensor(std, dtype=torch.float32)

    def _reduce_axes(self, x: torch.Tensor) -> tuple[int, ...]:
        if self.mode == "mean_image":
            return (0,)
        if x.ndim == 2:
            return (0,)
        self.check_images(x)
        return tuple(a for a in range(4) if a != self.channel_axis())

    def fit(self, x) -> Normalize:
        """Compute mean (and std) from training data ``x``; returns self (chainable)."""
        x = as_tensor(x)
        if x.shape[0] == 0:
            raise ValueError("Normalize.fit got an empty batch")
        axes = self._reduce_axes(x)
        xd = x.double()
        self.mean = xd.mean(axes).float()
        self.std = xd.std(axes, correction=0).float() if self.scale else None
        return self

    def _stat(self, t: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        t = t.to(x.device)
        if self.mode == "per_channel" and x.ndim == 4 and self.data_format == "channels_first":
            t = t.view(-1, 1, 1)
        return t

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mean is None:
            raise RuntimeError("Normalize has no statistics: call .fit(x_train) first "
                               "or pass mean= and std=")
        self._reduce_axes(x)
        out = x.to(torch.float32) - self._stat(self.mean, x)
        if self.scale:
            if self.std is None:
                raise RuntimeError("Normalize(scale=True) has no std: fit it or pass std=")
            out = out / self._stat(self.std, x).clamp(min=self.eps)
        return out

    def inverse(self, x) -> torch.Tensor:
        """Undo :meth:`forward` (for showing normalised images)."""
        x = as_tensor(x).to(torch.float32)
        if self.scale:
            x = x * self._stat(self.std, x).clamp(min=self.eps)
        return x + self._stat(self.mean, x)


class OneHot(Transform):
    """Integer labels ``(N,)`` -> one-hot ``(N, num_classes)`` float32.

    ``OneHot(10)(y)`` transforms labels; on an ``(x, y)`` batch only ``y`` changes.

    Raises:
        ValueError: a label is outside ``0 .. num_classes - 1`` (the message names it).
    """

    def __init__(self, num_classes: int, dtype: torch.dtype = torch.float32) -> None:
        super().__init__(seed=0)
        if num_classes < 1:
            raise ValueError(f"num_classes must be >= 1, got {num_classes}")
        self.num_classes, self.dtype = int(num_classes), dtype

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        y = as_tensor(y)
        if y.is_floating_point() or y.dtype == torch.bool:
            raise TypeError(f"OneHot expects integer class labels, got dtype {y.dtype}")
        if y.numel():
            lo, hi = int(y.min()), int(y.max())
            if lo < 0 or hi >= self.num_classes:
                bad = lo if lo < 0 else hi
                raise ValueError(f"OneHot({self.num_classes}): label {bad} is outside "
                                 f"0..{self.num_classes - 1}")
        return torch.nn.functional.one_hot(y.long(), self.num_classes).to(self.dtype)

    def forward_pair(self, x: torch.Tensor, y):
        return x, self.forward(y)


class PermutePixels(Transform):
    """A fixed random permutation of pixel positions (the permuted-MNIST experiment).

    The permutation depends only on ``seed`` (same seed, same permutation, whatever
    the global RNG state) and on the number of positions. Channels move together.

    Input shapes: ``(N, D)`` permutes the D features; ``(N, H, W)`` the H*W pixels;
    ``(N, H, W, C)`` / ``(N, C, H, W)`` the H*W positions, keeping channels. Output has
    the input's shape. :meth:`inverse` undoes it exactly.
    """

    def __init__(self, seed: int = 0, data_format=None) -> None:
        super().__init__(seed=seed, data_format=data_format)
        self.seed = int(seed)
        self._perms: dict[int, torch.Tensor] = {}

    def permutation(self, n: int) -> torch.Tensor:
        """The permutation of ``n`` positions (``out.flat[i] = in.flat[perm[i]]``)."""
        if n not in self._perms:
            g = torch.Generator().manual_seed(self.seed)
            self._perms[n] = torch.randperm(n, generator=g)
        return self._perms[n]

    def _apply(self, x, inverse: bool) -> torch.Tensor:
        x = as_tensor(x)
        if x.ndim not in (2, 3, 4):
            raise ShapeError(f"PermutePixels expects (N, D), (N, H, W) or 4-D images, "
                             f"got shape {tuple(x.shape)}")
        if x.ndim == 4 and self.data_format == "channels_first":
            flat = x.reshape(x.shape[0], x.shape[1], -1)
            axis = 2
        elif x.ndim == 4:
            flat = x.reshape(x.shape[0], -1, x.shape[3])
            axis = 1
        else:
            flat = x.reshape(x.shape[0], -1)
            axis = 1
        perm = self.permutation(flat.shape[axis])
        if inverse:
            perm = torch.argsort(perm)
        return flat.index_select(axis, perm.to(x.device)).reshape(x.shape)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._apply(x, inverse=False)

    def inverse(self, x) -> torch.Tensor:
        """Put permuted pixels back in place: ``p.inverse(p(x))`` equals ``x``."""
        return self._apply(x, inverse=True)


class Compose(Transform):
    """Apply transforms in order: ``Compose([RandomCrop(28, 2), RandomFlip()])``.

    Works on ``x`` or on ``(x, y)`` batches (each step gets and returns the pair).
    """

    def __init__(self, transforms: Sequence[Callable]) -> None:
        super().__init__(seed=0)
        self.transforms = list(transforms)
        for t in self.transforms:
            if not callable(t):
                raise TypeError(f"Compose got a non-callable {t!r}")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for t in self.transforms:
            x = t(x)
        return x

    def forward_pair(self, x: torch.Tensor, y):
        for t in self.transforms:
            x, y = t(x, y) if y is not None else (t(x), y)
        return x, y

    def __repr__(self) -> str:
        return "Compose([" + ", ".join(repr(t) for t in self.transforms) + "])"
