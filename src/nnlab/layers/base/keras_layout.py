"""Keras' weight layouts for ``get_weights``/``set_weights`` (torch's stay in ``state_dict``).

nnlab stores weights as torch's kernels want them; Keras users copy weights as Keras
lays them out. A rule maps one weight between the two (``to_keras`` and its inverse
``to_torch``); each layer class declares its rules in ``keras_weight_rule(name)``, built
from the helpers below:

==========================  =====================================  ==========================
weight                      torch layout (``state_dict``)          Keras layout
==========================  =====================================  ==========================
Dense kernel                ``(units, in)``                        ``(in, units)``
ConvND kernel               ``(filters, in/groups, *k)``           ``(*k, in/groups, filters)``
ConvNDTranspose kernel      ``(in, filters, *k)``                  ``(*k, filters, in)``
Depthwise kernel            ``(in*m, 1, *k)``                      ``(*k, in, m)``
Separable pointwise         ``(filters, in*m, 1..)``               ``(1.., in*m, filters)``
LSTM / SimpleRNN kernels    ``(4u, in)`` / ``(4u, u)`` (i,f,g,o)   ``(in, 4u)`` / ``(u, 4u)`` (i,f,c,o)
GRU kernels, bias           gates (r, z, n); bias ``(2, 3u)``      gates (z, r, h); bias ``(2, 3u)``
MultiHeadAttention q/k/v    ``(heads*dim, in)``, bias ``(h*d,)``   ``(in, heads, dim)``, ``(heads, dim)``
MultiHeadAttention output   ``(out, heads*dim)``                   ``(heads, dim, out)``
==========================  =====================================  ==========================

Every other weight (biases, BatchNormalization's gamma/beta/moving_mean/moving_variance,
Embedding, LayerNormalization...) has the same layout in both. The order is Keras':
each layer's own weights in creation order, then its sublayers', layer by layer.
"""
from __future__ import annotations

from typing import Any, Callable, List, Optional, Sequence, Tuple

import numpy as np
import torch

from .pruned_weights import is_pruned_weight, refresh_pruned
from .reparametrised import refuse_reparametrised

Rule = Tuple[Callable[[torch.Tensor], torch.Tensor], Callable[[torch.Tensor, tuple], torch.Tensor]]


def _reverse_conv(t: torch.Tensor) -> torch.Tensor:
    """torch ``(A, B, *k)`` -> Keras ``(*k, B, A)``."""
    n = t.dim()
    return t.permute(*range(2, n), 1, 0)


def _reverse_conv_back(t: torch.Tensor, shape: tuple) -> torch.Tensor:
    n = t.dim()
    return t.permute(n - 1, n - 2, *range(n - 2))


def _transpose(t: torch.Tensor) -> torch.Tensor:
    return t.t()


def _transpose_back(t: torch.Tensor, shape: tuple) -> torch.Tensor:
    return t.t()


#: Dense and recurrent kernels: torch ``(out, in)`` <-> Keras ``(in, out)``
TRANSPOSE: Rule = (_transpose, _transpose_back)
#: convolution kernels: torch ``(A, B, *k)`` <-> Keras ``(*k, B, A)``
REVERSE_CONV: Rule = (_reverse_conv, _reverse_conv_back)


def _gru_order(t: torch.Tensor, axis: int) -> torch.Tensor:
    """Swap the first two of three gate blocks along ``axis``: (r, z, n) <-> (z, r, h)."""
    r, z, n = t.chunk(3, dim=axis)
    return torch.cat([z, r, n], dim=axis)


#: GRU kernels: torch gates (r, z, n) ``(3u, in)`` <-> Keras gates (z, r, h) ``(in, 3u)``
GRU_KERNEL: Rule = ((lambda t: _gru_order(t, 0).t()), (lambda t, s: _gru_order(t.t(), 0)))
#: GRU bias ``(2, 3u)``: the same gate swap on the last axis
GRU_BIAS: Rule = ((lambda t: _gru_order(t, -1)), (lambda t, s: _gru_order(t, -1)))


def depthwise_rule(depth_multiplier: int) -> Rule:
    """Depthwise kernels: torch ``(C*m, 1, *k)`` <-> Keras ``(*k, C, m)``."""
    m = depth_multiplier

    def to_keras(t):  # (C*m, 1, *k) -> (C, m, *k) -> (*k, C, m)
        k = tuple(t.shape[2:])
        t = t.reshape((t.shape[0] // m, m) + k)
        return t.permute(*range(2, t.dim()), 0, 1)

    def to_torch(t, shape):  # (*k, C, m) -> (C, m, *k) -> (C*m, 1, *k)
        n = t.dim()
        t = t.permute(n - 2, n - 1, *range(n - 2))
        return t.reshape(shape)
    return to_keras, to_torch


def attention_rule(num_heads: int, name: str) -> Optional[Rule]:
    """MultiHeadAttention's ``{query,key,value,output}_{kernel,bias}`` (see the table)."""
    heads = num_heads
    part, _, kind = name.rpartition("_")
    if kind == "bias" and part != "output":
        return (lambda t: t.reshape(heads, -1)), (lambda t, shape: t.reshape(shape))
    if kind != "kernel":
        return None
    if part == "output":
        def to_keras(t):  # (out, h*d) -> (h*d, out) -> (h, d, out)
            return t.t().reshape(heads, -1, t.shape[0])

        def to_torch(t, shape):
            return t.reshape(-1, t.shape[-1]).t()
        return to_keras, to_torch

    def to_keras_kernel(t):  # (h*d, in) -> (in, h*d) -> (in, h, d)
        return t.t().reshape(t.shape[1], heads, -1)

    def to_torch_kernel(t, shape):
        return t.reshape(t.shape[0], -1).t()
    return to_keras_kernel, to_torch_kernel


def rule(layer, name: str) -> Optional[Rule]:
    """The (to_keras, to_torch) pair for weight ``name`` of ``layer``, or None (same).

    Each layer class declares its own layout in ``keras_weight_rule(name)``; a plain
    ``torch.nn.Module`` keeps torch's layout."""
    declared = getattr(layer, "keras_weight_rule", None)
    return declared(name) if declared is not None else None


def _entries(model) -> List[Tuple[str, Any, str, torch.Tensor]]:
    """``(qualified name, owning module, local name, tensor)`` for every weight: the
    float ones and the integer ones ``add_weight`` made (Normalization's ``count``),
    each once (a weight kept under two names, ``add_weight(name="kernel")`` as
    ``self.w``, is one weight).

    A pruned weight (``kernel_orig`` and ``kernel_mask``) is one entry: local name
    ``kernel``, tensor ``orig * mask``, state name ``...kernel_orig`` (what
    ``set_weights`` writes); see :mod:`nnlab.layers.base.pruned_weights`."""
    out, seen = [], set()
    for qualified, tensor in model.state_dict(keep_vars=True).items():
        path, _, local = qualified.rpartition(".")
        owner = model.get_submodule(path) if path else model
        if id(tensor) in seen or not (tensor.is_floating_point() or
                                      local in owner.__dict__.get("_int_weights", ())):
            continue
        seen.add(id(tensor))
        if local.endswith("_mask") and is_pruned_weight(owner, local[:-5]):
            continue
        if local.endswith("_orig") and is_pruned_weight(owner, local[:-5]):
            local = local[:-5]
            tensor = tensor * getattr(owner, local + "_mask")
        out.append((qualified, owner, local, tensor))
    return out


def get_weights(model) -> List[np.ndarray]:
    """Every float weight of ``model`` as numpy, in Keras' layouts and order."""
    refuse_reparametrised(model, "get_weights")
    arrays = []
    for _, owner, local, tensor in _entries(model):
        r = rule(owner, local)
        t = tensor.detach()
        arrays.append((r[0](t) if r else t).cpu().numpy().copy())
    return arrays


def set_weights(model, weights: Sequence[Any]) -> None:
    """Load ``weights`` given in Keras' layouts and order; checks every shape first and
    changes nothing when one is wrong (the error names the weight)."""
    refuse_reparametrised(model, "set_weights")
    entries = _entries(model)
    weights = list(weights)
    if len(weights) != len(entries):
        names = ", ".join(q for q, *_ in entries[:12])
        raise ValueError(f"Layer {model.name!r} has {len(entries)} weight arrays ({names}"
                         f"{', ...' if len(entries) > 12 else ''}); set_weights got "
                         f"{len(weights)}")
    state = {}
    for (qualified, owner, local, current), value in zip(entries, weights):
        r = rule(owner, local)
        expected = tuple(r[0](current.detach()).shape) if r else tuple(current.shape)
        value = torch.as_tensor(np.asarray(value), dtype=current.dtype)
        if tuple(value.shape) != expected:
            raise ValueError(f"Layer {model.name!r}: weight {qualified!r} expects shape "
                             f"{expected} (Keras layout), got {tuple(value.shape)}")
        state[qualified] = (r[1](value, tuple(current.shape)) if r else value).contiguous()
    model.load_state_dict(state, strict=False)
    refresh_pruned(model)
