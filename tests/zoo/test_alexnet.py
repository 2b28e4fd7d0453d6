import pytest
import torch

from nnlab.errors import ShapeError
from nnlab.zoo import alexnet
from nnlab.zoo.common import LocalResponseNormalization

from tests.zoo.zoo_helpers import forward_backward, headless_shape, meta_build, trainable


def test_alexnet_matches_the_lecture():
    model = meta_build("alexnet")
    assert model.input_shape == (None, 227, 227, 3)
    conv1 = model.get_layer("conv1")
    assert conv1.count_params() == 34_944          # 11*11*3*96 + 96
    assert conv1.output.shape == (None, 55, 55, 96)
    shapes = {layer.name: layer.output.shape for layer in model.layers}
    assert shapes["pool1"] == (None, 27, 27, 96)
    assert shapes["pool2"] == (None, 13, 13, 256)
    assert shapes["conv4"] == (None, 13, 13, 384)
    assert shapes["pool5"] == (None, 6, 6, 256)
    assert shapes["flatten"] == (None, 9216)
    assert trainable(model) == 62_378_344


def test_zfnet_sizes_follow_the_paper():
    model = meta_build("zfnet")
    shapes = {layer.name: layer.output.shape for layer in model.layers}
    assert shapes["conv1"] == (None, 110, 110, 96)
    assert shapes["pool1"] == (None, 55, 55, 96)
    assert shapes["conv2"] == (None, 26, 26, 256)
    assert shapes["pool2"] == (None, 13, 13, 256)
    assert shapes["pool5"] == (None, 6, 6, 256)
    assert model.get_layer("conv1").kernel.shape == (96, 3, 7, 7)
    assert trainable(model) == 62_357_608  # AlexNet - 34,944 + 7*7*3*96 + 96


def test_alexnet_paper_biases_and_gaussian_init():
    model = alexnet.alexnet(input_shape=(67, 67, 3), num_classes=10)
    assert torch.all(model.get_layer("conv2").bias == 1)
    assert torch.all(model.get_layer("conv1").bias == 0)
    assert abs(model.get_layer("conv3").kernel.std().item() - 0.01) < 1e-3


@pytest.mark.parametrize("name,size", [("alexnet", 67), ("zfnet", 64)])
def test_forward_backward_small_input(name, size):
    forward_backward(name, (size, size, 3))
    assert headless_shape(name) == (None, 256)


def test_too_small_input_shows_the_formula():
    with pytest.raises(ShapeError, match=r"\(N - F \+ 2P\)/S \+ 1"):
        meta_build("alexnet", input_shape=(66, 66, 3))


def test_local_response_normalization_is_the_paper_formula():
    layer = LocalResponseNormalization()
    a = torch.randn(2, 4, 4, 8)
    b = layer(a)
    sq = torch.nn.functional.pad(a.pow(2), (2, 2))  # pad the channel axis
    window = sum(sq[..., i:i + 8] for i in range(5))
    assert torch.allclose(b, a / (2 + 1e-4 * window) ** 0.75, atol=1e-6)
