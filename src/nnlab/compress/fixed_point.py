"""Dynamic fixed point simulation (Courbariaux et al. 2014; Gysel et al.'s Ristretto):
every layer's weights, biases and input activations are rounded to ``bits``-wide
two's-complement fixed point, with the radix point chosen per layer (and per kind of
value) from statistics, as the efficient-methods lecture describes.

For values ``v`` with ``m = max |v|`` and ``b`` bits, the integer part needs
``il = ceil(log2(m)) + 1`` bits (sign included), leaving the fractional length
``fl = b - il``; a value is stored as ``clamp(round(v * 2**fl), -2**(b-1), 2**(b-1) - 1)``
and means that integer times ``2**-fl``. Weight and bias radix points come from the
trained values, input-activation radix points from the largest input each layer sees
on calibration data. The simulation runs in float32 on the rounded values (no integer
kernels): it measures what the precision costs in accuracy, not speed.

The rounding itself is ``torch.round`` / ``torch.clamp``; the radix point choice and the
hooks are hand-written (torch has no dynamic-fixed-point tool).
"""
from __future__ import annotations

import copy
import math
from typing import Any, List, Tuple

import numpy as np
import torch
from torch import nn

from ._layers import supported_layers

__all__ = ["fractional_length", "to_fixed_point", "simulate_fixed_point"]


def fractional_length(max_abs: float, bits: int) -> int:
    """``fl = bits - (ceil(log2(max_abs)) + 1)``: the most fractional bits for which
    ``max_abs`` still fits in ``bits`` signed bits (``bits - 1`` for ``max_abs == 0``)."""
    if max_abs <= 0 or not math.isfinite(max_abs):
        return bits - 1
    return bits - (math.ceil(math.log2(max_abs)) + 1)


def to_fixed_point(t: torch.Tensor, bits: int, fl: int) -> torch.Tensor:
    """``t`` rounded to ``bits``-bit fixed point with ``fl`` fractional bits (as floats)."""
    scale = 2.0 ** fl
    lo, hi = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    return torch.clamp(torch.round(t * scale), lo, hi) / scale


class _QuantizeInput:
    """Forward pre-hook rounding a layer's input to fixed point."""

    def __init__(self, bits: int, fl: int):
        self.bits, self.fl = bits, fl

    def __call__(self, module, args):
        return (to_fixed_point(args[0], self.bits, self.fl),) + tuple(args[1:])


@torch.no_grad()
def simulate_fixed_point(model: nn.Module, bits: int, calibration_x: Any,
                         batch_size: int = 256) -> Tuple[nn.Module, List[dict]]:
    """A copy of ``model`` computing in ``bits``-bit dynamic fixed point.

    Args:
        model: a model whose weighted layers are Dense/Conv (nnlab) or Linear/Conv
            (torch); the model is not changed.
        bits: word length, 2..16, for weights, biases and layer inputs alike.
        calibration_x: ``(n, ...)`` inputs from which each layer's input range is taken.

    Returns: ``(copy, rows)``; one row per weighted layer: ``layer``, ``weight_fl``,
    ``bias_fl``, ``input_fl`` (fractional lengths) and ``input_max`` (the statistic).
    """
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)) or not 2 <= bits <= 16:
        raise ValueError(f"bits must be an int in [2, 16] (signed fixed-point word length), "
                         f"got {bits!r}")
    x = torch.as_tensor(np.asarray(calibration_x), dtype=torch.float32)
    if x.dim() < 2 or len(x) == 0:
        raise ValueError(f"calibration_x must be a non-empty batch (n, ...), got shape "
                         f"{tuple(x.shape)}")
    q = copy.deepcopy(model).eval()
    layers = supported_layers(q, None, "simulated in fixed point")
    peaks = {id(m): 0.0 for _, m, _ in layers}

    def record(module, args):
        peaks[id(module)] = max(peaks[id(module)], float(args[0].detach().abs().max()))

    hooks = [m.register_forward_pre_hook(record) for _, m, _ in layers]
    try:
        for start in range(0, len(x), batch_size):
            q(x[start:start + batch_size])
    finally:
        for h in hooks:
            h.remove()
    rows = []
    for label, m, a in layers:
        w = getattr(m, a)
        wfl = fractional_length(float(w.abs().max()), bits)
        w.copy_(to_fixed_point(w, bits, wfl))
        bias = getattr(m, "bias", None)
        bfl = None
        if isinstance(bias, torch.Tensor):
            bfl = fractional_length(float(bias.abs().max()), bits)
            bias.copy_(to_fixed_point(bias, bits, bfl))
        ifl = fractional_length(peaks[id(m)], bits)
        m.register_forward_pre_hook(_QuantizeInput(bits, ifl))
        rows.append({"layer": label, "weight_fl": wfl, "bias_fl": bfl, "input_fl": ifl,
                     "input_max": peaks[id(m)]})
    return q, rows
