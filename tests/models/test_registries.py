import pytest
import torch

from nnlab import activations, initializers, regularizers
from nnlab.layers import Activation, Dense


def test_unknown_names_list_known_ones():
    with pytest.raises(ValueError, match="Unknown activation 'relux'.*maxout.*prelu.*relu"):
        Activation("relux")
    with pytest.raises(ValueError, match="Unknown activation 'softmx'"):
        Dense(3, activation="softmx")
    with pytest.raises(ValueError, match="Unknown initializer 'xavier'.*glorot_uniform"):
        Dense(3, kernel_initializer="xavier")(torch.randn(2, 2))
    with pytest.raises(ValueError, match="Unknown regularizer 'l3'.*l1_l2"):
        regularizers.get("l3")


@pytest.mark.parametrize("name", ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal"])
def test_initializer_variances(name):
    w = torch.empty(400, 300)
    initializers.get(name)(w)
    fan_in, fan_out = 300, 400
    expected = 2.0 / (fan_in + fan_out) if name.startswith("glorot") else 2.0 / fan_in
    assert w.var().item() == pytest.approx(expected, rel=0.05)


def test_small_random_and_zeros():
    w = torch.empty(1000)
    initializers.get("random_normal")(w)
    assert w.std().item() == pytest.approx(0.05, rel=0.1)
    initializers.get("zeros")(w)
    assert not w.any()


def test_regularizer_values_and_bias_not_regularized():
    w = torch.tensor([1.0, -2.0])
    assert regularizers.l1(0.1)(w).item() == pytest.approx(0.3)
    assert regularizers.l2(0.1)(w).item() == pytest.approx(0.5)
    assert regularizers.l1_l2(0.1, 0.1)(w).item() == pytest.approx(0.8)
    layer = Dense(2, kernel_regularizer=regularizers.l2(1.0), bias_initializer="ones")
    layer(torch.randn(1, 2))
    assert layer.regularization_loss().item() == pytest.approx(layer.kernel.square().sum().item())


def test_activation_values():
    x = torch.tensor([-1.0, 0.0, 2.0])
    assert torch.equal(activations.get("relu")(x), torch.tensor([0.0, 0.0, 2.0]))
    assert torch.allclose(activations.get("softmax")(x).sum(), torch.tensor(1.0))
    assert torch.allclose(activations.get("sigmoid")(torch.zeros(1)), torch.tensor([0.5]))
