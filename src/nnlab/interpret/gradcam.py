"""Grad-CAM (Selvaraju et al., "Grad-CAM: Visual Explanations from Deep Networks via
Gradient-based Localization", ICCV 2017, eq. 1-2)::

    alpha_k = mean_{i,j} d y_c / d A^k_ij        (global-average-pooled gradients)
    L_c     = ReLU( sum_k alpha_k A^k )          (a coarse map at the layer's resolution)

``A`` is the output of ``layer`` (usually the last convolutional block). As captum's
``LayerGradCam`` (``relu_attributions=True``) at the layer's resolution; by default the
map is upsampled bilinearly to the input's height and width, so it has the inputs'
shape with one channel: ``(batch, H, W, 1)`` channels_last or ``(batch, 1, H, W)``.
"""
from __future__ import annotations

from typing import Optional, Union

import torch
import torch.nn.functional as F
from torch import nn

from ._common import (TargetType, channel_axis, check_inputs, data_format_of, num_outputs,
                      resolve_layer, select, target_index)
from .saliency import Attribution, reusing_large_blocks


def layer_output_and_grad(model: nn.Module, layer: nn.Module, inputs: torch.Tensor,
                          target: Optional[torch.Tensor]):
    """The layer's output ``A`` and ``d S_target / d A`` in one forward/backward pass."""
    store = {}

    def hook(module, args, output):
        store["out"] = output

    handle = layer.register_forward_hook(hook)
    try:
        with torch.enable_grad():
            out = model(inputs)
            if "out" not in store:
                raise ValueError(f"layer {getattr(layer, 'name', type(layer).__name__)!r} did "
                                 f"not run in the model's forward pass")
            act = store["out"]
            if not act.requires_grad:
                raise ValueError("the layer's output does not depend on trainable inputs; "
                                 "pick a layer after the input")
            (grad,) = torch.autograd.grad(select(out, target).sum(), act)
    finally:
        handle.remove()
    return act.detach(), grad


class GradCAM(Attribution):
    """``GradCAM(model, layer).attribute(inputs, target, relu_attributions=True,
    upsample=True)``.

    Args:
        layer: the name of a layer of ``model`` (nnlab name or ``named_modules`` path) or
            the module itself; its output must be ``(batch, h, w, k)`` / ``(batch, k, h, w)``.
        data_format: layout of the layer's output and the inputs; default the global one
            for nnlab models, channels_first for plain modules.
        scores: ``"output"`` (what the model returns) or ``"logits"`` (the scores before
            its final softmax; see :class:`~nnlab.interpret.saliency.Attribution`).

    Returns: ``(batch, H, W, 1)`` (channels_last) or ``(batch, 1, H, W)`` with
    ``upsample=True``; the layer-resolution map ``(batch, h, w, 1)`` / ``(batch, 1, h, w)``
    otherwise.

    Raises:
        ValueError: unknown layer (the message lists the names), target out of range.
    """

    def __init__(self, model: nn.Module, layer: Union[str, nn.Module],
                 data_format: Optional[str] = None, scores: str = "output") -> None:
        super().__init__(model, scores)
        self.layer = resolve_layer(model, layer)
        self.data_format = data_format_of(model, data_format)

    @reusing_large_blocks
    def attribute(self, inputs: torch.Tensor, target: TargetType = None,
                  relu_attributions: bool = True, upsample: bool = True):
        check_inputs(inputs)
        checked = target_index(target, inputs.shape[0], num_outputs(self.model, inputs)) \
            if target is not None else None
        x = inputs.detach().clone().requires_grad_(True)
        act, grad = layer_output_and_grad(self.model, self.layer, x, checked)
        axis = channel_axis(self.data_format)
        if act.dim() != 4:
            raise ValueError(f"GradCAM needs a layer with a 4-D output (batch, h, w, k), got "
                             f"{tuple(act.shape)}")
        spatial = (1, 2) if axis == -1 else (2, 3)
        alpha = grad.mean(dim=spatial, keepdim=True)                  # (batch, 1, 1, k)
        cam = (alpha * act).sum(dim=axis, keepdim=True)                # (batch, h, w, 1)
        if relu_attributions:
            cam = F.relu(cam)
        if not upsample:
            return cam
        size = inputs.shape[1:3] if axis == -1 else inputs.shape[2:4]
        nchw = cam if axis == 1 else cam.permute(0, 3, 1, 2)
        up = F.interpolate(nchw, size=tuple(size), mode="bilinear", align_corners=False)
        return up if axis == 1 else up.permute(0, 2, 3, 1)
