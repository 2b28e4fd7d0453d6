"""Convolution layers: ``BaseConv(rank=...)`` holds the logic; ``Conv1D``, ``Conv2D`` and
``Conv3D`` are a docstring and one ``super().__init__(rank=N, ...)`` (as in Keras 3).

Each output value is ``activation(sum over the window of kernel * input + bias)``, run by
torch's ``F.conv{1,2,3}d``. Output length per spatial axis (``N`` input length, ``F`` kernel
size, ``D`` dilation, ``S`` stride)::

    valid:   floor((N - F' + 2P) / S) + 1  with P = 0, F' = (F - 1) * D + 1
    same:    ceil(N / S)   (zero padding, the odd element at the end, as Keras/TensorFlow)
    causal:  ceil(N / S)   (Conv1D only: F' - 1 zeros on the left, so output t sees inputs <= t)

Parameters: ``filters * (in_channels / groups) * prod(kernel_size) + filters`` (bias).
Transposed, depthwise and separable convolutions live in ``conv_transpose.py`` and
``conv_depthwise.py``.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import torch.nn.functional as F

from .. import activations
from ..errors import ShapeError
from .base.layer import format_shape
from .base import keras_layout
from .conv_utils import (SpatialLayer, check_output_lengths, conv_output_length,
                         explain_kernel_error, kernel_memory_format, normalize_tuple,
                         normalize_window_padding, spatial_of, to_user_layout, with_spatial)

__all__ = ["BaseConv", "Conv1D", "Conv2D", "Conv3D", "conv_output_length"]

IntOrTuple = Union[int, Sequence[int]]
_CONV = {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}


def positive_int(value: Any, arg: str, owner: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{owner}: {arg} must be a positive int, got {value!r}")
    return value


class BaseConv(SpatialLayer):
    """N-D convolution (``rank`` 1, 2 or 3); see :class:`Conv2D` for the arguments.

    Weights (torch's layout): ``kernel`` ``(filters, in_channels // groups, *kernel_size)``,
    ``bias`` ``(filters,)``.
    """

    #: set during a ``"mixed"``-format fit on the layers that run in NCHW memory
    _nchw_inputs = False

    _normalized_config = ("kernel_size", "strides", "dilation_rate", "padding")

    def keras_weight_rule(self, name: str):
        """Keras' layout of weight ``name`` (see :mod:`nnlab.layers.base.keras_layout`)."""
        return keras_layout.REVERSE_CONV if name == "kernel" else None

    def __init__(self, rank: int, filters: int, kernel_size: IntOrTuple, strides: IntOrTuple = 1,
                 padding: str = "valid", data_format: Optional[str] = None,
                 dilation_rate: IntOrTuple = 1, groups: int = 1, activation: Any = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        owner = type(self).__name__
        if rank not in (1, 2, 3):
            raise ValueError(f"{owner}: rank must be 1, 2 or 3, got {rank!r}")
        self._set_format(rank, data_format)
        self.filters = positive_int(filters, "filters", owner)
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size", owner)
        self.strides = normalize_tuple(strides, rank, "strides", owner)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate", owner)
        allowed = ("valid", "same", "causal") if rank == 1 else ("valid", "same")
        self.padding = normalize_window_padding(padding, allowed, rank, owner)
        self.groups = positive_int(groups, "groups", owner)
        if self.filters % self.groups:
            raise ValueError(f"{owner}: filters ({self.filters}) must be divisible by groups "
                             f"({self.groups})")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self._inits = (kernel_initializer, bias_initializer)
        self._regs = (kernel_regularizer, bias_regularizer)

    # ------------------------------------------------------------------ shapes
    def _in_channels(self, input_shape) -> int:
        channels = self._known_channels(input_shape)
        if channels % self.groups:
            raise ShapeError(f"Layer {self.name!r} ({type(self).__name__}): the input has "
                             f"{channels} channels, which groups={self.groups} does not divide "
                             f"(input shape {format_shape(input_shape)})")
        return channels

    def compute_output_shape(self, input_shape):
        spatial = check_output_lengths(self, input_shape, spatial_of(input_shape,
                                       self.data_format), self.kernel_size, self.strides,
                                       self.dilation_rate, self.padding)
        return with_spatial(input_shape[0], self.filters, spatial, self.data_format)

    # ------------------------------------------------------------------- build
    def build(self, input_shape):
        channels = self._in_channels(input_shape)
        self.compute_output_shape(input_shape)  # the clear error before any weight exists
        self.add_weight("kernel", (self.filters, channels // self.groups) + self.kernel_size,
                        self._inits[0], self._regs[0])
        kernel_memory_format(self, "kernel", self.rank, self.data_format)
        if self.use_bias:
            self.add_weight("bias", (self.filters,), self._inits[1], self._regs[1])
        else:
            self.bias = None
        self.input_spec = self._channels_spec(channels)

    # -------------------------------------------------------------------- call
    def call(self, inputs):
        x, pad = self._padded_channels_first(inputs)
        if self._nchw_inputs and not x.is_contiguous():
            x = x.contiguous()  # a "mixed" fit's NCHW layer (training/memory_format.py)
        try:
            y = _CONV[self.rank](x, self.kernel, self.bias, self.strides, pad,
                                 self.dilation_rate, self.groups)
        except RuntimeError as err:  # e.g. an input too small for the kernel
            explain_kernel_error(self, inputs, err)
        return self.activation(to_user_layout(y, self.data_format))


class Conv1D(BaseConv):
    """1D convolution over sequences (temporal convolution).

    Args:
        filters: number of output channels.
        kernel_size: window length (int or 1-tuple).
        strides: step between windows.
        padding: ``'valid'`` (no padding), ``'same'`` (output ``ceil(steps/strides)``) or
            ``'causal'`` (left padding only, for autoregressive models such as WaveNet).
        data_format: ``'channels_last'`` ``(batch, steps, channels)`` or
            ``'channels_first'`` ``(batch, channels, steps)``; ``None`` means
            ``nnlab.config.image_data_format()``.
        dilation_rate: spacing between kernel taps.
        groups: split inputs and filters into this many independent groups.
        activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer,
        bias_regularizer: as in :class:`~nnlab.layers.Dense`.

    Input shape: ``(batch, steps, channels)`` (channels_last).
    Output shape: ``(batch, new_steps, filters)``.

    Raises:
        ShapeError: wrong rank, unknown channels, or an empty output
            (``steps`` too small for the kernel).

    Example:
        >>> import nnlab
        >>> x = nnlab.Input((100, 16))
        >>> Conv1D(32, 5, padding="causal")(x).shape
        (None, 100, 32)
    """

    def __init__(self, filters: int, kernel_size: IntOrTuple, strides: IntOrTuple = 1,
                 padding: str = "valid", data_format: Optional[str] = None,
                 dilation_rate: IntOrTuple = 1, groups: int = 1, activation: Any = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, **kwargs: Any):
        super().__init__(1, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, **kwargs)


class Conv2D(BaseConv):
    """2D convolution over images: ``filters`` learned ``kernel_size`` windows slide over
    the height and width axes; each output value is
    ``activation(sum(kernel * window) + bias)``.

    Args:
        filters: number of output channels (feature maps).
        kernel_size: window size, an int or ``(kh, kw)``; ``1`` gives a 1x1 convolution.
        strides: step between windows, an int or ``(sh, sw)``.
        padding: ``'valid'`` (no padding: ``floor((N - F)/S) + 1``) or ``'same'``
            (output ``ceil(N / S)``; odd total padding puts the extra row/column at the end);
            or, as in PyTorch (not in Keras), an int or 2 ints of explicit zero padding on
            both sides of each axis (``floor((N - F + 2P)/S) + 1``), computed inside the
            kernel without a ``ZeroPadding2D`` copy.
        data_format: ``'channels_last'`` ``(batch, height, width, channels)`` or
            ``'channels_first'`` ``(batch, channels, height, width)``; ``None`` means
            ``nnlab.config.image_data_format()``. The resolved value is stored in the config.
        dilation_rate: spacing between kernel taps (atrous convolution).
        groups: split channels into this many groups convolved independently
            (``groups == in_channels`` is a depthwise convolution).
        activation: name or callable (default linear).
        use_bias: add a bias per filter.
        kernel_initializer / bias_initializer: names or initialisers.
        kernel_regularizer / bias_regularizer: e.g. ``'l2'``.

    Input shape: ``(batch, height, width, channels)`` (channels_last).
    Output shape: ``(batch, new_height, new_width, filters)``.
    Parameters: ``filters * kh * kw * channels / groups + filters``.

    Raises:
        ShapeError: input not of rank 4, unknown or indivisible channels, or an output
            height/width that would be < 1 (the message shows the formula with numbers).

    Example:
        >>> import nnlab
        >>> layer = Conv2D(32, (3, 3))
        >>> layer(nnlab.Input((28, 28, 1))).shape, layer.count_params()
        ((None, 26, 26, 32), 320)
    """

    def __init__(self, filters: int, kernel_size: IntOrTuple, strides: IntOrTuple = (1, 1),
                 padding: str = "valid", data_format: Optional[str] = None,
                 dilation_rate: IntOrTuple = (1, 1), groups: int = 1, activation: Any = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, **kwargs: Any):
        super().__init__(2, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, **kwargs)


class Conv3D(BaseConv):
    """3D convolution over volumes or videos; arguments as :class:`Conv2D` with 3-tuples.

    Input shape: ``(batch, depth, height, width, channels)`` (channels_last).
    Output shape: ``(batch, new_depth, new_height, new_width, filters)``.

    Raises:
        ShapeError: input not of rank 5, unknown channels, or an empty output.

    Example:
        >>> import nnlab
        >>> Conv3D(8, 3, padding="same")(nnlab.Input((16, 32, 32, 3))).shape
        (None, 16, 32, 32, 8)
    """

    def __init__(self, filters: int, kernel_size: IntOrTuple, strides: IntOrTuple = (1, 1, 1),
                 padding: str = "valid", data_format: Optional[str] = None,
                 dilation_rate: IntOrTuple = (1, 1, 1), groups: int = 1, activation: Any = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, **kwargs: Any):
        super().__init__(3, filters, kernel_size, strides, padding, data_format, dilation_rate,
                         groups, activation, use_bias, kernel_initializer, bias_initializer,
                         kernel_regularizer, bias_regularizer, **kwargs)
