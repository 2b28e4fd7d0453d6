"""RepeatVector against Keras 3, through the shared harness."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab.layers import RepeatVector
from tests.layer_harness import run_layer_test


def test_harness_and_keras_output(keras):
    layer = run_layer_test(lambda: RepeatVector(3), (5,), expected_output_shape=(None, 3, 5),
                           expected_params=0, gradcheck=True)
    x = np.random.default_rng(0).normal(size=(2, 5)).astype("float32")
    ref = keras.layers.RepeatVector(3)(x)
    np.testing.assert_array_equal(layer(torch.from_numpy(x)).numpy(), np.asarray(ref.cpu()))
    assert keras.layers.RepeatVector(3).compute_output_shape((None, 5)) == (None, 3, 5)


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="RepeatVector: n must be a positive int, got 0"):
        RepeatVector(0)
    with pytest.raises(nnlab.ShapeError, match=r"expects inputs of rank 2 \(batch, features\)"):
        RepeatVector(2)(nnlab.Input((3, 4)))
