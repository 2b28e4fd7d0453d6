"""nnlab.dtypes.to_torch_dtype: the one place dtype names become torch dtypes."""
from __future__ import annotations

import numpy as np
import pytest
import torch

import nnlab
from nnlab import backend as K
from nnlab import ops
from nnlab.dtypes import to_torch_dtype


@pytest.mark.parametrize("given, expected", [
    ("float32", torch.float32), ("float64", torch.float64), ("bfloat16", torch.bfloat16),
    ("int32", torch.int32), ("int64", torch.int64), ("uint8", torch.uint8),
    ("bool", torch.bool), ("int", torch.int64), ("float", torch.float32),
    (np.float32, torch.float32), (np.dtype("int16"), torch.int16), (np.bool_, torch.bool),
    (torch.float16, torch.float16), (None, torch.float32),
])
def test_names_numpy_and_torch_dtypes(given, expected):
    assert to_torch_dtype(given) == expected


@pytest.mark.parametrize("bad", ["float8", "string", object(), np.str_])
def test_unknown_dtype_lists_the_known_ones(bad):
    with pytest.raises(ValueError, match="known: float16, bfloat16, float32"):
        to_torch_dtype(bad)


def test_every_user_of_dtypes_agrees():
    assert ops.cast(ops.ones(2), "float16").dtype == torch.float16
    assert K.standardize_dtype(np.float64) == "float64"
    assert K.standardize_dtype(None) == "float32"  # keras.backend.standardize_dtype(None)
    assert nnlab.random.randint((2,), 0, 3).dtype == torch.int32


def test_input_takes_keras_int32_ids_as_int64():
    assert nnlab.Input((3,), dtype="int32").dtype == torch.int64
    assert nnlab.Input((3,), dtype=np.int32).dtype == torch.int64
    assert nnlab.Input((3,), dtype=torch.int32).dtype == torch.int32  # asked for explicitly
    assert nnlab.Input((3,)).dtype == torch.float32
    with pytest.raises(ValueError, match="Unknown dtype 'float8'"):
        nnlab.Input((3,), dtype="float8")
