"""Pooling layers: ``MaxPooling{1,2,3}D``, ``AveragePooling{1,2,3}D`` (one base,
:class:`BasePooling`) and ``GlobalMaxPooling{1,2,3}D``, ``GlobalAveragePooling{1,2,3}D``
(one base, :class:`BaseGlobalPooling`). No weights.

Output length per spatial axis (``N`` input, ``K`` pool size, ``S`` stride, which defaults
to ``K``)::

    valid:  floor((N - K) / S) + 1
    same:   ceil(N / S)   padding split with the odd element at the end (Keras/TensorFlow);
                          max pooling pads with -inf, average pooling averages over the real
                          elements of each window only (padding is not counted)

Run by torch's ``F.max_pool{1,2,3}d`` / ``F.avg_pool{1,2,3}d`` on a zero-copy
channels-first view of channels_last data.
"""
from __future__ import annotations

import math
from typing import Any, Optional, Sequence, Union

import torch
import torch.nn.functional as F

from .base.masking import check_time_mask
from .conv_utils import (SpatialLayer, apply_padding, check_output_lengths,
                         explain_kernel_error, layout, normalize_tuple,
                         normalize_window_padding, padding_pairs, spatial_of,
                         to_channels_first, to_user_layout, with_spatial)

__all__ = ["BasePooling", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
           "AveragePooling2D", "AveragePooling3D", "BaseGlobalPooling", "GlobalMaxPooling1D",
           "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GlobalAveragePooling1D",
           "GlobalAveragePooling2D", "GlobalAveragePooling3D"]

IntOrTuple = Union[int, Sequence[int]]
_MAX = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}
_AVG = {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}


class BasePooling(SpatialLayer):
    """Max or average pooling over ``rank`` spatial axes (``mode`` ``'max'`` or ``'average'``)."""

    _normalized_config = ("pool_size", "strides", "padding")

    def __init__(self, rank: int, mode: str, pool_size: IntOrTuple, strides: Any = None,
                 padding: str = "valid", data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(**kwargs)
        owner = type(self).__name__
        if mode not in ("max", "average"):
            raise ValueError(f"{owner}: mode must be 'max' or 'average', got {mode!r}")
        self._set_format(rank, data_format)
        self.mode = mode
        self.pool_size = normalize_tuple(pool_size, rank, "pool_size", owner)
        self.strides = self.pool_size if strides is None else normalize_tuple(
            strides, rank, "strides", owner)
        self.padding = normalize_window_padding(padding, ("valid", "same"), rank, owner)
        if isinstance(self.padding, tuple) and any(
                2 * p > k for p, k in zip(self.padding, self.pool_size)):
            raise ValueError(f"{owner}: explicit padding {self.padding} must be at most half "
                             f"the pool size {self.pool_size}")
        self._ones = (1,) * rank

    def compute_output_shape(self, input_shape):
        spatial = check_output_lengths(self, input_shape, spatial_of(input_shape,
                                       self.data_format), self.pool_size, self.strides,
                                       self._ones, self.padding, what="pool size")
        return with_spatial(input_shape[0], input_shape[self.channel_axis], spatial,
                            self.data_format)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)  # the clear error before any work
        self.input_spec = {"ndim": self.rank + 2, "layout": layout(self.rank, self.data_format)}

    def call(self, inputs):
        x = to_channels_first(inputs, self.data_format)  # N x C x *spatial (a view)
        spatial = tuple(x.shape[2:])
        pairs = padding_pairs(spatial, self.pool_size, self.strides, self._ones, self.padding)
        # max pads with -inf (padding never wins); average pads with zeros
        x, pad = apply_padding(x, pairs, value=-math.inf if self.mode == "max" else 0.0)
        try:
            if self.mode == "max":
                y = _MAX[self.rank](x, self.pool_size, self.strides, pad)
            else:
                y = _AVG[self.rank](x, self.pool_size, self.strides, pad,
                                    count_include_pad=False)
        except RuntimeError as err:  # e.g. an input smaller than the window
            explain_kernel_error(self, inputs, err)
        if self.mode == "average" and not isinstance(pad, tuple):
            # asymmetric 'same' was padded by F.pad, so torch divided by the full window:
            # rescale each output by window area / number of real elements in it
            y = y * self._real_count_scale(spatial, pairs, y)
        return to_user_layout(y, self.data_format)

    def _real_count_scale(self, spatial, pairs, y: torch.Tensor) -> torch.Tensor:
        count = torch.ones((), dtype=y.dtype, device=y.device)
        for i, (n, k, s, (before, _)) in enumerate(zip(spatial, self.pool_size, self.strides,
                                                        pairs)):
            start = torch.arange(y.shape[2 + i], device=y.device) * s - before
            real = (start + k).clamp(max=n) - start.clamp(min=0)
            shape = [1] * self.rank
            shape[i] = -1
            count = count * real.to(y.dtype).view(shape)
        return math.prod(self.pool_size) / count


class MaxPooling1D(BasePooling):
    """Max over windows of ``pool_size`` steps.

    Input shape: ``(batch, steps, channels)`` (channels_last) or ``(batch, channels, steps)``.
    Output shape: ``(batch, new_steps, channels)``.

    Example:
        >>> import nnlab
        >>> MaxPooling1D(2)(nnlab.Input((10, 4))).shape
        (None, 5, 4)
    """

    def __init__(self, pool_size: IntOrTuple = 2, strides: Optional[IntOrTuple] = None,
                 padding: str = "valid", data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(1, "max", pool_size, strides, padding, data_format, **kwargs)


class MaxPooling2D(BasePooling):
    """Max over ``pool_size`` windows of each channel: downsamples height and width.

    Args:
        pool_size: window, an int or ``(ph, pw)``.
        strides: step between windows; ``None`` means ``pool_size`` (non-overlapping).
        padding: ``'valid'`` (``floor((N - K)/S) + 1``) or ``'same'`` (``ceil(N/S)``,
            padded with -inf so padding never wins); or, as in PyTorch (not in Keras), an
            int or 2 ints of explicit -inf padding on both sides, at most half the window
            (``floor((N - K + 2P)/S) + 1``).
        data_format: ``'channels_last'`` (default) or ``'channels_first'``; ``None`` means
            ``nnlab.config.image_data_format()``.

    Input shape: ``(batch, height, width, channels)`` (channels_last).
    Output shape: ``(batch, new_height, new_width, channels)``.

    Raises:
        ShapeError: input not of rank 4, or an output height/width that would be < 1.

    Example:
        >>> import nnlab
        >>> MaxPooling2D((2, 2))(nnlab.Input((26, 26, 32))).shape
        (None, 13, 13, 32)
    """

    def __init__(self, pool_size: IntOrTuple = (2, 2), strides: Optional[IntOrTuple] = None,
                 padding: str = "valid", data_format: Optional[str] = None,
                 return_indices: bool = False, **kwargs: Any):
        super().__init__(2, "max", pool_size, strides, padding, data_format, **kwargs)
        self.return_indices = return_indices  # True: call returns (pooled, argmax indices)

    def call(self, inputs):
        if not self.return_indices:
            return super().call(inputs)
        from .unpooling import max_pool2d_with_indices  # for MaxUnpooling2D
        return max_pool2d_with_indices(self, inputs)


class MaxPooling3D(BasePooling):
    """Max pooling over depth, height and width; arguments as :class:`MaxPooling2D`.

    Input shape: ``(batch, depth, height, width, channels)`` (channels_last).

    Example:
        >>> import nnlab
        >>> MaxPooling3D()(nnlab.Input((8, 8, 8, 3))).shape
        (None, 4, 4, 4, 3)
    """

    def __init__(self, pool_size: IntOrTuple = (2, 2, 2), strides: Optional[IntOrTuple] = None,
                 padding: str = "valid", data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(3, "max", pool_size, strides, padding, data_format, **kwargs)


class AveragePooling1D(BasePooling):
    """Mean over windows of ``pool_size`` steps; arguments as :class:`AveragePooling2D`.

    Example:
        >>> import nnlab
        >>> AveragePooling1D(3, strides=2, padding="same")(nnlab.Input((10, 4))).shape
        (None, 5, 4)
    """

    def __init__(self, pool_size: IntOrTuple, strides: Optional[IntOrTuple] = None,
                 padding: str = "valid", data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(1, "average", pool_size, strides, padding, data_format, **kwargs)


class AveragePooling2D(BasePooling):
    """Mean over ``pool_size`` windows of each channel.

    Args:
        pool_size: window, an int or ``(ph, pw)`` (required, as in Keras).
        strides: step between windows; ``None`` means ``pool_size``.
        padding: ``'valid'`` or ``'same'`` (``ceil(N/S)``; each window averages only its
            real elements, padding is not counted).
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Input shape: ``(batch, height, width, channels)`` (channels_last).
    Output shape: ``(batch, new_height, new_width, channels)``.

    Raises:
        ShapeError: input not of rank 4, or an output height/width that would be < 1.

    Example:
        >>> import nnlab
        >>> AveragePooling2D(2)(nnlab.Input((28, 28, 6))).shape
        (None, 14, 14, 6)
    """

    def __init__(self, pool_size: IntOrTuple, strides: Optional[IntOrTuple] = None,
                 padding: str = "valid", data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(2, "average", pool_size, strides, padding, data_format, **kwargs)


class AveragePooling3D(BasePooling):
    """Average pooling over depth, height and width; arguments as :class:`AveragePooling2D`.

    Example:
        >>> import nnlab
        >>> AveragePooling3D(2)(nnlab.Input((8, 8, 8, 3))).shape
        (None, 4, 4, 4, 3)
    """

    def __init__(self, pool_size: IntOrTuple, strides: Optional[IntOrTuple] = None,
                 padding: str = "valid", data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(3, "average", pool_size, strides, padding, data_format, **kwargs)


class BaseGlobalPooling(SpatialLayer):
    """Max or mean over all spatial axes: ``(batch, *spatial, channels)`` ->
    ``(batch, channels)`` (``keepdims=True``: ``(batch, 1, ..., 1, channels)``)."""

    def __init__(self, rank: int, mode: str, data_format: Optional[str] = None,
                 keepdims: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        if mode not in ("max", "average"):
            raise ValueError(f"{type(self).__name__}: mode must be 'max' or 'average', "
                             f"got {mode!r}")
        self._set_format(rank, data_format)
        self.mode = mode
        self.keepdims = bool(keepdims)
        first = 1 if self.data_format == "channels_last" else 2
        self._axes = tuple(range(first, first + rank))

    def build(self, input_shape):
        self.input_spec = {"ndim": self.rank + 2, "layout": layout(self.rank, self.data_format)}

    def compute_output_shape(self, input_shape):
        channels = input_shape[self.channel_axis]
        if self.keepdims:
            return with_spatial(input_shape[0], channels, (1,) * self.rank, self.data_format)
        return (input_shape[0], channels)

    def call(self, inputs):
        if self.mode == "max":
            return torch.amax(inputs, dim=self._axes, keepdim=self.keepdims)
        return torch.mean(inputs, dim=self._axes, keepdim=self.keepdims)


class _MaskedGlobalPooling1D(BaseGlobalPooling):
    """1-D global pooling that leaves masked steps out (``mask`` ``(batch, steps)``)."""

    def compute_mask(self, inputs, mask=None):
        return None  # the steps axis is gone

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        keep = check_time_mask(self, inputs.movedim(self._axes[0], 1), mask)
        keep = keep.unsqueeze(self.channel_axis if self.channel_axis > 0 else -1)
        dim = self._axes[0]
        if self.mode == "max":
            low = torch.finfo(inputs.dtype).min
            return torch.amax(inputs.masked_fill(~keep, low), dim=dim, keepdim=self.keepdims)
        weights = keep.to(inputs.dtype)
        total = (inputs * weights).sum(dim=dim, keepdim=self.keepdims)
        return total / weights.sum(dim=dim, keepdim=self.keepdims)


class GlobalMaxPooling1D(_MaskedGlobalPooling1D):
    """Max over steps: ``(batch, steps, channels)`` -> ``(batch, channels)``.

    With a mask (e.g. after ``Embedding(mask_zero=True)``) masked steps are left out of
    the max. Keras 3 ignores the mask here (it warns and takes padded steps into the
    max); nnlab follows the padded-equals-unpadded rule instead.

    Example:
        >>> import nnlab
        >>> GlobalMaxPooling1D()(nnlab.Input((10, 4))).shape
        (None, 4)
    """

    def __init__(self, data_format: Optional[str] = None, keepdims: bool = False, **kwargs: Any):
        super().__init__(1, "max", data_format, keepdims, **kwargs)


class GlobalMaxPooling2D(BaseGlobalPooling):
    """Max over height and width: ``(batch, height, width, channels)`` ->
    ``(batch, channels)``; ``keepdims=True`` gives ``(batch, 1, 1, channels)``.

    Example:
        >>> import nnlab
        >>> GlobalMaxPooling2D()(nnlab.Input((7, 7, 512))).shape
        (None, 512)
    """

    def __init__(self, data_format: Optional[str] = None, keepdims: bool = False, **kwargs: Any):
        super().__init__(2, "max", data_format, keepdims, **kwargs)


class GlobalMaxPooling3D(BaseGlobalPooling):
    """Max over depth, height and width -> ``(batch, channels)``.

    Example:
        >>> import nnlab
        >>> GlobalMaxPooling3D(keepdims=True)(nnlab.Input((4, 4, 4, 3))).shape
        (None, 1, 1, 1, 3)
    """

    def __init__(self, data_format: Optional[str] = None, keepdims: bool = False, **kwargs: Any):
        super().__init__(3, "max", data_format, keepdims, **kwargs)


class GlobalAveragePooling1D(_MaskedGlobalPooling1D):
    """Mean over steps: ``(batch, steps, channels)`` -> ``(batch, channels)``.

    With a mask the mean is over the kept steps only (as Keras:
    ``sum(x * mask) / sum(mask)``).

    Example:
        >>> import nnlab
        >>> GlobalAveragePooling1D()(nnlab.Input((10, 4))).shape
        (None, 4)
    """

    def __init__(self, data_format: Optional[str] = None, keepdims: bool = False, **kwargs: Any):
        super().__init__(1, "average", data_format, keepdims, **kwargs)


class GlobalAveragePooling2D(BaseGlobalPooling):
    """Mean over height and width (the classifier head of ResNet, GoogLeNet, NiN):
    ``(batch, height, width, channels)`` -> ``(batch, channels)``.

    Example:
        >>> import nnlab
        >>> GlobalAveragePooling2D()(nnlab.Input((7, 7, 2048))).shape
        (None, 2048)
    """

    def __init__(self, data_format: Optional[str] = None, keepdims: bool = False, **kwargs: Any):
        super().__init__(2, "average", data_format, keepdims, **kwargs)


class GlobalAveragePooling3D(BaseGlobalPooling):
    """Mean over depth, height and width -> ``(batch, channels)``.

    Example:
        >>> import nnlab
        >>> GlobalAveragePooling3D()(nnlab.Input((4, 4, 4, 3))).shape
        (None, 3)
    """

    def __init__(self, data_format: Optional[str] = None, keepdims: bool = False, **kwargs: Any):
        super().__init__(3, "average", data_format, keepdims, **kwargs)
