import pytest
import torch
import nnlab
from nnlab.zoo.common import ResidualScale
from nnlab.zoo.inception_resnet import inception_resnet_block, reduction_a

from tests.zoo.zoo_helpers import forward_backward, headless_shape, meta_build, trainable


@pytest.mark.parametrize("kind,size,channels,scale", [("a", 35, 320, 0.17), ("b", 17, 1088, 0.1),
                                                      ("c", 8, 2080, 0.2)])
def test_block_keeps_the_shape_and_scales_the_residual(kind, size, channels, scale):
    x = nnlab.Input((size, size, channels))
    y = inception_resnet_block(x, kind, name=f"t{kind}")
    model = nnlab.Model(x, y)
    assert y.shape == (None, size, size, channels)
    assert model.get_layer(f"t{kind}_scale").scale == scale


def test_scaled_residual_is_x_plus_scale_times_branch():
    x = nnlab.Input((8, 8, 16))
    y = inception_resnet_block(x, "a", name="r", scale=0.5, activation=False)
    model = nnlab.Model(x, y)
    model.eval()
    up = model.get_layer("r_up")
    with torch.no_grad():
        up.kernel.zero_()
        up.bias.fill_(2.0)           # the branch now outputs 2 everywhere
    data = torch.randn(2, 8, 8, 16)
    assert torch.allclose(model(data), data + 0.5 * 2.0)
    assert isinstance(model.get_layer("r_scale"), ResidualScale)


def test_reduction_a():
    x = nnlab.Input((35, 35, 256))
    assert reduction_a(x, 192, 192, 256, 384).shape == (None, 17, 17, 896)


def test_small_model():
    model = meta_build("inception_resnet_small")
    assert model.get_layer("block_b2_add").output.shape == (None, 17, 17, 896)
    assert trainable(model) == 5_029_800
    forward_backward("inception_resnet_small", (75, 75, 3))
    assert headless_shape("inception_resnet_small") == (None, 896)
