"""Shared checks and helpers of :mod:`nnlab.interpret`: finding a layer by name, checking
a target class, warning on raw-pixel inputs, and the data format of a model.

Every check runs before any gradient work and names what was expected and what arrived.
"""
from __future__ import annotations

import warnings
from typing import Any, Dict, List, Optional, Sequence, Union

import torch
from torch import nn

from .. import config as _config

TargetType = Union[None, int, Sequence[int], torch.Tensor]

#: the largest |value| a preprocessed image normally has (ImageNet mean/std: [-2.2, 2.7];
#: Inception/EfficientNet scaling: [-1, 1]); raw pixels reach 255
_RAW_PIXEL_MAX = 20.0


def is_nnlab(model: nn.Module) -> bool:
    """True for nnlab layers and models (which follow ``nnlab.config.image_data_format``)."""
    from ..layers.base.layer import Layer
    return isinstance(model, Layer)


def data_format_of(model: nn.Module, data_format: Optional[str] = None) -> str:
    """``data_format`` if given, else the global one for nnlab models, else
    ``'channels_first'`` (a plain ``nn.Module`` works on ``(N, C, H, W)``)."""
    if data_format is not None:
        return _config.normalize_data_format(data_format)
    return _config.image_data_format() if is_nnlab(model) else "channels_first"


def channel_axis(data_format: str) -> int:
    return -1 if data_format == "channels_last" else 1


def layer_names(model: nn.Module) -> List[str]:
    """Names a layer can be given by: nnlab layer names (``model.layers``, recursively
    through nested models) and ``named_modules()`` paths (``features.3``)."""
    names: List[str] = []
    for layer in getattr(model, "layers", []) or []:
        names.append(layer.name)
    names += [n for n, _ in model.named_modules() if n and n not in names]
    return names


def resolve_layer(model: nn.Module, layer: Union[str, nn.Module], argument: str = "layer"
                  ) -> nn.Module:
    """The module ``layer`` names in ``model`` (a name, or a module of the model).

    Raises:
        ValueError: no such layer; the message lists the model's layer names.
    """
    if isinstance(layer, nn.Module):
        if not any(m is layer for m in model.modules()):
            raise ValueError(f"{argument}: the module {type(layer).__name__} given is not part "
                             f"of the model")
        return layer
    if not isinstance(layer, str):
        raise ValueError(f"{argument} must be a layer name or an nn.Module of the model, got "
                         f"{type(layer).__name__}")
    for candidate in getattr(model, "layers", []) or []:
        if candidate.name == layer:
            return candidate
    modules: Dict[str, nn.Module] = dict(model.named_modules())
    if layer in modules and layer:
        return modules[layer]
    names = layer_names(model)
    shown = ", ".join(names[:60]) + (f", ... ({len(names)} in all)" if len(names) > 60 else "")
    raise ValueError(f"{argument}={layer!r} is not a layer of {type(model).__name__} "
                     f"{getattr(model, 'name', '')!r}. Layer names: {shown}")


def check_inputs(inputs: Any, name: str = "inputs") -> torch.Tensor:
    """A float tensor with a batch axis; warns when it looks like raw 0-255 pixels."""
    if not isinstance(inputs, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor (batch first), got "
                        f"{type(inputs).__name__}")
    if inputs.dim() < 2:
        raise ValueError(f"{name} must have a batch axis, got shape {tuple(inputs.shape)}")
    if not inputs.is_floating_point():
        raise TypeError(f"{name} must be a float tensor of preprocessed values, got "
                        f"{inputs.dtype}; preprocess the pixels first (e.g. "
                        f"nnlab.zoo.efficientnet.preprocess_input)")
    warn_if_raw_pixels(inputs, name)
    return inputs


def warn_if_raw_pixels(inputs: torch.Tensor, name: str = "inputs") -> None:
    """Warn when values span 0..255: the model most likely expects preprocessed input."""
    with torch.no_grad():
        lo, hi = float(inputs.min()), float(inputs.max())
    if lo >= 0 and hi > _RAW_PIXEL_MAX:
        warnings.warn(f"{name} range from {lo:.3g} to {hi:.3g}, which looks like raw 0-255 "
                      f"pixels, but models expect preprocessed values (about [-1, 1] or "
                      f"ImageNet-normalised); apply the model's preprocess_input first",
                      UserWarning, stacklevel=3)


def target_index(target: TargetType, batch: int, num_outputs: Optional[int]) -> Optional[torch.Tensor]:
    """``target`` as a ``(batch,)`` long tensor (``None`` stays ``None``: the model returns
    one value per sample). Raises ValueError when a class is outside ``[0, num_outputs)``."""
    if target is None:
        return None
    if isinstance(target, bool):
        raise ValueError(f"target must be a class index, got {target!r}")
    t = torch.as_tensor(target).long().reshape(-1)
    if t.numel() == 1:
        t = t.expand(batch)
    if t.numel() != batch:
        raise ValueError(f"target has {t.numel()} entries but inputs have {batch} samples")
    if num_outputs is not None and (int(t.min()) < 0 or int(t.max()) >= num_outputs):
        bad = [int(v) for v in t if not 0 <= int(v) < num_outputs]
        raise ValueError(f"target class {bad[0]} is outside the model's outputs: it returns "
                         f"{num_outputs} classes, so target must be in [0, {num_outputs - 1}]")
    return t


def select(output: torch.Tensor, target: Optional[torch.Tensor]) -> torch.Tensor:
    """The ``(batch,)`` scores of ``target`` in ``output`` (``(batch, classes)``)."""
    if target is None:
        if output.dim() > 1 and output[0].numel() != 1:
            raise ValueError(f"target is None but the model returns {tuple(output.shape)}; "
                             f"give the class index to explain")
        return output.reshape(output.shape[0])
    return output.reshape(output.shape[0], -1).gather(1, target.to(output.device)[:, None])[:, 0]


def output_classes(output: torch.Tensor) -> int:
    return output.reshape(output.shape[0], -1).shape[1]


def forward_scores(model: nn.Module, inputs: torch.Tensor, target: TargetType,
                   checked: Optional[torch.Tensor] = None):
    """Run ``model`` once, check ``target`` against its output, return ``(scores, target)``."""
    out = model(inputs)
    if checked is None:
        checked = target_index(target, inputs.shape[0], output_classes(out))
    return select(out, checked), checked


def num_outputs(model: nn.Module, inputs: torch.Tensor) -> int:
    """Classes of ``model`` for inputs like ``inputs``: from an nnlab model's
    ``output_shape`` when known, else one forward pass on the first sample."""
    shape = getattr(model, "output_shape", None)
    if isinstance(shape, tuple) and len(shape) >= 2 and all(isinstance(d, int) for d in shape[1:]):
        n = 1
        for d in shape[1:]:
            n *= d
        return n
    with torch.no_grad():
        return output_classes(model(inputs[:1]))


def check_image_size(model: nn.Module, images: Dict[str, Any], caller: str,
                     data_format: str) -> None:
    """Refuse, before any work, images whose height/width a model built for one fixed
    size cannot take (``zoo.create(...)`` defaults to 224x224), saying how to build it
    for any size."""
    shape = getattr(model, "input_shape", None)
    if not (isinstance(shape, tuple) and len(shape) == 4):
        return
    first = data_format == "channels_last"
    fixed = shape[1:3] if first else shape[2:4]
    for what, img in images.items():
        if img is None or not isinstance(img, torch.Tensor) or img.dim() != 4:
            continue
        got = tuple(img.shape[1:3] if first else img.shape[2:4])
        if any(f is not None and f != g for f, g in zip(fixed, got)):
            size = "x".join("any" if f is None else str(f) for f in fixed)
            raise ValueError(
                f"{caller}: model {getattr(model, 'name', type(model).__name__)!r} takes "
                f"only {size} images (built with input shape {shape}), but {what} is "
                f"{got[0]}x{got[1]}. Build it for any size, e.g. zoo.create("
                f"'efficientnet_lite0', weights=..., input_shape=(None, None, 3)), or "
                f"resize the images to {size}.")
