"""Weights a forward pre-hook derives from others (pruning's ``orig * mask``, weight
sharing's ``centroids[indices]``, ternary ``{-wn, 0, wp}``): kept deep-copyable, and read
afresh by regularisers.

Such a hook sets ``module.<attr>`` before each call to a tensor that is part of the
call's autograd graph. Left there after the call, it makes ``copy.deepcopy(model)`` fail
after any training step (torch refuses to deep-copy a non-leaf tensor; ``quantize_int8``
starts with a deep copy). :class:`DetachAfterForward` replaces it by its detached value
once the call is over (the graph lives on in the output); :func:`current_weight` gives
regularisers the weight with a fresh graph, so their gradient still reaches the
parameters it is derived from.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

__all__ = ["DetachAfterForward", "detach_after_forward", "remove_derived", "current_weight",
           "derive_with"]

_COMPUTE = "_derived_weight_compute"


class DetachAfterForward:
    """Forward hook: ``module.<attr>`` detached once the call is over."""

    def __init__(self, attr: str):
        self.attr = attr

    def __call__(self, module, inputs, output):
        value = module.__dict__.get(self.attr)
        if isinstance(value, torch.Tensor) and value.grad_fn is not None:
            module.__dict__[self.attr] = value.detach()


def detach_after_forward(module: nn.Module, attr: str) -> None:
    module.register_forward_hook(DetachAfterForward(attr))


def derive_with(module: nn.Module, attr: str,
                compute: Callable[[nn.Module], torch.Tensor]) -> None:
    """Declare how ``module.<attr>`` is computed (for :func:`current_weight`) and detach it
    after each call."""
    computes = dict(module.__dict__.get(_COMPUTE, {}))
    computes[attr] = compute
    object.__setattr__(module, _COMPUTE, computes)
    detach_after_forward(module, attr)


def remove_derived(module: nn.Module, attr: str) -> None:
    """``module.<attr>`` is a plain weight again: drop its hook and its compute."""
    for key, hook in list(module._forward_hooks.items()):
        if isinstance(hook, DetachAfterForward) and hook.attr == attr:
            del module._forward_hooks[key]
    computes = dict(module.__dict__.get(_COMPUTE, {}))
    computes.pop(attr, None)
    object.__setattr__(module, _COMPUTE, computes)


def current_weight(module: nn.Module, attr: str) -> torch.Tensor:
    """``module.<attr>`` as the next forward computes it, with a fresh autograd graph:
    ``orig * mask`` when pruned, the declared compute when derived, else the weight."""
    if attr + "_orig" in module._parameters and hasattr(module, attr + "_mask"):
        return module._parameters[attr + "_orig"] * getattr(module, attr + "_mask")
    compute = module.__dict__.get(_COMPUTE, {}).get(attr)
    return compute(module) if compute is not None else getattr(module, attr)
