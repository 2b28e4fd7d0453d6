"""Trained ternary quantisation (Zhu, Han, Mao and Dally, ICLR 2017) and binary weights.

``ternarize(model)`` keeps each selected layer's full-precision weight as the trainable
``<w>_latent`` and adds two trainable per-layer scales ``<w>_wp``, ``<w>_wn`` (initialised
to the mean magnitude of the weights above/below the threshold). The forward pass uses

    w_t = wp  where latent >  t,   0 where |latent| <= t,   -wn where latent < -t,

with ``t = threshold * max|latent|`` (the paper's ``t = 0.05``). Gradients (the paper's
eqs. 7-8): ``d wp = sum of dL/dw_t over the positive set``, ``d wn = -sum over the
negative set``, and the latent weight gets ``wp * g``, ``g``, ``wn * g`` on the three
sets (a scaled straight-through estimator). ``binary=True`` uses ``w_b = a * sign(latent)``
with one trainable scale ``a`` (init ``mean|w|``) and the straight-through gradient
(BinaryConnect / XNOR-style). torch has no ternary/binary weight op, so the autograd
functions below are hand-written.
"""
from __future__ import annotations

from typing import Dict, Optional, Sequence

import torch
from torch import nn
from torch.nn.utils import prune

from ..layers.base.derived_weights import derive_with
from ..layers.base.reparametrised import mark
from ._layers import supported_layers

__all__ = ["ternarize", "weight_levels"]


class _Ternary(torch.autograd.Function):
    @staticmethod
    def forward(ctx, latent, wp, wn, threshold):
        t = threshold * latent.detach().abs().max()
        pos, neg = latent > t, latent < -t
        ctx.save_for_backward(pos, neg, wp, wn)
        return wp * pos.to(latent.dtype) - wn * neg.to(latent.dtype)

    @staticmethod
    def backward(ctx, g):
        pos, neg, wp, wn = ctx.saved_tensors
        mid = ~(pos | neg)
        g_latent = g * (wp * pos + wn * neg + mid.to(g.dtype))
        return g_latent, (g * pos).sum().reshape(wp.shape), -(g * neg).sum().reshape(wn.shape), None


class _Binary(torch.autograd.Function):
    @staticmethod
    def forward(ctx, latent, a):
        s = torch.where(latent >= 0, 1.0, -1.0).to(latent.dtype)
        ctx.save_for_backward(s, a)
        return a * s

    @staticmethod
    def backward(ctx, g):
        s, a = ctx.saved_tensors
        return g * a, (g * s).sum().reshape(a.shape)


class _Hook:
    def __init__(self, attr: str, threshold: float, binary: bool):
        self.attr, self.threshold, self.binary = attr, threshold, binary

    def compute(self, m):
        a = self.attr
        latent = getattr(m, a + "_latent")
        if self.binary:
            return _Binary.apply(latent, getattr(m, a + "_scale"))
        return _Ternary.apply(latent, getattr(m, a + "_wp"), getattr(m, a + "_wn"), self.threshold)

    def __call__(self, m, inputs):
        setattr(m, self.attr, self.compute(m))


@torch.no_grad()
def ternarize(model: nn.Module, threshold: float = 0.05, binary: bool = False,
              layers: Optional[Sequence] = None) -> Dict[str, dict]:
    """Make the selected layers' weights ternary (or binary) and trainable as above.

    Returns ``{layer: {'wp', 'wn'} or {'scale'}}`` (initial scales). The compiled
    optimiser is rebuilt at the next ``fit``.
    """
    if isinstance(threshold, bool) or not isinstance(threshold, (int, float)) \
            or not 0.0 <= threshold < 1.0:
        raise ValueError(f"threshold must be a number in [0, 1), got {threshold!r}")
    targets = supported_layers(model, layers, "ternarised")
    for label, m, a in targets:
        if hasattr(m, a + "_centroids") or hasattr(m, a + "_latent"):
            raise ValueError(f"layer {label!r} is already weight-shared or ternarised")
    out = {}
    for label, m, a in targets:
        if hasattr(m, a + "_mask"):
            prune.remove(m, a)
        w = getattr(m, a).detach().clone()
        del m._parameters[a]
        m.register_parameter(a + "_latent", nn.Parameter(w))
        if binary:
            scale = w.abs().mean()
            m.register_parameter(a + "_scale", nn.Parameter(scale.reshape(1)))
            out[label] = {"scale": float(scale)}
        else:
            t = threshold * w.abs().max()
            wp = w[w > t].mean() if bool((w > t).any()) else w.abs().mean()
            wn = -w[w < -t].mean() if bool((w < -t).any()) else w.abs().mean()
            m.register_parameter(a + "_wp", nn.Parameter(wp.reshape(1)))
            m.register_parameter(a + "_wn", nn.Parameter(wn.reshape(1)))
            out[label] = {"wp": float(wp), "wn": float(wn)}
        hook = _Hook(a, float(threshold), binary)
        m.register_forward_pre_hook(hook)
        derive_with(m, a, hook.compute)       # deep-copyable after fit; regularisers
        mark(m, a, "nnlab.compress.ternarize",
             "Use model.save_weights(path) and load them into the same architecture "
             "ternarized again (ternarize(model) then model.load_weights(path)); read the "
             "levels with nnlab.compress.ternary.weight_levels.")
        with torch.enable_grad():
            setattr(m, a, hook.compute(m))
    compiled = getattr(model, "compiled", None)
    if compiled is not None and hasattr(compiled, "optimizer"):
        compiled.optimizer = None
    return out


def weight_levels(module: nn.Module, attr: str = "kernel") -> list:
    """Sorted distinct values of the weight the forward pass uses."""
    return sorted(set(getattr(module, attr).detach().flatten().tolist()))
