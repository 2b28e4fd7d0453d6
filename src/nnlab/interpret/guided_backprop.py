"""Guided backpropagation (Springenberg, Dosovitskiy, Brox and Riedmiller, "Striving for
Simplicity: The All Convolutional Net", ICLR 2015 workshop, sec. 3.4): backpropagate to
the input, but at every ReLU pass only positive gradients where the forward input was
positive::

    R_l = (f_l > 0) * (R_{l+1} > 0) * R_{l+1}

captum's ``GuidedBackprop`` hooks ``nn.ReLU`` modules, so it cannot see the ReLUs most
Keras-style models have: ``Conv2D(..., activation="relu")`` and ``torch.relu(x)`` /
``F.relu(x)`` in a plain module's ``forward``. Here every ReLU *call* is guided instead:
for the duration of the pass a ``torch.overrides.TorchFunctionMode`` sees each
``torch.relu``, ``F.relu``, ``Tensor.relu`` and ``F.relu6`` call (``nn.ReLU``,
``nn.ReLU6``, nnlab's ``ReLU`` layer and ``activation="relu"``/``"relu6"`` all make one),
runs it unchanged and passes its output through an identity whose backward keeps only
positive gradients. Since ``(f > 0) >= 0``, ``relu(g) * (f > 0) == relu(g * (f > 0))``:
the same as captum's hook on ``grad_input``. Nothing in the model is changed; leaving
the block (also by an exception) ends the guidance.

Refused with a clear error: a model in which no ReLU ran (the gradient would be plain
saliency: use :class:`~nnlab.interpret.Saliency`), and a model calling the in-place
``torch.relu_``/``Tensor.relu_`` whose result is not passed on (rewrite as
``x = torch.relu(x)``).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, List

import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

from ._common import TargetType, check_inputs
from .saliency import Attribution, reusing_large_blocks, input_gradients

#: the ReLU calls guided (functions torch's function mode reports)
_GUIDED = {torch.relu, F.relu, torch.Tensor.relu, F.relu6}
_IN_PLACE = {torch.relu_, torch.Tensor.relu_}


def relu_modules(model: nn.Module) -> List[nn.Module]:
    """The model's ReLU-like modules (``nn.ReLU``/``ReLU6``, nnlab ``ReLU`` layers and
    ``Activation('relu' | 'relu6')``). Guided backprop guides these and every
    functional ReLU call (``activation="relu"``, ``torch.relu``) as well."""
    from ..layers.activation import Activation, ReLU as NnlabReLU
    found = []
    for m in model.modules():
        if isinstance(m, (nn.ReLU, nn.ReLU6, NnlabReLU)):
            found.append(m)
        elif isinstance(m, Activation) and getattr(m, "activation_name", None) in ("relu",
                                                                                   "relu6"):
            found.append(m)
    return found


class _PositiveGradient(torch.autograd.Function):
    """Identity forward; backward lets only positive gradients through."""

    @staticmethod
    def forward(ctx, x):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad):
        return F.relu(grad)


class _GuidedReLUMode(TorchFunctionMode):
    """Every ReLU call made under this mode backpropagates guided gradients."""

    def __init__(self):
        super().__init__()
        self.guided = 0
        self.in_place: List[str] = []

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if func in _GUIDED and isinstance(out, torch.Tensor) and out.requires_grad:
            self.guided += 1
            return _PositiveGradient.apply(out)
        if func in _IN_PLACE:
            self.in_place.append(getattr(func, "__qualname__", str(func)))
        return out


@contextmanager
def guided_relus(model: nn.Module) -> Iterator["_GuidedReLUMode"]:
    """Within the block, every ReLU call (module, ``activation=`` or functional) runs as
    usual and backpropagates guided gradients. Yields the mode: ``.guided`` counts the
    ReLU calls guided, ``.in_place`` names in-place ReLU calls it could not guide."""
    with _GuidedReLUMode() as mode:
        yield mode


class GuidedBackprop(Attribution):
    """``GuidedBackprop(model).attribute(inputs, target)``: the guided gradient of the
    target score, shaped like ``inputs`` (signed, as captum; take ``abs().amax(channel)``
    or :func:`~nnlab.interpret.plotting.normalize` to draw it).

    Works on every way of building a model: ReLU modules, ``activation="relu"`` and
    functional ``torch.relu``/``F.relu`` calls are all guided (see the module docstring).

    Raises:
        ValueError: no ReLU ran in the model's forward pass (nothing to guide), or the
            model calls the in-place ``relu_`` without using its result.
    """

    @reusing_large_blocks
    def attribute(self, inputs: torch.Tensor, target: TargetType = None):
        check_inputs(inputs)
        with guided_relus(self.model) as mode:
            grad, _ = input_gradients(self.model, inputs, target)
        net = self.network
        name = f"{type(net).__name__} {getattr(net, 'name', '')!r}".rstrip(" '")
        if mode.in_place:
            raise ValueError(f"GuidedBackprop: model {name} calls the in-place "
                             f"{', '.join(sorted(set(mode.in_place)))}, which cannot be "
                             f"guided; write x = torch.relu(x) (or use nn.ReLU) instead")
        if not mode.guided:
            raise ValueError(f"GuidedBackprop: no ReLU ran in the forward pass of model "
                             f"{name} (looked for nn.ReLU/ReLU6, activation='relu'/'relu6', "
                             f"torch.relu, F.relu, Tensor.relu): there is nothing to guide. "
                             f"For plain gradients use nnlab.interpret.Saliency")
        return grad
