"""Depthwise and separable convolutions (MobileNet, Xception).

- ``DepthwiseConv{1,2}D``: each input channel gets its own ``depth_multiplier`` filters
  (torch's grouped convolution with ``groups = channels``). Parameters:
  ``prod(kernel_size) * channels * depth_multiplier`` (+ the same number of biases).
- ``SeparableConv{1,2}D``: a depthwise convolution followed by a 1x1 (pointwise)
  convolution to ``filters`` channels. Parameters:
  ``prod(kernel_size) * channels * m + channels * m * filters + filters``.

Spatial output lengths follow :mod:`nnlab.layers.convolutional` (valid / same / causal).
Weights in torch's layout: ``depthwise_kernel`` ``(channels * m, 1, *kernel_size)`` (output
channel ``c * m + j`` is filter ``j`` of input channel ``c``, as in Keras),
``pointwise_kernel`` ``(filters, channels * m, 1[, 1])``. Initialisers see Keras' fan-in
and fan-out (``prod(kernel_size) * channels`` and ``prod(kernel_size) * m``).
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import torch
import torch.nn.functional as F

from .. import activations
from .. import initializers as _initializers
from .conv_utils import (SpatialLayer, check_output_lengths, kernel_memory_format,
                         explain_kernel_error, normalize_padding, normalize_tuple, spatial_of,
                         to_user_layout, with_spatial)
from .convolutional import positive_int
from .base import keras_layout

__all__ = ["BaseDepthwiseConv", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D",
           "SeparableConv2D"]

IntOrTuple = Union[int, Sequence[int]]
_CONV = {1: F.conv1d, 2: F.conv2d}


class BaseDepthwiseConv(SpatialLayer):
    """Depthwise convolution, optionally followed by a pointwise one (``filters`` given)."""

    _normalized_config = ("kernel_size", "strides", "dilation_rate", "padding")

    def keras_weight_rule(self, name: str):
        """Keras' layout of weight ``name`` (see :mod:`nnlab.layers.base.keras_layout`)."""
        if name == "depthwise_kernel":
            return keras_layout.depthwise_rule(self.depth_multiplier)
        return keras_layout.REVERSE_CONV if name == "pointwise_kernel" else None

    def __init__(self, rank: int, filters: Optional[int], kernel_size: IntOrTuple,
                 strides: IntOrTuple = 1, padding: str = "valid", depth_multiplier: int = 1,
                 data_format: Optional[str] = None, dilation_rate: IntOrTuple = 1,
                 activation: Any = None, use_bias: bool = True,
                 depthwise_initializer: Any = "glorot_uniform",
                 pointwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, pointwise_regularizer: Any = None,
                 bias_regularizer: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self._set_format(rank, data_format)
        self.filters = None if filters is None else positive_int(filters, "filters", owner)
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size", owner)
        self.strides = normalize_tuple(strides, rank, "strides", owner)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate", owner)
        self.padding = normalize_padding(padding, ("valid", "same"), owner)
        self.depth_multiplier = positive_int(depth_multiplier, "depth_multiplier", owner)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self._inits = (depthwise_initializer, pointwise_initializer, bias_initializer)
        self._regs = (depthwise_regularizer, pointwise_regularizer, bias_regularizer)

    def _out_channels(self, channels):
        if self.filters is not None:
            return self.filters
        return None if channels is None else channels * self.depth_multiplier

    def compute_output_shape(self, input_shape):
        spatial = check_output_lengths(self, input_shape, spatial_of(input_shape,
                                       self.data_format), self.kernel_size, self.strides,
                                       self.dilation_rate, self.padding)
        return with_spatial(input_shape[0], self._out_channels(input_shape[self.channel_axis]),
                            spatial, self.data_format)

    def build(self, input_shape):
        channels = self._known_channels(input_shape)
        self.compute_output_shape(input_shape)
        m = self.depth_multiplier
        kernel = self.add_weight("depthwise_kernel", (channels * m, 1) + self.kernel_size,
                                 "zeros", self._regs[0])
        # Fill in Keras' layout (m, C, *k) so fan_in/fan_out are Keras' numbers.
        keras_like = torch.empty((m, channels) + self.kernel_size)
        _initializers.fill(keras_like, _initializers.get(self._inits[0]))
        with torch.no_grad():
            kernel.copy_(keras_like.transpose(0, 1).reshape(kernel.shape))
        kernel_memory_format(self, "depthwise_kernel", self.rank, self.data_format)
        if self.filters is not None:
            self.add_weight("pointwise_kernel", (self.filters, channels * m) + (1,) * self.rank,
                            self._inits[1], self._regs[1])
            kernel_memory_format(self, "pointwise_kernel", self.rank, self.data_format)
        if self.use_bias:
            self.add_weight("bias", (self._out_channels(channels),), self._inits[2],
                            self._regs[2])
        else:
            self.bias = None
        self.input_spec = self._channels_spec(channels)

    def call(self, inputs):
        x, pad = self._padded_channels_first(inputs)
        conv = _CONV[self.rank]
        depthwise_bias = self.bias if self.filters is None else None
        try:
            y = conv(x, self.depthwise_kernel, depthwise_bias, self.strides, pad,
                     self.dilation_rate, x.shape[1])
        except RuntimeError as err:  # e.g. an input too small for the kernel
            explain_kernel_error(self, inputs, err)
        if self.filters is not None:
            y = conv(y, self.pointwise_kernel, self.bias)
        return self.activation(to_user_layout(y, self.data_format))


class DepthwiseConv1D(BaseDepthwiseConv):
    """1D depthwise convolution; arguments as :class:`DepthwiseConv2D`.

    Input shape: ``(batch, steps, channels)``; output
    ``(batch, new_steps, channels * depth_multiplier)``.

    Example:
        >>> import nnlab
        >>> DepthwiseConv1D(3, depth_multiplier=2)(nnlab.Input((10, 4))).shape
        (None, 8, 8)
    """

    def __init__(self, kernel_size: IntOrTuple, strides: IntOrTuple = 1, padding: str = "valid",
                 depth_multiplier: int = 1, data_format: Optional[str] = None,
                 dilation_rate: IntOrTuple = 1, activation: Any = None, use_bias: bool = True,
                 depthwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, bias_regularizer: Any = None, **kwargs: Any):
        super().__init__(1, None, kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer, None,
                         bias_initializer, depthwise_regularizer, None, bias_regularizer,
                         **kwargs)


class DepthwiseConv2D(BaseDepthwiseConv):
    """2D depthwise convolution: every input channel is convolved with its own
    ``depth_multiplier`` filters; channels never mix (MobileNet's first half of a block).

    Args:
        kernel_size, strides, padding, data_format, dilation_rate, activation, use_bias:
            as in :class:`~nnlab.layers.Conv2D`.
        depth_multiplier: filters per input channel.
        depthwise_initializer / bias_initializer, depthwise_regularizer / bias_regularizer.

    Input shape: ``(batch, height, width, channels)`` (channels_last).
    Output shape: ``(batch, new_height, new_width, channels * depth_multiplier)``.
    Parameters: ``kh * kw * channels * depth_multiplier (+ channels * depth_multiplier)``.

    Raises:
        ShapeError: input not of rank 4, unknown channels, or an empty output.

    Example:
        >>> import nnlab
        >>> layer = DepthwiseConv2D(3, padding="same")
        >>> layer(nnlab.Input((32, 32, 16))).shape, layer.count_params()
        ((None, 32, 32, 16), 160)
    """

    def __init__(self, kernel_size: IntOrTuple, strides: IntOrTuple = (1, 1),
                 padding: str = "valid", depth_multiplier: int = 1,
                 data_format: Optional[str] = None, dilation_rate: IntOrTuple = (1, 1),
                 activation: Any = None, use_bias: bool = True,
                 depthwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, bias_regularizer: Any = None, **kwargs: Any):
        super().__init__(2, None, kernel_size, strides, padding, depth_multiplier, data_format,
                         dilation_rate, activation, use_bias, depthwise_initializer, None,
                         bias_initializer, depthwise_regularizer, None, bias_regularizer,
                         **kwargs)


class SeparableConv1D(BaseDepthwiseConv):
    """1D separable convolution; arguments as :class:`SeparableConv2D`.

    Input shape: ``(batch, steps, channels)``; output ``(batch, new_steps, filters)``.

    Example:
        >>> import nnlab
        >>> SeparableConv1D(8, 3, padding="same")(nnlab.Input((10, 4))).shape
        (None, 10, 8)
    """

    def __init__(self, filters: int, kernel_size: IntOrTuple, strides: IntOrTuple = 1,
                 padding: str = "valid", data_format: Optional[str] = None,
                 dilation_rate: IntOrTuple = 1, depth_multiplier: int = 1,
                 activation: Any = None, use_bias: bool = True,
                 depthwise_initializer: Any = "glorot_uniform",
                 pointwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, pointwise_regularizer: Any = None,
                 bias_regularizer: Any = None, **kwargs: Any):
        super().__init__(1, filters, kernel_size, strides, padding, depth_multiplier,
                         data_format, dilation_rate, activation, use_bias,
                         depthwise_initializer, pointwise_initializer, bias_initializer,
                         depthwise_regularizer, pointwise_regularizer, bias_regularizer,
                         **kwargs)


class SeparableConv2D(BaseDepthwiseConv):
    """2D depthwise-separable convolution: a :class:`DepthwiseConv2D` then a 1x1
    convolution to ``filters`` channels (Xception, MobileNet): far fewer parameters than
    a :class:`~nnlab.layers.Conv2D` of the same kernel size.

    Args:
        filters: output channels of the pointwise convolution.
        kernel_size, strides, padding, data_format, dilation_rate: of the depthwise step.
        depth_multiplier: depthwise filters per input channel.
        activation, use_bias: applied after the pointwise step.
        depthwise_/pointwise_/bias_ initializer and regularizer.

    Input shape: ``(batch, height, width, channels)`` (channels_last).
    Output shape: ``(batch, new_height, new_width, filters)``.
    Parameters: ``kh*kw*channels*m + channels*m*filters + filters``.

    Raises:
        ShapeError: input not of rank 4, unknown channels, or an empty output.

    Example:
        >>> import nnlab
        >>> layer = SeparableConv2D(64, 3, padding="same")
        >>> layer(nnlab.Input((32, 32, 16))).shape, layer.count_params()
        ((None, 32, 32, 64), 1232)
    """

    def __init__(self, filters: int, kernel_size: IntOrTuple, strides: IntOrTuple = (1, 1),
                 padding: str = "valid", data_format: Optional[str] = None,
                 dilation_rate: IntOrTuple = (1, 1), depth_multiplier: int = 1,
                 activation: Any = None, use_bias: bool = True,
                 depthwise_initializer: Any = "glorot_uniform",
                 pointwise_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 depthwise_regularizer: Any = None, pointwise_regularizer: Any = None,
                 bias_regularizer: Any = None, **kwargs: Any):
        super().__init__(2, filters, kernel_size, strides, padding, depth_multiplier,
                         data_format, dilation_rate, activation, use_bias,
                         depthwise_initializer, pointwise_initializer, bias_initializer,
                         depthwise_regularizer, pointwise_regularizer, bias_regularizer,
                         **kwargs)
