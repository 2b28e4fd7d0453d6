"""BatchNormalization and LayerNormalization: harness, Keras 3 parity (counts, inference and
training outputs, moving statistics), data-format axis, frozen batch norm."""

import numpy as np
import pytest
import torch

import nnlab
from nnlab import layers as L
from nnlab.errors import ShapeError
from tests.layer_harness import run_layer_test


def k_numpy(keras, t):
    return keras.ops.convert_to_numpy(t)


def counts(layer):
    return (sum(int(np.prod(w.shape)) for w in layer.trainable_weights),
            sum(int(np.prod(w.shape)) for w in layer.non_trainable_weights))


# ----------------------------------------------------------------------- harness
@pytest.mark.parametrize("shape", [(4,), (3, 4), (2, 2, 4)])
def test_batch_norm_harness(shape):
    layer = run_layer_test(lambda: L.BatchNormalization(gamma_regularizer="l2"), shape,
                           (None,) + shape, 16, gradcheck=True)
    assert counts(layer) == (8, 8)


def test_batch_norm_gradcheck_in_training_mode():
    layer = L.BatchNormalization(axis=1)
    layer(torch.zeros(4, 3, 2))
    layer = layer.double().train()
    x = torch.randn(4, 3, 2, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: layer(t, training=True), (x,), eps=1e-6,
                                    atol=1e-5)


def test_layer_norm_harness():
    run_layer_test(lambda: L.LayerNormalization(), (3, 5), (None, 3, 5), 10, gradcheck=True)
    run_layer_test(lambda: L.LayerNormalization(axis=[1, 2], center=False), (3, 4, 2),
                   (None, 3, 4, 2), 12, gradcheck=True)
    run_layer_test(lambda: L.LayerNormalization(axis=1), (3, 4), (None, 3, 4), 6,
                   gradcheck=True)


# ----------------------------------------------------------------------- Keras parity
@pytest.mark.parametrize("shape, kwargs", [
    ((5,), {}),
    ((6, 5), {}),
    ((4, 4, 5), {}),
    ((5, 4, 4), dict(axis=1)),
    ((4, 4, 5), dict(center=False, momentum=0.9, epsilon=1e-5)),
    ((4, 4, 5), dict(scale=False)),
])
def test_batch_norm_keras_parity(keras, shape, kwargs):
    rng = np.random.default_rng(0)
    k_layer = keras.layers.BatchNormalization(**kwargs)
    k_out = k_layer(keras.Input(shape))
    n_layer = L.BatchNormalization(**kwargs)
    assert n_layer(nnlab.Input(shape)).shape == tuple(k_out.shape)
    assert counts(n_layer) == counts(k_layer)
    # inference: moving statistics
    weights = [rng.normal(size=w.shape).astype("float32") for w in k_layer.get_weights()]
    weights[-1] = np.abs(weights[-1]) + 0.1  # a variance
    k_layer.set_weights(weights)
    n_layer.set_weights(weights)
    x = rng.normal(1.0, 2.0, size=(8,) + shape).astype("float32")
    n_layer.eval()
    np.testing.assert_allclose(n_layer(torch.from_numpy(x)).detach().numpy(),
                               k_numpy(keras, k_layer(x, training=False)), atol=1e-5, rtol=1e-5)
    # training: batch statistics, and the moving mean moves as Keras' does
    np.testing.assert_allclose(n_layer(torch.from_numpy(x), training=True).detach().numpy(),
                               k_numpy(keras, k_layer(x, training=True)), atol=1e-4, rtol=1e-4)
    np.testing.assert_allclose(n_layer.moving_mean.numpy(),
                               k_numpy(keras, k_layer.moving_mean), atol=1e-5, rtol=1e-5)
    # torch updates the moving variance with the unbiased batch variance (Keras: biased)
    m = kwargs.get("momentum", 0.99)
    axis = kwargs.get("axis", -1) % (len(shape) + 1)
    per_channel = np.moveaxis(x, axis, -1).reshape(-1, x.shape[axis])
    np.testing.assert_allclose(n_layer.moving_variance.numpy(),
                               m * weights[-1] + (1 - m) * per_channel.var(0, ddof=1),
                               atol=1e-5, rtol=1e-5)
    np.testing.assert_allclose(k_numpy(keras, k_layer.moving_variance),
                               m * weights[-1] + (1 - m) * per_channel.var(0),
                               atol=1e-5, rtol=1e-5)


def test_layer_norm_keras_parity(keras):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(3, 4, 6)).astype("float32")
    for kwargs in ({}, dict(axis=[1, 2], epsilon=1e-5)):
        k_layer = keras.layers.LayerNormalization(**kwargs)
        k_layer.build((None, 4, 6))
        n_layer = L.LayerNormalization(**kwargs)
        n_layer(nnlab.Input((4, 6)))
        assert counts(n_layer) == counts(k_layer)
        weights = [rng.normal(size=w.shape).astype("float32") for w in k_layer.get_weights()]
        k_layer.set_weights(weights)
        n_layer.set_weights(weights)
        np.testing.assert_allclose(n_layer(torch.from_numpy(x)).detach().numpy(),
                                   k_numpy(keras, k_layer(x)), atol=1e-5, rtol=1e-5)


def test_layer_norm_on_a_middle_axis():
    layer = L.LayerNormalization(axis=1, epsilon=1e-5, center=False)
    x = torch.randn(3, 4, 6)
    layer(x)
    with torch.no_grad():
        layer.gamma.copy_(torch.arange(1.0, 5.0))
    expected = (x - x.mean(1, keepdim=True)) / torch.sqrt(x.var(1, unbiased=False,
                                                                  keepdim=True) + 1e-5)
    torch.testing.assert_close(layer(x), expected * torch.arange(1.0, 5.0)[:, None])


# ----------------------------------------------------------------------- behaviour
def test_default_axis_follows_data_format():
    nnlab.set_image_data_format("channels_first")
    layer = L.BatchNormalization()
    assert layer.axis == 1
    layer(nnlab.Input((3, 8, 8)))
    assert layer.moving_mean.shape == (3,)
    assert L.BatchNormalization.from_config(layer.get_config()).axis == 1
    nnlab.set_image_data_format("channels_last")
    assert L.BatchNormalization().axis == -1
    assert L.BatchNormalization.from_config(layer.get_config()).axis == 1


def test_channels_last_images_normalize_per_channel():
    layer = L.BatchNormalization(momentum=0.0)
    x = torch.randn(16, 5, 5, 3) * torch.tensor([1.0, 5.0, 0.1]) + torch.tensor([2.0, -1, 0])
    y = layer(x, training=True)
    torch.testing.assert_close(y.mean((0, 1, 2)), torch.zeros(3), atol=1e-5, rtol=0)
    torch.testing.assert_close(layer.moving_mean, x.mean((0, 1, 2)))
    assert y.shape == x.shape


def test_inference_and_frozen_batch_norm_use_moving_averages():
    layer = L.BatchNormalization()
    x = torch.randn(8, 4) * 3 + 1
    layer(x, training=True)
    stats = layer.moving_mean.clone()
    layer.eval()
    expected = (x - layer.moving_mean) / torch.sqrt(layer.moving_variance + 1e-3)
    torch.testing.assert_close(layer(x), expected)
    torch.testing.assert_close(layer.moving_mean, stats)
    layer.train()
    layer.trainable = False  # Keras: a frozen BatchNormalization runs in inference mode
    torch.testing.assert_close(layer(x), expected)
    torch.testing.assert_close(layer.moving_mean, stats)


def test_errors():
    with pytest.raises(ShapeError, match="bn_bad.*axis 3"):
        L.BatchNormalization(axis=3, name="bn_bad")(nnlab.Input((4, 5)))
    layer = L.BatchNormalization(name="bn_ch")
    layer(torch.randn(2, 4))
    with pytest.raises(ShapeError, match="bn_ch.*4 on axis"):
        layer(torch.randn(2, 5))
    with pytest.raises(ValueError, match="momentum"):
        L.BatchNormalization(momentum=1.5)
    with pytest.raises(ValueError, match="axis"):
        L.LayerNormalization(axis="last")
