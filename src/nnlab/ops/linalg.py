"""``keras.ops.linalg``: ``torch.linalg`` with Keras' names and argument order.

Example:
    >>> from nnlab import ops
    >>> float(ops.linalg.det(ops.eye(3)))
    1.0
"""
from __future__ import annotations

from typing import Any

import torch

from .core import norm
from .numpy_more import _float

__all__ = ["cholesky", "det", "eig", "eigh", "inv", "logdet", "lstsq", "lu_factor",
           "matrix_rank", "norm", "pinv", "qr", "slogdet", "solve", "solve_triangular",
           "svd"]


def cholesky(x: Any, upper: bool = False) -> torch.Tensor:
    return torch.linalg.cholesky(_float(x), upper=upper)


def det(x: Any) -> torch.Tensor:
    return torch.linalg.det(_float(x))


def slogdet(x: Any) -> tuple:
    return tuple(torch.linalg.slogdet(_float(x)))


def logdet(x: Any) -> torch.Tensor:
    return torch.logdet(_float(x))


def eig(x: Any) -> tuple:
    return tuple(torch.linalg.eig(_float(x)))


def eigh(x: Any) -> tuple:
    return tuple(torch.linalg.eigh(_float(x)))


def inv(x: Any) -> torch.Tensor:
    return torch.linalg.inv(_float(x))


def pinv(x: Any, rtol: float = 1e-15) -> torch.Tensor:
    return torch.linalg.pinv(_float(x), rtol=rtol)


def lstsq(a: Any, b: Any, rcond: Any = None) -> torch.Tensor:
    b = _float(b)
    single = b.ndim == 1
    out = torch.linalg.lstsq(_float(a), b[:, None] if single else b, rcond=rcond).solution
    return out[:, 0] if single else out


def lu_factor(x: Any) -> tuple:
    return tuple(torch.linalg.lu_factor(_float(x)))


def matrix_rank(x: Any, tol: Any = None) -> torch.Tensor:
    return torch.linalg.matrix_rank(_float(x), atol=tol)


def qr(x: Any, mode: str = "reduced") -> tuple:
    return tuple(torch.linalg.qr(_float(x), mode=mode))


def solve(a: Any, b: Any) -> torch.Tensor:
    return torch.linalg.solve(_float(a), _float(b))


def solve_triangular(a: Any, b: Any, lower: bool = False) -> torch.Tensor:
    b = _float(b)
    single = b.ndim == 1
    out = torch.linalg.solve_triangular(_float(a), b[:, None] if single else b,
                                        upper=not lower)
    return out[:, 0] if single else out


def svd(x: Any, full_matrices: bool = True, compute_uv: bool = True) -> Any:
    if not compute_uv:
        return torch.linalg.svdvals(_float(x))
    return tuple(torch.linalg.svd(_float(x), full_matrices=full_matrices))
