"""Keras-style masks: a boolean ``(batch, timesteps)`` tensor riding on a layer's output.

As in Keras 3 (on every backend), the mask is stored as the attribute ``_keras_mask`` of
the output tensor. :meth:`Layer.forward <nnlab.layers.base.layer.Layer.forward>`

1. reads the mask of its first input (``get_mask``), and passes it as ``mask=`` to a
   ``call`` that accepts one (unless the caller passed ``mask=`` explicitly);
2. after ``call``, if the layer supports masking (it sets ``supports_masking = True`` or
   overrides ``compute_mask``), attaches ``compute_mask(inputs, mask)`` to the outputs.

So masks flow through Sequential and functional models with no extra code, and a layer
that does not support masking drops the mask (Keras warns there; so do we, once).
"""
from __future__ import annotations

import warnings
from typing import Any, Optional

import torch

from ...errors import ShapeError

_WARNED: set = set()


def get_mask(value: Any) -> Any:
    """The mask attached to a tensor (``None`` if none); for a list, a list of masks
    (or ``None`` when no element has one)."""
    if isinstance(value, torch.Tensor):
        return getattr(value, "_keras_mask", None)
    if isinstance(value, (list, tuple)):
        masks = [getattr(v, "_keras_mask", None) if isinstance(v, torch.Tensor) else None
                 for v in value]
        return masks if any(m is not None for m in masks) else None
    return None


def set_mask(value: Any, mask: Any) -> None:
    """Attach ``mask`` to ``value`` (a tensor, or a list of tensors and a list of masks).

    A tensor that already carries a mask keeps it (Keras' rule: a layer that computed
    its own output mask wins)."""
    if mask is None:
        return
    if isinstance(value, torch.Tensor):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if mask is not None and getattr(value, "_keras_mask", None) is None:
            value._keras_mask = mask
        return
    if isinstance(value, (list, tuple)):
        masks = list(mask) if isinstance(mask, (list, tuple)) else [mask]
        for v, m in zip(value, masks):
            set_mask(v, m)


def warn_dropped(layer: Any) -> None:
    """One warning per layer class that received a mask it cannot carry on."""
    cls = type(layer).__name__
    if cls in _WARNED:
        return
    _WARNED.add(cls)
    warnings.warn(
        f"Layer {layer.name!r} (of type {cls}) was passed an input with a mask attached to "
        f"it. However, this layer does not support masking and will therefore destroy the "
        f"mask information. Downstream layers will not see the mask.", UserWarning,
        stacklevel=4)


def check_time_mask(layer: Any, inputs: torch.Tensor, mask: Any) -> Optional[torch.Tensor]:
    """Validate a ``(batch, timesteps)`` mask against ``(batch, timesteps, ...)`` inputs
    and return it as a bool tensor on the inputs' device (``None`` stays ``None``).

    Raises:
        ShapeError: naming the layer, the expected and the received shape.
    """
    if mask is None:
        return None
    if isinstance(mask, (list, tuple)):
        mask = mask[0]
        if mask is None:
            return None
    mask = torch.as_tensor(mask)
    expected = tuple(inputs.shape[:2])
    if tuple(mask.shape) != expected:
        raise ShapeError(
            f"Layer {layer.name!r} ({type(layer).__name__}) expects a mask of shape "
            f"(batch, timesteps) = {expected} for inputs of shape {tuple(inputs.shape)}, "
            f"got a mask of shape {tuple(mask.shape)}.")
    if mask.dtype != torch.bool:
        mask = mask != 0
    return mask.to(inputs.device)
