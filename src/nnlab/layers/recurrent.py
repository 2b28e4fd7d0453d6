"""Recurrent layers: SimpleRNN, LSTM and GRU (Keras 3 names, defaults and parameter counts).

Each runs torch's fused kernel (``torch.rnn_tanh``/``rnn_relu``, ``torch.lstm``,
``torch.gru``) on weights it owns; the shared logic (states, dropout, ``go_backwards``,
``stateful``, ``initial_state``) lives in :mod:`nnlab.layers.rnn_base`. The wrappers
``Bidirectional`` and ``TimeDistributed`` are in :mod:`nnlab.layers.wrappers`.
"""
from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from .rnn_base import RNNBase, resolve_activation
from .base import keras_layout


class SimpleRNN(RNNBase):
    """Fully connected recurrent layer (Elman network):
    ``h_t = activation(W x_t + U h_{t-1} + b)``; the output at each step is ``h_t``.

    Args:
        units: size of the state ``h``.
        activation: ``'tanh'`` (default) or ``'relu'`` (the fused kernels' choices).
        use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
        kernel_regularizer, recurrent_regularizer, bias_regularizer: as in Keras.
        dropout: input dropout rate (one mask per sequence, shared over time).
        recurrent_dropout: dropout rate on ``h_{t-1}`` in the recurrent matmul (Keras 3:
            one mask per gate, fixed over a batch's time steps; training only). Runs a
            Python loop over time steps, several times slower (warned once).
        return_sequences: return every step's output, not only the last.
        return_state: also return the final state (a list ``[output, h]``).
        go_backwards: read the sequence backwards (outputs come in reversed order).
        stateful: start each call from the previous call's final state (truncated
            backpropagation through time); ``reset_states()`` forgets it.
        unroll: accepted for Keras compatibility (a speed hint; the fused kernel needs none).

    Call arguments: ``inputs``, ``training``, ``initial_state`` (a ``(batch, units)``
    tensor or a list holding one), ``mask`` (``(batch, timesteps)`` booleans; default:
    the mask the input carries, e.g. from ``Embedding(mask_zero=True)``). A masked step
    leaves the state unchanged and outputs the previous output (Keras 3's rule).
    Right-/left-padded masks run the fused kernel on packed sequences
    (``pack_padded_sequence``); masks with holes run a masked loop over time steps
    (:mod:`nnlab.layers.rnn_masking`).

    Input shape: ``(batch, timesteps, features)``.
    Output shape: ``(batch, timesteps, units)`` if ``return_sequences`` else
    ``(batch, units)``; with ``return_state`` a list ``[output, (batch, units)]``.

    Weights: ``kernel`` ``(units, features)``, ``recurrent_kernel`` ``(units, units)``,
    ``bias`` ``(units,)``: ``units * (features + units) + units`` parameters (as Keras).

    Raises:
        ValueError: for an activation other than tanh/relu; ShapeError for a wrong input.

    Example:
        >>> import nnlab
        >>> from nnlab.layers import SimpleRNN
        >>> SimpleRNN(8)(nnlab.Input((None, 3))).shape
        (None, 8)
    """

    _gates = 1
    _num_states = 1

    def keras_weight_rule(self, name: str):
        """Keras' layout of weight ``name`` (see :mod:`nnlab.layers.base.keras_layout`)."""
        return keras_layout.TRANSPOSE if name in ("kernel", "recurrent_kernel") else None

    def __init__(self, units: int, activation: Any = "tanh", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 unroll: bool = False, **kwargs: Any):
        name = resolve_activation("SimpleRNN", "activation", activation, ("tanh", "relu"))
        super().__init__(units, use_bias, kernel_initializer, recurrent_initializer,
                         bias_initializer, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, dropout, recurrent_dropout, return_sequences,
                         return_state, go_backwards, stateful, unroll, **kwargs)
        self._activation = name

    def _direction_params(self):
        return self._one_bias_params()

    def _kernel(self, x, hx, params, bidirectional, training, batch_sizes=None):
        fn = torch.rnn_tanh if self._activation == "tanh" else torch.rnn_relu
        h0 = torch.cat(hx) if bidirectional else hx[0]
        if batch_sizes is not None:
            out, h = fn(x, batch_sizes, h0, params, self.use_bias, 1, 0.0, training,
                        bidirectional)
        else:
            out, h = fn(x, h0, params, self.use_bias, 1, 0.0, training, bidirectional, True)
        return out, [h]

    def _step(self, x_t, states, rec_masks):
        h = states[0] if rec_masks is None else states[0] * rec_masks[0]
        fn = torch.rnn_tanh_cell if self._activation == "tanh" else torch.rnn_relu_cell
        return [fn(x_t, h, self.kernel, self.recurrent_kernel, self.bias, None)]


class LSTM(RNNBase):
    """Long short-term memory (Hochreiter & Schmidhuber 1997), Keras' formulation::

        i = sigmoid(W_i x_t + U_i h_{t-1} + b_i)      input gate
        f = sigmoid(W_f x_t + U_f h_{t-1} + b_f)      forget gate
        g = tanh(W_c x_t + U_c h_{t-1} + b_c)         candidate cell
        o = sigmoid(W_o x_t + U_o h_{t-1} + b_o)      output gate
        c_t = f * c_{t-1} + i * g;   h_t = o * tanh(c_t)

    Args:
        units: size of ``h`` and ``c``.
        activation / recurrent_activation: must be ``'tanh'`` / ``'sigmoid'`` (fused kernel).
        unit_forget_bias: initialise the forget-gate bias to 1 (Jozefowicz et al. 2015).
        Others: as :class:`SimpleRNN`.

    Call arguments: ``inputs``, ``training``, ``initial_state=[h, c]`` (each
    ``(batch, units)``), e.g. a decoder started from an encoder's states; ``mask`` as
    :class:`SimpleRNN` (packed fused kernel for padded batches, masked loop for holes).

    Input shape: ``(batch, timesteps, features)``.
    Output shape: ``(batch, timesteps, units)`` or ``(batch, units)``; with ``return_state``
    a list ``[output, h, c]``.

    Weights (torch's layout, gate order i, f, c, o as in Keras):
    ``kernel`` ``(4 * units, features)``, ``recurrent_kernel`` ``(4 * units, units)``,
    ``bias`` ``(4 * units,)``: ``4 * (units * (features + units) + units)`` parameters.

    Example:
        >>> import nnlab
        >>> from nnlab.layers import LSTM
        >>> LSTM(8, return_sequences=True)(nnlab.Input((10, 3))).shape
        (None, 10, 8)
    """

    _gates = 4
    _num_states = 2

    def keras_weight_rule(self, name: str):
        """Keras' layout of weight ``name`` (see :mod:`nnlab.layers.base.keras_layout`)."""
        return keras_layout.TRANSPOSE if name in ("kernel", "recurrent_kernel") else None

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 unit_forget_bias: bool = True, kernel_regularizer: Any = None,
                 recurrent_regularizer: Any = None, bias_regularizer: Any = None,
                 dropout: float = 0.0, recurrent_dropout: float = 0.0,
                 return_sequences: bool = False, return_state: bool = False,
                 go_backwards: bool = False, stateful: bool = False, unroll: bool = False,
                 **kwargs: Any):
        resolve_activation("LSTM", "activation", activation, ("tanh",))
        resolve_activation("LSTM", "recurrent_activation", recurrent_activation, ("sigmoid",))
        super().__init__(units, use_bias, kernel_initializer, recurrent_initializer,
                         bias_initializer, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, dropout, recurrent_dropout, return_sequences,
                         return_state, go_backwards, stateful, unroll, **kwargs)
        self.unit_forget_bias = bool(unit_forget_bias)

    def build(self, input_shape):
        super().build(input_shape)
        if self.use_bias and self.unit_forget_bias and self.bias.device.type != "meta":
            with torch.no_grad():
                self.bias[self.units:2 * self.units] = 1.0

    def _direction_params(self):
        return self._one_bias_params()

    def _kernel(self, x, hx, params, bidirectional, training, batch_sizes=None):
        h0, c0 = (torch.cat(hx[0::2]), torch.cat(hx[1::2])) if bidirectional else hx
        if batch_sizes is not None:
            out, h, c = torch.lstm(x, batch_sizes, (h0, c0), params, self.use_bias, 1, 0.0,
                                   training, bidirectional)
        else:
            out, h, c = torch.lstm(x, (h0, c0), params, self.use_bias, 1, 0.0, training,
                                   bidirectional, True)
        return out, [h, c]

    def _step(self, x_t, states, rec_masks):
        h, c = states
        if rec_masks is None:
            h, c = torch.lstm_cell(x_t, (h, c), self.kernel, self.recurrent_kernel, self.bias,
                                   None)
            return [h, c]
        # Written out: torch.lstm_cell feeds one h to all four gates, Keras 3 drops
        # h_{t-1} with a separate recurrent-dropout mask per gate.
        units = self.units
        w_hh = self.recurrent_kernel.view(4, units, units).transpose(1, 2)
        rec = torch.bmm(h.unsqueeze(0) * rec_masks, w_hh)  # 4 x N x units
        gates = F.linear(x_t, self.kernel, self.bias) + rec.permute(1, 0, 2).flatten(1)
        i, f, g, o = gates.chunk(4, 1)
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return [torch.sigmoid(o) * torch.tanh(c), c]


class GRU(RNNBase):
    """Gated recurrent unit (Cho et al. 2014). Keras 3's default ``reset_after=True`` form
    (the one cuDNN and torch's fused kernel compute)::

        z = sigmoid(W_z x_t + b_z + U_z h_{t-1} + c_z)          update gate
        r = sigmoid(W_r x_t + b_r + U_r h_{t-1} + c_r)          reset gate
        n = tanh(W_n x_t + b_n + r * (U_n h_{t-1} + c_n))       candidate
        h_t = z * h_{t-1} + (1 - z) * n

    and with ``reset_after=False`` the original form (Keras 2's default, the lectures'
    GRU), where the reset gate scales the state before the matmul and there is one bias::

        n = tanh(W_n x_t + b_n + U_n (r * h_{t-1}))

    No fused kernel computes that form: it runs a Python loop over time steps
    (:mod:`nnlab.layers.rnn_masking`), several times slower than ``reset_after=True``.

    Args:
        units: size of ``h``.
        activation / recurrent_activation: must be ``'tanh'`` / ``'sigmoid'``.
        reset_after: True (default, fused) or False (see above).
        Others: as :class:`SimpleRNN`.

    Input shape: ``(batch, timesteps, features)``.
    Output shape: ``(batch, timesteps, units)`` or ``(batch, units)``; with ``return_state``
    a list ``[output, h]``.

    Weights (torch's layout and gate order r, z, n; Keras orders z, r, h):
    ``kernel`` ``(3 * units, features)``, ``recurrent_kernel`` ``(3 * units, units)``,
    ``bias`` ``(2, 3 * units)`` (input bias ``b``, recurrent bias ``c``):
    ``3 * (units * (features + units) + 2 * units)`` parameters (as Keras); with
    ``reset_after=False`` ``bias`` is ``(3 * units,)``.

    Example:
        >>> import nnlab
        >>> from nnlab.layers import GRU
        >>> GRU(8, return_state=True)(nnlab.Input((10, 3)))[1].shape
        (None, 8)
    """

    _gates = 3
    _num_states = 1

    def keras_weight_rule(self, name: str):
        """Keras' layout of weight ``name`` (see :mod:`nnlab.layers.base.keras_layout`)."""
        if name in ("kernel", "recurrent_kernel"):
            return keras_layout.GRU_KERNEL
        return keras_layout.GRU_BIAS if name == "bias" else None

    def __init__(self, units: int, activation: Any = "tanh",
                 recurrent_activation: Any = "sigmoid", use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 unroll: bool = False, reset_after: bool = True, **kwargs: Any):
        resolve_activation("GRU", "activation", activation, ("tanh",))
        resolve_activation("GRU", "recurrent_activation", recurrent_activation, ("sigmoid",))
        super().__init__(units, use_bias, kernel_initializer, recurrent_initializer,
                         bias_initializer, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, dropout, recurrent_dropout, return_sequences,
                         return_state, go_backwards, stateful, unroll, **kwargs)
        self.reset_after = bool(reset_after)

    def _bias_shape(self):
        return (2, 3 * self.units) if self.reset_after else (3 * self.units,)

    def _needs_loop(self, training):
        return super()._needs_loop(training) or not self.reset_after

    def _direction_params(self):
        if self.bias is None:
            return [self.kernel, self.recurrent_kernel]
        return [self.kernel, self.recurrent_kernel, self.bias[0], self.bias[1]]

    def _kernel(self, x, hx, params, bidirectional, training, batch_sizes=None):
        h0 = torch.cat(hx) if bidirectional else hx[0]
        if batch_sizes is not None:
            out, h = torch.gru(x, batch_sizes, h0, params, self.use_bias, 1, 0.0, training,
                               bidirectional)
        else:
            out, h = torch.gru(x, h0, params, self.use_bias, 1, 0.0, training, bidirectional,
                               True)
        return out, [h]

    def _step(self, x_t, states, rec_masks):
        h = states[0]
        bias = self.bias
        if rec_masks is None and self.reset_after:
            return [torch.gru_cell(x_t, h, self.kernel, self.recurrent_kernel,
                                   None if bias is None else bias[0],
                                   None if bias is None else bias[1])]
        # Written out: torch.gru_cell computes neither reset_after=False nor Keras'
        # per-gate recurrent dropout. Gate order r, z, n (torch's).
        units = self.units
        b_in = None if bias is None else (bias[0] if self.reset_after else bias)
        x_r, x_z, x_n = F.linear(x_t, self.kernel, b_in).chunk(3, 1)
        hd = h.expand(3, *h.shape) if rec_masks is None else h.unsqueeze(0) * rec_masks
        w_hh = self.recurrent_kernel.view(3, units, units).transpose(1, 2)
        rec_r, rec_z = torch.bmm(hd[:2], w_hh[:2]).unbind(0)
        if self.reset_after and bias is not None:
            c_r, c_z, c_n = bias[1].chunk(3)
            rec_r, rec_z = rec_r + c_r, rec_z + c_z
        r = torch.sigmoid(x_r + rec_r)
        z = torch.sigmoid(x_z + rec_z)
        if self.reset_after:
            rec_n = hd[2] @ w_hh[2]
            rec_n = r * (rec_n if bias is None else rec_n + c_n)
        else:
            rec_n = (r * hd[2]) @ w_hh[2]
        n = torch.tanh(x_n + rec_n)
        return [z * h + (1 - z) * n]
