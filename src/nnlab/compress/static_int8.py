"""Static post-training int8 quantisation of conv nets with calibration, on torch's
eager-mode ``torch.ao.quantization`` (engine ``x86``, i.e. fbgemm kernels).

``quantize_static_int8(model, calibration_x)`` returns an int8 *copy* (the model is
untouched). The nnlab ``Sequential`` is mirrored by plain torch modules carrying the same
weights -- ``Conv2D`` -> ``nn.Conv2d``, ``Dense`` -> ``nn.Linear``, ``MaxPooling2D`` /
``AveragePooling2D`` -> ``nn.MaxPool2d`` / ``nn.AvgPool2d``, ``relu`` -> ``nn.ReLU`` --
between a ``QuantStub`` and a ``DeQuantStub``; conv/linear + ReLU pairs are fused
(``fuse_modules``); ``prepare`` inserts histogram observers (``get_default_qconfig('x86')``:
per-channel symmetric int8 weights, uint8 activations), the calibration batches run
through it, and ``convert`` swaps in ``torch.ao.nn.quantized`` modules whose scales and
zero points come from the observed ranges. A final ``softmax`` runs in float32 after
dequantisation. channels_last input is permuted once to NCHW before quantisation; the
first ``Dense`` after ``Flatten`` has its input columns reordered from Keras' (height,
width, channels) flattening to torch's (channels, height, width), so no permute runs
inside the int8 graph.

On this torch (2.13) ``torch.ao.quantization`` works but is deprecated in favour of
``torchao`` (not installed); its warnings are silenced here. The mirrored layer types are
the only ones handled; anything else is refused by name before any work.
"""
from __future__ import annotations

from typing import Any, List

import numpy as np
import torch
from torch import nn

from .. import activations
from .int8 import _quiet

__all__ = ["quantize_static_int8", "SUPPORTED_STATIC"]

SUPPORTED_STATIC = ("Conv2D", "Dense", "MaxPooling2D", "AveragePooling2D", "Flatten",
                    "Dropout", "Activation('relu')")


class _StaticInt8(nn.Module):
    """``QuantStub -> int8 body -> DeQuantStub (-> softmax)``; input as the source model's."""

    def __init__(self, body: nn.Sequential, channels_last: bool, softmax: bool):
        super().__init__()
        from torch.ao.quantization import DeQuantStub, QuantStub
        self.quant, self.body, self.dequant = QuantStub(), body, DeQuantStub()
        self.channels_last, self.softmax = channels_last, softmax

    def forward(self, x):
        x = torch.as_tensor(x, dtype=torch.float32)
        if self.channels_last and x.dim() == 4:
            x = x.permute(0, 3, 1, 2)                  # N x H x W x C -> N x C x H x W
        y = self.dequant(self.body(self.quant(x)))
        return torch.softmax(y, -1) if self.softmax else y


def _act(fn, label: str, last: bool) -> List[nn.Module]:
    if fn is None or fn is activations.linear:
        return []
    if fn is activations.relu:
        return [nn.ReLU()]
    if fn is activations.softmax and last:
        return []                                      # applied in float after dequant
    name = getattr(fn, "__name__", repr(fn))
    raise TypeError(f"quantize_static_int8: layer {label!r} has activation {name!r}; supported: "
                    f"relu, linear, and softmax on the last layer")


def _pool_args(layer, label):
    if layer.padding != "valid":
        raise TypeError(f"quantize_static_int8: layer {label!r} needs padding='valid'")
    return dict(kernel_size=layer.pool_size, stride=layer.strides)


def _flatten_inputs(model, sample: torch.Tensor) -> dict:
    """``{id(Flatten layer): its input shape}`` from one forward pass of ``sample``."""
    shapes, hooks = {}, []
    for layer in model.layers:
        if type(layer).__name__ == "Flatten":
            hooks.append(layer.register_forward_hook(
                lambda mod, inp, out: shapes.__setitem__(id(mod), tuple(inp[0].shape[1:]))))
    was = model.training
    model.eval()
    try:
        model(sample)
    finally:
        model.train(was)
        for h in hooks:
            h.remove()
    return shapes


def _mirror(model, flatten_shapes: dict) -> tuple:
    """``(body, fuse groups, channels_last, softmax)`` of plain torch modules."""
    layers = list(getattr(model, "layers", []))
    if type(model).__name__ != "Sequential" or not layers:
        raise TypeError(f"quantize_static_int8 needs an nnlab Sequential, got {type(model).__name__}")
    mods: List[nn.Module] = []
    fuse, chw, channels_last, softmax = [], None, None, False
    for i, layer in enumerate(layers):
        kind, label, last = type(layer).__name__, layer.name, i == len(layers) - 1
        if kind == "Conv2D":
            if layer.groups != 1 or layer.padding != "valid":
                raise TypeError(f"quantize_static_int8: layer {label!r} needs groups=1 and "
                                f"padding='valid'")
            channels_last = layer.data_format == "channels_last" if channels_last is None \
                else channels_last
            conv = nn.Conv2d(layer.kernel.shape[1], layer.filters, layer.kernel_size,
                             layer.strides, 0, layer.dilation_rate, bias=layer.bias is not None)
            conv.weight.data.copy_(layer.kernel.detach())
            if layer.bias is not None:
                conv.bias.data.copy_(layer.bias.detach())
            acts = _act(layer.activation, label, last)
            mods.append(conv)
        elif kind == "Dense":
            w = layer.kernel.detach().clone()
            if chw is not None and channels_last:       # Keras flattened H, W, C
                h, wd, c = chw
                w = w.reshape(-1, h, wd, c).permute(0, 3, 1, 2).reshape(w.shape[0], -1)
            chw = None
            lin = nn.Linear(w.shape[1], w.shape[0], bias=layer.bias is not None)
            lin.weight.data.copy_(w)
            if layer.bias is not None:
                lin.bias.data.copy_(layer.bias.detach())
            acts = _act(layer.activation, label, last)
            softmax = last and layer.activation is activations.softmax
            mods.append(lin)
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            pool = nn.MaxPool2d if kind == "MaxPooling2D" else nn.AvgPool2d
            mods.append(pool(**_pool_args(layer, label)))
            continue
        elif kind == "Flatten":
            shape = flatten_shapes[id(layer)]
            chw = shape if len(shape) == 3 else None    # (H, W, C) in channels_last
            mods.append(nn.Flatten())
            continue
        elif kind == "Dropout":
            continue
        elif kind == "Activation" and layer.activation is activations.relu:
            mods.append(nn.ReLU())
            continue
        else:
            raise TypeError(f"quantize_static_int8: layer {label!r} of type {kind} is not "
                            f"supported; supported: {', '.join(SUPPORTED_STATIC)}")
        if acts:
            fuse.append([str(len(mods) - 1), str(len(mods))])
            mods.extend(acts)
    return nn.Sequential(*mods), fuse, bool(channels_last), softmax


@torch.no_grad()
def quantize_static_int8(model: nn.Module, calibration_x: Any, batch_size: int = 256) -> nn.Module:
    """An int8 copy of ``model`` calibrated on ``calibration_x``.

    Args:
        model: an nnlab ``Sequential`` of the layer types in :data:`SUPPORTED_STATIC`.
        calibration_x: ``(n, ...)`` inputs shaped as the model's (e.g. a few hundred
            training images); observers record activation ranges on them.
        batch_size: calibration batch size.

    Returns: an ``nn.Module`` for inference: ``(batch, ...) -> (batch, classes)``.
    """
    from torch.ao.quantization import convert, fuse_modules, get_default_qconfig, prepare
    if type(model).__name__ != "Sequential" or not hasattr(model, "layers"):
        kind = "a plain torch module" if not hasattr(model, "layers") else "not a Sequential"
        raise TypeError(
            f"quantize_static_int8 needs an nnlab Sequential of the layer types "
            f"{', '.join(SUPPORTED_STATIC)}; got {type(model).__name__} ({kind}). Rebuild "
            f"it as a Sequential, or use nnlab.compress.quantize_int8 (dynamic int8 of its "
            f"Dense/Linear layers, any model)"
            + (", or torch.ao.quantization's prepare/convert on the torch module itself."
               if kind.startswith("a plain") else "."))
    calibration_x = torch.as_tensor(np.asarray(calibration_x), dtype=torch.float32)
    if calibration_x.dim() < 2 or len(calibration_x) == 0:
        raise ValueError(f"calibration_x must be a non-empty batch (n, ...), got shape "
                         f"{tuple(calibration_x.shape)}")
    body, fuse, channels_last, softmax = _mirror(model, _flatten_inputs(model, calibration_x[:1]))
    ctx = _quiet()
    try:
        torch.backends.quantized.engine = "x86"
        q = _StaticInt8(body.eval(), channels_last, softmax).eval()
        if fuse:
            q.body = fuse_modules(q.body, fuse)
        q.qconfig = get_default_qconfig("x86")
        prepare(q, inplace=True)
        for start in range(0, len(calibration_x), batch_size):
            q(calibration_x[start:start + batch_size])
        convert(q, inplace=True)
    finally:
        ctx.__exit__(None, None, None)
    return q
