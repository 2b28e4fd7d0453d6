"""Weights a technique re-parametrised in a way Keras' surface cannot show, and the clear
refusal ``get_weights``/``set_weights``/``save`` give for them (a registered door).

Weight sharing (``kernel = centroids[indices] * mask``), ternary weights (``kernel_latent``
with scales ``kernel_wp``/``kernel_wn``) and low-rank factors (``kernel_u``,
``kernel_v``) replace a layer's ``kernel`` by other tensors. Keras has no layout for
them, and the model's config rebuilds a plain layer, so ``load_model`` could not put them
back. Rather than fail later ("belong to another architecture"), the technique marks the
layer (:func:`mark`, from floor 3: no import upward) and these calls refuse before any
work, naming the weight, the technique and what to do instead (e.g.
``strip_sharing(model)`` first). ``save_weights``/``load_weights`` keep working (the
file loads into a model with the same technique applied). Pruning is not listed here:
its masks are shown and saved (:mod:`nnlab.layers.base.pruned_weights`).
"""
from __future__ import annotations

from typing import List, Tuple

from torch import nn

_ATTR = "_keras_reparametrised"

__all__ = ["mark", "unmark", "reparametrised", "refuse_reparametrised"]


def mark(module: nn.Module, attr: str, technique: str, advice: str) -> None:
    """Record that ``module.<attr>`` is re-parametrised by ``technique`` (e.g.
    ``"nnlab.compress.share_weights"``); ``advice`` says what to do instead."""
    marks = dict(module.__dict__.get(_ATTR, {}))
    marks[attr] = (technique, advice)
    object.__setattr__(module, _ATTR, marks)


def unmark(module: nn.Module, attr: str) -> None:
    """The weight is a plain weight again (e.g. after ``strip_sharing``)."""
    marks = dict(module.__dict__.get(_ATTR, {}))
    marks.pop(attr, None)
    object.__setattr__(module, _ATTR, marks)


def reparametrised(model: nn.Module) -> List[Tuple[str, str, str]]:
    """``[(qualified weight name, technique, advice)]`` for every marked weight."""
    out = []
    for path, module in model.named_modules():
        for attr, (technique, advice) in module.__dict__.get(_ATTR, {}).items():
            out.append((f"{path}.{attr}" if path else attr, technique, advice))
    return out


def refuse_reparametrised(model: nn.Module, action: str, error: type = ValueError) -> None:
    """Raise ``error`` for ``action`` (``"save"``, ``"get_weights"`` ...) when a weight
    of ``model`` is re-parametrised; nothing has been done yet when it raises."""
    found = reparametrised(model)
    if not found:
        return
    name, technique, advice = found[0]
    more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
    model_name = getattr(model, "name", type(model).__name__)
    raise error(f"{action}: weight {name!r}{more} of model {model_name!r} is re-parametrised "
                f"by {technique}, which Keras' weights and nnlab's model files cannot "
                f"represent. {advice}")
