"""Which layers ``nnlab.compress`` can prune, share, factorise: shared lookup helpers."""
from __future__ import annotations

from typing import List, Optional, Sequence, Tuple

import torch
from torch import nn

# nnlab layers keep their weight as ``kernel`` in torch's layout (out, in, *kernel_size);
# torch layers keep it as ``weight``. Depthwise/separable/transposed convs are not here:
# their first axis is not the output axis, so filter pruning by dim 0 would be wrong.
_NNLAB_TYPES = ("Dense", "Conv1D", "Conv2D", "Conv3D")
_TORCH_TYPES = (nn.Linear, nn.Conv1d, nn.Conv2d, nn.Conv3d)
SUPPORTED = _NNLAB_TYPES + tuple(t.__name__ for t in _TORCH_TYPES)


def weight_name(module: nn.Module) -> Optional[str]:
    """``'kernel'``/``'weight'`` for a supported layer, else ``None``."""
    if type(module).__name__ in _NNLAB_TYPES and type(module).__module__.startswith("nnlab."):
        return "kernel"
    if type(module) in _TORCH_TYPES:
        return "weight"
    return None


def layer_label(name: str, module: nn.Module) -> str:
    return getattr(module, "name", None) or name or type(module).__name__


def supported_layers(model: nn.Module, layers: Optional[Sequence] = None,
                     what: str = "pruned") -> List[Tuple[str, nn.Module, str]]:
    """``[(label, module, weight_attr)]`` for ``layers`` (modules or names) or every
    supported layer of ``model``. Raises before any change when one is unsupported."""
    named = [(n, m) for n, m in model.named_modules() if m is not model or layers is None]
    if layers is None:
        out = [(layer_label(n, m), m, weight_name(m)) for n, m in named if weight_name(m)]
        if not out:
            raise ValueError(f"model {type(model).__name__} has no layer that can be {what}; "
                             f"supported layer types: {', '.join(SUPPORTED)}")
        return out
    by_name = {layer_label(n, m): m for n, m in named}
    labels = {id(m): label for label, m in by_name.items()}
    out = []
    for spec in layers:
        module = by_name.get(spec) if isinstance(spec, str) else spec
        if module is None:
            raise ValueError(f"layers: no layer named {spec!r} in the model")
        # a module given by object is labelled by its path in the model (two nn.Conv2d
        # modules are 'features.0' and 'features.3', not both 'Conv2d')
        label = labels.get(id(module), layer_label("", module)) if not isinstance(spec, str) \
            else spec
        attr = weight_name(module)
        if attr is None:
            raise TypeError(f"layer {label!r} of type {type(module).__name__} cannot be {what}; "
                            f"supported layer types: {', '.join(SUPPORTED)}")
        out.append((label, module, attr))
    return out


def effective_weight(module: nn.Module, attr: str) -> torch.Tensor:
    """The weight the forward pass uses (``orig * mask`` when pruned)."""
    if hasattr(module, attr + "_orig"):
        return getattr(module, attr + "_orig") * getattr(module, attr + "_mask")
    return getattr(module, attr)


def trainable_weight(module: nn.Module, attr: str) -> nn.Parameter:
    """The Parameter the optimiser updates (``<attr>_orig`` when pruned)."""
    return getattr(module, attr + "_orig", None) if hasattr(module, attr + "_orig") \
        else getattr(module, attr)
