"""Defect 8: large float64 data is cast per batch instead of held as a float32 copy."""
import numpy as np
import torch

import nnlab
from nnlab.layers import Dense
from nnlab.training import data_adapter
from nnlab.training.data_adapter import ArrayData


def _fit(x, y):
    nnlab.set_seed(0)
    model = nnlab.Sequential([Dense(4, input_shape=(6,), activation="relu"), Dense(1)])
    model.compile("adam", "mse")
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, validation_split=0.25)
    return model


def test_large_float64_data_is_shared_not_copied_and_cast_per_batch(monkeypatch):
    x = np.random.default_rng(0).random((100, 6))  # float64
    y = x.sum(1)
    small = _fit(x, y)  # below the threshold: one float32 copy
    monkeypatch.setattr(data_adapter, "PER_BATCH_CAST_BYTES", 0)
    data = ArrayData(x, y)
    assert data.x.dtype == torch.float64 and data.x.data_ptr() == x.ctypes.data  # no copy
    xb, yb, _ = next(data.batches(10))
    assert xb.dtype == torch.float32 and yb.dtype == torch.float32
    large = _fit(x, y)
    for a, b in zip(small.parameters(), large.parameters()):
        assert torch.equal(a, b)  # the same numbers reach the model either way
