"""``keras.ops``' control flow and scatter/segment ops on torch (eager: plain Python
loops and branches, which is what Keras' torch backend runs too).

Example:
    >>> from nnlab import ops
    >>> ops.fori_loop(0, 4, lambda i, acc: acc + i, 0)
    6
"""
from __future__ import annotations

from typing import Any, Callable, Optional, Sequence

import torch

from ..tree import flatten, map_structure
from .core import _t

__all__ = ["associative_scan", "cond", "fori_loop", "in_top_k", "map", "scan", "scatter",
           "scatter_update", "segment_max", "segment_min", "segment_prod", "segment_sum",
           "slice_update", "switch", "vectorize", "while_loop"]


def cond(pred: Any, true_fn: Callable, false_fn: Callable) -> Any:
    return true_fn() if bool(_t(pred)) else false_fn()


def switch(index: Any, branches: Sequence[Callable], *operands: Any) -> Any:
    i = min(max(int(_t(index)), 0), len(branches) - 1)
    return branches[i](*operands)


def while_loop(cond: Callable, body: Callable, loop_vars: Any,  # noqa: F811
               maximum_iterations: Optional[int] = None) -> Any:
    """Keras' ``while_loop``: ``loop_vars`` a tuple/list (unpacked into ``cond`` and
    ``body``) or a single value."""
    single = not isinstance(loop_vars, (list, tuple))
    state = (loop_vars,) if single else tuple(loop_vars)
    steps = 0
    while bool(_t(cond(*state))) and (maximum_iterations is None or steps < maximum_iterations):
        out = body(*state)
        state = (out,) if single else tuple(out)
        steps += 1
    return state[0] if single else type(loop_vars)(state)


def fori_loop(lower: int, upper: int, body_fun: Callable, init_val: Any) -> Any:
    value = init_val
    for i in range(int(lower), int(upper)):
        value = body_fun(i, value)
    return value


def scan(f: Callable, init: Any, xs: Any = None, length: Optional[int] = None,
         reverse: bool = False, unroll: int = 1) -> tuple:
    """``carry, y = f(carry, x)`` over the leading axis of ``xs``; returns ``(carry,
    stacked ys)``."""
    n = length if xs is None else len(flatten(xs)[0])
    order = range(n - 1, -1, -1) if reverse else range(n)
    carry, ys = init, []
    for i in order:
        x = None if xs is None else map_structure(lambda t: t[i], xs)
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys or ys[0] is None:
        return carry, None
    stacked = map_structure(lambda *parts: torch.stack([_t(p) for p in parts]), *ys) \
        if isinstance(ys[0], (list, tuple, dict)) else torch.stack([_t(y) for y in ys])
    return carry, stacked


def map(f: Callable, xs: Any) -> Any:  # noqa: A001
    return torch.stack([_t(f(x)) for x in _t(xs)])


def associative_scan(f: Callable, elems: Any, reverse: bool = False, axis: int = 0
                     ) -> torch.Tensor:
    x = torch.movedim(_t(elems), axis, 0)
    x = x.flip(0) if reverse else x
    out = [x[0]]
    for i in range(1, len(x)):
        out.append(f(out[-1], x[i]))
    result = torch.stack(out)
    result = result.flip(0) if reverse else result
    return torch.movedim(result, 0, axis)


def vectorize(pyfunc: Callable, *, excluded: Any = None, signature: Any = None) -> Callable:
    """``pyfunc`` mapped over the leading axis of its arguments (``torch.vmap``)."""
    return torch.vmap(pyfunc)


def scatter(indices: Any, values: Any, shape: Sequence[int]) -> torch.Tensor:
    """A zero tensor of ``shape`` with ``values`` added at ``indices`` ``(n, rank)``."""
    idx, vals = _t(indices).long(), _t(values)
    out = torch.zeros(tuple(shape), dtype=vals.dtype, device=vals.device)
    out.index_put_(tuple(idx.T), vals, accumulate=True)
    return out


def scatter_update(inputs: Any, indices: Any, updates: Any) -> torch.Tensor:
    """A copy of ``inputs`` with ``updates`` written at ``indices`` ``(n, rank)``."""
    out = _t(inputs).clone()
    out[tuple(_t(indices).long().T)] = _t(updates).to(out.dtype)
    return out


def slice_update(inputs: Any, start_indices: Sequence[int], updates: Any) -> torch.Tensor:
    out, upd = _t(inputs).clone(), _t(updates)
    region = tuple(slice(int(s), int(s) + n) for s, n in zip(start_indices, upd.shape))
    out[region] = upd.to(out.dtype)
    return out


def _segment(reduce: str):
    def op(data: Any, segment_ids: Any, num_segments: Optional[int] = None,
           sorted: bool = False) -> torch.Tensor:  # noqa: A002
        x, ids = _t(data), _t(segment_ids).long()
        n = int(ids.max()) + 1 if num_segments is None else int(num_segments)
        out = torch.zeros((n,) + tuple(x.shape[1:]), dtype=x.dtype, device=x.device)
        index = ids.reshape((-1,) + (1,) * (x.ndim - 1)).expand_as(x)
        return out.scatter_reduce(0, index, x, reduce=reduce, include_self=False)
    op.__name__ = f"segment_{ {'sum': 'sum', 'amax': 'max', 'amin': 'min', 'prod': 'prod'}[reduce]}"
    op.__doc__ = "Reduce ``data`` rows by ``segment_ids`` (empty segments are 0)."
    return op


segment_sum, segment_max, segment_min, segment_prod = (
    _segment(r) for r in ("sum", "amax", "amin", "prod"))


def in_top_k(targets: Any, predictions: Any, k: int) -> torch.Tensor:
    """True where the target class is among the ``k`` highest predictions."""
    pred, t = _t(predictions), _t(targets).long()
    target_score = pred.gather(-1, t.reshape(-1, 1))
    return (pred > target_score).sum(-1) < k
