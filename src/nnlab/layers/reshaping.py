"""Spatial reshaping layers (no weights): ``UpSampling{1,2,3}D``, ``ZeroPadding{1,2,3}D``
and ``Cropping{1,2,3}D``. Shapes are in the user layout (``channels_last``:
``(batch, *spatial, channels)``; ``channels_first``: ``(batch, channels, *spatial)``).

- Upsampling by ``size``: ``N -> N * size`` per axis; ``'nearest'`` repeats every element
  (exact, no interpolation arithmetic), ``'bilinear'`` (2D) uses ``F.interpolate`` with
  half-pixel centres (``align_corners=False``), as Keras does.
- Zero padding: ``N -> before + N + after`` per axis (``F.pad``).
- Cropping: ``N -> N - before - after`` per axis (a zero-copy slice).
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Tuple, Union

import torch.nn.functional as F

from ..errors import ShapeError
from .base.layer import format_shape
from .conv_utils import (SpatialLayer, layout, normalize_pairs, normalize_tuple, spatial_names,
                         spatial_of, to_channels_first, to_user_layout, with_spatial)

__all__ = ["UpSampling1D", "UpSampling2D", "UpSampling3D", "ZeroPadding1D", "ZeroPadding2D",
           "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D"]

IntOrTuple = Union[int, Sequence[int]]
Pairs = Union[int, Sequence[int], Sequence[Sequence[int]]]


class BaseSpatialReshape(SpatialLayer):
    """Base of the spatial reshapes (up-sampling, zero-padding, cropping): rank check,
    spatial axes in the user layout, no weights."""

    def _spatial_axes(self) -> Tuple[int, ...]:
        first = 1 if self.data_format == "channels_last" else 2
        return tuple(range(first, first + self.rank))

    def _new_lengths(self, spatial):  # pragma: no cover - abstract
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        return with_spatial(input_shape[0], input_shape[self.channel_axis],
                            self._new_lengths(input_shape), self.data_format)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)
        self.input_spec = {"ndim": self.rank + 2, "layout": layout(self.rank, self.data_format)}


# ----------------------------------------------------------------------------- upsampling
class BaseUpSampling(BaseSpatialReshape):
    """Base of ``UpSampling1D/2D/3D``: repeat each spatial step ``size`` times."""

    _normalized_config = ("size",)

    def _setup(self, rank: int, size: IntOrTuple, data_format: Optional[str],
               interpolation: str = "nearest") -> None:
        owner = type(self).__name__
        self._set_format(rank, data_format)
        self.size = normalize_tuple(size, rank, "size", owner)
        allowed = ("nearest", "bilinear") if rank == 2 else ("nearest",)
        if interpolation not in allowed:
            raise ValueError(f"{owner}: interpolation must be one of "
                             f"{', '.join(repr(a) for a in allowed)}, got {interpolation!r}")
        self.interpolation = interpolation

    def _new_lengths(self, input_shape):
        return tuple(None if n is None else n * s
                     for n, s in zip(spatial_of(input_shape, self.data_format), self.size))

    def call(self, inputs):
        if self.interpolation == "bilinear":
            x = to_channels_first(inputs, self.data_format)
            out = [n * s for n, s in zip(x.shape[2:], self.size)]
            y = F.interpolate(x, size=out, mode="bilinear", align_corners=False)
            return to_user_layout(y, self.data_format)
        # nearest: insert a length-`size` axis after each spatial axis, expand, merge
        x, expanded, final = inputs, [], []
        axes = self._spatial_axes()
        for i, d in enumerate(inputs.shape):
            expanded.append(d)
            if i in axes:
                s = self.size[axes.index(i)]
                x = x.unsqueeze(len(expanded))
                expanded.append(s)
                final.append(d * s)
            else:
                final.append(d)
        return x.expand(expanded).reshape(final)


class UpSampling1D(BaseUpSampling):
    """Repeat each step ``size`` times: ``(batch, steps, features)`` ->
    ``(batch, steps * size, features)``.

    Example:
        >>> import nnlab
        >>> UpSampling1D(3)(nnlab.Input((4, 2))).shape
        (None, 12, 2)
    """

    def __init__(self, size: int = 2, **kwargs: Any):
        super().__init__(**kwargs)
        self._setup(1, size, "channels_last")


class UpSampling2D(BaseUpSampling):
    """Upsample height and width by ``size`` (the decoder half of a U-Net or autoencoder).

    Args:
        size: an int or ``(sh, sw)``.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        interpolation: ``'nearest'`` (repeat rows and columns) or ``'bilinear'``.

    Input shape: ``(batch, height, width, channels)`` (channels_last).
    Output shape: ``(batch, height * sh, width * sw, channels)``.

    Raises:
        ShapeError: input not of rank 4.

    Example:
        >>> import nnlab
        >>> UpSampling2D((2, 2))(nnlab.Input((7, 7, 64))).shape
        (None, 14, 14, 64)
    """

    def __init__(self, size: IntOrTuple = (2, 2), data_format: Optional[str] = None,
                 interpolation: str = "nearest", **kwargs: Any):
        super().__init__(**kwargs)
        self._setup(2, size, data_format, interpolation)


class UpSampling3D(BaseUpSampling):
    """Repeat along depth, height and width by ``size`` (nearest neighbour).

    Input shape: ``(batch, depth, height, width, channels)`` (channels_last).

    Example:
        >>> import nnlab
        >>> UpSampling3D(2)(nnlab.Input((2, 3, 4, 1))).shape
        (None, 4, 6, 8, 1)
    """

    def __init__(self, size: IntOrTuple = (2, 2, 2), data_format: Optional[str] = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self._setup(3, size, data_format)


# ---------------------------------------------------------------------------- zero padding
class BaseZeroPadding(BaseSpatialReshape):
    """Base of ``ZeroPadding1D/2D/3D``: zeros before and after each spatial axis."""

    _normalized_config = ("padding",)

    def _setup(self, rank: int, padding: Pairs, data_format: Optional[str]) -> None:
        self._set_format(rank, data_format)
        self.padding = normalize_pairs(padding, rank, "padding", type(self).__name__)
        flat = []
        for before, after in reversed(self.padding):
            flat += [before, after]
        if self.data_format == "channels_last":
            flat = [0, 0] + flat
        self._torch_pad = tuple(flat)

    def _new_lengths(self, input_shape):
        return tuple(None if n is None else n + b + a
                     for n, (b, a) in zip(spatial_of(input_shape, self.data_format),
                                          self.padding))

    def call(self, inputs):
        return F.pad(inputs, self._torch_pad)


class ZeroPadding1D(BaseZeroPadding):
    """Add zeros at the start and end of the steps axis.

    Args:
        padding: an int (both ends) or ``(before, after)``.
        data_format: ``'channels_last'`` ``(batch, steps, features)`` (default) or
            ``'channels_first'``.

    Example:
        >>> import nnlab
        >>> ZeroPadding1D((1, 2))(nnlab.Input((5, 3))).shape
        (None, 8, 3)
    """

    def __init__(self, padding: Pairs = 1, data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._setup(1, padding, data_format)


class ZeroPadding2D(BaseZeroPadding):
    """Add rows and columns of zeros around an image.

    Args:
        padding: an int (all sides), ``(ph, pw)`` (symmetric per axis) or
            ``((top, bottom), (left, right))``.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Input shape: ``(batch, height, width, channels)`` (channels_last).
    Output shape: ``(batch, top + height + bottom, left + width + right, channels)``.

    Example:
        >>> import nnlab
        >>> ZeroPadding2D(((1, 0), (1, 0)))(nnlab.Input((28, 28, 1))).shape
        (None, 29, 29, 1)
    """

    def __init__(self, padding: Pairs = (1, 1), data_format: Optional[str] = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self._setup(2, padding, data_format)


class ZeroPadding3D(BaseZeroPadding):
    """Zero padding of depth, height and width: an int, 3 ints or 3 ``(before, after)`` pairs.

    Example:
        >>> import nnlab
        >>> ZeroPadding3D(1)(nnlab.Input((2, 3, 4, 1))).shape
        (None, 4, 5, 6, 1)
    """

    def __init__(self, padding: Pairs = ((1, 1), (1, 1), (1, 1)),
                 data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._setup(3, padding, data_format)


# -------------------------------------------------------------------------------- cropping
class BaseCropping(BaseSpatialReshape):
    """Base of ``Cropping1D/2D/3D``: drop steps at the start and end of each spatial axis."""

    _normalized_config = ("cropping",)

    def _setup(self, rank: int, cropping: Pairs, data_format: Optional[str]) -> None:
        self._set_format(rank, data_format)
        self.cropping = normalize_pairs(cropping, rank, "cropping", type(self).__name__)

    def _new_lengths(self, input_shape):
        out = []
        for i, (n, (b, a)) in enumerate(zip(spatial_of(input_shape, self.data_format),
                                            self.cropping)):
            if n is not None and n - b - a < 1:
                raise ShapeError(
                    f"Layer {self.name!r} ({type(self).__name__}): cropping {b} + {a} from "
                    f"{spatial_names(self.rank)[i]} {n} leaves {n - b - a}; the input "
                    f"{format_shape(tuple(input_shape))} is too small for cropping="
                    f"{self.cropping}.")
            out.append(None if n is None else n - b - a)
        return tuple(out)

    def call(self, inputs):
        index = [slice(None)] * inputs.dim()
        for axis, (b, a) in zip(self._spatial_axes(), self.cropping):
            if inputs.shape[axis] - b - a < 1:  # slicing would silently give an empty axis
                self._new_lengths((None,) + tuple(inputs.shape[1:]))
            index[axis] = slice(b, inputs.shape[axis] - a)
        return inputs[tuple(index)]


class Cropping1D(BaseCropping):
    """Remove steps from the start and end: ``(batch, steps, features)`` ->
    ``(batch, steps - before - after, features)``.

    Args:
        cropping: an int (both ends) or ``(before, after)``.

    Example:
        >>> import nnlab
        >>> Cropping1D((1, 2))(nnlab.Input((10, 3))).shape
        (None, 7, 3)
    """

    def __init__(self, cropping: Pairs = (1, 1), **kwargs: Any):
        super().__init__(**kwargs)
        self._setup(1, cropping, "channels_last")


class Cropping2D(BaseCropping):
    """Remove rows and columns at the borders of an image.

    Args:
        cropping: an int (all sides), ``(ch, cw)`` (symmetric per axis) or
            ``((top, bottom), (left, right))``.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Input shape: ``(batch, height, width, channels)`` (channels_last).
    Output shape: ``(batch, height - top - bottom, width - left - right, channels)``.

    Raises:
        ShapeError: input not of rank 4, or nothing would remain of an axis.

    Example:
        >>> import nnlab
        >>> Cropping2D(((2, 2), (4, 4)))(nnlab.Input((28, 28, 3))).shape
        (None, 24, 20, 3)
    """

    def __init__(self, cropping: Pairs = ((0, 0), (0, 0)), data_format: Optional[str] = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self._setup(2, cropping, data_format)


class Cropping3D(BaseCropping):
    """Cropping of depth, height and width: an int, 3 ints or 3 ``(before, after)`` pairs.

    Example:
        >>> import nnlab
        >>> Cropping3D(1)(nnlab.Input((4, 5, 6, 2))).shape
        (None, 2, 3, 4, 2)
    """

    def __init__(self, cropping: Pairs = ((1, 1), (1, 1), (1, 1)),
                 data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(**kwargs)
        self._setup(3, cropping, data_format)
