"""Guided backpropagation (Springenberg, Dosovitskiy, Brox and Riedmiller, "Striving for
Simplicity: The All Convolutional Net", ICLR 2015 workshop, sec. 3.4): backpropagate to
the input, but at every ReLU pass only positive gradients where the forward input was
positive::

    R_l = (f_l > 0) * (R_{l+1} > 0) * R_{l+1}

Implemented as captum's ``GuidedBackprop``: a backward hook on every ReLU module returns
``relu(grad_input)``. Here the hooked modules are ``torch.nn.ReLU``/``ReLU6`` and nnlab's
``ReLU`` layers and ``Activation('relu' | 'relu6')`` layers. In-place ReLUs are switched to
out-of-place for the pass; hooks are removed and ``inplace`` flags restored afterwards,
even when the pass raises, so the model is left exactly as it was.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, List

import torch
import torch.nn.functional as F
from torch import nn

from ._common import TargetType, check_inputs
from .saliency import Attribution, input_gradients


def relu_modules(model: nn.Module) -> List[nn.Module]:
    """The model's ReLU-like modules (what guided backprop rewrites)."""
    from ..layers.activation import Activation, ReLU as NnlabReLU
    found = []
    for m in model.modules():
        if isinstance(m, (nn.ReLU, nn.ReLU6, NnlabReLU)):
            found.append(m)
        elif isinstance(m, Activation) and getattr(m, "activation_name", None) in ("relu",
                                                                                   "relu6"):
            found.append(m)
    return found


def _guided_hook(module, grad_input, grad_output):
    return tuple(None if g is None else F.relu(g) for g in grad_input)


@contextmanager
def guided_relus(model: nn.Module) -> Iterator[List[nn.Module]]:
    """Within the block, every ReLU of ``model`` backpropagates guided gradients."""
    relus = relu_modules(model)
    inplace = [(m, m.inplace) for m in relus if getattr(m, "inplace", False)]
    handles = []
    try:
        for m, _ in inplace:
            m.inplace = False        # full backward hooks cannot see in-place outputs
        handles = [m.register_full_backward_hook(_guided_hook) for m in relus]
        yield relus
    finally:
        for h in handles:
            h.remove()
        for m, flag in inplace:
            m.inplace = flag


class GuidedBackprop(Attribution):
    """``GuidedBackprop(model).attribute(inputs, target)``: the guided gradient of the
    target score, shaped like ``inputs`` (signed, as captum; take ``abs().amax(channel)``
    or :func:`~nnlab.interpret.plotting.normalize` to draw it).

    Raises:
        ValueError: the model has no ReLU module to guide (e.g. it calls ``F.relu``).
    """

    def attribute(self, inputs: torch.Tensor, target: TargetType = None):
        check_inputs(inputs)
        if not relu_modules(self.model):
            raise ValueError(f"GuidedBackprop: {type(self.model).__name__} has no ReLU "
                             f"module (nn.ReLU, nnlab ReLU or Activation('relu')) to guide; "
                             f"functional relu calls cannot be hooked")
        with guided_relus(self.model):
            grad, _ = input_gradients(self.model, inputs, target)
        return grad
