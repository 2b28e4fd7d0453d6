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


def test_rows_gathers_like_indexing_with_the_same_strides():
    """Batches are gathered with index_select where the memory allows: the values and
    the strides (the memory format a conv net trains in) are those of ``t[index]``."""
    import torch

    from nnlab.training.data_adapter import rows
    from nnlab.training.memory_format import in_memory_format

    torch.manual_seed(0)
    index = torch.randperm(50)[:7]
    cases = [torch.rand(50, 20), torch.randint(0, 9, (50,)), torch.rand(50, 20)[:, ::2],
             torch.rand(50, 6, 6, 1)]
    cases += [in_memory_format(torch.rand(50, 6, 6, 3), fmt)
              for fmt in ("channels_last", "contiguous")]
    for t in cases:
        for i in (index, slice(3, 10)):
            got, want = rows(t, i), t[i]
            assert torch.equal(got, want) and got.stride() == want.stride(), (t.shape, i)
    mask = torch.arange(50) % 2 == 0  # a boolean index takes the indexing path
    assert torch.equal(rows(cases[0], mask), cases[0][mask])
