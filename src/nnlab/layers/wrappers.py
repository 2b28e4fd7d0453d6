"""Layer wrappers: ``Bidirectional`` (an RNN read both ways) and ``TimeDistributed``
(a layer applied to every time step, as one batched call).
"""
from __future__ import annotations

from typing import Any, Optional

import torch
from torch import nn

from ..errors import ShapeError
from .base.layer import Layer, format_shape
from .base.masking import check_time_mask
from .base.torch_module import TorchModule
from .rnn_base import RNNBase
from .rnn_masking import contiguous_block, run_packed

_MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class Bidirectional(Layer):
    """Run a recurrent layer forwards and a copy of it backwards and merge the outputs
    (Schuster & Paliwal 1997).

    Args:
        layer: a ``SimpleRNN``, ``LSTM`` or ``GRU`` (the forward layer).
        merge_mode: ``'concat'`` (default), ``'sum'``, ``'mul'``, ``'ave'`` or ``None``
            (return ``[forward, backward]`` unmerged).
        weights: must be ``None`` (set weights with ``set_weights`` after building).
        backward_layer: the backward layer; default a copy of ``layer`` with
            ``go_backwards`` flipped and fresh weights.

    The backward outputs are re-aligned with the forward ones (step ``t`` of both
    belongs to input step ``t``). When both directions are the same kind of layer,
    not stateful and without active dropout, one fused bidirectional kernel call runs
    both (as ``nn.LSTM(bidirectional=True)``); with a mask whose kept steps are one block
    per row (right or left padding) that call runs on packed sequences, other masks run
    each direction on its own (see :mod:`nnlab.layers.rnn_masking`). As in Keras, masked
    steps of ``return_sequences`` outputs are zeros in both directions.

    Call arguments: ``inputs``, ``training``, ``initial_state`` (forward states, then
    backward states), ``mask`` (``(batch, timesteps)`` booleans; default: the input's).

    Input shape: ``(batch, timesteps, features)``.
    Output shape: with ``'concat'`` ``(batch, [timesteps,] 2 * units)``, with the others
    ``(batch, [timesteps,] units)``, with ``None`` a list of two; with ``return_state``
    the final forward states and then the backward states follow.

    Example:
        >>> import nnlab
        >>> from nnlab.layers import LSTM, Bidirectional
        >>> Bidirectional(LSTM(8))(nnlab.Input((10, 3))).shape
        (None, 16)
    """

    def __init__(self, layer: Layer, merge_mode: Optional[str] = "concat", weights: Any = None,
                 backward_layer: Optional[Layer] = None, **kwargs: Any):
        super().__init__(**kwargs)
        for argument, value in (("layer", layer), ("backward_layer", backward_layer)):
            if value is not None and not isinstance(value, RNNBase):
                raise ValueError(f"Bidirectional: {argument} must be a SimpleRNN, LSTM or GRU "
                                 f"layer, got {type(value).__name__}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(f"Bidirectional: merge_mode must be one of {list(_MERGE_MODES)}, "
                             f"got {merge_mode!r}")
        if weights is not None:
            raise NotImplementedError("Bidirectional: weights= is not supported; call "
                                      "set_weights(...) after the layer is built.")
        if backward_layer is None:
            config = layer.get_config()
            config.pop("batch_input_shape", None)
            config.update(name=f"backward_{layer.name}", go_backwards=not layer.go_backwards)
            backward_layer = type(layer).from_config(config)
        elif backward_layer.return_sequences != layer.return_sequences or \
                backward_layer.return_state != layer.return_state:
            raise ValueError("Bidirectional: layer and backward_layer must agree on "
                             "return_sequences and return_state")
        self.forward_layer = layer
        self.backward_layer = backward_layer
        for sub in (layer, backward_layer):  # Keras: zeros at masked steps of sequences
            sub.zero_output_for_mask = sub.return_sequences
        self.merge_mode = merge_mode
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.stateful = layer.stateful
        if self._batch_input_shape is None and layer._batch_input_shape is not None:
            self._batch_input_shape = layer._batch_input_shape

    def input_spec_before_build(self):
        return {"ndim": 3, "layout": "(batch, timesteps, features)"}

    def build(self, input_shape):
        self.forward_layer.maybe_build(input_shape)
        self.backward_layer.maybe_build(input_shape)
        self.input_spec = self.forward_layer.input_spec

    def compute_output_shape(self, input_shape):
        fw = self.forward_layer.compute_output_shape(input_shape)
        bw = self.backward_layer.compute_output_shape(input_shape)
        out, fw_states = (fw[0], fw[1:]) if self.return_state else (fw, [])
        bw_out, bw_states = (bw[0], bw[1:]) if self.return_state else (bw, [])
        if self.merge_mode is None:
            outputs = [out, bw_out]
        elif self.merge_mode == "concat":
            outputs = [out[:-1] + (out[-1] + bw_out[-1],)]
        else:
            outputs = [out]
        if not self.return_state and len(outputs) == 1:
            return outputs[0]
        return outputs + list(fw_states) + list(bw_states)

    def reset_states(self, states: Any = None) -> None:
        """Reset both directions' kept states (stateful layers)."""
        n = self.forward_layer._num_states
        self.forward_layer.reset_states(None if states is None else states[:n])
        self.backward_layer.reset_states(None if states is None else states[n:])

    reset_state = reset_states

    def _fusable(self, training: bool) -> bool:
        fw, bw = self.forward_layer, self.backward_layer
        return (type(fw) is type(bw) and fw.units == bw.units and fw.use_bias == bw.use_bias
                and not fw.go_backwards and bw.go_backwards and not self.stateful
                and not bw.stateful and getattr(fw, "_activation", None) ==
                getattr(bw, "_activation", None)
                and not (training and (fw.dropout > 0 or bw.dropout > 0))
                and not fw._needs_loop(training) and not bw._needs_loop(training))

    def compute_mask(self, inputs, mask=None):
        """The input mask for ``return_sequences`` outputs, else ``None`` (Keras' rule)."""
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        out = mask if self.return_sequences else None
        outs = [out, out] if self.merge_mode is None else [out]
        if self.return_state:
            return outs + [None] * (2 * self.forward_layer._num_states)
        return outs if len(outs) > 1 else out

    def call(self, inputs, training=None, initial_state=None, mask=None):
        training = self.training if training is None else bool(training)
        fw, bw = self.forward_layer, self.backward_layer
        n = fw._num_states
        fw_init = bw_init = None
        if initial_state is not None:
            initial_state = list(initial_state)
            if len(initial_state) != 2 * n:
                raise ValueError(f"Layer {self.name!r} (Bidirectional) expects initial_state to "
                                 f"hold {2 * n} tensors (forward states, then backward "
                                 f"states), got {len(initial_state)}")
            fw_init, bw_init = initial_state[:n], initial_state[n:]
        mask = check_time_mask(self, inputs, mask)
        block = contiguous_block(mask) if mask is not None else None
        if self._fusable(training) and (mask is None or block is not None):
            x = fw._prepare(inputs, training)
            start = fw._start_states(x, fw_init) + bw._start_states(x, bw_init)
            hx = [s.unsqueeze(0) for s in start]
            params = fw._direction_params() + bw._direction_params()
            if mask is None:
                out, finals = fw._kernel(x, hx, params, True, training)
            else:
                out, finals = run_packed(fw, x, hx, params, block[0], block[1], mask, True,
                                         training, True)
            fw_states, bw_states = [f[0] for f in finals], [f[1] for f in finals]
            if self.return_sequences:
                if self.merge_mode == "concat":
                    return [out] + fw_states + bw_states if self.return_state else out
                y, y_rev = out[..., :fw.units], out[..., fw.units:]
            else:
                y, y_rev = fw_states[0], bw_states[0]
        else:
            y = fw(inputs, training=training, initial_state=fw_init, mask=mask)
            y_rev = bw(inputs, training=training, initial_state=bw_init, mask=mask)
            fw_states = bw_states = []
            if self.return_state:
                y, fw_states = y[0], y[1:]
                y_rev, bw_states = y_rev[0], y_rev[1:]
            if self.return_sequences:
                y_rev = y_rev.flip(1)
        merged = self._merge(y, y_rev)
        if not self.return_state:
            return merged
        return (merged if isinstance(merged, list) else [merged]) + fw_states + bw_states

    def _merge(self, y, y_rev):
        mode = self.merge_mode
        if mode == "concat":
            return torch.cat([y, y_rev], dim=-1)
        if mode == "sum":
            return y + y_rev
        if mode == "mul":
            return y * y_rev
        if mode == "ave":
            return (y + y_rev) / 2
        return [y, y_rev]


class TimeDistributed(Layer):
    """Apply ``layer`` to every time step: ``(batch, timesteps, ...)`` is reshaped to
    ``(batch * timesteps, ...)``, passed through ``layer`` in one call, and reshaped back.

    Args:
        layer: any nnlab layer taking ``(batch, ...)`` inputs (a plain ``torch.nn.Module``
            is wrapped in ``TorchModule``, as ``Sequential`` does).

    A mask on the input (``(batch, timesteps)``) is carried on to the output unchanged.

    Input shape: ``(batch, timesteps, *inner)``.
    Output shape: ``(batch, timesteps, *layer_output[1:])``.

    Example:
        >>> import nnlab
        >>> from nnlab.layers import Dense, TimeDistributed
        >>> TimeDistributed(Dense(4))(nnlab.Input((10, 3))).shape
        (None, 10, 4)
    """

    supports_masking = True

    def __init__(self, layer: Layer, **kwargs: Any):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            if not isinstance(layer, nn.Module):
                raise TypeError(f"TimeDistributed: layer must be a layer or torch.nn.Module, "
                                f"got {type(layer).__name__}")
            layer = TorchModule(layer)
        self.layer = layer

    def input_spec_before_build(self):
        return {"min_ndim": 3}

    @staticmethod
    def _inner_shape(input_shape):
        return (None,) + tuple(input_shape[2:])

    def build(self, input_shape):
        self.layer.maybe_build(self._inner_shape(input_shape))

    def compute_output_shape(self, input_shape):
        inner = self.layer.compute_output_shape(self._inner_shape(input_shape))
        if not isinstance(inner, tuple):
            raise ShapeError(f"Layer {self.name!r} (TimeDistributed) needs a layer with one "
                             f"output; {self.layer.name!r} returns {format_shape(inner)}")
        return (input_shape[0], input_shape[1]) + tuple(inner[1:])

    def call(self, inputs, training=None):
        batch, steps = inputs.shape[0], inputs.shape[1]
        y = self.layer(inputs.reshape((batch * steps,) + tuple(inputs.shape[2:])),
                       training=training)
        return y.reshape((batch, steps) + tuple(y.shape[1:]))
