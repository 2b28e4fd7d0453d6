"""Pruned weights as Keras sees them: torch's pruning re-parametrisation behind one name.

``torch.nn.utils.prune`` replaces a weight ``kernel`` by the Parameter ``kernel_orig``
(the optimiser's, same object as before) and the buffer ``kernel_mask``; a forward
pre-hook sets the plain attribute ``kernel = kernel_orig * kernel_mask`` before each call.
Keras has no such pair, so the layer engine shows it as the one weight it replaces:

- ``get_weights`` returns the effective weight ``orig * mask`` in the weight's Keras
  layout and place (``[(32, 64), (64,), ...]`` for a pruned Dense, as before pruning);
  ``set_weights`` writes ``kernel_orig`` (pruned positions stay zero: the mask holds);
- ``count_params`` counts the weight once (the mask is bookkeeping, not a weight);
- ``save`` stores ``kernel_orig`` and ``kernel_mask`` and lists the pruned weights in the
  file's header; ``load_model`` re-creates the pruning (:func:`restore_pruning`) before
  loading, so the reloaded model predicts the same and keeps its masks in ``fit``.

:func:`install_mask` also keeps ``kernel_orig`` at ``kernel``'s position among the
module's parameters (torch appends it last), so ``state_dict`` and Keras' weight order
stay the same as before pruning.
"""
from __future__ import annotations

from typing import Iterable, List, Tuple

import torch
from torch import nn
from torch.nn.utils import prune

from .derived_weights import detach_after_forward, remove_derived

__all__ = ["is_pruned_weight", "pruned_names", "install_mask", "remove_mask",
           "restore_pruning", "refresh_pruned"]


def is_pruned_weight(module: nn.Module, attr: str) -> bool:
    """``True`` when ``module.<attr>`` is pruning's ``<attr>_orig * <attr>_mask``."""
    return attr + "_orig" in module._parameters and hasattr(module, attr + "_mask")


def pruned_names(model: nn.Module) -> List[str]:
    """Qualified names (``'layers.0.kernel'``) of every pruned weight in ``model``."""
    out = []
    for path, module in model.named_modules():
        for name in module._parameters:
            if name.endswith("_orig") and is_pruned_weight(module, name[:-5]):
                out.append(f"{path}.{name[:-5]}" if path else name[:-5])
    return out


def _move_parameter(module: nn.Module, name: str, position: int) -> None:
    """Put parameter ``name`` at ``position`` in ``module._parameters`` (torch's pruning
    appends it last; Keras' order and ``state_dict``'s follow this dict's order)."""
    items = list(module._parameters.items())
    index = next(i for i, (k, _) in enumerate(items) if k == name)
    items.insert(position, items.pop(index))
    module._parameters.clear()
    module._parameters.update(items)


def install_mask(module: nn.Module, attr: str, mask: torch.Tensor) -> None:
    """Prune ``module.<attr>`` with the 0/1 ``mask`` (torch's ``custom_from_mask``), the
    mask in the weight's memory format (channels_last conv kernels), ``<attr>_orig`` in
    ``<attr>``'s place. The weight must not be pruned already."""
    weight = getattr(module, attr)
    position = list(module._parameters).index(attr)
    mask = torch.empty_like(weight, dtype=weight.dtype).copy_(mask)
    prune.custom_from_mask(module, attr, mask)
    _move_parameter(module, attr + "_orig", position)
    detach_after_forward(module, attr)      # deep-copyable after training


def remove_mask(module: nn.Module, attr: str) -> None:
    """Make the mask permanent (``prune.remove``), the weight back in its place."""
    position = list(module._parameters).index(attr + "_orig")
    prune.remove(module, attr)
    _move_parameter(module, attr, position)
    remove_derived(module, attr)


def _owner(model: nn.Module, qualified: str) -> Tuple[nn.Module, str]:
    path, _, attr = qualified.rpartition(".")
    return (model.get_submodule(path) if path else model), attr


def restore_pruning(model: nn.Module, names: Iterable[str], source: str = "") -> None:
    """Re-create pruning (all-ones masks, to be overwritten by loading the state) on the
    weights ``names`` of a freshly built ``model``; raises ValueError naming the weight
    (and ``source``, e.g. the file) when the model has no such weight."""
    todo = []
    for qualified in names:  # every name checked before anything changes
        try:
            module, attr = _owner(model, qualified)
            if not is_pruned_weight(module, attr):
                todo.append((module, attr, module._parameters[attr]))
        except (AttributeError, KeyError, TypeError) as exc:
            raise ValueError(f"{source + ': ' if source else ''}the pruned weight "
                             f"{qualified!r} is not a weight of model "
                             f"{getattr(model, 'name', type(model).__name__)!r}") from exc
    for module, attr, weight in todo:
        install_mask(module, attr, torch.ones_like(weight))


@torch.no_grad()
def refresh_pruned(model: nn.Module) -> None:
    """Recompute every pruned ``<attr> = <attr>_orig * <attr>_mask`` now (torch does it in
    the next forward; after loading or ``set_weights`` the attribute would be stale)."""
    for qualified in pruned_names(model):
        module, attr = _owner(model, qualified)
        setattr(module, attr, module._parameters[attr + "_orig"] * getattr(module, attr + "_mask"))
