"""Low-rank factorisation (Denton et al. 2014; Jaderberg et al. 2014) by truncated SVD.

``factorize(model, rank=r)`` or ``factorize(model, energy=0.9)`` replaces, in place:

- a ``Dense`` kernel ``W`` ``(units, in)`` by ``U_r sqrt(S_r)`` ``(units, r)`` and
  ``sqrt(S_r) V_r^T`` ``(r, in)``: two thinner matrix products, ``r (units + in)``
  weights instead of ``units * in``;
- a ``Conv2D`` kernel ``(out, in, kh, kw)`` by a ``kh x kw`` convolution with ``r``
  filters (same strides, padding, dilation) followed by a ``1 x 1`` convolution to
  ``out`` filters: the SVD of the kernel reshaped ``(out, in * kh * kw)``.

``energy`` picks the smallest rank keeping that fraction of ``sum(S^2)``. At full rank
the layer's outputs are reproduced (up to float rounding). The factors are trainable
Parameters ``kernel_u``/``kernel_v``; fine-tune with ``fit`` (the compiled optimiser is
rebuilt). The SVD is ``torch.linalg.svd``.
"""
from __future__ import annotations

import types
from typing import Dict, Optional, Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..layers.base.reparametrised import mark
from ._layers import layer_label

__all__ = ["factorize", "FACTORIZABLE"]

FACTORIZABLE = ("Dense", "Conv2D")


def _targets(model: nn.Module, layers: Optional[Sequence]):
    if layers is None:
        found = [m for m in model.modules() if type(m).__name__ in FACTORIZABLE
                 and type(m).__module__.startswith("nnlab.") and hasattr(m, "kernel")]
        if not found:
            torch_layers = [type(m).__name__ for m in model.modules()
                            if isinstance(m, (nn.Linear, nn.Conv2d))]
            hint = (f" (its torch {', '.join(sorted(set(torch_layers)))} layers are not "
                    f"factorised: build them as nnlab Dense/Conv2D, or factorise with "
                    f"torch.linalg.svd yourself)") if torch_layers else ""
            raise ValueError(f"model {getattr(model, 'name', type(model).__name__)!r} has no "
                             f"layer that can be factorised; supported layer types: "
                             f"{', '.join(FACTORIZABLE)}{hint}")
        return found
    by_name = {layer_label(n, m): m for n, m in model.named_modules()}
    out = []
    for spec in layers:
        m = by_name.get(spec) if isinstance(spec, str) else spec
        if m is None:
            raise ValueError(f"layers: no layer named {spec!r} in the model")
        if type(m).__name__ not in FACTORIZABLE or not type(m).__module__.startswith("nnlab."):
            raise TypeError(f"layer {layer_label('', m)!r} of type {type(m).__name__} cannot be "
                            f"factorised; supported layer types: {', '.join(FACTORIZABLE)}")
        out.append(m)
    return out


def _matrix(m: nn.Module) -> torch.Tensor:
    w = m.kernel.detach()
    return w.reshape(w.shape[0], -1)


def _dense_call(self, inputs):
    return self.activation(F.linear(F.linear(inputs, self.kernel_v), self.kernel_u, self.bias))


def _conv2d_call(self, inputs):
    from ..layers.conv_utils import to_user_layout
    x, pad = self._padded_channels_first(inputs)
    y = F.conv2d(x, self.kernel_v, None, self.strides, pad, self.dilation_rate)
    y = F.conv2d(y, self.kernel_u, self.bias)
    return self.activation(to_user_layout(y, self.data_format))


@torch.no_grad()
def factorize(model: nn.Module, rank: Optional[int] = None, energy: Optional[float] = None,
              layers: Optional[Sequence] = None) -> Dict[str, dict]:
    """Factorise the selected Dense/Conv2D layers in place.

    Returns ``{layer: {'rank', 'max_rank', 'params_before', 'params_after', 'energy'}}``.
    Every argument is checked for every layer before any layer changes.
    """
    if (rank is None) == (energy is None):
        raise ValueError("factorize: give exactly one of rank= or energy=")
    if rank is not None and (isinstance(rank, bool) or not isinstance(rank, int) or rank < 1):
        raise ValueError(f"rank must be a positive int, got {rank!r}")
    if energy is not None and (isinstance(energy, bool) or not isinstance(energy, (int, float))
                               or not 0.0 < energy <= 1.0):
        raise ValueError(f"energy must be a number in (0, 1], got {energy!r}")
    targets = _targets(model, layers)
    plans = []
    for m in targets:
        label = layer_label("", m)
        if hasattr(m, "kernel_mask") or hasattr(m, "kernel_centroids") or hasattr(m, "kernel_u"):
            raise ValueError(f"layer {label!r} is pruned, weight-shared or already factorised: "
                             f"strip that first")
        if getattr(m, "groups", 1) != 1:
            raise TypeError(f"layer {label!r}: grouped convolutions cannot be factorised")
        w2 = _matrix(m)
        max_rank = min(w2.shape)
        if rank is not None and rank > max_rank:
            raise ValueError(f"rank {rank} is larger than layer {label!r} allows: its kernel "
                             f"{tuple(m.kernel.shape)} has rank at most {max_rank}")
        u, s, vh = torch.linalg.svd(w2.double(), full_matrices=False)
        if energy is not None:
            frac = torch.cumsum(s ** 2, 0) / torch.sum(s ** 2).clamp_min(1e-300)
            r = int(torch.searchsorted(frac, torch.tensor(energy, dtype=frac.dtype) - 1e-12)) + 1
            r = min(r, max_rank)
        else:
            r = rank
        plans.append((m, label, r, max_rank, u, s, vh))
    out = {}
    for m, label, r, max_rank, u, s, vh in plans:
        w = m.kernel
        root = s[:r].sqrt()
        uu = (u[:, :r] * root).to(w.dtype)
        vv = (root[:, None] * vh[:r]).to(w.dtype)
        before = w.numel()
        if type(m).__name__ == "Conv2D":
            vv = vv.reshape((r,) + tuple(w.shape[1:]))
            uu = uu.reshape(w.shape[0], r, 1, 1)
            call = _conv2d_call
        else:
            call = _dense_call
        del m._parameters["kernel"]
        m.register_parameter("kernel_u", nn.Parameter(uu.contiguous()))
        m.register_parameter("kernel_v", nn.Parameter(vv.contiguous()))
        m.call = types.MethodType(call, m)
        mark(m, "kernel", "nnlab.compress.factorize",
             "Use model.save_weights(path) and load them into the same architecture "
             "factorised again with the same rank (factorize(model, rank=...) then "
             "model.load_weights(path)).")
        kept = float((s[:r] ** 2).sum() / (s ** 2).sum().clamp_min(1e-300))
        out[label] = {"rank": r, "max_rank": max_rank, "params_before": before,
                      "params_after": uu.numel() + vv.numel(), "energy": kept}
    compiled = getattr(model, "compiled", None)
    if compiled is not None and hasattr(compiled, "optimizer"):
        compiled.optimizer = None
    return out
