"""More of ``keras.ops``' NumPy-like ops, each a thin wrapper of the torch function with
Keras' argument names (``axis``, ``keepdims``); inputs may be tensors, arrays or numbers.

Shapes follow NumPy's rules, as Keras'. Example:
    >>> from nnlab import ops
    >>> ops.tensordot(ops.ones((2, 3)), ops.ones((3, 4)), axes=1).shape
    torch.Size([2, 4])
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np
import torch

from ..dtypes import to_torch_dtype
from .core import _axis, _t, convert_to_tensor


def array(x: Any, dtype: Any = None) -> torch.Tensor:
    """``keras.ops.array``: a tensor of ``x`` (``convert_to_tensor``)."""
    return convert_to_tensor(x, dtype)


def _float(x: Any) -> torch.Tensor:
    x = _t(x)
    return x if x.is_floating_point() else x.float()


def _unary(torch_fn, name: str, floats: bool = True):
    def op(x: Any) -> torch.Tensor:
        return torch_fn(_float(x) if floats else _t(x))
    op.__name__ = name
    op.__doc__ = f"Element-wise ``torch.{torch_fn.__name__}``."
    return op


(arcsinh, arccosh, arctanh, exp2, erfinv, sinc, i0, cbrt) = (
    _unary(f, n) for f, n in ((torch.asinh, "arcsinh"), (torch.acosh, "arccosh"),
                              (torch.atanh, "arctanh"), (torch.exp2, "exp2"),
                              (torch.erfinv, "erfinv"), (torch.sinc, "sinc"),
                              (torch.i0, "i0"), (lambda x: torch.sign(x) * x.abs().pow(1 / 3),
                                                 "cbrt")))
(trunc, signbit, isinf, isneginf, isposinf, conj, real, imag, angle, deg2rad, rad2deg,
 bitwise_not, copy, fabs) = (
    _unary(f, n, floats=False) for f, n in (
        (torch.trunc, "trunc"), (torch.signbit, "signbit"), (torch.isinf, "isinf"),
        (torch.isneginf, "isneginf"), (torch.isposinf, "isposinf"), (torch.conj, "conj"),
        (torch.real, "real"), (torch.imag, "imag"), (torch.angle, "angle"),
        (torch.deg2rad, "deg2rad"), (torch.rad2deg, "rad2deg"),
        (torch.bitwise_not, "bitwise_not"), (torch.clone, "copy"), (torch.abs, "fabs")))
conjugate, bitwise_invert = conj, bitwise_not


def erfc(x: Any) -> torch.Tensor:
    return torch.special.erfc(_float(x))


def _binary(torch_fn, name: str):
    def op(x1: Any, x2: Any) -> torch.Tensor:
        return torch_fn(_t(x1), _t(x2))
    op.__name__ = name
    op.__doc__ = f"Element-wise ``torch.{getattr(torch_fn, '__name__', name)}``, broadcast."
    return op


(fmax, fmin, fmod, hypot, logaddexp, logaddexp2, gcd, lcm, heaviside, nextafter, ldexp,
 bitwise_and, bitwise_or, bitwise_xor, bitwise_left_shift, bitwise_right_shift, outer,
 kron, inner) = (
    _binary(f, n) for f, n in (
        (torch.fmax, "fmax"), (torch.fmin, "fmin"), (torch.fmod, "fmod"),
        (torch.hypot, "hypot"), (torch.logaddexp, "logaddexp"),
        (torch.logaddexp2, "logaddexp2"), (torch.gcd, "gcd"), (torch.lcm, "lcm"),
        (torch.heaviside, "heaviside"), (torch.nextafter, "nextafter"),
        (torch.ldexp, "ldexp"), (torch.bitwise_and, "bitwise_and"),
        (torch.bitwise_or, "bitwise_or"), (torch.bitwise_xor, "bitwise_xor"),
        (torch.bitwise_left_shift, "bitwise_left_shift"),
        (torch.bitwise_right_shift, "bitwise_right_shift"),
        (lambda a, b: torch.outer(a.reshape(-1), b.reshape(-1)), "outer"),
        (torch.kron, "kron"), (torch.inner, "inner")))
left_shift, right_shift = bitwise_left_shift, bitwise_right_shift


def divide_no_nan(x1: Any, x2: Any) -> torch.Tensor:
    """``x1 / x2``, 0 where ``x2 == 0``."""
    a, b = _float(x1), _float(x2)
    return torch.where(b == 0, torch.zeros((), dtype=a.dtype), a / torch.where(b == 0, 1, b))


def tensordot(x1: Any, x2: Any, axes: Any = 2) -> torch.Tensor:
    return torch.tensordot(_t(x1), _t(x2), dims=axes)


def vdot(x1: Any, x2: Any) -> torch.Tensor:
    return torch.vdot(_t(x1).reshape(-1), _t(x2).reshape(-1))


def cross(x1: Any, x2: Any, axisa: int = -1, axisb: int = -1, axisc: int = -1,
          axis: Optional[int] = None) -> torch.Tensor:
    a, b = torch.broadcast_tensors(_t(x1), _t(x2))
    return torch.linalg.cross(a, b, dim=-1 if axis is None else axis)


def amax(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    x = _t(x)
    return torch.amax(x, dim=() if axis is None else _axis(axis), keepdim=keepdims)


def amin(x: Any, axis: Any = None, keepdims: bool = False) -> torch.Tensor:
    x = _t(x)
    return torch.amin(x, dim=() if axis is None else _axis(axis), keepdim=keepdims)


def diff(a: Any, n: int = 1, axis: int = -1) -> torch.Tensor:
    return torch.diff(_t(a), n=n, dim=axis)


def trace(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> torch.Tensor:
    return torch.diagonal(_t(x), offset=offset, dim1=axis1, dim2=axis2).sum(-1)


def diagonal(x: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> torch.Tensor:
    return torch.diagonal(_t(x), offset=offset, dim1=axis1, dim2=axis2)


def diag(x: Any, k: int = 0) -> torch.Tensor:
    return torch.diag(_t(x), diagonal=k)


def diagflat(x: Any, k: int = 0) -> torch.Tensor:
    return torch.diagflat(_t(x), offset=k)


def tri(N: int, M: Optional[int] = None, k: int = 0, dtype: Any = None) -> torch.Tensor:  # noqa: N803
    ones = torch.ones(N, N if M is None else M, dtype=to_torch_dtype(dtype))
    return torch.tril(ones, diagonal=k)


def ravel(x: Any) -> torch.Tensor:
    return _t(x).reshape(-1)


def moveaxis(x: Any, source: Any, destination: Any) -> torch.Tensor:
    return torch.movedim(_t(x), source, destination)


def swapaxes(x: Any, axis1: int, axis2: int) -> torch.Tensor:
    return torch.swapaxes(_t(x), axis1, axis2)


def roll(x: Any, shift: Any, axis: Any = None) -> torch.Tensor:
    return torch.roll(_t(x), shifts=shift, dims=axis)


def rot90(array: Any, k: int = 1, axes: Sequence[int] = (0, 1)) -> torch.Tensor:  # noqa: A002
    return torch.rot90(_t(array), k=k, dims=list(axes))


def fliplr(x: Any) -> torch.Tensor:
    return torch.fliplr(_t(x))


def flipud(x: Any) -> torch.Tensor:
    return torch.flipud(_t(x))


def append(x1: Any, x2: Any, axis: Optional[int] = None) -> torch.Tensor:
    a, b = _t(x1), _t(x2)
    if axis is None:
        return torch.cat([a.reshape(-1), b.reshape(-1)])
    return torch.cat([a, b], dim=axis)


def hstack(xs: Sequence[Any]) -> torch.Tensor:
    return torch.hstack([_t(x) for x in xs])


def vstack(xs: Sequence[Any]) -> torch.Tensor:
    return torch.vstack([_t(x) for x in xs])


def dstack(xs: Sequence[Any]) -> torch.Tensor:
    return torch.dstack([_t(x) for x in xs])


def array_split(x: Any, indices_or_sections: Any, axis: int = 0) -> list:
    return list(torch.tensor_split(_t(x), indices_or_sections, dim=axis))


def hsplit(x: Any, indices_or_sections: Any) -> list:
    return list(torch.hsplit(_t(x), indices_or_sections))


def vsplit(x: Any, indices_or_sections: Any) -> list:
    return list(torch.vsplit(_t(x), indices_or_sections))


def dsplit(x: Any, indices_or_sections: Any) -> list:
    return list(torch.dsplit(_t(x), indices_or_sections))


def unstack(x: Any, num: Optional[int] = None, axis: int = 0) -> list:
    return list(torch.unbind(_t(x), dim=axis))


def meshgrid(*x: Any, indexing: str = "xy") -> list:
    return list(torch.meshgrid(*[_t(v) for v in x], indexing=indexing))


def logspace(start: float, stop: float, num: int = 50, endpoint: bool = True,
             base: float = 10.0, dtype: Any = None, axis: int = 0) -> torch.Tensor:
    if endpoint:
        return torch.logspace(start, stop, num, base=base, dtype=to_torch_dtype(dtype))
    step = (stop - start) / num
    return torch.logspace(start, stop - step, num, base=base, dtype=to_torch_dtype(dtype))


def geomspace(start: float, stop: float, num: int = 50, endpoint: bool = True,
              dtype: Any = None, axis: int = 0) -> torch.Tensor:
    return torch.as_tensor(np.geomspace(start, stop, num, endpoint), dtype=to_torch_dtype(dtype))


def empty(shape: Sequence[int], dtype: Any = None) -> torch.Tensor:
    return torch.empty(tuple(shape), dtype=to_torch_dtype(dtype))


def empty_like(x: Any, dtype: Any = None) -> torch.Tensor:
    x = _t(x)
    return torch.empty_like(x, dtype=x.dtype if dtype is None else to_torch_dtype(dtype))


def identity(n: int, dtype: Any = None) -> torch.Tensor:
    return torch.eye(n, dtype=to_torch_dtype(dtype))


def isclose(x1: Any, x2: Any, rtol: float = 1e-5, atol: float = 1e-8,
            equal_nan: bool = False) -> torch.Tensor:
    a, b = _t(x1), _t(x2)
    common = torch.promote_types(a.dtype, b.dtype)
    common = common if common.is_floating_point else torch.float32
    a, b = torch.broadcast_tensors(a.to(common), b.to(common))
    return torch.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)


def allclose(x1: Any, x2: Any, rtol: float = 1e-5, atol: float = 1e-8,
             equal_nan: bool = False) -> torch.Tensor:
    return isclose(x1, x2, rtol, atol, equal_nan).all()


def isin(x1: Any, x2: Any, assume_unique: bool = False, invert: bool = False) -> torch.Tensor:
    return torch.isin(_t(x1), _t(x2), assume_unique=assume_unique, invert=invert)


def isreal(x: Any) -> torch.Tensor:
    return torch.isreal(_t(x))


def nonzero(x: Any) -> tuple:
    return tuple(torch.nonzero(_t(x), as_tuple=True))


def searchsorted(sorted_sequence: Any, values: Any, side: str = "left") -> torch.Tensor:
    return torch.searchsorted(_t(sorted_sequence), _t(values), side=side)


def digitize(x: Any, bins: Any) -> torch.Tensor:
    return torch.bucketize(_t(x), _t(bins), right=True)


def unique(x: Any, sorted: bool = True, return_inverse: bool = False,  # noqa: A002
           return_counts: bool = False, axis: Optional[int] = None, size: Any = None,
           fill_value: Any = None) -> Any:
    return torch.unique(_t(x), sorted=sorted, return_inverse=return_inverse,
                        return_counts=return_counts, dim=axis)


def vander(x: Any, N: Optional[int] = None, increasing: bool = False) -> torch.Tensor:  # noqa: N803
    return torch.vander(_t(x), N=N, increasing=increasing)


def saturate_cast(x: Any, dtype: Any) -> torch.Tensor:
    """Cast with clipping to the target type's range (no wrap-around)."""
    target = to_torch_dtype(dtype)
    x = _t(x)
    info = torch.iinfo(target) if not target.is_floating_point else torch.finfo(target)
    return x.clamp(info.min, info.max).to(target)


def dtype(x: Any) -> str:
    """The dtype name of ``x`` (``"float32"``), as ``keras.ops.dtype``."""
    return str(_t(x).dtype).replace("torch.", "")


def get_item(x: Any, key: Any) -> torch.Tensor:
    return _t(x)[key]


def select(condlist: Sequence[Any], choicelist: Sequence[Any], default: Any = 0
           ) -> torch.Tensor:
    out = _t(default)
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        out = torch.where(_t(cond), _t(choice), out)
    return out


def unravel_index(indices: Any, shape: Sequence[int]) -> tuple:
    return tuple(torch.unravel_index(_t(indices), tuple(shape)))


def argpartition(x: Any, kth: int, axis: int = -1) -> torch.Tensor:
    return torch.argsort(_t(x), dim=axis, stable=True)  # a valid partition: fully sorted
