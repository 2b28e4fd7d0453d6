"""to_categorical / normalize against Keras 3."""
import numpy as np
import pytest
import torch

from nnlab.utils import normalize, to_categorical


@pytest.mark.parametrize("labels, num_classes", [
    ([1, 2, 0], None), (np.array([[1], [3]]), 5), (np.array([[0, 1], [2, 2]]), None),
    (np.array([4.0, 0.0]), 6)])
def test_to_categorical_matches_keras(keras, labels, num_classes):
    ours = to_categorical(labels, num_classes)
    theirs = keras.utils.to_categorical(labels, num_classes)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


def test_to_categorical_on_a_tensor_gives_a_float_tensor():
    out = to_categorical(torch.tensor([2, 0]), 3)
    assert out.dtype == torch.float32 and out.tolist() == [[0, 0, 1], [1, 0, 0]]


def test_to_categorical_bad_labels_are_explained():
    with pytest.raises(ValueError, match="out of range for num_classes=3"):
        to_categorical([0, 3], 3)
    with pytest.raises(ValueError, match="must be >= 0"):
        to_categorical([0, -1])
    with pytest.raises(ValueError, match="integer class labels"):
        to_categorical([0.5, 1.0])


def test_normalize_matches_keras(keras):
    x = np.random.default_rng(0).normal(size=(4, 3)).astype("float32")
    x[1] = 0
    np.testing.assert_allclose(normalize(x), keras.utils.normalize(x), rtol=1e-6)
    np.testing.assert_allclose(normalize(x, axis=1, order=1),
                               keras.utils.normalize(x, axis=1, order=1), rtol=1e-6)
