"""GaussianNoise, GaussianDropout, SpatialDropout1D/2D: identity at inference, the right
noise statistics in training, harness, Keras 3 shapes."""
import numpy as np
import pytest
import torch

import nnlab
from nnlab.layers import GaussianDropout, GaussianNoise, SpatialDropout1D, SpatialDropout2D
from tests.layer_harness import run_layer_test


@pytest.mark.parametrize("make, shape", [
    (lambda: GaussianNoise(0.5, seed=0), (6, 4)), (lambda: GaussianDropout(0.3, seed=0), (6, 4)),
    (lambda: SpatialDropout1D(0.5, seed=0), (6, 4)),
    (lambda: SpatialDropout2D(0.5, seed=0), (5, 5, 3))], ids=["gn", "gd", "sd1", "sd2"])
def test_harness_inference_identity_and_keras_inference(keras, make, shape):
    layer = run_layer_test(make, shape, expected_output_shape=(None,) + shape, expected_params=0)
    x = torch.randn((2,) + shape)
    assert torch.equal(layer(x, training=False), x)
    assert not torch.equal(layer(x, training=True), x)
    cfg = {k: v for k, v in layer.get_config().items() if k in ("stddev", "rate")}
    ref = getattr(keras.layers, type(layer).__name__)(**cfg)
    np.testing.assert_array_equal(np.asarray(ref(x.numpy(), training=False).cpu()), x.numpy())


def test_noise_statistics_match_the_formulas():
    x = torch.ones(200_000)
    noisy = GaussianNoise(0.5)(x, training=True) - x
    assert abs(noisy.mean()) < 0.01 and abs(noisy.std() - 0.5) < 0.01
    mult = GaussianDropout(0.2)(x, training=True)
    assert abs(mult.mean() - 1) < 0.01 and abs(mult.std() - (0.2 / 0.8) ** 0.5) < 0.01


def test_spatial_dropout_drops_whole_channels():
    x = torch.ones(64, 7, 8)
    y = SpatialDropout1D(0.5, seed=1)(x, training=True)
    per_channel = y.transpose(1, 2).reshape(-1, 7)
    assert torch.all(per_channel.std(dim=1) == 0)  # every step shares the decision
    assert set(per_channel[:, 0].unique().tolist()) == {0.0, 2.0}
    img = torch.ones(16, 4, 4, 6)
    z = SpatialDropout2D(0.5)(img, training=True)
    assert torch.all(z.flatten(1, 2).std(dim=1) == 0)
    nnlab.set_image_data_format("channels_first")
    w = SpatialDropout2D(0.5)(torch.ones(16, 6, 4, 4), training=True)
    assert torch.all(w.flatten(2).std(dim=2) == 0)


def test_bad_arguments_are_explained():
    with pytest.raises(ValueError, match="GaussianNoise: stddev must be a number >= 0"):
        GaussianNoise(-1)
    with pytest.raises(ValueError, match=r"GaussianDropout: rate must be in \[0, 1\)"):
        GaussianDropout(1.0)
    with pytest.raises(nnlab.ShapeError, match="expects inputs of rank 3"):
        SpatialDropout1D(0.1)(nnlab.Input((4, 4, 4)))
