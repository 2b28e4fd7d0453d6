"""The harness on the core layers (Dense, Activation, Dropout, Flatten, Reshape, Permute)."""
import math

import pytest
import torch

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
    x = torch.tensor([[-3.0, -1.0, -0.25, 0.0, 0.5, 2.0]])
    out = L.Activation(name)(x)
    torch.testing.assert_close(out, _FORMULAS[name](x), rtol=1e-5, atol=1e-6)


_SELU_A, _SELU_S = 1.6732632423543772, 1.0507009873554805
_FORMULAS = {  # the definitions, written elementwise by hand (Keras' defaults)
    "sigmoid": lambda x: x.apply_(lambda v: 1 / (1 + math.exp(-v))),
    "tanh": lambda x: x.apply_(math.tanh),
    "relu": lambda x: x.apply_(lambda v: max(v, 0.0)),
    "leaky_relu": lambda x: x.apply_(lambda v: v if v > 0 else 0.2 * v),
    "elu": lambda x: x.apply_(lambda v: v if v > 0 else math.exp(v) - 1),
    "softmax": lambda x: torch.tensor([[math.exp(v) for v in x[0].tolist()]])
    / sum(math.exp(v) for v in x[0].tolist()),
    "linear": lambda x: x,
    "selu": lambda x: x.apply_(lambda v: _SELU_S * (v if v > 0 else _SELU_A * (math.exp(v) - 1))),
    "softplus": lambda x: x.apply_(lambda v: math.log1p(math.exp(v))),
}


def test_prelu_and_maxout_activations():
    run_layer_test(lambda: L.Activation("prelu"), (4, 6), (None, 4, 6), 6)
    run_layer_test(lambda: L.Activation("maxout"), (6,), (None, 3), 0)
    run_layer_test(lambda: L.Maxout(3), (9,), (None, 3), 0, gradcheck=True)
    x = torch.tensor([[[-2.0, 3.0], [4.0, -8.0]]])
    # PReLU starts from slope 0.25 per channel: x if x > 0 else 0.25 x
    torch.testing.assert_close(L.Activation("prelu")(x),
                               torch.tensor([[[-0.5, 3.0], [4.0, -2.0]]]))
    # maxout keeps the max of consecutive groups of `pieces` units
    v = torch.tensor([[1.0, 5.0, -2.0, -7.0, 3.0, 3.5]])
    torch.testing.assert_close(L.Activation("maxout")(v), torch.tensor([[5.0, -2.0, 3.5]]))
    torch.testing.assert_close(L.Maxout(3)(v), torch.tensor([[5.0, 3.5]]))


def test_shape_layers():
    run_layer_test(lambda: L.Dropout(0.5), (6,), (None, 6), 0)
    run_layer_test(lambda: L.Flatten(), (2, 3, 4), (None, 24), 0)
    run_layer_test(lambda: L.Reshape((4, -1)), (2, 6), (None, 4, 3), 0)
    run_layer_test(lambda: L.Permute((2, 1)), (2, 6), (None, 6, 2), 0)
    x = torch.arange(24.0).reshape(1, 2, 3, 4)
    out = L.Permute((3, 1, 2))(x)
    assert out.shape == (1, 4, 2, 3)
    assert out[0, 3, 1, 2] == x[0, 1, 2, 3]   # out[b, k, i, j] == x[b, i, j, k]
    torch.testing.assert_close(out, x.permute(0, 3, 1, 2))
    run_layer_test(lambda: L.LeakyReLU(0.1), (6,), (None, 6), 0)
