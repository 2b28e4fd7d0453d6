"""Multiply-accumulate operations (MACs) per layer, computed from shapes alone.

One MAC is one ``a * b + c``; FLOPs are about ``2 * MACs``. Per image (batch of one),
with ``H_out x W_out`` the output size:

- ``Conv`` (any rank): ``H_out * W_out * C_out * (k_h * k_w * C_in / groups)``
- ``DepthwiseConv``: ``H_out * W_out * (C_in * m) * k_h * k_w`` (``m`` the depth multiplier)
- ``SeparableConv``: the depthwise MACs plus ``H_out * W_out * C_in * m * C_out`` (pointwise)
- ``ConvTranspose``: ``H_in * W_in * C_in * C_out * k_h * k_w`` (each input scatters a kernel)
- ``Dense``: ``in * out`` per position (``(batch, steps, in)`` inputs: times ``steps``)
- pooling, batch norm, activations, dropout, merges, reshapes: **0 MACs**. Their work is
  comparisons, additions and element-wise functions, reported separately as ``other_ops``
  (pooling ``out elements * window``, global pooling ``in elements``, batch norm
  ``2 * elements`` (scale and shift), activations and merges ``elements``), never in the
  MAC totals. Biases are additions, not counted either (the usual convention, which gives
  VGG-16's 15.47 GMACs and ResNet-50's 4.1 GMACs at 224x224).

Any other layer (recurrent, attention, a wrapped ``torch.nn.Module``, a subclassed model)
is counted by running it once on torch's ``meta`` device under
``torch.utils.flop_counter.FlopCounterMode`` (shapes only, no data) and halving its FLOPs.
"""
from __future__ import annotations

import math
from typing import Any, List, NamedTuple, Optional

import torch

from ..layers.activation import ELU, Activation, LeakyReLU, Maxout, PReLU, ReLU, Softmax
from ..layers.conv_depthwise import BaseDepthwiseConv
from ..layers.conv_transpose import BaseConvTranspose
from ..layers.convolutional import BaseConv
from ..layers.core import Dense, Dropout, Flatten, Permute, Reshape
from ..layers.embedding import Embedding
from ..layers.merging import Merge
from ..layers.normalization import BatchNormalization, LayerNormalization
from ..layers.pooling import BaseGlobalPooling, BasePooling
from ..layers.reshaping import BaseSpatialReshape
from ..layers.base.input_layer import InputLayer
from ..layers.base.layer import Layer
from ._graph import Call, per_sample, walk

_ELEMENTWISE = (Activation, ReLU, LeakyReLU, ELU, PReLU, Softmax, Maxout)
_FREE = (Dropout, Flatten, Reshape, Permute, BaseSpatialReshape, InputLayer, Embedding)


class LayerMACs(NamedTuple):
    """One layer call: qualified name, class, output shape, MACs and other (non-MAC) ops,
    and ``how``: ``'formula'``, ``'zero'`` (no MACs by convention) or ``'traced'``."""

    name: str
    class_name: str
    output_shape: Any
    macs: int
    other_ops: int
    how: str


def _spatial(shape, data_format: str) -> int:
    dims = shape[1:-1] if data_format == "channels_last" else shape[2:]
    return math.prod(dims)


def _channels(shape, data_format: str) -> int:
    return shape[-1] if data_format == "channels_last" else shape[1]


def _known_macs(layer: Layer, call: Call) -> Optional[tuple]:
    """``(macs, other_ops)`` by formula, or None for a layer type without one."""
    x, y = call.inputs[0], call.outputs[0]
    if isinstance(layer, BaseDepthwiseConv):
        fmt = layer.data_format
        positions, c_in = _spatial(y, fmt), _channels(x, fmt)
        mid = c_in * layer.depth_multiplier
        macs = positions * mid * math.prod(layer.kernel_size)
        if layer.filters is not None:
            macs += positions * mid * layer.filters
        return macs, 0
    if isinstance(layer, BaseConvTranspose):
        fmt = layer.data_format
        return (_spatial(x, fmt) * _channels(x, fmt) * layer.filters
                * math.prod(layer.kernel_size)), 0
    if isinstance(layer, BaseConv):
        fmt = layer.data_format
        per_output = math.prod(layer.kernel_size) * _channels(x, fmt) // layer.groups
        return _spatial(y, fmt) * layer.filters * per_output, 0
    if isinstance(layer, Dense):
        return per_sample(x) * layer.units, 0
    if isinstance(layer, BasePooling):
        return 0, per_sample(y) * math.prod(layer.pool_size)
    if isinstance(layer, BaseGlobalPooling):
        return 0, per_sample(x)
    if isinstance(layer, (BatchNormalization, LayerNormalization)):
        return 0, 2 * per_sample(y)
    if isinstance(layer, _ELEMENTWISE) or isinstance(layer, Merge):
        return 0, sum(per_sample(s) for s in call.outputs)
    if isinstance(layer, _FREE):
        return 0, 0
    return None


def _meta_input(shape) -> torch.Tensor:
    return torch.empty([1 if d is None else d for d in shape], device="meta")


def traced_macs(layer: Layer, input_shapes: List[Any]) -> int:
    """MACs of one call of ``layer`` (batch of one), counted by
    ``torch.utils.flop_counter.FlopCounterMode`` on the ``meta`` device: FLOPs / 2."""
    from torch.utils.flop_counter import FlopCounterMode

    arg = _meta_input(input_shapes[0]) if len(input_shapes) == 1 else \
        [_meta_input(s) for s in input_shapes]
    state = {k: v.to("meta") for k, v in layer.state_dict(keep_vars=True).items()}
    with FlopCounterMode(display=False) as counter, torch.no_grad():
        torch.func.functional_call(layer, state, (arg,), {"training": False})
    return int(counter.get_total_flops()) // 2


def macs_per_layer(model: Layer, input_shape: Any = None) -> List[LayerMACs]:
    """MACs of every leaf layer call of ``model`` for one input sample.

    Args:
        model: a Sequential or functional model (nested models expanded, their layers
            named ``outer/inner``), or a built layer.
        input_shape: e.g. ``(224, 224, 3)`` (batch axis optional); default the model's own.

    Returns:
        list of :class:`LayerMACs`, in execution order (a shared layer once per call).

    Raises:
        ValueError: no input shape known, or an unknown (``None``) spatial size.
        ShapeError: a layer cannot take the shape that reaches it.
    """
    rows = []
    for call in walk(model, input_shape).calls:
        layer = call.layer
        out = call.outputs[0] if len(call.outputs) == 1 else call.outputs
        known = _known_macs(layer, call)
        if known is None:
            rows.append(LayerMACs(call.name, type(layer).__name__, out,
                                  traced_macs(layer, call.inputs), 0, "traced"))
        else:
            macs, other = known
            rows.append(LayerMACs(call.name, type(layer).__name__, out, macs, other,
                                  "formula" if macs else "zero"))
    return rows


def count_macs(model: Layer, input_shape: Any = None) -> int:
    """Total multiply-accumulates of one forward pass of one sample (see the module
    docstring for the formulas; pooling, batch norm and activations count 0).

    Example:
        >>> import nnlab
        >>> from nnlab.layers import Conv2D
        >>> m = nnlab.Sequential([Conv2D(8, 3, input_shape=(10, 10, 3))])
        >>> count_macs(m)  # 8*8 positions * 8 filters * 3*3*3
        13824
    """
    return sum(row.macs for row in macs_per_layer(model, input_shape))


def count_other_ops(model: Layer, input_shape: Any = None) -> int:
    """The non-MAC operations (comparisons, additions, element-wise functions) that
    :func:`count_macs` leaves out; see the module docstring for what each layer counts."""
    return sum(row.other_ops for row in macs_per_layer(model, input_shape))
