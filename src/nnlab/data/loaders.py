"""Datasets, DataLoaders with reproducible workers, train/dev/test splits and k-fold indices.

- :class:`ArrayDataset` wraps in-memory arrays (numpy or torch, no copy) and applies a
  *batched* transform once per batch: ``make_loader`` fetches whole batches through
  ``__getitems__`` instead of one sample at a time.
- :class:`GeneratorDataset` turns a Python generator function into an ``IterableDataset``.
- :func:`make_loader` builds a ``torch.utils.data.DataLoader`` whose shuffling and worker
  seeds all derive from one ``seed``.
- :func:`train_dev_test_split` and :func:`kfold` use scikit-learn's splitters.
"""
from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Iterable, Iterator

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset, IterableDataset, get_worker_info
from torch.utils.data._utils.collate import default_collate

from .transforms.base import as_tensor


class _Batch:
    """A batch already assembled by a dataset's ``__getitems__`` (collate passes it through)."""

    __slots__ = ("value",)

    def __init__(self, value) -> None:
        self.value = value


def collate(samples):
    """DataLoader ``collate_fn``: pass pre-assembled batches through, else ``default_collate``."""
    if isinstance(samples, _Batch):
        return samples.value
    return default_collate(samples)


class ArrayDataset(Dataset):
    """A map-style dataset over in-memory arrays.

    Args:
        x: array or tensor ``(N, ...)`` (numpy arrays are wrapped without copying).
        y: optional labels ``(N, ...)``; integer labels become int64 tensors.
        transform: a callable on batches, ``transform(x_batch)`` or, when ``y`` is
            given, ``transform(x_batch, y_batch) -> (x, y)`` (every
            :mod:`nnlab.data.transforms` transform accepts both).

    Items: ``ds[i]`` is ``x[i]`` or ``(x[i], y[i])`` (transformed as a batch of one);
    ``ds.__getitems__(indices)`` returns a whole transformed batch.

    Raises:
        ValueError: ``x`` is empty or ``x`` and ``y`` differ in length.
    """

    def __init__(self, x, y=None, transform: Callable | None = None) -> None:
        self.x = as_tensor(x)
        if self.x.ndim == 0 or len(self.x) == 0:
            raise ValueError(f"ArrayDataset needs at least one sample, got x of shape {tuple(self.x.shape)}")
        self.y = None
        if y is not None:
            y = as_tensor(y)
            if len(y) != len(self.x):
                raise ValueError(f"x has {len(self.x)} samples but y has {len(y)}")
            if not y.is_floating_point() and y.dtype != torch.bool:
                y = y.long()
            self.y = y
        if transform is not None and not callable(transform):
            raise TypeError(f"transform must be callable, got {transform!r}")
        self.transform = transform

    def __len__(self) -> int:
        return len(self.x)

    def _batch(self, idx):
        xb = self.x[idx]
        yb = None if self.y is None else self.y[idx]
        if self.transform is not None:
            if yb is None:
                xb = self.transform(xb)
            else:
                xb, yb = self.transform(xb, yb)
        return xb if yb is None else (xb, yb)

    def __getitem__(self, i):
        out = self._batch(torch.as_tensor([int(i)]))
        return tuple(t[0] for t in out) if isinstance(out, tuple) else out[0]

    def __getitems__(self, indices) -> _Batch:
        return _Batch(self._batch(torch.as_tensor(list(indices), dtype=torch.long)))


class GeneratorDataset(IterableDataset):
    """An ``IterableDataset`` over what a generator function yields.

    Args:
        generator_fn: a callable returning a fresh iterator each epoch (a generator
            function, ``lambda: iter(...)``). A bare generator object is accepted too
            but can be iterated only once.
        length: optional number of items, for ``len()``.

    With ``num_workers > 0`` each worker takes every ``num_workers``-th item
    (worker ``k`` gets items ``k, k + W, ...``), so nothing is duplicated.
    """

    def __init__(self, generator_fn: Callable[[], Iterable] | Iterator, length: int | None = None) -> None:
        super().__init__()
        if callable(generator_fn):
            self._fn, self._once = generator_fn, None
        elif isinstance(generator_fn, Iterator):
            self._fn, self._once = None, generator_fn
        else:
            raise TypeError("GeneratorDataset needs a generator function or an iterator, "
                            f"got {type(generator_fn).__name__}")
        self.length = length

    def __iter__(self):
        if self._fn is not None:
            it = iter(self._fn())
        else:
            if self._once is None:
                raise RuntimeError("this GeneratorDataset wraps a generator object that was "
                                   "already consumed; pass a generator function instead")
            it, self._once = self._once, None
        info = get_worker_info()
        if info is not None and info.num_workers > 1:
            it = itertools.islice(it, info.id, None, info.num_workers)
        return it

    def __len__(self) -> int:
        if self.length is None:
            raise TypeError("this GeneratorDataset has no length; pass length=")
        return self.length


def _seed_worker(worker_id: int) -> None:
    """Seed python's and numpy's RNGs in a worker from torch's per-worker seed."""
    seed = torch.initial_seed() % 2**32
    random.seed(seed)
    np.random.seed(seed)


def make_loader(dataset, batch_size: int = 32, shuffle: bool = False, num_workers: int = 0,
                prefetch_factor: int | None = None, seed: int = 0, drop_last: bool = False,
                pin_memory: bool = False, transform: Callable | None = None) -> DataLoader:
    """A ``DataLoader`` whose shuffling and worker RNGs all follow ``seed``.

    Args:
        dataset: a torch ``Dataset``, or ``x`` / ``(x, y)`` arrays (wrapped in
            :class:`ArrayDataset` with ``transform``).
        batch_size: samples per batch.
        shuffle: reshuffle every epoch (order drawn from a generator seeded by ``seed``).
        num_workers: background worker processes (0 = load in the main process).
        prefetch_factor: batches each worker loads ahead (default 2 with workers).
        seed: seeds the shuffle and, through torch's base seed, each worker's torch,
            numpy and ``random`` RNGs (worker ``k`` gets ``base_seed + k``).
        drop_last: drop a last incomplete batch.
        pin_memory: page-locked batches for faster host-to-GPU copies.
        transform: only when ``dataset`` is arrays (see :class:`ArrayDataset`).

    Map-style datasets with ``__getitems__`` (like :class:`ArrayDataset`) are fetched a
    batch at a time, so a batched transform runs once per batch, in the workers.

    Returns:
        ``torch.utils.data.DataLoader``; same ``seed``, same batches.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    if num_workers < 0:
        raise ValueError(f"num_workers must be >= 0, got {num_workers}")
    if not isinstance(dataset, (Dataset, IterableDataset)):
        if isinstance(dataset, (tuple, list)) and len(dataset) == 2:
            dataset = ArrayDataset(dataset[0], dataset[1], transform=transform)
        else:
            dataset = ArrayDataset(dataset, transform=transform)
    elif transform is not None:
        raise ValueError("transform= applies only when make_loader wraps arrays; give the "
                         "dataset its own transform")
    if isinstance(dataset, IterableDataset) and shuffle:
        raise ValueError("shuffle=True needs a map-style dataset; an IterableDataset "
                         "(GeneratorDataset) yields in its own order")
    generator = torch.Generator().manual_seed(int(seed))
    kwargs = {}
    if num_workers > 0:
        kwargs["prefetch_factor"] = 2 if prefetch_factor is None else int(prefetch_factor)
        kwargs["persistent_workers"] = False
    elif prefetch_factor is not None:
        raise ValueError("prefetch_factor needs num_workers > 0")
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, num_workers=num_workers,
                      collate_fn=collate, drop_last=drop_last, pin_memory=pin_memory,
                      generator=generator, worker_init_fn=_seed_worker, **kwargs)


def _take(a, idx: np.ndarray):
    if isinstance(a, torch.Tensor):
        return a[torch.from_numpy(idx)]
    if isinstance(a, np.ndarray):
        return a[idx]
    return [a[i] for i in idx.tolist()]


def _class_labels(y) -> np.ndarray:
    """Labels usable for stratification: 1-D integer classes (one-hot rows are argmax-ed)."""
    arr = y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
    if arr.ndim == 2:
        arr = arr.argmax(1)
    if arr.ndim != 1:
        raise ValueError(f"stratify needs labels (N,) or one-hot (N, C), got shape {arr.shape}")
    if arr.dtype.kind == "f" and not np.all(arr == np.round(arr)):
        raise ValueError("stratify=True needs class labels, but y holds non-integer values; "
                         "pass stratify=False for regression targets")
    return arr


def _split_idx(idx: np.ndarray, size: float, labels, seed: int):
    """Split ``idx`` into (rest, part) with ``part`` a fraction ``size`` of it (0 -> empty)."""
    if size <= 0:
        return idx, idx[:0]
    from sklearn.model_selection import train_test_split

    strat = None if labels is None else labels[idx]
    try:
        rest, part = train_test_split(idx, test_size=size, random_state=seed, stratify=strat)
    except ValueError as err:
        raise ValueError(f"cannot split {len(idx)} samples with a {size:.0%} part"
                         f"{' stratified' if strat is not None else ''}: {err}. "
                         "Use more data, a larger fraction or stratify=False.") from err
    return rest, part


def train_dev_test_split(x, y=None, dev: float = 0.1, test: float = 0.1, stratify: bool = True,
                         seed: int = 0):
    """Split data into train / dev (validation) / test sets, by fractions of the whole.

    Uses ``sklearn.model_selection.train_test_split`` twice. With ``stratify`` (and ``y``
    given), every split keeps the class proportions of ``y``.

    Args:
        x: array, tensor or list ``(N, ...)``; y: labels ``(N,)`` / one-hot or ``None``.
        dev, test: fractions of N in [0, 1), with ``dev + test < 1``.
        stratify: keep class proportions (needs class labels in ``y``).
        seed: fixes the split.

    Returns:
        ``((x_train, y_train), (x_dev, y_dev), (x_test, y_test))`` in the input's type
        (``y_*`` are ``None`` when ``y`` is), or ``(x_train, x_dev, x_test)`` when ``y``
        is ``None``.
    """
    n = len(x)
    if y is not None and len(y) != n:
        raise ValueError(f"x has {n} samples but y has {len(y)}")
    if not (0 <= dev < 1 and 0 <= test < 1 and dev + test < 1):
        raise ValueError(f"need 0 <= dev, test and dev + test < 1, got dev={dev}, test={test}")
    if n == 0:
        raise ValueError("train_dev_test_split got no samples")
    labels = _class_labels(y) if (stratify and y is not None) else None
    idx = np.arange(n)
    rest, test_idx = _split_idx(idx, test, labels, seed)
    train_idx, dev_idx = _split_idx(rest, dev / (1 - test) if dev else 0.0, labels, seed)
    parts = [train_idx, dev_idx, test_idx]
    if y is None:
        return tuple(_take(x, p) for p in parts)
    return tuple((_take(x, p), _take(y, p)) for p in parts)


def kfold(n_or_x, k: int = 5, shuffle: bool = True, seed: int = 0, y=None):
    """Yield ``(train_idx, val_idx)`` index arrays for k-fold cross-validation.

    Args:
        n_or_x: number of samples, or the data itself (its length is used).
        k: number of folds (>= 2); every sample is in exactly one validation fold.
        shuffle: shuffle before splitting (``seed`` fixes the order).
        y: class labels; when given, folds are stratified (``StratifiedKFold``).

    Yields:
        int64 numpy arrays ``train_idx`` and ``val_idx`` per fold.
    """
    from sklearn.model_selection import KFold, StratifiedKFold

    n = int(n_or_x) if isinstance(n_or_x, (int, np.integer)) else len(n_or_x)
    if k < 2 or k > n:
        raise ValueError(f"k must be between 2 and the number of samples ({n}), got {k}")
    rs = seed if shuffle else None
    if y is None:
        splits = KFold(n_splits=k, shuffle=shuffle, random_state=rs).split(np.zeros(n))
    else:
        labels = _class_labels(y)
        if len(labels) != n:
            raise ValueError(f"{n} samples but y has {len(labels)}")
        splits = StratifiedKFold(n_splits=k, shuffle=shuffle, random_state=rs).split(np.zeros(n), labels)
    for train_idx, val_idx in splits:
        yield train_idx.astype(np.int64), val_idx.astype(np.int64)
