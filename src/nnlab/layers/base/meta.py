"""Output-shape inference on torch's ``meta`` device: shapes without memory or compute.

``infer_output_shape(module, input_shape)`` runs the module on meta tensors with meta
copies of its weights (``torch.func.functional_call``), so it works for any
``torch.nn.Module``. The batch axis (``None``) is probed with size 2; other unknown
axes are probed with two sizes and reported as ``None`` where the output varies.
"""
from __future__ import annotations

from typing import Any

import contextlib
import threading

import torch
from torch import nn

from ...tree import is_shape

_PROBES = (5, 7)


def _meta_inputs(input_shape: Any, probe: int, dtype: torch.dtype) -> Any:
    if is_shape(input_shape):
        dims = [2 if i == 0 and d is None else (probe if d is None else d)
                for i, d in enumerate(input_shape)]
        if dtype.is_floating_point:
            return torch.empty(dims, device="meta", dtype=dtype)
        return torch.zeros(dims, device="meta", dtype=dtype)
    return [_meta_inputs(s, probe, dtype) for s in input_shape]


_inference = threading.local()


@contextlib.contextmanager
def _factories_on_meta():
    """Tensors a layer's ``call`` creates from nothing (``ops.arange`` positions, noise,
    masks) land on the meta device during shape inference, like its inputs and weights;
    weights built lazily meanwhile still go where the caller's default device says."""
    outer = getattr(_inference, "device", None)
    if outer is None:
        _inference.device = torch.get_default_device()
    try:
        with torch.device("meta"):
            yield
    finally:
        if outer is None:
            _inference.device = None


def weight_device() -> Any:
    """Where ``add_weight`` creates weights: the default device outside shape inference,
    the caller's default device inside it (not the inference's meta device)."""
    outer = getattr(_inference, "device", None)
    return outer if outer is not None else torch.get_default_device()


def _run(module: nn.Module, inputs: Any, call_kwargs: dict) -> Any:
    state = {k: v.to("meta") for k, v in module.state_dict(keep_vars=True).items()}
    with torch.no_grad(), _factories_on_meta():
        out = torch.func.functional_call(module, state, (inputs,), call_kwargs)
    return out


def call_on_meta(module: nn.Module, inputs: Any, args: tuple, kwargs: dict) -> Any:
    """``module(inputs, *args, **kwargs)`` with meta copies of its weights (for a layer
    built lazily while an outer layer's shape inference was already running)."""
    state = {k: v.to("meta") for k, v in module.state_dict(keep_vars=True).items()}
    return torch.func.functional_call(module, state, (inputs,) + tuple(args), kwargs)


def _shape_tree(out: Any, batch_unknown: bool) -> Any:
    if isinstance(out, torch.Tensor):
        shape = tuple(out.shape)
        if batch_unknown and shape:
            shape = (None,) + shape[1:]
        return shape
    return [_shape_tree(o, batch_unknown) for o in out]


def _merge(a: Any, b: Any) -> Any:
    if is_shape(a):
        return tuple(x if x == y else None for x, y in zip(a, b))
    return [_merge(x, y) for x, y in zip(a, b)]


def infer_output_shape(module: nn.Module, input_shape: Any, dtype: torch.dtype = torch.float32,
                       **call_kwargs: Any) -> Any:
    """Output shape(s) of ``module`` for ``input_shape`` (batch axis first, ``None`` allowed)."""
    first = input_shape if is_shape(input_shape) else input_shape[0]
    batch_unknown = bool(first) and first[0] is None
    shapes = [_shape_tree(_run(module, _meta_inputs(input_shape, p, dtype), call_kwargs),
                          batch_unknown) for p in _probes_needed(input_shape)]
    result = shapes[0]
    for other in shapes[1:]:
        result = _merge(result, other)
    return result


def _probes_needed(input_shape: Any) -> tuple:
    shapes = [input_shape] if is_shape(input_shape) else list(input_shape)
    unknown_inner = any(d is None for s in shapes for d in s[1:])
    return _PROBES if unknown_inner else _PROBES[:1]
