"""Which torch update kernel an optimizer spec builds: fused, multi-tensor or the loop.

torch's optimizers default to a per-tensor Python loop on CPU; most also have a
multi-tensor (``foreach=True``) kernel and Adam, AdamW, SGD and Adagrad a ``fused=True``
one, with the same update rule (``benchmarks/fit_speed.py`` runs nnlab with both).
:func:`build_with_kernel` asks torch for the fastest kernel it has for the optimizer
class and the parameters (``nnlab.config.set_optimizer_kernel`` chooses), and falls back
one kernel at a time where torch refuses one (a device or dtype it does not support).
"""
from __future__ import annotations

import inspect
from typing import Any, Dict, List

import torch

from .. import config
from .flat_step import flatten_fused_steps
from .layouts import guard_layouts

#: the kernels tried, fastest first, for each setting of ``config.optimizer_kernel()``
_ORDER = {"auto": ("fused", "foreach", "for-loop"), "fused": ("fused", "foreach", "for-loop"),
          "foreach": ("foreach", "for-loop"), "for-loop": ("for-loop",)}


def _flags(kernel: str) -> Dict[str, bool]:
    if kernel == "fused":
        return {"fused": True}
    if kernel == "foreach":
        return {"foreach": True}
    return {"foreach": False}


def kernels_of(torch_class: type) -> List[str]:
    """The kernels ``torch_class`` accepts as constructor flags (``fused``, ``foreach``)."""
    params = inspect.signature(torch_class.__init__).parameters
    return [k for k in ("fused", "foreach") if k in params]


def build_with_kernel(torch_class: type, params: list, kwargs: Dict[str, Any]
                      ) -> torch.optim.Optimizer:
    """``torch_class(params, **kwargs)`` with the chosen kernel; records it as
    ``optimizer.nnlab_kernel`` (``"fused"``, ``"foreach"`` or ``"for-loop"``)."""
    known = kernels_of(torch_class)
    last_error = None
    for kernel in _ORDER[config.optimizer_kernel()]:
        if kernel != "for-loop" and kernel not in known:
            continue
        flags = _flags(kernel) if kernel in known or "foreach" in known else {}
        try:
            opt = torch_class(params, **kwargs, **flags)
        except (RuntimeError, ValueError, TypeError) as exc:  # torch lacks it here
            last_error = exc
            continue
        opt.nnlab_kernel = kernel
        guard_layouts(opt)  # torch's fused kernels misread mixed layouts (layouts.py)
        flatten_fused_steps(opt)  # ... and copy channels_last gradients (flat_step.py)
        return opt
    raise last_error  # pragma: no cover (the loop kernel always builds)
