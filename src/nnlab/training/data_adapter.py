"""Turn what ``fit``/``evaluate``/``predict`` receive into batches, after checking it once.

Accepted: numpy arrays or torch tensors (lists/dicts of them for multi-input or
multi-output models), a torch ``Dataset`` or ``DataLoader`` yielding ``(x, y)``,
or a Python generator/iterable of ``(x, y)`` batches.

In-memory data is converted to tensors once and batches are index slices of it (no
per-sample Python); every check (lengths, NaN/inf, empty data, batch size) runs once
over the whole data, before the first step. float64 arrays become float32 as Keras
casts them -- in one copy when that copy is small, else per batch (above
:data:`PER_BATCH_CAST_BYTES` the float64 array is shared, not copied, so fit holds no
second copy of the data). Batches from a Dataset or generator are checked as they
arrive (NaN/inf, strings, ragged rows), before they can reach the weights.
"""
from __future__ import annotations

import math
from typing import Any, Callable, Iterator, Optional, Tuple

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, IterableDataset

from ..tree import flatten, map_structure

#: float64 data whose float32 copy would exceed this many bytes is kept as float64
#: (no copy: ``torch.from_numpy`` shares the array's memory) and cast per batch.
PER_BATCH_CAST_BYTES = 512 * 2**20


def _numeric_array(v: Any, what: str) -> np.ndarray:
    """``v`` as a numeric numpy array, or a TypeError saying what is wrong with it."""
    try:
        arr = np.asarray(v)
    except ValueError as exc:  # numpy >= 1.24 refuses ragged nested lists
        lengths = [len(r) if hasattr(r, "__len__") else None for r in list(v)[:6]]
        raise TypeError(f"{what} is a ragged list (rows of lengths {lengths}...): every "
                        f"sample must have the same shape. Pad sequences to one length "
                        f"(nnlab.utils.pad_sequences) or pass a Dataset.") from exc
    if arr.dtype.kind in "USO":
        kind = "strings" if arr.dtype.kind in "US" else "Python objects (ragged rows?)"
        raise TypeError(f"{what} holds {kind} (numpy dtype {arr.dtype}, shape {arr.shape}); "
                        f"models take numbers: turn text into integer ids first, pad "
                        f"ragged rows to one length, or convert with np.asarray(..., "
                        f"dtype='float32').")
    return arr


def _as_tensor(v: Any, what: str) -> torch.Tensor:
    """One array (a tensor, numpy array or nested list of numbers) as a tensor; float64
    becomes float32 unless :func:`_lazy`."""
    if isinstance(v, torch.Tensor):
        return v.float() if v.dtype == torch.float64 and not _lazy(v) else v
    if isinstance(v, np.ndarray) or isinstance(v, (list, tuple)):
        arr = _numeric_array(v, what)
        t = torch.from_numpy(np.ascontiguousarray(arr))
        return t.float() if t.dtype == torch.float64 and not _lazy(t) else t
    if isinstance(v, str):
        raise TypeError(f"{what} holds strings ({v[:20]!r}...); models take numbers: "
                        f"turn text into integer ids first")
    raise TypeError(f"{what} must be numpy arrays or torch tensors (or a Dataset, "
                    f"DataLoader or generator), got {type(v).__name__}")


def _as_tensors(x: Any, what: str) -> Any:
    if type(x) is torch.Tensor or type(x) is np.ndarray:  # one array: no structure to walk
        return _as_tensor(x, what)
    if isinstance(x, (list, tuple)) and x and not isinstance(x[0], (np.ndarray, torch.Tensor,
                                                                    dict)):
        return _as_tensor(x, what)  # a plain (nested) list of numbers is one array
    return map_structure(lambda v: _as_tensor(v, what), x)


def _lazy(t: torch.Tensor) -> bool:
    """Keep float64 ``t`` as is (cast per batch) when its float32 copy would be large."""
    return t.dtype == torch.float64 and t.numel() * 4 > PER_BATCH_CAST_BYTES


def rows(t: torch.Tensor, index: Any) -> torch.Tensor:
    """``t[index]`` for a slice (a view) or an int64 index tensor (a gather of samples).

    A gather runs as ``index_select`` (torch's row-copy kernel) where ``t``'s memory
    allows it: dense, or an ``(N, H, W, C)`` view of NCHW memory (the layout
    :mod:`.memory_format` may give the data). The values and strides are those of
    ``t[index]``, whose advanced-indexing kernel computes an offset per element and was
    several times slower on CPU for a batch of images in a development check (one
    operator either way, so operator counts do not show it)."""
    if type(index) is torch.Tensor and index.dtype == torch.int64 and \
            index.device == t.device:
        if t.is_contiguous():
            return t.index_select(0, index)
        if t.dim() == 4 and t.movedim(-1, 1).is_contiguous():
            return t.movedim(-1, 1).index_select(0, index).movedim(1, -1)
    return t[index]


def _batch(t: torch.Tensor, index: Any) -> torch.Tensor:
    part = rows(t, index)
    return part.float() if part.dtype == torch.float64 else part


def check_finite(x: Any, what: str) -> None:
    """Raise ValueError if any floating tensor in ``x`` holds NaN or inf (one pass)."""
    for t in ([x] if type(x) is torch.Tensor else flatten(x)):
        # One float32 sum first (a few ms for MNIST): NaN or inf anywhere makes it non-finite.
        # Only then (or if huge values overflowed it) the exact element-wise scan runs.
        # The sum is tested on the host: two operators (sum, read) where torch.isfinite on
        # the sum would add four more on every predict call.
        if t.is_floating_point() and not math.isfinite(t.sum().item()) \
                and not bool(torch.isfinite(t).all()):
            bad = (~torch.isfinite(t)).nonzero()[0].tolist()
            raise ValueError(f"{what} contains NaN or inf (first at index {bad}); clean or "
                             f"impute the data before training.")


def is_in_memory(x: Any) -> bool:
    return all(isinstance(t, (np.ndarray, torch.Tensor)) for t in flatten(x)) and x is not None


class ArrayData:
    """In-memory ``(x, y, sample_weight)`` as tensors, sliced into batches by index."""

    def __init__(self, x: Any, y: Any = None, sample_weight: Any = None, what: str = "x"):
        self.x = _as_tensors(x, what)
        if y is None and sample_weight is None and type(self.x) is torch.Tensor:
            self._one_tensor(what)  # predict's usual input: the same checks, less walking
            return
        self.y = None if y is None else _as_tensors(y, "y")
        self.sample_weight = None if sample_weight is None else _as_tensors(sample_weight,
                                                                            "sample_weight")
        lengths = {f"{what}[{i}]": len(t) for i, t in enumerate(flatten(self.x))}
        if self.y is not None:
            lengths.update({f"y[{i}]": len(t) for i, t in enumerate(flatten(self.y))})
        if len(set(lengths.values())) > 1:
            detail = ", ".join(f"{k}: {v}" for k, v in lengths.items())
            raise ValueError(f"x and y must have the same number of samples; got {detail}")
        if self.sample_weight is not None:
            for t in flatten(self.sample_weight):
                if t.dim() == 0 or len(t) != next(iter(lengths.values())):
                    raise ValueError(f"sample_weight must hold one weight per sample: "
                                     f"expected length {next(iter(lengths.values()))}, got "
                                     f"shape {tuple(t.shape)}")

        self.n = next(iter(lengths.values()))
        if self.n == 0:
            raise ValueError(f"{what} is empty: there is nothing to train or evaluate on")
        check_finite(self.x, what)
        if self.y is not None:
            check_finite(self.y, "y")
        if self.sample_weight is not None:
            check_finite(self.sample_weight, "sample_weight")  # a NaN weight: a NaN loss

    def _one_tensor(self, what: str) -> None:
        """The checks of ``__init__`` for x alone, one tensor (no y, no weights)."""
        self.y = self.sample_weight = None
        self.n = len(self.x)
        if self.n == 0:
            raise ValueError(f"{what} is empty: there is nothing to train or evaluate on")
        check_finite(self.x, what)

    def take(self, index: Any) -> "ArrayData":
        """A subset by an index tensor or slice (for validation_split)."""
        sub = object.__new__(ArrayData)
        sub.x = map_structure(lambda t: rows(t, index), self.x)
        sub.y = None if self.y is None else map_structure(lambda t: rows(t, index), self.y)
        sub.sample_weight = None if self.sample_weight is None else \
            map_structure(lambda t: rows(t, index), self.sample_weight)
        sub.n = len(flatten(sub.x)[0])
        return sub

    def split(self, fraction: float) -> Tuple["ArrayData", "ArrayData"]:
        """Keras' validation_split: train on the first ``floor(n * (1 - fraction))``
        samples, validate on the rest, before shuffling (Keras' exact arithmetic)."""
        if not 0 < fraction < 1:
            raise ValueError(f"validation_split must be in (0, 1), got {fraction}")
        cut = int(math.floor(self.n * (1.0 - fraction)))
        if cut == 0 or cut == self.n:
            raise ValueError(f"validation_split={fraction} of {self.n} samples leaves an empty "
                             f"training or validation set")
        return self.take(slice(0, cut)), self.take(slice(cut, self.n))

    def num_batches(self, batch_size: int) -> int:
        return math.ceil(self.n / batch_size)

    def batches(self, batch_size: int, shuffle: bool = False,
                generator: Optional[torch.Generator] = None) -> Iterator[tuple]:
        order = torch.randperm(self.n, generator=generator) if shuffle else None
        for start in range(0, self.n, batch_size):
            if order is None:
                index: Any = slice(start, start + batch_size)
            else:
                index = order[start:start + batch_size]
            yield self.batch(index)

    def batch(self, index: Any) -> tuple:
        """``(x, y, sample_weight)`` of the samples at ``index`` (a slice or index tensor)."""
        # the common case, one tensor each for x and y that needs no cast: index directly
        x, y = self.x, self.y
        xb = rows(x, index) if type(x) is torch.Tensor and x.dtype != torch.float64 else \
            map_structure(lambda t: _batch(t, index), x)
        if type(y) is torch.Tensor and y.dtype != torch.float64:
            yb = rows(y, index)
        elif y is None:
            yb = None
        else:
            yb = map_structure(lambda t: _batch(t, index), y)
        wb = None if self.sample_weight is None else map_structure(lambda t: _batch(t, index),
                                                                   self.sample_weight)
        return xb, yb, wb


class StreamData:
    """Batches from a DataLoader, a Dataset (wrapped in a DataLoader) or an iterable."""

    def __init__(self, source: Any, batch_size: Optional[int], shuffle: bool,
                 steps: Optional[int] = None):
        if isinstance(source, Dataset) and not isinstance(source, IterableDataset):
            if len(source) == 0:
                raise ValueError("The dataset is empty: there is nothing to train on")
            source = DataLoader(source, batch_size=batch_size or 32, shuffle=shuffle)
        elif isinstance(source, IterableDataset):
            source = DataLoader(source, batch_size=batch_size or 32)
        self.source = source
        self.steps = steps
        self.n = None
        try:
            self._len = len(source) if steps is None else steps
        except TypeError:
            self._len = steps
        self._one_shot = not isinstance(source, (DataLoader,)) and iter(source) is source

    def num_batches(self, batch_size: int) -> Optional[int]:
        return self._len

    def batches(self, batch_size: int, shuffle: bool = False, generator=None) -> Iterator[tuple]:
        count = 0
        for item in self.source:
            if self.steps is not None and count >= self.steps:
                break
            if isinstance(item, dict) and "x" in item:
                xb, yb, wb = item["x"], item.get("y"), item.get("sample_weight")
            elif isinstance(item, (list, tuple)) and len(item) == 1:
                xb, yb, wb = item[0], None, None  # TensorDataset(x): x alone
            elif isinstance(item, (list, tuple)) and len(item) in (2, 3):
                xb, yb = item[0], item[1]
                wb = item[2] if len(item) == 3 else None
            else:
                xb, yb, wb = item, None, None
            xb = _as_tensors(xb, f"x (batch {count + 1} of the data source)")
            if wb is not None:  # numpy weights from a generator, as Keras takes them
                wb = _as_tensors(wb, f"sample_weight (batch {count + 1} of the data source)")
                check_finite(wb, f"sample_weight (batch {count + 1} of the data source)")
            yb = None if yb is None else _as_tensors(yb, f"y (batch {count + 1} of the data "
                                                         f"source)")
            # one sum per batch on the host, before the batch can reach the weights
            check_finite(xb, f"x (batch {count + 1} of the data source)")
            if yb is not None:
                check_finite(yb, f"y (batch {count + 1} of the data source)")
            yield xb, yb, wb
            count += 1
        if count == 0:
            raise ValueError("The data source yielded no batches: it is empty or exhausted "
                             "(a Python generator can be iterated only once; pass "
                             "steps_per_epoch or a re-iterable Dataset/DataLoader).")


def private_input(augment: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``augment`` applied to a copy of each batch of x: a batch may be a view of the
    caller's arrays (``shuffle=False`` slices them; a generator may yield them), and an
    augmentation working in place (``b.add_(0.1)``) must never change the user's data."""
    def augment_copy(xb: Any) -> Any:
        return augment(map_structure(torch.clone, xb))
    return augment_copy


def adapt(x: Any, y: Any = None, sample_weight: Any = None, batch_size: Optional[int] = 32,
          shuffle: bool = False, steps: Optional[int] = None, what: str = "x"):
    """Return an :class:`ArrayData` or :class:`StreamData` for ``x``/``y``."""
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
    if x is None:
        raise ValueError(f"{what} is None: pass the training data")
    if type(x) is torch.Tensor or type(x) is np.ndarray:  # one array: in memory
        return ArrayData(x, y, sample_weight, what)
    if isinstance(x, (DataLoader, Dataset)) or (not is_in_memory(x) and hasattr(x, "__iter__")
                                                 and not isinstance(x, (list, tuple, dict))):
        if y is not None:
            raise ValueError("y must be None when x is a Dataset, DataLoader or generator "
                             "(it yields (x, y) pairs)")
        return StreamData(x, batch_size, shuffle, steps)
    return ArrayData(x, y, sample_weight, what)
