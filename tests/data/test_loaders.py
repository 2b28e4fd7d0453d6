"""ArrayDataset, GeneratorDataset, make_loader (seeded, workers), splits and k-fold."""
from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from nnlab.data.loaders import (
    ArrayDataset,
    GeneratorDataset,
    kfold,
    make_loader,
    train_dev_test_split,
)
from nnlab.data.transforms import Compose, OneHot, RandomFlip, RandomRotation


@pytest.fixture
def xy():
    rng = np.random.default_rng(0)
    return rng.random((60, 6, 6, 1), dtype=np.float32), np.arange(60) % 3


def test_array_dataset_items_and_batches(xy):
    x, y = xy
    ds = ArrayDataset(x, y)
    assert len(ds) == 60
    xi, yi = ds[5]
    assert xi.shape == (6, 6, 1) and yi.dtype == torch.int64 and int(yi) == 2
    assert np.shares_memory(ds.x.numpy(), x)  # no copy of the numpy array
    xb, yb = ds.__getitems__([0, 1, 2]).value
    assert xb.shape == (3, 6, 6, 1) and yb.tolist() == [0, 1, 2]
    assert ArrayDataset(x)[0].shape == (6, 6, 1)


def test_array_dataset_applies_batched_transform(xy):
    x, y = xy
    ds = ArrayDataset(x, y, transform=Compose([RandomFlip(p=1.0, seed=0), OneHot(3)]))
    xi, yi = ds[1]
    assert torch.equal(xi, torch.from_numpy(x[1]).flip(1)) and yi.tolist() == [0.0, 1.0, 0.0]


def test_array_dataset_rejects_bad_input(xy):
    x, y = xy
    with pytest.raises(ValueError, match="60 samples but y has 59"):
        ArrayDataset(x, y[:-1])
    with pytest.raises(ValueError, match="at least one sample"):
        ArrayDataset(np.zeros((0, 3)))
    with pytest.raises(TypeError, match="callable"):
        ArrayDataset(x, transform=3)


def test_loader_is_reproducible_and_shuffles(xy):
    x, y = xy
    runs = [[b[1].tolist() for b in make_loader((x, y), 16, shuffle=True, seed=4)] for _ in range(2)]
    assert runs[0] == runs[1]
    assert [len(b) for b in runs[0]] == [16, 16, 16, 12]
    assert sorted(itertools.chain(*runs[0])) == sorted(y.tolist())
    assert runs[0] != [b[1].tolist() for b in make_loader((x, y), 16, shuffle=True, seed=5)]
    plain = [b[1].tolist() for b in make_loader((x, y), 16)]
    assert list(itertools.chain(*plain)) == y.tolist()
    assert len(list(make_loader((x, y), 16, drop_last=True))) == 3


def test_workers_same_order_and_distinct_reproducible_augmentation(xy):
    x, y = xy
    idx = np.arange(60, dtype=np.float32).reshape(60, 1, 1, 1) * np.ones((1, 6, 6, 1), np.float32)

    def run(workers):
        ds = ArrayDataset(idx + x, y, transform=RandomRotation(180, seed=9))
        loader = make_loader(ds, 10, shuffle=True, seed=1, num_workers=workers,
                             prefetch_factor=2 if workers else None)
        return [(xb, yb) for xb, yb in loader]

    a, b, single = run(2), run(2), run(0)
    assert [yb.tolist() for _, yb in a] == [yb.tolist() for _, yb in single]  # order from seed
    for (xa, _), (xb, _) in zip(a, b):
        assert torch.equal(xa, xb)  # same seed, same augmentation, even with workers
    # two workers do not repeat each other's random draws
    first, second = a[0][0] - a[0][0].mean((1, 2, 3), keepdim=True), a[1][0]
    assert not torch.allclose(first, second - second.mean((1, 2, 3), keepdim=True))


def test_loader_argument_errors(xy):
    x, y = xy
    with pytest.raises(ValueError, match="num_workers"):
        make_loader((x, y), 8, prefetch_factor=2)
    with pytest.raises(ValueError, match="batch_size"):
        make_loader((x, y), 0)
    with pytest.raises(ValueError, match="map-style"):
        make_loader(GeneratorDataset(lambda: iter(range(3))), 2, shuffle=True)


def test_generator_dataset_every_epoch_and_with_workers():
    ds = GeneratorDataset(lambda: ({"v": i} for i in range(10)), length=10)
    assert len(ds) == 10
    for _ in range(2):
        assert list(itertools.chain(*(b["v"].tolist() for b in make_loader(ds, 4)))) == list(range(10))
    seen = list(itertools.chain(*(b["v"].tolist() for b in make_loader(ds, 3, num_workers=2))))
    assert sorted(seen) == list(range(10))  # each item once across workers
    once = GeneratorDataset(iter(range(3)))
    assert list(once) == [0, 1, 2]
    with pytest.raises(RuntimeError, match="consumed"):
        list(once)
    with pytest.raises(TypeError, match="length"):
        len(once)


def test_train_dev_test_split_sizes_and_stratification():
    x = np.arange(1000).reshape(1000, 1)
    y = np.repeat([0, 1, 2, 3], [400, 300, 200, 100])
    (xt, yt), (xd, yd), (xs, ys) = train_dev_test_split(x, y, dev=0.1, test=0.2, seed=0)
    assert (len(xt), len(xd), len(xs)) == (700, 100, 200)
    assert np.bincount(yd).tolist() == [40, 30, 20, 10]
    assert np.bincount(ys).tolist() == [80, 60, 40, 20]
    assert len(np.unique(np.concatenate([xt, xd, xs]).ravel())) == 1000  # a partition
    assert np.array_equal(yt, y[xt.ravel()])
    again = train_dev_test_split(x, y, dev=0.1, test=0.2, seed=0)
    assert np.array_equal(again[0][0], xt)


def test_split_other_types_and_edge_cases():
    xt_, xd_, xs_ = train_dev_test_split(torch.arange(50), dev=0.2, test=0.2)
    assert (len(xt_), len(xd_), len(xs_)) == (30, 10, 10) and isinstance(xt_, torch.Tensor)
    (a, _), (b, _), (c, _) = train_dev_test_split(list("abcdefghij"), list(range(10)), dev=0,
                                                  test=0.3, stratify=False)
    assert (len(a), len(b), len(c)) == (7, 0, 3) and isinstance(a, list)
    one_hot = np.eye(2)[np.arange(20) % 2]
    (_, _), (_, yd), _ = train_dev_test_split(np.zeros((20, 1)), one_hot, dev=0.2, test=0.2)
    assert yd.sum(0).tolist() == [2.0, 2.0]
    with pytest.raises(ValueError, match="dev \\+ test"):
        train_dev_test_split(np.zeros(10), dev=0.5, test=0.5)
    with pytest.raises(ValueError, match="stratify=False"):
        train_dev_test_split(np.zeros(10), np.linspace(0, 1, 10))


def test_kfold_covers_each_sample_once():
    folds = list(kfold(23, k=5, seed=0))
    assert len(folds) == 5
    val = np.concatenate([v for _, v in folds])
    assert sorted(val.tolist()) == list(range(23))
    for tr, v in folds:
        assert len(np.intersect1d(tr, v)) == 0 and len(tr) + len(v) == 23
    assert [v.tolist() for _, v in kfold(np.zeros(23), k=5, seed=0)] == [v.tolist() for _, v in folds]
    assert next(kfold(10, k=2, shuffle=False))[1].tolist() == [0, 1, 2, 3, 4]


def test_kfold_stratified():
    y = np.repeat([0, 1], [40, 10])
    for _, val in kfold(50, k=5, y=y):
        assert np.bincount(y[val]).tolist() == [8, 2]
    with pytest.raises(ValueError, match="k must be"):
        list(kfold(3, k=5))
