"""keras.datasets-style loaders return nnlab.data's arrays in Keras' structure and dtypes."""
import numpy as np
import pytest

import nnlab
from nnlab.data import DatasetNotAvailable


@pytest.mark.parametrize("name, loader, first", [("mnist", "load_mnist", [5, 0, 4, 1, 9]),
                                                  ("fashion_mnist", "load_fashion_mnist", [9])])
def test_load_data_is_keras_shaped(name, loader, first):
    try:
        (x_tr, y_tr), (x_te, y_te) = getattr(nnlab.datasets, name).load_data()
    except DatasetNotAvailable as exc:
        pytest.skip(str(exc))
    assert x_tr.shape == (60000, 28, 28) and x_te.shape == (10000, 28, 28)
    assert y_tr.shape == (60000,) and y_te.shape == (10000,)
    assert {a.dtype for a in (x_tr, y_tr, x_te, y_te)} == {np.dtype("uint8")}
    assert y_tr[:len(first)].tolist() == first
    (ref_x, ref_y), _ = getattr(nnlab.data, loader)()
    assert np.array_equal(ref_x, x_tr) and np.array_equal(ref_y, y_tr)
