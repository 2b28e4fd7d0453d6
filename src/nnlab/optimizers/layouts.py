"""Keep a fused optimizer's tensors in their parameter's memory layout.

torch's fused CPU kernels (``Adam(fused=True)`` and the other fused optimizers, torch
2.13) walk a parameter, its gradient and its state tensors (``exp_avg``,
``momentum_buffer``, ...) as flat memory. When their strides disagree -- a channels_last
conv kernel ``(O, I, kh, kw)`` with a state tensor in contiguous NCHW strides -- the
update pairs the wrong elements and training goes silently wrong (measured: three Adam
steps at lr 0.1 on an ``(8, 4, 3, 3)`` kernel land up to 0.6 away from the per-tensor
loop; ``tests/optimizers/test_layouts.py``). torch's multi-tensor and loop kernels index
by shape and are not affected.

In nnlab the layouts come apart when a conv kernel's storage changes under an existing
optimizer state: a model reloaded with its optimizer state (state files hold contiguous
tensors, nnlab's conv kernels are stored channels_last), a ``fit`` in the other memory
format (``training/memory_format.py``), or a user's ``model.to(memory_format=...)``.
:func:`guard_layouts` therefore aligns, before every step of a fused optimizer, the
gradient and state of each parameter with 4 or more dimensions to that parameter's
strides (a copy only when they differ, which is rare; otherwise a stride compare per
such parameter). No library offers this check, hence written here.
"""
from __future__ import annotations

from typing import Any

import torch


def _matched(t: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
    """``t`` (same shape as ``p``) with ``p``'s strides: ``t`` itself when they agree."""
    if t.stride() == p.stride():
        return t
    out = torch.empty_like(p, dtype=t.dtype)  # empty_like keeps p's dense strides
    return out.copy_(t)


def align_layouts(optimizer: torch.optim.Optimizer) -> int:
    """Give every gradient and state tensor of ``optimizer``'s parameters with >= 4
    dimensions its parameter's strides; returns how many tensors were re-laid."""
    moved = 0
    for group in optimizer.param_groups:
        for p in group["params"]:
            if p.dim() < 4:
                continue
            if p.grad is not None and p.grad.stride() != p.stride():
                p.grad = _matched(p.grad, p)
                moved += 1
            state = optimizer.state.get(p)
            if not state:
                continue
            for key, value in state.items():
                if isinstance(value, torch.Tensor) and value.shape == p.shape and \
                        value.stride() != p.stride():
                    state[key] = _matched(value, p)
                    moved += 1
    return moved


def guard_layouts(optimizer: torch.optim.Optimizer) -> None:
    """Align layouts (:func:`align_layouts`) before each ``step`` of ``optimizer`` when it
    runs a fused kernel on parameters with >= 4 dimensions (the only case torch gets
    wrong); other optimizers are left without a hook."""
    fused = any(group.get("fused") for group in optimizer.param_groups)
    if not fused or not any(p.dim() >= 4 for group in optimizer.param_groups
                            for p in group["params"]):
        return

    def before_step(opt: torch.optim.Optimizer, args: Any, kwargs: Any) -> None:
        align_layouts(opt)

    before_step._nnlab_layout_guard = True  # flat_step.py tells it from a user's hook
    optimizer.register_step_pre_hook(before_step)
