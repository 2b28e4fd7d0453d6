"""Magnitude pruning (Han et al., "Learning both Weights and Connections", 2015) on
``torch.nn.utils.prune``.

``prune_magnitude(model, sparsity)`` zeroes the smallest-magnitude weights of each
supported layer (Dense, Conv1D/2D/3D and torch's Linear/Conv) so that a fraction
``sparsity`` of that layer's weights is zero (``scope='layer'``), or of all the layers'
weights together (``scope='global'``). ``structured=True`` removes whole output
neurons/filters (rows of the ``(out, in, ...)`` weight) by their L1 norm instead.

Masks are torch's pruning reparametrisation: the weight becomes ``<w>_orig`` (the
Parameter the optimiser updates, the same object as before) times the buffer ``<w>_mask``,
recomputed in a forward pre-hook, so pruned weights stay zero through ``fit``. Keras'
view of a pruned model is unchanged (``get_weights`` gives the effective weights in
Keras' layout and count; ``save``/``load_model`` keep the masks): see
:mod:`nnlab.layers.base.pruned_weights`. Pruning
again to a higher sparsity keeps every earlier zero (the new mask is ANDed with the
old one). ``strip_pruning`` makes the masks permanent (``prune.remove``).
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import torch
from torch import nn
from torch.nn.utils import prune

from ..layers.base.pruned_weights import install_mask, remove_mask
from ._layers import effective_weight, supported_layers

__all__ = ["prune_magnitude", "sparsity_report", "format_sparsity_report", "strip_pruning",
           "is_pruned", "check_sparsity"]


def check_sparsity(sparsity, name: str = "sparsity") -> float:
    """Validate a sparsity in [0, 1) (a float); raise ValueError naming ``name``."""
    if isinstance(sparsity, bool) or not isinstance(sparsity, (int, float)) \
            or not 0.0 <= float(sparsity) < 1.0:
        raise ValueError(f"{name} must be a number in [0, 1), got {sparsity!r}")
    return float(sparsity)


def is_pruned(module: nn.Module, attr: str) -> bool:
    return hasattr(module, attr + "_mask")


def _set_mask(module: nn.Module, attr: str, mask: torch.Tensor) -> None:
    """Install ``mask`` (ANDed with any existing one) through torch's pruning API."""
    if is_pruned(module, attr):
        old = getattr(module, attr + "_mask")
        old.copy_(old * mask.to(old.dtype))
        setattr(module, attr, getattr(module, attr + "_orig") * old)  # as torch's hook does
    else:
        install_mask(module, attr, mask)  # channels_last kernels too; Keras' weight order kept


def _n_to_prune(numel: int, sparsity: float) -> int:
    return int(round(sparsity * numel))


@torch.no_grad()
def prune_magnitude(model: nn.Module, sparsity: float, scope: str = "layer",
                    structured: bool = False, layers: Optional[Sequence] = None) -> Dict[str, float]:
    """Prune ``model`` in place to ``sparsity`` by weight magnitude.

    Args:
        model: any ``nn.Module`` (an nnlab model or plain torch).
        sparsity: fraction of weights to zero, in [0, 1).
        scope: ``'layer'`` (each layer to ``sparsity``) or ``'global'`` (one threshold
            over all selected layers; unstructured only).
        structured: prune whole neurons/filters (rows along dim 0) by L1 norm.
        layers: layer names or modules to prune (default: every supported layer).

    Returns: ``{layer: sparsity after pruning}``. Nothing is changed when an argument
    is refused.
    """
    sparsity = check_sparsity(sparsity)
    if scope not in ("layer", "global"):
        raise ValueError(f"scope must be 'layer' or 'global', got {scope!r}")
    if structured and scope == "global":
        raise ValueError("structured pruning is per layer: use scope='layer' with structured=True")
    targets = supported_layers(model, layers, "pruned")
    if scope == "global":
        ws = [effective_weight(m, a) for _, m, a in targets]
        flat = torch.cat([w.detach().reshape(-1) for w in ws])
        # torch's own magnitude selector on the concatenation, then split per layer
        k = _n_to_prune(flat.numel(), sparsity)
        mask = prune.L1Unstructured(amount=k).compute_mask(flat, torch.ones_like(flat))
        start = 0
        for (_, m, a), w in zip(targets, ws):
            _set_mask(m, a, mask[start:start + w.numel()].view_as(w))
            start += w.numel()
    else:
        for _, m, a in targets:
            w = effective_weight(m, a).detach().contiguous()  # torch's selectors .view(-1)
            if structured:
                k = _n_to_prune(w.shape[0], sparsity)
                method = prune.LnStructured(amount=k, n=1, dim=0)
            else:
                method = prune.L1Unstructured(amount=_n_to_prune(w.numel(), sparsity))
            _set_mask(m, a, method.compute_mask(w, torch.ones_like(w)))
    return {row["layer"]: row["sparsity"] for row in sparsity_report(model, [m for _, m, _ in targets])}


def sparsity_report(model: nn.Module, layers: Optional[Sequence] = None) -> List[dict]:
    """Per supported layer: ``layer``, ``type``, ``shape``, ``weights``, ``nonzero``,
    ``sparsity`` (of the weight the forward pass uses), plus a ``'total'`` row."""
    rows, total, nonzero = [], 0, 0
    for label, m, a in supported_layers(model, layers, "pruned"):
        w = effective_weight(m, a).detach()
        nz = int(torch.count_nonzero(w))
        rows.append({"layer": label, "type": type(m).__name__, "shape": tuple(w.shape),
                     "weights": w.numel(), "nonzero": nz, "sparsity": 1.0 - nz / w.numel()})
        total, nonzero = total + w.numel(), nonzero + nz
    rows.append({"layer": "total", "type": "", "shape": (), "weights": total,
                 "nonzero": nonzero, "sparsity": 1.0 - nonzero / max(total, 1)})
    return rows


def format_sparsity_report(rows: List[dict]) -> str:
    """The report as a fixed-width text table."""
    lines = [f"{'layer':<20}{'type':<10}{'weights':>10}{'nonzero':>10}{'sparsity':>10}"]
    for r in rows:
        lines.append(f"{r['layer']:<20}{r['type']:<10}{r['weights']:>10}{r['nonzero']:>10}"
                     f"{r['sparsity']:>10.1%}")
    return "\n".join(lines)


def strip_pruning(model: nn.Module) -> nn.Module:
    """Make every mask permanent (``prune.remove``): the weight is a plain Parameter
    again with its zeros baked in; masks no longer constrain training."""
    for _, m, a in supported_layers(model, None, "pruned"):
        if is_pruned(m, a):
            remove_mask(m, a)
    return model
