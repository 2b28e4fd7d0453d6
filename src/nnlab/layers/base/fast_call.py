"""Calling a model's inner layers without the per-call wrapper frames when nothing observes
the call (the hot path of ``Sequential`` in every training step).

``layer(x)`` runs three Python frames before ``forward``: nnlab's ``Layer.__call__``
(numpy and symbolic inputs) and torch's ``Module.__call__`` / ``_call_impl`` (hooks, JIT
tracing, ``torch.compile``'s compiled call). Inside a model the input is a real tensor
from the previous layer, so when the layer has no hooks, no global module hooks are
registered, nothing is being JIT-traced and the layer was not compiled on its own,
``layer.forward(x)`` is the same call, a few microseconds cheaper per layer. Any hook
(captum, ``register_forward_hook``, pruning's pre-hooks) sends the call the full way.
Written by hand: torch has no public "call without hooks" entry point.
"""
from __future__ import annotations

from typing import Any

import torch
from torch.nn.modules import module as _module


def observed(layer: torch.nn.Module) -> bool:
    """True when a call of ``layer`` must take the full way: a hook on it or a global
    one, JIT tracing in progress, or the layer compiled on its own."""
    return bool(layer._forward_hooks or layer._forward_pre_hooks or layer._backward_hooks
                or layer._backward_pre_hooks or _module._global_forward_hooks
                or _module._global_forward_pre_hooks or _module._global_backward_hooks
                or _module._global_backward_pre_hooks
                or layer._compiled_call_impl is not None or torch._C._get_tracing_state())


def call_layer(layer: torch.nn.Module, x: Any) -> Any:
    """``layer(x)`` for a real tensor ``x``, skipping the wrapper frames when unobserved."""
    # observed(layer), inlined: this runs for every layer of every step
    if (layer._forward_hooks or layer._forward_pre_hooks or layer._backward_hooks
            or layer._backward_pre_hooks or _module._global_forward_hooks
            or _module._global_forward_pre_hooks or _module._global_backward_hooks
            or _module._global_backward_pre_hooks or layer._compiled_call_impl is not None
            or torch._C._get_tracing_state()):
        return layer(x)
    return layer.forward(x)


def direct_call(layer: torch.nn.Module) -> Any:
    """What :func:`call_layer` would call, decided once for many calls in a row (every
    batch of one ``predict``): ``layer.forward`` when nothing observes ``layer`` now,
    else ``layer`` itself (its hooks, tracing or compiled call run). Only for real
    tensor inputs, as :func:`call_layer`."""
    return layer if observed(layer) else layer.forward
