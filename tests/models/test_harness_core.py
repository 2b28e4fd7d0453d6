"""The harness on the core layers (Dense, Activation, Dropout, Flatten, Reshape, Permute)."""
import pytest

from nnlab import layers as L
from tests.layer_harness import run_layer_test


def test_dense():
    run_layer_test(lambda: L.Dense(5, activation="tanh", kernel_regularizer="l2"), (7,),
                   expected_output_shape=(None, 5), expected_params=40, gradcheck=True)


def test_dense_on_sequences():
    run_layer_test(lambda: L.Dense(4, use_bias=False), (3, 6), (None, 3, 4), 24)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "relu", "leaky_relu", "elu", "softmax",
                                  "linear", "selu", "softplus"])
def test_activation(name):
    run_layer_test(lambda: L.Activation(name), (6,), (None, 6), 0)


def test_prelu_and_maxout_activations():
    run_layer_test(lambda: L.Activation("prelu"), (4, 6), (None, 4, 6), 6)
    run_layer_test(lambda: L.Activation("maxout"), (6,), (None, 3), 0)
    run_layer_test(lambda: L.Maxout(3), (9,), (None, 3), 0, gradcheck=True)


def test_shape_layers():
    run_layer_test(lambda: L.Dropout(0.5), (6,), (None, 6), 0)
    run_layer_test(lambda: L.Flatten(), (2, 3, 4), (None, 24), 0)
    run_layer_test(lambda: L.Reshape((4, -1)), (2, 6), (None, 4, 3), 0)
    run_layer_test(lambda: L.Permute((2, 1)), (2, 6), (None, 6, 2), 0)
    run_layer_test(lambda: L.LeakyReLU(0.1), (6,), (None, 6), 0)
