"""Transposed convolutions (``Conv1DTranspose``, ``Conv2DTranspose``, ``Conv3DTranspose``):
the gradient of a convolution with respect to its input, used to upsample in decoders,
GAN generators and segmentation nets. Run by torch's ``F.conv_transpose{1,2,3}d``.

Output length per spatial axis (Keras' rule; ``F' = (F - 1) * D + 1``)::

    valid:  N * S + max(F' - S, 0)
    same:   N * S
    with output_padding p:  (N - 1) * S + F' - 2 * pad + p,
                            pad = F' // 2 (same) or 0 (valid)

Torch crops symmetrically only, so the layer runs torch without padding (the full
``(N - 1) * S + F'`` output) and crops each axis as Keras does (the odd element at the
end), zero-extending where ``output_padding`` asks for more.
"""
from __future__ import annotations

from typing import Any, List, Optional, Sequence, Tuple, Union

import torch.nn.functional as F

from .. import activations
from ..errors import ShapeError
from .base.layer import format_shape
from .conv_utils import (SpatialLayer, kernel_memory_format, normalize_padding, normalize_tuple, spatial_of,
                         spatial_names, to_channels_first, to_user_layout, with_spatial)
from .convolutional import positive_int
from .base import keras_layout

__all__ = ["BaseConvTranspose", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
           "deconv_output_length"]

IntOrTuple = Union[int, Sequence[int]]
_CONV_T = {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}


def _crops(k: int, s: int, d: int, padding: str, output_padding: Optional[int]
           ) -> Tuple[int, int]:
    """``(left, right)`` crop of the full ``(N - 1) * S + F'`` output (negative: zero-extend).

    The same numbers as Keras' torch and JAX backends (TensorFlow's semantics).
    """
    eff = (k - 1) * d + 1
    if padding == "valid":
        op = max(eff, s) - eff if output_padding is None else output_padding
        left, right = eff - 1, eff - 1 + op
    else:
        pad_len = s + eff - 2 if output_padding is None else eff + eff % 2 - 2 + output_padding
        left = min(pad_len // 2 + pad_len % 2, eff - 1)
        right = pad_len - left
    return eff - 1 - left, eff - 1 - right


def deconv_output_length(n: Optional[int], k: int, s: int, d: int, padding: str,
                         output_padding: Optional[int] = None) -> Optional[int]:
    """Output length of a transposed convolution along one axis (Keras' rule, see above)."""
    if n is None:
        return None
    left, right = _crops(k, s, d, padding, output_padding)
    return (n - 1) * s + (k - 1) * d + 1 - left - right


class BaseConvTranspose(SpatialLayer):
    """N-D transposed convolution; see :class:`Conv2DTranspose` for the arguments.

    Weights (torch's layout): ``kernel`` ``(in_channels, filters, *kernel_size)``,
    ``bias`` ``(filters,)``.
    """

    _normalized_config = ("kernel_size", "strides", "dilation_rate", "padding",
                          "output_padding")

    def keras_weight_rule(self, name: str):
        """Keras' layout of weight ``name`` (see :mod:`nnlab.layers.base.keras_layout`)."""
        return keras_layout.REVERSE_CONV if name == "kernel" else None

    def __init__(self, rank: int, filters: int, kernel_size: IntOrTuple, strides: IntOrTuple = 1,
                 padding: str = "valid", output_padding: Optional[IntOrTuple] = None,
                 data_format: Optional[str] = None, dilation_rate: IntOrTuple = 1,
                 activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        owner = type(self).__name__
        self._set_format(rank, data_format)
        self.filters = positive_int(filters, "filters", owner)
        self.kernel_size = normalize_tuple(kernel_size, rank, "kernel_size", owner)
        self.strides = normalize_tuple(strides, rank, "strides", owner)
        self.dilation_rate = normalize_tuple(dilation_rate, rank, "dilation_rate", owner)
        self.padding = normalize_padding(padding, ("valid", "same"), owner)
        self.output_padding = None if output_padding is None else normalize_tuple(
            output_padding, rank, "output_padding", owner, allow_zero=True)
        if self.output_padding is not None:
            for i, (p, s) in enumerate(zip(self.output_padding, self.strides)):
                if p >= s:
                    raise ValueError(
                        f"{owner}: output_padding must be strictly less than strides on every "
                        f"axis; on axis {i} output_padding is {p} but strides is {s}")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self._inits = (kernel_initializer, bias_initializer)
        self._regs = (kernel_regularizer, bias_regularizer)
        ops = self.output_padding or (None,) * rank
        self._axis_crops: List[Tuple[int, int]] = [
            _crops(k, s, d, self.padding, p)
            for k, s, d, p in zip(self.kernel_size, self.strides, self.dilation_rate, ops)]
        self._plan = self._torch_plan()
        # Only 'same' with an even kernel and output_padding=0 can give an empty output
        # (for an input of length 1); only then does call() check the length.
        self._may_be_empty = any(
            (k - 1) * d + 1 - left - right < 1
            for k, d, (left, right) in zip(self.kernel_size, self.dilation_rate,
                                           self._axis_crops))

    def _output_lengths(self, input_shape) -> tuple:
        out = []
        for i, n in enumerate(spatial_of(input_shape, self.data_format)):
            if n is None:
                out.append(None)
                continue
            k, s, d = self.kernel_size[i], self.strides[i], self.dilation_rate[i]
            left, right = self._axis_crops[i]
            length = (n - 1) * s + (k - 1) * d + 1 - left - right
            if length < 1:
                raise ShapeError(
                    f"Layer {self.name!r} ({type(self).__name__}): output "
                    f"{spatial_names(self.rank)[i]} would be (N - 1)*S + F - crop = "
                    f"({n} - 1)*{s} + {(k - 1) * d + 1} - {left + right} = {length} for input "
                    f"{format_shape(tuple(input_shape))} with padding={self.padding!r} and "
                    f"output_padding={self.output_padding}. Use padding='valid' or a larger "
                    f"output_padding.")
            out.append(length)
        return tuple(out)

    def compute_output_shape(self, input_shape):
        return with_spatial(input_shape[0], self.filters, self._output_lengths(input_shape),
                            self.data_format)

    def build(self, input_shape):
        channels = self._known_channels(input_shape)
        self.compute_output_shape(input_shape)
        self.add_weight("kernel", (channels, self.filters) + self.kernel_size,
                        self._inits[0], self._regs[0])
        kernel_memory_format(self, "kernel", self.rank, self.data_format)
        if self.use_bias:
            self.add_weight("bias", (self.filters,), self._inits[1], self._regs[1])
        else:
            self.bias = None
        self.input_spec = self._channels_spec(channels)

    def _torch_plan(self):
        """Torch's symmetric ``padding`` and end-side ``output_padding`` per axis, and what
        remains: a crop ``(left, right)`` (a view) and a zero extension at the end."""
        padding, out_pad, crops, extend = [], [], [], []
        for (left, right), s, d in zip(self._axis_crops, self.strides, self.dilation_rate):
            sym = max(min(left, right), 0)
            left, right = left - sym, right - sym
            op = -right if 0 < -right < max(s, d) else 0
            right += op
            padding.append(sym)
            out_pad.append(op)
            crops.append((left, max(right, 0)))
            extend.append(max(-right, 0))
        return padding, out_pad, crops, extend

    def call(self, inputs):
        if self._may_be_empty:
            self._output_lengths((None,) + tuple(inputs.shape[1:]))
        x = to_channels_first(inputs, self.data_format)  # N x C x *spatial (a view)
        padding, out_pad, crops, extend = self._plan
        zero_extend = any(extend)
        y = _CONV_T[self.rank](x, self.kernel, None if zero_extend else self.bias,
                               self.strides, padding, out_pad, 1, self.dilation_rate)
        if any(left or right for left, right in crops):
            y = y[(slice(None), slice(None)) + tuple(
                slice(left, n - right) for (left, right), n in zip(crops, y.shape[2:]))]
        if zero_extend:  # only when the crops ask for more than torch's output_padding gives
            pads = []
            for e in reversed(extend):
                pads += [0, e]
            y = F.pad(y, pads)
            if self.bias is not None:
                y = y + self.bias.view((-1,) + (1,) * self.rank)
        return self.activation(to_user_layout(y, self.data_format))


class Conv1DTranspose(BaseConvTranspose):
    """1D transposed convolution; arguments as :class:`Conv2DTranspose` with ints/1-tuples.

    Input shape: ``(batch, steps, channels)``; output ``(batch, new_steps, filters)``.

    Example:
        >>> import nnlab
        >>> Conv1DTranspose(8, 3, strides=2, padding="same")(nnlab.Input((10, 4))).shape
        (None, 20, 8)
    """

    def __init__(self, filters: int, kernel_size: IntOrTuple, strides: IntOrTuple = 1,
                 padding: str = "valid", output_padding: Optional[IntOrTuple] = None,
                 data_format: Optional[str] = None, dilation_rate: IntOrTuple = 1,
                 activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, **kwargs: Any):
        super().__init__(1, filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer, **kwargs)


class Conv2DTranspose(BaseConvTranspose):
    """2D transposed convolution ("deconvolution"): upsamples by ``strides``.

    Args:
        filters: number of output channels.
        kernel_size: an int or ``(kh, kw)``.
        strides: upsampling factor, an int or ``(sh, sw)``.
        padding: ``'valid'`` (output ``N*S + max(F - S, 0)``) or ``'same'`` (output ``N*S``).
        output_padding: extra rows/columns at the end (each strictly less than the stride);
            with it the output is ``(N - 1)*S + F - 2*pad + output_padding``.
        data_format, dilation_rate, activation, use_bias, kernel_initializer,
        bias_initializer, kernel_regularizer, bias_regularizer: as in :class:`Conv2D`.

    Input shape: ``(batch, height, width, channels)`` (channels_last).
    Output shape: ``(batch, new_height, new_width, filters)``.
    Parameters: ``channels * kh * kw * filters + filters``.
    Weights: ``kernel`` ``(channels, filters, kh, kw)`` (torch's layout), ``bias``.

    Raises:
        ShapeError: input not of rank 4, unknown channels, or an empty output.

    Example:
        >>> import nnlab
        >>> Conv2DTranspose(16, 3, strides=2, padding="same")(nnlab.Input((7, 7, 32))).shape
        (None, 14, 14, 16)
    """

    def __init__(self, filters: int, kernel_size: IntOrTuple, strides: IntOrTuple = (1, 1),
                 padding: str = "valid", output_padding: Optional[IntOrTuple] = None,
                 data_format: Optional[str] = None, dilation_rate: IntOrTuple = (1, 1),
                 activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, **kwargs: Any):
        super().__init__(2, filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer, **kwargs)


class Conv3DTranspose(BaseConvTranspose):
    """3D transposed convolution; arguments as :class:`Conv2DTranspose` with 3-tuples.

    Input shape: ``(batch, depth, height, width, channels)``; output
    ``(batch, new_depth, new_height, new_width, filters)``.

    Example:
        >>> import nnlab
        >>> Conv3DTranspose(4, 3, strides=2, padding="same")(nnlab.Input((5, 5, 5, 3))).shape
        (None, 10, 10, 10, 4)
    """

    def __init__(self, filters: int, kernel_size: IntOrTuple, strides: IntOrTuple = (1, 1, 1),
                 padding: str = "valid", data_format: Optional[str] = None,
                 output_padding: Optional[IntOrTuple] = None,
                 dilation_rate: IntOrTuple = (1, 1, 1), activation: Any = None,
                 use_bias: bool = True, kernel_initializer: Any = "glorot_uniform",
                 bias_initializer: Any = "zeros", kernel_regularizer: Any = None,
                 bias_regularizer: Any = None, **kwargs: Any):
        super().__init__(3, filters, kernel_size, strides, padding, output_padding, data_format,
                         dilation_rate, activation, use_bias, kernel_initializer,
                         bias_initializer, kernel_regularizer, bias_regularizer, **kwargs)
