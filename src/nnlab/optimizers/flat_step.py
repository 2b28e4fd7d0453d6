"""Fused optimizer steps on channels_last parameters, run on contiguous views.

torch's fused CPU kernels (Adam, AdamW, SGD, Adagrad; torch 2.13) walk a parameter, its
gradient and its state as flat memory, but first call ``grad.contiguous()`` -- a copy
the kernel then does not use -- whenever the gradient is not contiguous in the NCHW
sense. nnlab's conv kernels are stored channels_last, so every step copied every conv
gradient once: measured on three ``(512, 512, 3, 3)`` kernels (2 threads, AVX-512 EPYC),
fused Adam took 6.7 ms on channels_last parameters and 3.6 ms on contiguous ones, fused
SGD 6.5 vs 1.7 ms; on ResNet-18's parameters Adam's step went from 13.7 to 7.2 ms, about
3 % of a 64x64 batch-32 training step.

Every fused update is elementwise, so the same memory seen through a permuted view that
is contiguous (``(O, kh, kw, I)`` for a channels_last ``(O, I, kh, kw)`` kernel) gives the
same result without the copy. :func:`flatten_fused_steps` wraps ``optimizer.step``:
before it, each large parameter whose gradient and state share its dense, non-contiguous
strides is swapped, with them, for such a view (``param.data``, ``param.grad`` and the
state entries); after it -- also when the step raises -- everything is put back, and a
state tensor the step created on the view (the first step's ``exp_avg``,
``momentum_buffer``, ...) is given back in the parameter's shape and strides. Parameters
whose layouts disagree are left to ``layouts.align_layouts`` (the step's pre-hook) and
flattened from the next step on. While a step hook other than that guard is registered
(on the optimizer or globally) nothing is swapped: hooks run inside the step and see the
parameters in their own shapes. No library offers this, hence written here.
"""
from __future__ import annotations

import types
from typing import Any, List, Optional, Tuple

import torch

#: parameters below this many elements are stepped as they are: swapping one for its view
#: and back costs 25-50 us (measured, 2 threads), what copying a 64k-element gradient costs
#: (ResNet-18: 12 kernels swapped, 0.44 ms per step in all, saving ~6 ms)
MIN_ELEMENTS = 1 << 16


def contiguous_order(t: torch.Tensor) -> Optional[Tuple[int, ...]]:
    """The dimension order in which dense ``t`` is contiguous, when it is not already in
    its own order (None when it is, or when no order makes it contiguous)."""
    if t.is_contiguous():
        return None
    order = tuple(sorted(range(t.dim()), key=lambda d: (-t.stride(d), d)))
    return order if t.permute(order).is_contiguous() else None


def _inverse(order: Tuple[int, ...]) -> Tuple[int, ...]:
    back = [0] * len(order)
    for i, d in enumerate(order):
        back[d] = i
    return tuple(back)


class _Swap:
    """One parameter stepped through its contiguous view; :meth:`undo` puts it back."""

    def __init__(self, optimizer: torch.optim.Optimizer, p: torch.Tensor,
                 order: Tuple[int, ...]):
        self.optimizer, self.p, self.order = optimizer, p, order
        self.data, self.grad = p.data, p.grad
        # no state yet (a first step, or SGD without momentum): none is created here,
        # so the optimizer's state_dict stays what torch would write
        state = optimizer.state[p] if p in optimizer.state else {}
        self.entries = {k: v for k, v in state.items()
                        if isinstance(v, torch.Tensor) and v.shape == p.shape}
        p.data = self.data.permute(order)
        p.grad = self.grad.permute(order)
        self.viewed = {}
        for key, value in self.entries.items():
            state[key] = self.viewed[key] = value.permute(order)

    def undo(self) -> None:
        p = self.p
        p.data = self.data
        p.grad = self.grad
        state = self.optimizer.state[p] if p in self.optimizer.state else {}
        viewed_shape = torch.Size(self.data.shape[d] for d in self.order)
        back = _inverse(self.order)
        for key, value in list(state.items()):
            if key in self.viewed and value is self.viewed[key]:
                state[key] = self.entries[key]
            elif isinstance(value, torch.Tensor) and value.shape == viewed_shape:
                # created (or replaced) by the step on the view: in p's memory order
                state[key] = value.permute(back)


def _eligible(optimizer: torch.optim.Optimizer, p: torch.Tensor
              ) -> Optional[Tuple[int, ...]]:
    if p.grad is None or p.dim() < 4 or p.numel() < MIN_ELEMENTS or p.grad.is_sparse or \
            p.device.type != "cpu":  # the copy is the CPU kernels'; GPUs are unmeasured
        return None
    order = contiguous_order(p)
    if order is None or p.grad.stride() != p.stride():
        return None
    for value in (optimizer.state[p].values() if p in optimizer.state else ()):
        if isinstance(value, torch.Tensor) and value.shape == p.shape and \
                value.stride() != p.stride():
            return None  # align_layouts re-lays it during this step; flattened next time
    return order


def _foreign_hooks(optimizer: torch.optim.Optimizer) -> bool:
    """True when a step hook other than nnlab's layout guard is registered (on this
    optimizer or globally), or when torch keeps its hooks where we do not look: a hook
    runs inside the step and must see the parameters in their own shapes."""
    from torch.optim import optimizer as torch_optimizer
    try:
        pre = [h for h in optimizer._optimizer_step_pre_hooks.values()
               if not getattr(h, "_nnlab_layout_guard", False)]
        return bool(pre or optimizer._optimizer_step_post_hooks or
                    torch_optimizer._global_optimizer_pre_hooks or
                    torch_optimizer._global_optimizer_post_hooks)
    except AttributeError:
        return True


def swap_in(optimizer: torch.optim.Optimizer) -> List[_Swap]:
    """Swap every eligible parameter of ``optimizer`` for its contiguous view (none
    while a foreign step hook is registered)."""
    swaps: List[_Swap] = []
    if _foreign_hooks(optimizer):
        return swaps
    for group in optimizer.param_groups:
        for p in group["params"]:
            order = _eligible(optimizer, p)
            if order is not None:
                swaps.append(_Swap(optimizer, p, order))
    return swaps


def flatten_fused_steps(optimizer: torch.optim.Optimizer) -> None:
    """Run ``optimizer.step`` on contiguous views of its large non-contiguous parameters
    (module docstring), when it uses a fused kernel and holds a parameter with >= 4
    dimensions; otherwise leave it untouched. ``step`` stays a bound method, as torch's
    learning-rate schedulers expect when they wrap it."""
    fused = any(group.get("fused") for group in optimizer.param_groups)
    if not fused or not any(p.dim() >= 4 and p.numel() >= MIN_ELEMENTS
                            for group in optimizer.param_groups for p in group["params"]):
        return
    step = optimizer.step

    def flat_step(self: Any, *args: Any, **kwargs: Any) -> Any:
        swaps = swap_in(self)
        try:
            return step(*args, **kwargs)
        finally:
            for swap in reversed(swaps):
                swap.undo()

    optimizer.step = types.MethodType(flat_step, optimizer)
