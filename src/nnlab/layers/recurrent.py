"""Recurrent layers: SimpleRNN, LSTM and GRU (Keras 3 names, defaults and parameter counts).

Each runs torch's fused kernel (``torch.rnn_tanh``/``rnn_relu``, ``torch.lstm``,
``torch.gru``) on weights it owns; the shared logic (states, dropout, ``go_backwards``,
``stateful``, ``initial_state``) lives in :mod:`nnlab.layers.rnn_base`. The wrappers
``Bidirectional`` and ``TimeDistributed`` are in :mod:`nnlab.layers.wrappers`.
"""
from __future__ import annotations

from typing import Any

import torch

from .rnn_base import RNNBase, resolve_activation


class SimpleRNN(RNNBase):
    """Fully connected recurrent layer (Elman network):
    ``h_t = activation(W x_t + U h_{t-1} + b)``; the output at each step is ``h_t``.

    Args:
        units: size of the state ``h``.
        activation: ``'tanh'`` (default) or ``'relu'`` (the fused kernels' choices).
        use_bias, kernel_initializer, recurrent_initializer, bias_initializer,
        kernel_regularizer, recurrent_regularizer, bias_regularizer: as in Keras.
        dropout: input dropout rate (one mask per sequence, shared over time).
        recurrent_dropout: must be 0 (the fused kernel cannot drop the state).
        return_sequences: return every step's output, not only the last.
        return_state: also return the final state (a list ``[output, h]``).
        go_backwards: read the sequence backwards (outputs come in reversed order).
        stateful: start each call from the previous call's final state (truncated
            backpropagation through time); ``reset_states()`` forgets it.
        unroll: accepted for Keras compatibility (a speed hint; the fused kernel needs none).

    Call arguments: ``inputs``, ``training``, ``initial_state`` (a ``(batch, units)``
    tensor or a list holding one).

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

    def _kernel(self, x, hx, params, bidirectional, training):
        fn = torch.rnn_tanh if self._activation == "tanh" else torch.rnn_relu
        out, h = fn(x, torch.cat(hx) if bidirectional else hx[0], params, self.use_bias, 1,
                    0.0, training, bidirectional, True)
        return out, [h]


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
    ``(batch, units)``), e.g. a decoder started from an encoder's states.

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

    def _kernel(self, x, hx, params, bidirectional, training):
        h0, c0 = (torch.cat(hx[0::2]), torch.cat(hx[1::2])) if bidirectional else hx
        out, h, c = torch.lstm(x, (h0, c0), params, self.use_bias, 1, 0.0, training,
                               bidirectional, True)
        return out, [h, c]


class GRU(RNNBase):
    """Gated recurrent unit (Cho et al. 2014), Keras 3's default ``reset_after=True`` form
    (the one cuDNN and torch compute)::

        z = sigmoid(W_z x_t + b_z + U_z h_{t-1} + c_z)          update gate
        r = sigmoid(W_r x_t + b_r + U_r h_{t-1} + c_r)          reset gate
        n = tanh(W_n x_t + b_n + r * (U_n h_{t-1} + c_n))       candidate
        h_t = z * h_{t-1} + (1 - z) * n

    Args:
        units: size of ``h``.
        activation / recurrent_activation: must be ``'tanh'`` / ``'sigmoid'``.
        reset_after: must be True (Keras 3's default; the fused kernel's form).
        Others: as :class:`SimpleRNN`.

    Input shape: ``(batch, timesteps, features)``.
    Output shape: ``(batch, timesteps, units)`` or ``(batch, units)``; with ``return_state``
    a list ``[output, h]``.

    Weights (torch's layout and gate order r, z, n; Keras orders z, r, h):
    ``kernel`` ``(3 * units, features)``, ``recurrent_kernel`` ``(3 * units, units)``,
    ``bias`` ``(2, 3 * units)`` (input bias ``b``, recurrent bias ``c``):
    ``3 * (units * (features + units) + 2 * units)`` parameters (as Keras).

    Example:
        >>> import nnlab
        >>> from nnlab.layers import GRU
        >>> GRU(8, return_state=True)(nnlab.Input((10, 3)))[1].shape
        (None, 8)
    """

    _gates = 3
    _num_states = 1

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
        if not reset_after:
            raise NotImplementedError(
                "GRU: reset_after=False (Keras 2's default) is not supported: torch's fused "
                "GRU kernel computes the reset_after=True form, Keras 3's default.")
        super().__init__(units, use_bias, kernel_initializer, recurrent_initializer,
                         bias_initializer, kernel_regularizer, recurrent_regularizer,
                         bias_regularizer, dropout, recurrent_dropout, return_sequences,
                         return_state, go_backwards, stateful, unroll, **kwargs)
        self.reset_after = True

    def _bias_shape(self):
        return (2, 3 * self.units)

    def _direction_params(self):
        if self.bias is None:
            return [self.kernel, self.recurrent_kernel]
        return [self.kernel, self.recurrent_kernel, self.bias[0], self.bias[1]]

    def _kernel(self, x, hx, params, bidirectional, training):
        out, h = torch.gru(x, torch.cat(hx) if bidirectional else hx[0], params, self.use_bias,
                           1, 0.0, training, bidirectional, True)
        return out, [h]
