"""Output-shape inference on torch's ``meta`` device: shapes without memory or compute.

``infer_output_shape(module, input_shape)`` runs the module on meta tensors with meta
copies of its weights (``torch.func.functional_call``), so it works for any
``torch.nn.Module``. The batch axis (``None``) is probed with size 2; other unknown
axes are probed with two sizes and reported as ``None`` where the output varies.

Shape inference is never the reason a valid program fails: where the meta device cannot
trace a layer (a ``Tensor.item()`` on a meta tensor, e.g. ``ops.tile`` with tensor
repeats; a sublayer built lazily in the traced call and called again there; a plain
attribute holding a real tensor), the trace runs again -- on meta once more (lazily
built sublayers are then in the snapshot), then on small real tensors on the weights'
device, the layer's buffers restored afterwards. Only an error of that real run, the
one the data would meet, reaches the caller.
"""
from __future__ import annotations

from typing import Any

import contextlib
import threading

import torch
from torch import nn

from ...errors import ShapeError
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


def _meta_state(module: nn.Module) -> dict:
    """Meta copies of the weights and buffers, each once: a weight registered under two
    names (``add_weight(name="kernel")`` kept as ``self.w``) is tied, not duplicated."""
    named = list(module.named_parameters()) + list(module.named_buffers())
    return {k: v.to("meta") for k, v in named}


def _run(module: nn.Module, inputs: Any, call_kwargs: dict) -> Any:
    state = _meta_state(module)
    with torch.no_grad(), _factories_on_meta():
        out = torch.func.functional_call(module, state, (inputs,), call_kwargs)
    return out


def call_on_meta(module: nn.Module, inputs: Any, args: tuple, kwargs: dict) -> Any:
    """``module(inputs, *args, **kwargs)`` with meta copies of its weights (for a layer
    built lazily while an outer layer's shape inference was already running)."""
    state = _meta_state(module)
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
    shapes = [_shape_tree(_trace(module, input_shape, p, dtype, call_kwargs), batch_unknown)
              for p in _probes_needed(input_shape)]
    result = shapes[0]
    for other in shapes[1:]:
        result = _merge(result, other)
    return result


def _trace(module: nn.Module, input_shape: Any, probe: int, dtype: torch.dtype,
           call_kwargs: dict) -> Any:
    """The module's output for ``input_shape`` probed at ``probe``: on meta tensors, or,
    where meta cannot trace it, on real ones (see the module docstring)."""
    try:
        return _run(module, _meta_inputs(input_shape, probe, dtype), call_kwargs)
    except ShapeError:
        raise  # a layer's own check of the shape: the real data would meet it too
    except Exception:  # noqa: BLE001 - meta's limits; the real run below decides
        pass
    try:  # lazily built sublayers are in the meta snapshot now
        return _run(module, _meta_inputs(input_shape, probe, dtype), call_kwargs)
    except ShapeError:
        raise
    except Exception:  # noqa: BLE001
        return _run_real(module, input_shape, probe, dtype, call_kwargs)


def _real_inputs(input_shape: Any, probe: int, dtype: torch.dtype, device: Any) -> Any:
    if is_shape(input_shape):
        dims = [2 if i == 0 and d is None else (probe if d is None else d)
                for i, d in enumerate(input_shape)]
        fill = 0.5 if dtype.is_floating_point else 0
        return torch.full(dims, fill, dtype=dtype, device=device)
    return [_real_inputs(s, probe, dtype, device) for s in input_shape]


def _run_real(module: nn.Module, input_shape: Any, probe: int, dtype: torch.dtype,
              call_kwargs: dict) -> Any:
    """The module on small constant tensors on its weights' device (no gradients), its
    buffers (moving statistics, counters) put back as they were; outputs on meta."""
    first = next(iter(module.parameters()), None)
    device = first.device if first is not None and not first.is_meta else weight_device()
    saved = {k: b.detach().clone() for k, b in module.named_buffers() if not b.is_meta}
    try:
        with torch.no_grad(), torch.device(device):
            out = module(_real_inputs(input_shape, probe, dtype, device), **call_kwargs)
    finally:
        with torch.no_grad():
            for k, b in module.named_buffers():
                if k in saved and b.shape == saved[k].shape:
                    b.copy_(saved[k])
    return _to_meta(out)


def _to_meta(out: Any) -> Any:
    if isinstance(out, torch.Tensor):
        return out.to("meta")
    if isinstance(out, dict):
        return {k: _to_meta(v) for k, v in out.items()}
    if isinstance(out, (list, tuple)):
        return type(out)(_to_meta(o) for o in out) if isinstance(out, list) \
            else tuple(_to_meta(o) for o in out)
    return out


def _probes_needed(input_shape: Any) -> tuple:
    shapes = [input_shape] if is_shape(input_shape) else list(input_shape)
    unknown_inner = any(d is None for s in shapes for d in s[1:])
    return _PROBES if unknown_inner else _PROBES[:1]
