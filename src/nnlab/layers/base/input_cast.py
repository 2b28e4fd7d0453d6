"""Keras' input casting for direct layer calls, done before a layer builds or runs.

Keras converts what a layer receives: floating inputs to the layer's dtype (float64 ->
float32), and its float layers compute on integer inputs as floats (a ``uint8`` image,
``int64`` features). Torch kernels refuse mixed dtypes with raw errors instead, so
every nnlab layer's ``forward`` passes its inputs through :func:`cast_inputs`:

- float64 -> the dtype of the layer's weights (float32 unless the model was made
  ``.double()``; layers without weights pass it on); float16/bfloat16 are left alone;
- integer and bool tensors -> float32, except for layers that take integers: token
  lookups (``Embedding``), user functions (``Lambda``), wrappers and models (their
  inner layers decide), and any layer class with ``keeps_integer_inputs = True``;
- ``Embedding`` ids given as floats are accepted when they are whole numbers (cast to
  int64) and refused otherwise, naming the layer (Keras would truncate silently).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

#: layer classes (by name) that receive integer inputs unchanged
KEEPS_INTEGERS = frozenset({"Embedding", "Lambda", "InputLayer", "TimeDistributed",
                            "Bidirectional", "Masking", "IntegerLookup", "StringLookup",
                            "CategoryEncoding", "Hashing", "TextVectorization"})
FLOAT_IDS_LAYERS = frozenset({"Embedding"})  # float inputs must hold integer ids


def _keeps_integers(layer: Any) -> bool:
    cls = type(layer)  # models set keeps_integer_inputs: their inner layers decide
    return getattr(cls, "keeps_integer_inputs", False) or any(
        c.__name__ in KEEPS_INTEGERS for c in cls.__mro__)


def to_tensor(value: Any) -> Any:
    """numpy arrays (and nested lists/dicts of them) to torch tensors; float64 -> float32
    (Keras: eager calls take numpy arrays)."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "USO":  # strings (TextVectorization, StringLookup) stay numpy
            return value
        t = torch.from_numpy(np.ascontiguousarray(value))
        return t.float() if t.dtype == torch.float64 else t
    if isinstance(value, (list, tuple)) and value and not isinstance(value[0], (int, float)):
        return type(value)(to_tensor(v) for v in value)
    if isinstance(value, dict):
        return {k: to_tensor(v) for k, v in value.items()}
    return value


def _float_ids(layer: Any, t: torch.Tensor) -> torch.Tensor:
    if t.device.type != "meta" and t.numel() and not bool((t == t.round()).all()):
        bad = t[t != t.round()].flatten()[0].item()
        raise TypeError(f"Layer {layer.name!r} ({type(layer).__name__}) takes integer token "
                        f"ids, got {t.dtype} values such as {bad!r} that are not whole "
                        f"numbers. Pass integer ids (e.g. x.astype('int64')).")
    return t.long()


def _weight_dtype(layer: Any):
    """The dtype of the layer's weights (the default dtype while unbuilt; None for a built
    layer without floating weights, such as Flatten: it passes float64 on unchanged)."""
    for p in layer.parameters():
        if p.is_floating_point():
            return p.dtype
    if not getattr(layer, "built", True):
        return torch.get_default_dtype()
    return None


def cast_inputs(layer: Any, inputs: Any) -> Any:
    """``inputs`` cast as Keras casts a layer's inputs (see the module docstring)."""
    if isinstance(inputs, (str, bytes)):
        raise TypeError(f"Layer {getattr(layer, 'name', '?')!r} ({type(layer).__name__}) "
                        f"takes tensors or numpy arrays, got {type(inputs).__name__} "
                        f"{inputs[:20]!r}; turn text into integer ids first")
    if isinstance(inputs, torch.Tensor):
        dtype = inputs.dtype
        if dtype.is_floating_point and type(layer).__name__ in FLOAT_IDS_LAYERS:
            return _float_ids(layer, inputs)
        if dtype == torch.float32:
            return inputs
        if dtype == torch.float64:
            target = _weight_dtype(layer)
            return inputs if target in (None, torch.float64) else inputs.to(target)
        if not dtype.is_floating_point and not dtype.is_complex:
            return inputs if _keeps_integers(layer) else inputs.float()
        return inputs
    if isinstance(inputs, (list, tuple)) and inputs and all(
            isinstance(t, torch.Tensor) for t in inputs):
        cast = [cast_inputs(layer, t) for t in inputs]
        if any(a is not b for a, b in zip(cast, inputs)):
            return type(inputs)(cast)
    return inputs
