"""Receptive fields and the output-size formula.

Receptive field recurrence (per spatial axis; Dang Ha The Hien, "A guide to receptive
field arithmetic for CNNs", 2017). For a layer with kernel ``k``, stride ``s``, dilation
``d`` and ``p`` padding before the first element::

    r_out = r_in + (k - 1) * d * j_in        receptive field size, in input pixels
    j_out = j_in * s                         jump: input pixels between adjacent outputs
    start_out = start_in + ((k - 1) * d / 2 - p) * j_in
                                             centre of the first output's field, in input
                                             pixel coordinates (0 = the first pixel's centre)

starting from ``r = 1, j = 1, start = 0`` at the input. Convolutions (also depthwise and
separable) and pooling windows use the recurrence; zero padding moves ``start`` back and
cropping forward; upsampling and transposed convolutions divide the jump by their factor;
global pooling and ``Flatten`` see the whole map (a window the size of the input).
Layers that act per pixel (activations, batch norm, 1x1 kernels, Dense on a map) leave
the receptive field unchanged. A leaf that computes windows in code (a subclassed model,
a plain torch module with convolutions inside) is refused by name
(:class:`OpaqueLayerError`) rather than counted as per-pixel; :func:`profile` shows
"-" for it.

Three stacked 3x3 convolutions (stride 1) see 7x7, like one 7x7 convolution, with
``3 * 3*3*C*C = 27 C^2`` weights instead of ``49 C^2``; ``N`` of them see ``(2N+1)x(2N+1)``.

In a functional graph every tensor gets the **largest** receptive field among the paths
that reach it (at an ``Add`` of a residual block: the convolution path, not the
shortcut); :func:`receptive_field` lists the layers along that longest path, from the
input to the model's first output.
"""
from __future__ import annotations

from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from torch import nn

from ..config import image_data_format
from ..layers.conv_depthwise import BaseDepthwiseConv
from ..layers.conv_transpose import BaseConvTranspose
from ..layers.conv_utils import SpatialLayer, padding_pairs, spatial_of
from ..layers.convolutional import BaseConv
from ..layers.core import Flatten
from ..layers.pooling import BaseGlobalPooling, BasePooling
from ..layers.reshaping import BaseCropping, BaseUpSampling, BaseZeroPadding
from ..layers.base.layer import Layer
from ._graph import Call, walk


def output_size(n: int, f: int, p: int = 0, s: int = 1) -> int:
    """The lecture's output size of a convolution or pooling: ``(N - F + 2P) / S + 1``.

    Args:
        n: input size ``N`` (height or width).
        f: filter (kernel) size ``F``.
        p: zero padding ``P`` on each side.
        s: stride ``S``.

    Returns:
        the output size, an int.

    Raises:
        ValueError: the stride does not divide ``N - F + 2P`` (the filter "doesn't fit":
            ``N=7, F=3, S=3`` gives ``(7 - 3)/3 + 1 = 2.33``), the result is < 1, or an
            argument is out of range. The message shows the formula with the numbers.

    Example:
        >>> output_size(7, 3, 0, 1), output_size(7, 3, 0, 2), output_size(32, 5, 2, 1)
        (5, 3, 32)
    """
    for arg, value, low in (("n", n, 1), ("f", f, 1), ("p", p, 0), ("s", s, 1)):
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ValueError(f"output_size: {arg} must be an int >= {low}, got {value!r}")
    num = n - f + 2 * p
    formula = f"(N - F + 2P)/S + 1 = ({n} - {f} + 2*{p})/{s} + 1"
    if num < 0:
        raise ValueError(f"output size {formula} = {num / s + 1:.2f} < 1: the filter F={f} is "
                         f"larger than the padded input N + 2P = {n + 2 * p}.")
    if num % s:
        raise ValueError(f"output size {formula} = {num / s + 1:.2f} is not an integer: with "
                         f"stride S={s} the filter F={f} does not fit the input N={n} "
                         f"(padding P={p}) evenly. Choose S dividing N - F + 2P = {num}, or "
                         f"change the padding.")
    return num // s + 1


class RFRow(NamedTuple):
    """Receptive field after one layer, per spatial axis (tuples: ``(height, width)``).

    Attributes:
        name: the layer's (qualified) name; ``'input'`` for the first row.
        class_name: the layer's class.
        size: receptive field size in input pixels, e.g. ``(7, 7)``.
        jump: distance in input pixels between adjacent outputs (the product of strides).
        start: centre of the first output's receptive field (0 = centre of pixel 0;
            negative when padding puts it outside the image).
    """

    name: str
    class_name: str
    size: Tuple[int, ...]
    jump: Tuple[float, ...]
    start: Tuple[float, ...]


_State = Tuple[Tuple[float, ...], Tuple[float, ...], Tuple[float, ...]]


def _window(state: _State, in_spatial, kernel, strides, dilation, padding) -> _State:
    r, j, start = state
    pads = padding_pairs([n if n is not None else 0 for n in in_spatial], kernel, strides,
                         dilation, padding)
    return (tuple(ri + (k - 1) * d * ji for ri, k, d, ji in zip(r, kernel, dilation, j)),
            tuple(ji * s for ji, s in zip(j, strides)),
            tuple(st + ((k - 1) * d / 2 - p[0]) * ji
                  for st, k, d, p, ji in zip(start, kernel, dilation, pads, j)))


_WINDOWED = (BaseConv, BaseDepthwiseConv, BasePooling, BaseConvTranspose,
             nn.modules.conv._ConvNd, nn.modules.pooling._MaxPoolNd,
             nn.modules.pooling._AvgPoolNd)


class OpaqueLayerError(ValueError):
    """A leaf layer hides windowed layers (a subclassed model, a plain torch module)."""


def _check_transparent(layer: Layer, call: Call) -> None:
    """Refuse a leaf that computes windows in code (its convolutions would be counted as
    per-pixel layers: a silently wrong 1x1 field)."""
    hidden = [m for m in layer.modules() if m is not layer and isinstance(m, _WINDOWED)]
    if hidden:
        raise OpaqueLayerError(
            f"receptive_field: layer {call.name!r} ({type(getattr(layer, 'module', layer)).__name__}) "
            f"computes in code with {len(hidden)} convolution/pooling layer(s) inside "
            f"(e.g. {type(hidden[0]).__name__}), whose windows shape arithmetic cannot see. "
            f"Build the model as a Sequential or functional model of nnlab layers to get "
            f"its receptive field (count_params, count_macs and activation_memory work on "
            f"any model).")


def _step(layer: Layer, call: Call, state: _State) -> _State:
    """The receptive field after ``layer`` given the one of its input."""
    _check_transparent(layer, call)
    x = call.inputs[0]
    if isinstance(layer, (BaseConv, BaseDepthwiseConv)):
        return _window(state, spatial_of(x, layer.data_format), layer.kernel_size,
                       layer.strides, layer.dilation_rate, layer.padding)
    if isinstance(layer, BasePooling):
        return _window(state, spatial_of(x, layer.data_format), layer.pool_size,
                       layer.strides, (1,) * layer.rank, layer.padding)
    r, j, start = state
    if isinstance(layer, BaseConvTranspose):  # fractional stride 1/s
        j_out = tuple(ji / s for ji, s in zip(j, layer.strides))
        return (tuple(ri + (k - 1) * d * jo for ri, k, d, jo in
                      zip(r, layer.kernel_size, layer.dilation_rate, j_out)), j_out, start)
    if isinstance(layer, BaseZeroPadding):
        return r, j, tuple(st - p[0] * ji for st, p, ji in zip(start, layer.padding, j))
    if isinstance(layer, BaseCropping):
        return r, j, tuple(st + c[0] * ji for st, c, ji in zip(start, layer.cropping, j))
    if isinstance(layer, BaseUpSampling):
        return r, tuple(ji / f for ji, f in zip(j, layer.size)), start
    if isinstance(layer, (BaseGlobalPooling, Flatten)):
        fmt = getattr(layer, "data_format", None) or image_data_format()
        spatial = spatial_of(x, fmt) if len(x) > 2 else ()
        if len(spatial) != len(r) or any(n is None for n in spatial):
            return state
        n = tuple(spatial)
        return (tuple(ri + (ni - 1) * ji for ri, ni, ji in zip(r, n, j)),
                tuple(ji * ni for ji, ni in zip(j, n)),
                tuple(st + (ni - 1) / 2 * ji for st, ni, ji in zip(start, n, j)))
    return state


def _rank_of(shape) -> int:
    return max(len(shape) - 2, 1)


def _states(model: Layer, input_shape: Any = None, strict: bool = True):
    """Receptive-field state of every tensor of the walk, and for each call the index of
    the input it inherits from (the one with the largest field). An opaque leaf raises
    :class:`OpaqueLayerError` (``strict``) or gets no field, nor do the calls after it."""
    result = walk(model, input_shape)
    states: Dict[int, _State] = {}
    for key, shape in zip(result.input_keys, result.input_shapes):
        rank = _rank_of(shape)
        states[key] = ((1,) * rank, (1.0,) * rank, (0.0,) * rank)
    per_call: List[Tuple[_State, Optional[int]]] = []
    for call in result.calls:
        known = [(k, states[k]) for k in call.in_keys if k in states]
        if not known:
            per_call.append((None, None))
            continue
        best_key, best = max(known, key=lambda kv: (kv[1][0], kv[1][1]))
        layer = call.layer
        if isinstance(layer, SpatialLayer) and len(best[0]) != layer.rank:
            state = best  # a layer of another rank (e.g. Conv1D after a reshape)
        else:
            try:
                state = _step(layer, call, best)
            except OpaqueLayerError:
                if strict:
                    raise
                per_call.append((None, None))
                continue
        for k in call.out_keys:
            states[k] = state
        per_call.append((state, best_key))
    return result, states, per_call


def _as_int(values: Tuple[float, ...]) -> Tuple[int, ...]:
    return tuple(round(v) for v in values)


def receptive_field(model: Layer, input_shape: Any = None) -> List[RFRow]:
    """Receptive field growth through ``model``, layer by layer (see module docstring).

    Args:
        model: a built Sequential or functional model (nested models expanded).
        input_shape: default the model's own; needed only for ``'same'`` padding offsets.

    Returns:
        list of :class:`RFRow`: ``input`` first, then each layer on the longest path.

    Example:
        >>> import nnlab
        >>> from nnlab.layers import Conv2D
        >>> m = nnlab.Sequential([Conv2D(8, 3, input_shape=(32, 32, 1)) for _ in range(3)])
        >>> receptive_field(m)[-1].size
        (7, 7)
    """
    result, _, per_call = _states(model, input_shape)
    first = result.input_shapes[0]
    rank = _rank_of(first)
    rows_by_key: Dict[int, Tuple[int, int]] = {}  # tensor key -> (call index, parent key)
    for i, (call, (state, parent)) in enumerate(zip(result.calls, per_call)):
        for k in call.out_keys:
            rows_by_key[k] = (i, parent)
    chain = []
    key = result.output_keys[0] if result.output_keys else None
    while key in rows_by_key:
        i, parent = rows_by_key[key]
        chain.append(i)
        key = parent
    rows = [RFRow("input", "Input", (1,) * rank, (1,) * rank, (0.0,) * rank)]
    for i in reversed(chain):
        call, (state, _) = result.calls[i], per_call[i]
        r, j, start = state
        jump = tuple(int(v) if float(v).is_integer() else v for v in j)
        rows.append(RFRow(call.name, type(call.layer).__name__, _as_int(r), jump, start))
    return rows


def receptive_field_per_call(model: Layer, input_shape: Any = None) -> List[Optional[RFRow]]:
    """Like :func:`receptive_field` but one row per layer call of the whole graph
    (``None`` for calls not connected to a spatial input, or inside/after a layer that
    hides its windows); used by :func:`profile`."""
    result, _, per_call = _states(model, input_shape, strict=False)
    rows: List[Optional[RFRow]] = []
    for call, (state, _) in zip(result.calls, per_call):
        if state is None:
            rows.append(None)
            continue
        r, j, start = state
        rows.append(RFRow(call.name, type(call.layer).__name__, _as_int(r), j, start))
    return rows
