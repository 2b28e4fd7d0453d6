"""``keras.ops`` on torch: the NumPy-like ops keras-io examples use, with Keras' argument
names (``axis``, ``keepdims``) mapped to torch (``dim``, ``keepdim``).

Every op takes torch tensors, numpy arrays or Python numbers and returns a torch tensor
(``shape`` returns a tuple). Gradients flow through all of them (they are torch ops).
The package's ``__init__`` gathers these with the rest (``numpy_more``, ``nn``,
``image``, ``linalg``) and says which names exist (``SUPPORTED``).

Example:
    >>> from nnlab import ops
    >>> ops.mean(ops.square(ops.arange(4.0))).item()
    3.5
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np
import torch
import torch.nn.functional as F

from ..dtypes import to_torch_dtype


def convert_to_tensor(x: Any, dtype: Any = None, sparse: Any = None) -> torch.Tensor:
    """A torch tensor of ``x`` (numpy arrays share memory; Python floats become float32)."""
    if isinstance(x, torch.Tensor):
        t = x
    elif isinstance(x, np.ndarray):
        t = torch.from_numpy(np.ascontiguousarray(x)) if x.dtype != object else \
            torch.as_tensor(x.tolist())
    elif isinstance(x, (float, list, tuple)) and dtype is None:
        t = torch.as_tensor(x)
        if t.dtype == torch.float64:
            t = t.float()
    else:
        t = torch.as_tensor(x)
    return t if dtype is None else t.to(to_torch_dtype(dtype))


_t = convert_to_tensor


def convert_to_numpy(x: Any) -> np.ndarray:
    return _t(x).detach().cpu().numpy()


def _axis(axis: Any) -> Any:
    return tuple(axis) if isinstance(axis, list) else axis


def _reduce(fn_name: str):
    def op(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
        x = _t(x)
        if fn_name in ("mean", "var", "std") and not x.is_floating_point():
            x = x.float()
        fn = getattr(torch, fn_name)
        if axis is None:
            out = fn(x) if fn_name not in ("var", "std") else fn(x, unbiased=False)
            return out.reshape((1,) * x.ndim) if keepdims else out
        kwargs = {"correction": 0} if fn_name in ("var", "std") else {}
        return fn(x, dim=_axis(axis), keepdim=keepdims, **kwargs)
    op.__name__ = fn_name
    op.__doc__ = f"``{fn_name}`` over ``axis`` (all axes when None); ``keepdims`` keeps them."
    return op


mean, sum, var, std, prod = (_reduce(n) for n in ("mean", "sum", "var", "std", "prod"))
any, all = _reduce("any"), _reduce("all")  # noqa: A001


def _extreme(fn_name: str):
    def op(x: Any, axis: Any = None, keepdims: bool = False, initial: Any = None) -> torch.Tensor:
        x = _t(x)
        out = getattr(torch, "amax" if fn_name == "max" else "amin")(
            x, dim=() if axis is None else _axis(axis), keepdim=keepdims)
        if initial is not None:
            out = (torch.clamp_min if fn_name == "max" else torch.clamp_max)(out, initial)
        return out
    op.__name__ = fn_name
    return op


max, min = _extreme("max"), _extreme("min")  # noqa: A001


def argmax(x: Any, axis: Optional[int] = None, keepdims: bool = False) -> torch.Tensor:
    return torch.argmax(_t(x), dim=axis, keepdim=keepdims)


def argmin(x: Any, axis: Optional[int] = None, keepdims: bool = False) -> torch.Tensor:
    return torch.argmin(_t(x), dim=axis, keepdim=keepdims)


def logsumexp(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    x = _t(x)
    return torch.logsumexp(x, dim=tuple(range(x.ndim)) if axis is None else _axis(axis),
                           keepdim=keepdims)


def _unary(torch_fn):
    def op(x: Any) -> torch.Tensor:
        x = _t(x)
        return torch_fn(x if x.is_floating_point() or torch_fn in _INT_OK else x.float())
    op.__name__ = torch_fn.__name__
    op.__doc__ = f"Element-wise ``torch.{torch_fn.__name__}``."
    return op


_INT_OK = {torch.abs, torch.negative, torch.sign, torch.square, torch.logical_not}
(abs, negative, sign, square, sqrt, rsqrt, exp, log, log1p, expm1, sin, cos, tan, tanh,  # noqa: A001
 sinh, cosh, arcsin, arccos, arctan, floor, ceil, round, erf, sigmoid, relu, logical_not,
 reciprocal, log2, log10) = (_unary(f) for f in (
     torch.abs, torch.negative, torch.sign, torch.square, torch.sqrt, torch.rsqrt, torch.exp,
     torch.log, torch.log1p, torch.expm1, torch.sin, torch.cos, torch.tan, torch.tanh,
     torch.sinh, torch.cosh, torch.arcsin, torch.arccos, torch.arctan, torch.floor, torch.ceil,
     torch.round, torch.erf, torch.sigmoid, torch.relu, torch.logical_not, torch.reciprocal,
     torch.log2, torch.log10))
absolute = abs


def _binary(torch_fn):
    def op(x1: Any, x2: Any) -> torch.Tensor:
        a, b = _t(x1), _t(x2)
        return torch_fn(a, b)
    op.__name__ = torch_fn.__name__
    op.__doc__ = f"Element-wise ``torch.{torch_fn.__name__}`` with broadcasting."
    return op


(add, subtract, multiply, divide, power, maximum, minimum, equal, not_equal, greater,
 greater_equal, less, less_equal, logical_and, logical_or, logical_xor, mod, floor_divide,
 arctan2) = (_binary(f) for f in (
     torch.add, torch.subtract, torch.multiply, torch.true_divide, torch.pow, torch.maximum,
     torch.minimum, torch.eq, torch.ne, torch.gt, torch.ge, torch.lt, torch.le,
     torch.logical_and, torch.logical_or, torch.logical_xor, torch.remainder,
     torch.floor_divide, torch.atan2))
true_divide = divide


def matmul(x1: Any, x2: Any) -> torch.Tensor:
    return torch.matmul(_t(x1), _t(x2))


def dot(x1: Any, x2: Any) -> torch.Tensor:
    a, b = _t(x1), _t(x2)
    return a * b if a.ndim == 0 or b.ndim == 0 else torch.matmul(a, b)


def einsum(subscripts: str, *operands: Any) -> torch.Tensor:
    return torch.einsum(subscripts, *(_t(o) for o in operands))


def shape(x: Any) -> tuple:
    """The shape as a tuple of ints (Keras' ``ops.shape``)."""
    return tuple(_t(x).shape) if not hasattr(x, "shape") else tuple(x.shape)


def ndim(x: Any) -> int:
    return len(shape(x))


def size(x: Any) -> int:
    return _t(x).numel()


def cast(x: Any, dtype: Any) -> torch.Tensor:
    return _t(x).to(to_torch_dtype(dtype))


def reshape(x: Any, newshape: Sequence[int]) -> torch.Tensor:
    return _t(x).reshape(tuple(-1 if d is None else d for d in newshape))


def transpose(x: Any, axes: Optional[Sequence[int]] = None) -> torch.Tensor:
    x = _t(x)
    return x.permute(tuple(axes) if axes is not None else tuple(reversed(range(x.ndim))))


def expand_dims(x: Any, axis: int) -> torch.Tensor:
    return _t(x).unsqueeze(axis)


def squeeze(x: Any, axis: Any = None) -> torch.Tensor:
    x = _t(x)
    return x.squeeze() if axis is None else x.squeeze(_axis(axis))


def concatenate(xs: Sequence[Any], axis: int = 0) -> torch.Tensor:
    return torch.cat([_t(x) for x in xs], dim=axis)


def stack(x: Sequence[Any], axis: int = 0) -> torch.Tensor:
    return torch.stack([_t(v) for v in x], dim=axis)


def split(x: Any, indices_or_sections: Any, axis: int = 0) -> list:
    """NumPy's ``split``: a number of equal sections or the split indices."""
    return list(torch.tensor_split(_t(x), indices_or_sections, dim=axis))


def tile(x: Any, repeats: Sequence[int]) -> torch.Tensor:
    return torch.tile(_t(x), tuple(repeats))


def repeat(x: Any, repeats: Any, axis: Optional[int] = None) -> torch.Tensor:
    return torch.repeat_interleave(_t(x), repeats, dim=axis)


def broadcast_to(x: Any, shape: Sequence[int]) -> torch.Tensor:  # noqa: F811
    return torch.broadcast_to(_t(x), tuple(shape))


def flip(x: Any, axis: Any = None) -> torch.Tensor:
    x = _t(x)
    return torch.flip(x, dims=tuple(range(x.ndim)) if axis is None else
                      (axis if isinstance(axis, (tuple, list)) else (axis,)))


def where(condition: Any, x1: Any = None, x2: Any = None) -> Any:
    if x1 is None and x2 is None:
        return torch.where(_t(condition))
    return torch.where(_t(condition).bool(), _t(x1), _t(x2))


def clip(x: Any, x_min: Any, x_max: Any) -> torch.Tensor:
    return torch.clamp(_t(x), x_min, x_max)


def take(x: Any, indices: Any, axis: Optional[int] = None) -> torch.Tensor:
    x, idx = _t(x), _t(indices).long()
    if axis is None:
        return x.reshape(-1)[idx]
    return x.index_select(axis, idx.reshape(-1)).reshape(
        x.shape[:axis % x.ndim] + idx.shape + x.shape[axis % x.ndim + 1:])


def take_along_axis(x: Any, indices: Any, axis: int) -> torch.Tensor:
    return torch.take_along_dim(_t(x), _t(indices).long(), dim=axis)


def top_k(x: Any, k: int, sorted: bool = True) -> tuple:  # noqa: A002
    """``(values, indices)`` of the ``k`` largest entries along the last axis."""
    out = torch.topk(_t(x), k, dim=-1, sorted=sorted)
    return out.values, out.indices


def sort(x: Any, axis: int = -1) -> torch.Tensor:
    return torch.sort(_t(x), dim=axis).values


def argsort(x: Any, axis: int = -1) -> torch.Tensor:
    return torch.argsort(_t(x), dim=axis)


def cumsum(x: Any, axis: Optional[int] = None, dtype: Any = None) -> torch.Tensor:
    x = _t(x)
    return torch.cumsum(x.reshape(-1) if axis is None else x, dim=0 if axis is None else axis)


def cumprod(x: Any, axis: Optional[int] = None, dtype: Any = None) -> torch.Tensor:
    x = _t(x)
    return torch.cumprod(x.reshape(-1) if axis is None else x, dim=0 if axis is None else axis)


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: Any = None) -> torch.Tensor:
    if stop is None:
        start, stop = 0, start
    out = torch.arange(start, stop, step)
    if dtype is not None:
        return out.to(to_torch_dtype(dtype))
    return out.float() if out.dtype == torch.float64 else out


def linspace(start: float, stop: float, num: int = 50, endpoint: bool = True,
             dtype: Any = None) -> torch.Tensor:
    if not endpoint:
        stop = start + (stop - start) * (num - 1) / num if num > 1 else start
    return torch.linspace(start, stop, num, dtype=to_torch_dtype(dtype or "float32"))


def zeros(shape: Sequence[int], dtype: Any = None) -> torch.Tensor:
    return torch.zeros(tuple(shape) if not isinstance(shape, int) else (shape,),
                       dtype=to_torch_dtype(dtype or "float32"))


def ones(shape: Sequence[int], dtype: Any = None) -> torch.Tensor:
    return torch.ones(tuple(shape) if not isinstance(shape, int) else (shape,),
                      dtype=to_torch_dtype(dtype or "float32"))


def full(shape: Sequence[int], fill_value: Any, dtype: Any = None) -> torch.Tensor:
    return torch.full(tuple(shape) if not isinstance(shape, int) else (shape,), fill_value,
                      dtype=to_torch_dtype(dtype or "float32"))


def zeros_like(x: Any, dtype: Any = None) -> torch.Tensor:
    return torch.zeros_like(_t(x), dtype=None if dtype is None else to_torch_dtype(dtype))


def ones_like(x: Any, dtype: Any = None) -> torch.Tensor:
    return torch.ones_like(_t(x), dtype=None if dtype is None else to_torch_dtype(dtype))


def full_like(x: Any, fill_value: Any, dtype: Any = None) -> torch.Tensor:
    return torch.full_like(_t(x), fill_value,
                           dtype=None if dtype is None else to_torch_dtype(dtype))


def eye(N: int, M: Optional[int] = None, dtype: Any = None) -> torch.Tensor:  # noqa: N803
    return torch.eye(N, M if M is not None else N, dtype=to_torch_dtype(dtype or "float32"))


def tril(x: Any, k: int = 0) -> torch.Tensor:
    return torch.tril(_t(x), diagonal=k)


def triu(x: Any, k: int = 0) -> torch.Tensor:
    return torch.triu(_t(x), diagonal=k)


def pad(x: Any, pad_width: Sequence[Sequence[int]], mode: str = "constant",
        constant_values: Any = None) -> torch.Tensor:
    """NumPy-style ``pad_width`` ``[(before, after), ...]`` per axis."""
    flat = [v for pair in reversed(list(pad_width)) for v in pair]
    kwargs = {"value": constant_values or 0} if mode == "constant" else {}
    return F.pad(_t(x), flat, mode=mode, **kwargs)


def norm(x: Any, ord: Any = None, axis: Any = None, keepdims: bool = False) -> torch.Tensor:  # noqa: A002
    return torch.linalg.norm(_t(x).float() if not _t(x).is_floating_point() else _t(x), ord=ord,
                             dim=_axis(axis), keepdim=keepdims)


def stop_gradient(variable: Any) -> torch.Tensor:
    """No gradient flows through (``tensor.detach()``)."""
    return _t(variable).detach()


def one_hot(x: Any, num_classes: int, axis: int = -1, dtype: Any = None) -> torch.Tensor:
    """Integer labels ``(...)`` -> one-hot ``(..., num_classes)`` float32 (``axis`` moves the
    class axis). Negative labels give all-zero rows, as in Keras."""
    x = _t(x).long()
    valid = x >= 0
    out = F.one_hot(x.clamp_min(0), num_classes) * valid.unsqueeze(-1)
    out = out.to(to_torch_dtype(dtype or "float32"))
    return out if axis == -1 else out.movedim(-1, axis)


def softmax(x: Any, axis: int = -1) -> torch.Tensor:
    return torch.softmax(_t(x), dim=axis)


def log_softmax(x: Any, axis: int = -1) -> torch.Tensor:
    return torch.log_softmax(_t(x), dim=axis)


def gelu(x: Any, approximate: bool = True) -> torch.Tensor:
    return F.gelu(_t(x), approximate="tanh" if approximate else "none")


def silu(x: Any) -> torch.Tensor:
    return F.silu(_t(x))


swish = silu


def softplus(x: Any) -> torch.Tensor:
    return F.softplus(_t(x))


def leaky_relu(x: Any, negative_slope: float = 0.2) -> torch.Tensor:
    return F.leaky_relu(_t(x), negative_slope)


def elu(x: Any, alpha: float = 1.0) -> torch.Tensor:
    return F.elu(_t(x), alpha)


def moments(x: Any, axes: Any, keepdims: bool = False) -> tuple:
    """``(mean, variance)`` over ``axes`` (population variance, as Keras)."""
    x = _t(x).float() if not _t(x).is_floating_point() else _t(x)
    return (torch.mean(x, dim=_axis(axes), keepdim=keepdims),
            torch.var(x, dim=_axis(axes), keepdim=keepdims, correction=0))


def is_tensor(x: Any) -> bool:
    return isinstance(x, torch.Tensor)


def isnan(x: Any) -> torch.Tensor:
    return torch.isnan(_t(x))


def isfinite(x: Any) -> torch.Tensor:
    return torch.isfinite(_t(x))


def nan_to_num(x: Any, nan: float = 0.0, posinf: Any = None, neginf: Any = None) -> torch.Tensor:
    return torch.nan_to_num(_t(x), nan=nan, posinf=posinf, neginf=neginf)


def slice(inputs: Any, start_indices: Sequence[int], shape: Sequence[int]) -> torch.Tensor:  # noqa: A001
    """``inputs[start:start + shape]`` on every axis (Keras' ``ops.slice``)."""
    import builtins
    x = _t(inputs)
    return x[tuple(builtins.slice(int(s), int(s) + int(n)) for s, n in zip(start_indices, shape))]


def vectorized_map(function: Any, elements: Any) -> torch.Tensor:
    """``function`` applied to each slice along the first axis (``torch.vmap``)."""
    return torch.vmap(function)(_t(elements))


def image_resize(images: Any, size: Sequence[int], interpolation: str = "bilinear",
                 data_format: Optional[str] = None) -> torch.Tensor:
    """Resize ``(N, H, W, C)`` images (channels_last) to ``size`` ``(height, width)``."""
    from ..config import image_data_format
    x = _t(images).float()
    last = (data_format or image_data_format()) == "channels_last"
    x4 = x if x.ndim == 4 else x[None]
    nchw = x4.permute(0, 3, 1, 2) if last else x4
    out = F.interpolate(nchw, size=tuple(size), mode=interpolation,
                        **({"align_corners": False, "antialias": False}
                           if interpolation in ("bilinear", "bicubic") else {}))
    out = out.permute(0, 2, 3, 1) if last else out
    return out if x.ndim == 4 else out[0]
