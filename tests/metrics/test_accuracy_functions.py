"""The accuracy functions ``nnlab.metrics`` exports are Keras 3's: one value per sample
``(batch,)`` (per element for ``binary_accuracy``), the same numbers as ``keras.metrics``."""
import numpy as np
import pytest
import torch

from nnlab import metrics

_LABELS = np.array([0, 2, 1, 2, 1])
_SCORES = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.5, 0.3, 0.2], [0.2, 0.5, 0.3],
                    [0.3, 0.4, 0.3]])
_BITS = np.array([[1.0], [0.0], [1.0], [0.0], [1.0]])
_PROBS = np.array([[0.8], [0.6], [0.3], [0.1], [0.5]])

CASES = {
    "binary_accuracy": ((_BITS, _PROBS), {}),
    "categorical_accuracy": ((np.eye(3)[_LABELS], _SCORES), {}),
    "sparse_categorical_accuracy": ((_LABELS, _SCORES), {}),
    "top_k_categorical_accuracy": ((np.eye(3)[_LABELS], _SCORES), {"k": 2}),
    "sparse_top_k_categorical_accuracy": ((_LABELS, _SCORES), {"k": 2}),
}


def test_every_exported_function_is_covered_here():
    functions = {n for n in metrics.__all__ if n.endswith("accuracy") and n.islower()}
    assert functions == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_accuracy_function_is_per_sample_and_matches_keras_3(name):
    keras = pytest.importorskip("keras")
    (y_true, y_pred), kwargs = CASES[name]
    ours = getattr(metrics, name)(torch.as_tensor(y_true), torch.as_tensor(y_pred), **kwargs)
    theirs = keras.ops.convert_to_numpy(getattr(keras.metrics, name)(y_true, y_pred, **kwargs))
    assert tuple(ours.shape) == theirs.shape == (
        y_pred.shape if name == "binary_accuracy" else (len(y_true),))
    np.testing.assert_array_equal(ours.numpy(), theirs)
