"""The shared base of SimpleRNN, LSTM and GRU: weights we own, run by torch's fused kernels.

Every recurrent layer here calls one of ``torch.rnn_tanh``, ``torch.rnn_relu``,
``torch.gru`` or ``torch.lstm`` (the functional kernels behind ``nn.RNN``/``nn.GRU``/
``nn.LSTM``) with its own weights: there is no Python loop over time steps. With a mask
(from ``Embedding(mask_zero=True)``, ``Masking`` or ``mask=``) right- or left-padded
batches still run the fused kernel on packed sequences; only masks with holes,
``recurrent_dropout`` in training and ``GRU(reset_after=False)`` take a Python loop over
time (see :mod:`nnlab.layers.rnn_masking`).

Weights use torch's layout and gate order (documented on each layer):

- ``kernel``: ``(gates * units, features)`` (Keras stores the transpose),
- ``recurrent_kernel``: ``(gates * units, units)``,
- ``bias``: ``(gates * units,)`` (GRU: ``(2, 3 * units)``, input and recurrent bias).

Parameter counts equal Keras 3's. Where Keras has one bias and torch's kernel takes
two (SimpleRNN, LSTM), the second one is a zero constant made per call.
"""
from __future__ import annotations

import warnings
from typing import Any, List, Optional, Sequence

import torch
import torch.nn.functional as F

from .. import activations
from ..errors import ShapeError
from .base.layer import Layer, format_shape
from .base.masking import check_time_mask
from .rnn_masking import contiguous_block, run_loop, run_packed

_KNOWN_FUNCTIONS = {"tanh": (torch.tanh, F.tanh), "sigmoid": (torch.sigmoid, F.sigmoid),
                    "relu": (torch.relu, F.relu)}


def resolve_activation(layer_name: str, argument: str, value: Any,
                       allowed: Sequence[str]) -> str:
    """Map ``value`` (a name or an activation function) to one of ``allowed`` names.

    The fused kernels hard-code their nonlinearities, so anything else raises ValueError.
    """
    name = None
    if isinstance(value, str):
        name = value.lower()
    elif callable(value):
        for key in allowed:
            if value is activations.get(key) or value in _KNOWN_FUNCTIONS.get(key, ()):
                name = key
    if name not in allowed:
        shown = value if isinstance(value, str) else getattr(value, "__name__", repr(value))
        raise ValueError(
            f"{layer_name}: {argument}={shown!r} is not supported: torch's fused "
            f"{layer_name} kernel computes {' or '.join(repr(a) for a in allowed)} only. "
            f"Use {argument}={allowed[0]!r} (the default).")
    return name


class RNNBase(Layer):
    """Common logic of the fused recurrent layers (not used directly).

    Subclasses set ``_gates`` (1, 3 or 4) and ``_num_states`` (1 or 2) and implement
    ``_direction_params`` and ``_kernel``.

    Input shape: ``(batch, timesteps, features)``; ``timesteps`` may be ``None``.
    Output shape: ``(batch, timesteps, units)`` with ``return_sequences=True``, else
    ``(batch, units)``; with ``return_state=True`` a list ``[output] + states``, each state
    ``(batch, units)``.
    """

    _gates = 1
    _num_states = 1

    def __init__(self, units: int, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform",
                 recurrent_initializer: Any = "orthogonal", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, recurrent_regularizer: Any = None,
                 bias_regularizer: Any = None, dropout: float = 0.0,
                 recurrent_dropout: float = 0.0, return_sequences: bool = False,
                 return_state: bool = False, go_backwards: bool = False, stateful: bool = False,
                 unroll: bool = False, **kwargs: Any):
        zero_output_for_mask = bool(kwargs.pop("zero_output_for_mask", False))  # Keras' RNN arg
        super().__init__(**kwargs)
        cls = type(self).__name__
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            raise ValueError(f"{cls}: units must be a positive int, got {units!r}")
        if not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
            raise ValueError(f"{cls}: dropout must be in [0, 1), got {dropout!r}")
        if not isinstance(recurrent_dropout, (int, float)) or not 0 <= recurrent_dropout < 1:
            raise ValueError(f"{cls}: recurrent_dropout must be in [0, 1), got "
                             f"{recurrent_dropout!r}")
        self.units = units
        self.use_bias = bool(use_bias)
        self._inits = (kernel_initializer, recurrent_initializer, bias_initializer)
        self._regs = (kernel_regularizer, recurrent_regularizer, bias_regularizer)
        self.dropout = float(dropout)
        self.recurrent_dropout = float(recurrent_dropout)
        #: masked steps output zeros instead of the previous output (Keras' RNN argument;
        #: Bidirectional sets it for return_sequences)
        self.zero_output_for_mask = zero_output_for_mask
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)
        self.stateful = bool(stateful)
        self.unroll = bool(unroll)  # a speed hint in Keras; the fused kernel needs none
        self._states: Optional[List[torch.Tensor]] = None

    # ------------------------------------------------------------------ build
    def input_spec_before_build(self):
        return {"ndim": 3, "layout": "(batch, timesteps, features)"}

    def _bias_shape(self) -> tuple:
        return (self._gates * self.units,)

    def build(self, input_shape):
        features = input_shape[-1]
        if features is None:
            raise ShapeError(f"Layer {self.name!r} ({type(self).__name__}) needs a known "
                             f"features axis, got input shape {format_shape(input_shape)}")
        rows = self._gates * self.units
        self.add_weight("kernel", (rows, features), self._inits[0], self._regs[0])
        self.add_weight("recurrent_kernel", (rows, self.units), self._inits[1], self._regs[1])
        if self.use_bias:
            self.add_weight("bias", self._bias_shape(), self._inits[2], self._regs[2])
        else:
            self.bias = None
        self.input_spec = {"ndim": 3, "axes": {-1: features}}

    def compute_mask(self, inputs, mask=None):
        """The input mask for ``return_sequences`` outputs, else ``None`` (Keras' rule)."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        return [out] + [None] * self._num_states if self.return_state else out

    def compute_output_shape(self, input_shape):
        batch, steps = input_shape[0], input_shape[1]
        out = (batch, steps, self.units) if self.return_sequences else (batch, self.units)
        if self.return_state:
            return [out] + [(batch, self.units)] * self._num_states
        return out

    # ------------------------------------------------------------------ kernel
    def _direction_params(self) -> List[torch.Tensor]:  # pragma: no cover - abstract
        """``[w_ih, w_hh, b_ih, b_hh]`` (or ``[w_ih, w_hh]``) in torch's gate order."""
        raise NotImplementedError

    def _kernel(self, x: torch.Tensor, hx: List[torch.Tensor], params: List[torch.Tensor],
                bidirectional: bool, training: bool,
                batch_sizes: Optional[torch.Tensor] = None):  # pragma: no cover - abstract
        """Run the fused kernel: returns ``(output, [final states (directions, N, units)])``.

        With ``batch_sizes``, ``x`` is ``PackedSequence`` data and so is the output."""
        raise NotImplementedError

    def _step(self, x_t: torch.Tensor, states: List[torch.Tensor],
              rec_masks: Optional[torch.Tensor]) -> List[torch.Tensor]:  # pragma: no cover
        """One time step for the masked loop: ``x_t`` ``(batch, features)`` -> new states
        (``states[0]`` is the output); ``rec_masks`` ``(gates, batch, units)`` or None."""
        raise NotImplementedError

    def _recurrent_dropout_masks(self, x: torch.Tensor,
                                 training: bool) -> Optional[torch.Tensor]:
        """Keras 3's recurrent dropout: one mask per gate, fixed over the time steps of a
        batch, applied to ``h_{t-1}`` where it enters the recurrent matmul."""
        if not (training and self.recurrent_dropout > 0):
            return None
        ones = x.new_ones(self._gates, x.shape[0], self.units)
        return torch.nn.functional.dropout(ones, self.recurrent_dropout, True)

    def _needs_loop(self, training: bool) -> bool:
        """True when no fused kernel computes this layer's step."""
        if training and self.recurrent_dropout > 0:
            if not getattr(self, "_warned_slow", False):
                self._warned_slow = True
                warnings.warn(
                    f"Layer {self.name!r} ({type(self).__name__}): recurrent_dropout="
                    f"{self.recurrent_dropout} runs a Python loop over time steps instead of "
                    f"torch's fused kernel, several times slower in training. Use dropout= or "
                    f"a Dropout layer for speed.", UserWarning, stacklevel=4)
            return True
        return False

    def _one_bias_params(self) -> List[torch.Tensor]:
        """Keras' single bias as torch's ``b_ih`` plus a zero ``b_hh``."""
        if self.bias is None:
            return [self.kernel, self.recurrent_kernel]
        return [self.kernel, self.recurrent_kernel, self.bias, torch.zeros_like(self.bias)]

    # ------------------------------------------------------------------ states
    @property
    def states(self) -> Optional[List[torch.Tensor]]:
        """The kept states of a stateful layer (``None`` before the first call or after reset)."""
        return self._states

    def reset_states(self, states: Any = None) -> None:
        """Forget the kept states (stateful layers), or set them to ``states``
        (a list of ``(batch, units)`` arrays/tensors)."""
        if states is None:
            self._states = None
            return
        states = list(states) if isinstance(states, (list, tuple)) else [states]
        self._states = [torch.as_tensor(s, dtype=self.kernel.dtype,
                                        device=self.kernel.device).detach() for s in states]

    reset_state = reset_states  # Keras 3's name

    def _start_states(self, x: torch.Tensor, initial_state: Any) -> List[torch.Tensor]:
        """Initial states as ``(batch, units)`` tensors: given, kept (stateful) or zeros."""
        batch = x.shape[0]
        cls = type(self).__name__
        if initial_state is None and self.stateful and self._states is not None:
            if self._states[0].shape[0] != batch:
                raise ValueError(
                    f"Layer {self.name!r} ({cls}) is stateful and keeps states for batch size "
                    f"{self._states[0].shape[0]}, but the batch has {batch} samples. Feed "
                    f"batches of one size (shuffle=False) or call reset_states() first.")
            return [s.to(x.device, x.dtype) for s in self._states]
        if initial_state is None:
            zeros = x.new_zeros(batch, self.units)
            return [zeros] * self._num_states
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) \
            else [initial_state]
        if len(states) != self._num_states:
            raise ValueError(f"Layer {self.name!r} ({cls}) expects initial_state to be a list "
                             f"of {self._num_states} tensor(s) of shape (batch, {self.units}), "
                             f"got {len(states)}")
        for s in states:
            if tuple(s.shape) != (batch, self.units):
                raise ShapeError(f"Layer {self.name!r} ({cls}) expects initial states of "
                                 f"shape {format_shape((batch, self.units))}, got "
                                 f"{format_shape(tuple(s.shape))}")
        return [s.to(x.dtype) for s in states]

    # ------------------------------------------------------------------ call
    def _prepare(self, inputs: torch.Tensor, training: bool) -> torch.Tensor:
        x = inputs if inputs.dtype == self.kernel.dtype else inputs.to(self.kernel.dtype)
        if training and self.dropout > 0:
            # one mask per sequence, shared by all time steps (as Keras does)
            keep = F.dropout(x.new_ones(x.shape[0], 1, x.shape[2]), self.dropout, True)
            x = x * keep
        return x

    def call(self, inputs, training=None, initial_state=None, mask=None):
        training = self.training if training is None else bool(training)
        x = self._prepare(inputs, training)
        mask = check_time_mask(self, x, mask)
        start = self._start_states(x, initial_state)
        if self.go_backwards:
            x = x.flip(1)
            mask = None if mask is None else mask.flip(1)
        out, finals = self._run(x, start, mask, training)
        if self.stateful:
            self._states = [f.detach() for f in finals]
        output = out if self.return_sequences else finals[0]
        return [output] + finals if self.return_state else output

    def _run(self, x, start, mask, training):
        """Output ``(batch, timesteps, units)`` and final states ``(batch, units)``: the
        fused kernel, the fused kernel on packed sequences, or the masked loop."""
        if self._needs_loop(training):
            return run_loop(self, x, start, mask, training, self.zero_output_for_mask)
        if mask is not None:
            block = contiguous_block(mask)
            if block is None:
                return run_loop(self, x, start, mask, training, self.zero_output_for_mask)
            out, finals = run_packed(self, x, [s.unsqueeze(0) for s in start],
                                     self._direction_params(), block[0], block[1], mask,
                                     False, training, self.zero_output_for_mask)
        else:
            out, finals = self._kernel(x, [s.unsqueeze(0) for s in start],
                                       self._direction_params(), False, training)
        return out, [f[0] for f in finals]

    def extra_repr(self) -> str:
        return f"name={self.name!r}, units={self.units}"
