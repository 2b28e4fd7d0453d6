"""Convolutional sliding windows: turn a classifier's Flatten + Dense head into convolutions.

A classifier trained on ``h x w`` crops ends in ``Flatten -> Dense(u1) -> ... -> Dense(uk)``.
The first Dense sees the whole ``(fh, fw, c)`` feature map, so it *is* a ``Conv2D(u1,
(fh, fw))`` with the same weights; later Dense layers are ``1 x 1`` convolutions. The result
applied to a larger ``H x W`` image gives, in one pass, the classifier's output for every
window (stride = the product of the feature extractor's strides) -- OverFeat's trick.
"""
from __future__ import annotations

from typing import Optional, Sequence

import torch
from torch import nn

from .. import config
from ..layers import Conv2D, Dense, Flatten, Input
from ..models.sequential import Sequential

__all__ = ["fully_convolutional"]

# Layers that act per position (or not at all at inference) and so survive as they are.
_PASSTHROUGH = ("Dropout", "Activation", "ReLU", "LeakyReLU", "Softmax", "ELU", "PReLU",
                "GaussianNoise", "GaussianDropout", "AlphaDropout", "SpatialDropout2D")


class _ChannelActivation(nn.Module):
    """Applies a Dense layer's activation along the channel axis of a conv output."""

    def __init__(self, fn, channels_first: bool):
        super().__init__()
        self.fn, self.channels_first = fn, channels_first

    def forward(self, x):
        if not self.channels_first:
            return self.fn(x)
        return self.fn(x.movedim(1, -1)).movedim(-1, 1)


def fully_convolutional(model: Sequential, input_shape: Optional[Sequence[int]] = None
                        ) -> Sequential:
    """Return a Sequential whose Dense head is replaced by equivalent convolutions.

    Args:
        model: a built ``Sequential`` ending in ``Flatten`` then ``Dense`` layers (with
            ``Dropout``/activation layers in between allowed).
        input_shape: the crop shape the classifier was trained on, without batch (defaults
            to ``model.input_shape``).

    Returns a model sharing the convolutional trunk's weights; input ``(batch, H, W, C)``
    with ``H, W >=`` the crop size, output ``(batch, H', W', units)`` where
    ``[:, i, j]`` equals the classifier's output on the window at ``(i * s, j * s)``.

    Raises ValueError naming the layer when the head cannot become convolutions.
    """
    if not isinstance(model, Sequential):
        raise TypeError(f"fully_convolutional: expected an nnlab Sequential model, got "
                        f"{type(model).__name__}")
    layers = list(model.layers)
    flat = [i for i, layer in enumerate(layers) if isinstance(layer, Flatten)]
    if not flat:
        raise ValueError("fully_convolutional: the model has no Flatten layer, so there is no "
                         "Flatten + Dense head to convert")
    fi = flat[0]
    shape = tuple(input_shape) if input_shape is not None else tuple(model.input_shape[1:])
    if len(shape) != 3 or any(d is None for d in shape):
        raise ValueError(f"fully_convolutional: need the 3-D crop shape (h, w, c) the model "
                         f"was trained on, got {shape}")
    channels_first = config.image_data_format() == "channels_first"
    trunk = layers[:fi]
    for layer in trunk:
        if "Global" in type(layer).__name__:
            raise ValueError(f"fully_convolutional: layer {layer.name!r} "
                             f"({type(layer).__name__}) pools over the whole image, so on a "
                             f"larger image it would mix all windows together")
    with torch.no_grad():
        x = torch.zeros((1,) + shape)
        for layer in trunk:
            x = layer(x)
    if x.ndim != 4:
        raise ValueError(f"fully_convolutional: Flatten layer {layers[fi].name!r} receives a "
                         f"{x.ndim}-D tensor {tuple(x.shape)}; only image feature maps "
                         f"(batch, h, w, c) can be slid over")
    if channels_first:
        c, fh, fw = x.shape[1:]
    else:
        fh, fw, c = x.shape[1:]
    new, first, copies = list(trunk), True, []
    for layer in layers[fi + 1:]:
        kind = type(layer).__name__
        if isinstance(layer, Dense):
            kernel = layer.kernel.detach()
            if first:
                if kernel.shape[1] != fh * fw * c:
                    raise ValueError(f"fully_convolutional: Dense {layer.name!r} expects "
                                     f"{kernel.shape[1]} inputs but Flatten gives "
                                     f"{fh}*{fw}*{c}={fh * fw * c}")
                k = kernel.reshape(-1, c, fh, fw) if channels_first else \
                    kernel.reshape(-1, fh, fw, c).permute(0, 3, 1, 2)
            else:
                k = kernel[:, :, None, None]
            conv = Conv2D(layer.units, tuple(k.shape[2:]), use_bias=layer.bias is not None,
                          name=f"{layer.name}_as_conv")
            copies.append((conv, k.contiguous(), layer.bias))
            new.append(conv)
            new.append(_ChannelActivation(layer.activation, channels_first))
            first = False
        elif kind in _PASSTHROUGH:
            if kind in ("Softmax",) and getattr(layer, "axis", -1) != -1:
                raise ValueError(f"fully_convolutional: Softmax {layer.name!r} is not over the "
                                 f"last axis")
            new.append(layer if not (channels_first and kind == "Softmax")
                       else _ChannelActivation(layer, True))
        else:
            raise ValueError(f"fully_convolutional: layer {layer.name!r} ({kind}) after "
                             f"Flatten has no convolutional equivalent: only Dense (-> Conv2D), "
                             f"Dropout and activation layers can follow Flatten, since each "
                             f"window must be scored independently")
    if first:
        raise ValueError("fully_convolutional: no Dense layer after Flatten, nothing to convert")
    free = (shape[0], None, None) if channels_first else (None, None, shape[2])
    out = Sequential([Input(free)] + new, name=f"{model.name}_fully_convolutional")
    with torch.no_grad():
        out(torch.zeros((1,) + shape))   # builds the new convolutions, then copy weights in
        for conv, k, bias in copies:
            conv.kernel.copy_(k)
            if bias is not None:
                conv.bias.copy_(bias.detach())
    return out
