"""Trained quantisation by weight sharing (Han, Mao and Dally, "Deep Compression", 2016,
sec. 3).

``share_weights(model, bits)`` clusters each supported layer's (kept, non-pruned) weights
into ``2**bits`` shared values by k-means (scikit-learn's ``KMeans``) started from
*linear* initialisation (centroids evenly spaced between the layer's min and max weight,
the initialisation the paper found best). The layer then holds a trainable
``<w>_centroids`` ``(2**bits,)`` and a buffer ``<w>_indices`` (``int64``, the weight's
shape); a forward pre-hook rebuilds ``<w> = centroids[indices] * mask``. Autograd of
that gather sums the gradients of all weights of a cluster into its centroid, exactly
the paper's centroid fine-tuning (eq. 3), so ``fit`` fine-tunes the shared values and
the layer never holds more than ``2**bits`` distinct non-zero values.

The pre-hook mirrors ``torch.nn.utils.prune``'s reparametrisation; torch has no
weight-sharing reparametrisation, so this one is written here.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from torch import nn
from torch.nn.utils import prune

from ..layers.base.derived_weights import derive_with, remove_derived
from ..layers.base.reparametrised import mark, unmark
from ._layers import supported_layers

__all__ = ["share_weights", "is_shared", "strip_sharing", "shared_state", "check_bits",
           "linear_kmeans"]


def check_bits(bits, name: str = "bits") -> int:
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)) or not 1 <= bits <= 16:
        raise ValueError(f"{name} must be an int in [1, 16] (2**{name} shared values), "
                         f"got {bits!r}")
    return int(bits)


def linear_kmeans(values: np.ndarray, k: int, seed: int = 0) -> tuple:
    """1-D k-means of ``values`` ``(n,)`` from linear initialisation.

    Returns ``(centroids (k,), labels (n,))``. With fewer distinct values than ``k`` the
    extra centroids stay at their initial places (and are never used).
    """
    from sklearn.cluster import KMeans
    values = np.asarray(values, dtype=np.float64).reshape(-1, 1)
    init = np.linspace(values.min(), values.max(), k).reshape(-1, 1)
    n_distinct = len(np.unique(values))
    if n_distinct <= k:                       # nothing to cluster: each value is a centroid
        uniq = np.unique(values)
        centroids = init.ravel().copy()
        centroids[:len(uniq)] = uniq
        labels = np.searchsorted(uniq, values.ravel())
        return centroids, labels
    km = KMeans(n_clusters=k, init=init, n_init=1, random_state=seed).fit(values)
    return km.cluster_centers_.ravel(), km.labels_


class _SharedWeight:
    """Forward pre-hook: ``module.<attr> = centroids[indices] * mask``."""

    def __init__(self, attr: str):
        self.attr = attr

    def compute(self, module: nn.Module) -> torch.Tensor:
        a = self.attr
        indices = getattr(module, a + "_indices")
        # index_select, not centroids[indices]: the latter's backward (index_put_ with
        # accumulate) sums in a thread-dependent order on CPU, so two identical runs
        # could differ in the centroids' gradients (4e-5 seen with 2 threads)
        shared = getattr(module, a + "_centroids").index_select(0, indices.reshape(-1))
        return shared.view(indices.shape) * getattr(module, a + "_smask")

    def __call__(self, module, inputs):
        setattr(module, self.attr, self.compute(module))


def is_shared(module: nn.Module, attr: str) -> bool:
    return hasattr(module, attr + "_centroids")


def _reset_optimizer(model: nn.Module) -> None:
    """New parameters replace the weights: the compiled optimiser is rebuilt at next fit."""
    compiled = getattr(model, "compiled", None)
    if compiled is not None and hasattr(compiled, "optimizer"):
        compiled.optimizer = None


@torch.no_grad()
def share_weights(model: nn.Module, bits, layers: Optional[Sequence] = None,
                  seed: int = 0) -> Dict[str, dict]:
    """Replace each selected layer's weight by ``2**bits`` shared, trainable values.

    ``bits`` is an int or ``{layer_name: bits}`` (the paper uses 8 for conv, 5 for FC
    layers). Pruned layers keep their zeros (only kept weights are clustered). Returns
    ``{layer: {'bits', 'centroids', 'kept'}}``. Nothing changes when an argument is refused.
    """
    targets = supported_layers(model, layers, "weight-shared")
    per_layer = {}
    for label, m, a in targets:
        b = bits.get(label) if isinstance(bits, dict) else bits
        if isinstance(bits, dict) and b is None:
            raise ValueError(f"bits: no entry for layer {label!r}")
        per_layer[label] = check_bits(b, f"bits[{label!r}]" if isinstance(bits, dict) else "bits")
        if is_shared(m, a):
            raise ValueError(f"layer {label!r} already shares its weights; call strip_sharing first")
    out = {}
    for label, m, a in targets:
        k = 2 ** per_layer[label]
        if hasattr(m, a + "_mask"):            # pruned: bake in, keep the mask for the hook
            mask = getattr(m, a + "_mask").clone()
            prune.remove(m, a)
        else:
            mask = torch.ones_like(getattr(m, a))
        w = getattr(m, a).detach()
        kept = mask.bool()
        centroids, labels = linear_kmeans(w[kept].cpu().numpy(), k, seed)
        indices = torch.zeros(w.shape, dtype=torch.int64, device=w.device)
        indices[kept] = torch.as_tensor(labels, dtype=torch.int64, device=w.device)
        del m._parameters[a]
        m.register_parameter(a + "_centroids",
                             nn.Parameter(torch.as_tensor(centroids, dtype=w.dtype, device=w.device)))
        m.register_buffer(a + "_indices", indices)
        m.register_buffer(a + "_smask", mask.to(w.dtype))
        hook = _SharedWeight(a)
        m._shared_hook = m.register_forward_pre_hook(hook)
        derive_with(m, a, hook.compute)       # deep-copyable after fit; regularisers
        mark(m, a, "nnlab.compress.share_weights",
             "Call nnlab.compress.strip_sharing(model) first (the shared values become "
             "plain weights), or write the compact form with save_compressed(model, path).")
        setattr(m, a, hook.compute(m))
        out[label] = {"bits": per_layer[label], "centroids": k, "kept": int(kept.sum())}
    _reset_optimizer(model)
    return out


def shared_state(module: nn.Module, attr: str) -> tuple:
    """``(centroids (k,), indices (shape,), mask (shape,))`` of a shared layer."""
    return (getattr(module, attr + "_centroids").detach(), getattr(module, attr + "_indices"),
            getattr(module, attr + "_smask").bool())


@torch.no_grad()
def strip_sharing(model: nn.Module) -> nn.Module:
    """Turn every shared weight back into a plain Parameter holding ``centroids[indices]``."""
    for _, m, a in supported_layers(model, None, "weight-shared"):
        if not is_shared(m, a):
            continue
        w = _SharedWeight(a).compute(m).detach().clone()
        m._shared_hook.remove()
        del m._shared_hook
        for suffix in ("_centroids",):
            del m._parameters[a + suffix]
        for suffix in ("_indices", "_smask"):
            del m._buffers[a + suffix]
        if a in m.__dict__:
            del m.__dict__[a]
        m.register_parameter(a, nn.Parameter(w))
        unmark(m, a)
        remove_derived(m, a)
    _reset_optimizer(model)
    return model


def distinct_values(module: nn.Module, attr: str) -> List[float]:
    """Sorted distinct non-zero values of the weight the forward pass uses."""
    w = getattr(module, attr).detach()
    return sorted(set(w[w != 0].tolist()))
