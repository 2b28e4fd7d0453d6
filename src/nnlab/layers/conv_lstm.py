"""``ConvLSTM2D``: an LSTM whose gates are convolutions (Shi et al. 2015), Keras 3's form.

torch has no ConvLSTM kernel: the input convolutions of all time steps run as one
``F.conv2d`` call, then a Python loop over time runs the recurrent convolution
(``F.conv2d``, 'same' padding, stride 1) and the gate arithmetic (hand-written).
"""
from __future__ import annotations

from typing import Any, Optional

import torch
import torch.nn.functional as F

from ..errors import ShapeError
from .base.layer import format_shape
from .conv_utils import (SpatialLayer, apply_padding, normalize_padding, normalize_tuple,
                         output_length, padding_pairs, same_padding)
from .rnn_base import resolve_activation
from .base import keras_layout


class ConvLSTM2D(SpatialLayer):
    """2-D convolutional LSTM (gate order i, f, c, o as Keras)::

        i = sigmoid(W_i * x_t + U_i * h_{t-1} + b_i)      (* is a convolution)
        f = sigmoid(W_f * x_t + U_f * h_{t-1} + b_f)
        c_t = f . c_{t-1} + i . tanh(W_c * x_t + U_c * h_{t-1} + b_c)
        o = sigmoid(W_o * x_t + U_o * h_{t-1} + b_o);   h_t = o . tanh(c_t)

    ``W * x`` uses ``strides``/``padding``/``dilation_rate``; ``U * h`` is always 'same'
    with stride 1.

    Args:
        filters: channels of ``h`` and ``c``.
        kernel_size, strides, padding (``'valid'``/``'same'``), data_format,
        dilation_rate: as :class:`Conv2D`.
        activation / recurrent_activation: must be ``'tanh'`` / ``'sigmoid'``.
        use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
        unit_forget_bias, return_sequences, return_state, go_backwards: as :class:`LSTM`.

    Input shape: ``(batch, time, rows, cols, channels)`` (channels_last) or
    ``(batch, time, channels, rows, cols)``.
    Output shape: ``(batch, [time,] new_rows, new_cols, filters)`` (channels_last); with
    ``return_state`` a list ``[output, h, c]``.

    Weights (torch layout): ``kernel`` ``(4 * filters, channels, kh, kw)``,
    ``recurrent_kernel`` ``(4 * filters, filters, kh, kw)``, ``bias`` ``(4 * filters,)``.

    Example:
        >>> import nnlab
        >>> from nnlab.layers import ConvLSTM2D
        >>> ConvLSTM2D(4, 3)(nnlab.Input((5, 8, 8, 1))).shape
        (None, 6, 6, 4)
    """

    def keras_weight_rule(self, name: str):
        """Keras' layout of weight ``name`` (see :mod:`nnlab.layers.base.keras_layout`)."""
        return keras_layout.REVERSE_CONV if name in ("kernel", "recurrent_kernel") else None

    def __init__(self, filters: int, kernel_size: Any, strides: Any = 1,
                 padding: str = "valid", data_format: Optional[str] = None,
                 dilation_rate: Any = 1, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        owner = "ConvLSTM2D"
        if not isinstance(filters, int) or isinstance(filters, bool) or filters < 1:
            raise ValueError(f"{owner}: filters must be a positive int, got {filters!r}")
        resolve_activation(owner, "activation", activation, ("tanh",))
        resolve_activation(owner, "recurrent_activation", recurrent_activation, ("sigmoid",))
        self._set_format(2, data_format)
        self.filters = filters
        self.kernel_size = normalize_tuple(kernel_size, 2, "kernel_size", owner)
        self.strides = normalize_tuple(strides, 2, "strides", owner)
        self.dilation_rate = normalize_tuple(dilation_rate, 2, "dilation_rate", owner)
        self.padding = normalize_padding(padding, ("valid", "same"), owner)
        self.use_bias = bool(use_bias)
        self.unit_forget_bias = bool(unit_forget_bias)
        self._inits = (kernel_initializer, recurrent_initializer, bias_initializer)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)

    def input_spec_before_build(self):
        return {"ndim": 5, "layout": "(batch, time, rows, cols, channels)"
                if self.data_format == "channels_last" else "(batch, time, channels, rows, cols)"}

    def build(self, input_shape):
        channels = input_shape[-1 if self.data_format == "channels_last" else 2]
        if channels is None:
            raise ShapeError(f"Layer {self.name!r} (ConvLSTM2D) needs a known channels axis, "
                             f"got input shape {format_shape(input_shape)}")
        kh, kw = self.kernel_size
        self.add_weight("kernel", (4 * self.filters, channels, kh, kw), self._inits[0])
        self.add_weight("recurrent_kernel", (4 * self.filters, self.filters, kh, kw),
                        self._inits[1])
        if self.use_bias:
            self.add_weight("bias", (4 * self.filters,), self._inits[2])
            if self.unit_forget_bias and self.bias.device.type != "meta":
                with torch.no_grad():
                    self.bias[self.filters:2 * self.filters] = 1.0
        else:
            self.bias = None
        axis = 4 if self.data_format == "channels_last" else 2
        self.input_spec = {"ndim": 5, "axes": {axis: channels}}

    def compute_output_shape(self, input_shape):
        spatial = input_shape[2:4] if self.data_format == "channels_last" else input_shape[3:5]
        rows, cols = (output_length(n, k, s, d, self.padding) for n, k, s, d in
                      zip(spatial, self.kernel_size, self.strides, self.dilation_rate))
        state = (input_shape[0], rows, cols, self.filters) \
            if self.data_format == "channels_last" else (input_shape[0], self.filters, rows, cols)
        out = (state[0], input_shape[1]) + state[1:] if self.return_sequences else state
        return [out, state, state] if self.return_state else out

    def call(self, inputs, initial_state=None):
        batch, steps = inputs.shape[:2]
        x = inputs.flatten(0, 1)
        if self.data_format == "channels_last":
            x = x.permute(0, 3, 1, 2)  # (batch * time) x C x H x W
        pairs = padding_pairs(x.shape[2:], self.kernel_size, self.strides, self.dilation_rate,
                              self.padding)
        x, pad = apply_padding(x, pairs)
        gates_x = F.conv2d(x, self.kernel, self.bias, self.strides, pad, self.dilation_rate)
        gates_x = gates_x.unflatten(0, (batch, steps))  # N x T x 4F x H' x W'
        if self.go_backwards:
            gates_x = gates_x.flip(1)
        shape = (batch, self.filters) + tuple(gates_x.shape[3:])
        if initial_state is not None:
            h, c = (self._to_cf(s) for s in initial_state)
        else:
            h = c = gates_x.new_zeros(shape)
        rec_pad = [same_padding(1, k, 1, 1) for k in self.kernel_size]
        outputs = []
        for t in range(steps):
            hp, p = apply_padding(h, rec_pad)
            z = gates_x[:, t] + F.conv2d(hp, self.recurrent_kernel, None, 1, p)
            i, f, g, o = z.chunk(4, 1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            if self.return_sequences:
                outputs.append(h)
        out = torch.stack(outputs, 1) if self.return_sequences else h
        out, h, c = (self._to_user(v) for v in (out, h, c))
        return [out, h, c] if self.return_state else out

    def _to_cf(self, state):
        return state.permute(0, 3, 1, 2) if self.data_format == "channels_last" else state

    def _to_user(self, y):
        if self.data_format != "channels_last":
            return y
        return y.movedim(-3, -1)
