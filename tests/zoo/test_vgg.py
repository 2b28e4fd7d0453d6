import pytest
from nnlab.layers import Conv2D, ReLU

from tests.zoo.zoo_helpers import forward_backward, headless_shape, meta_build, trainable


@pytest.mark.parametrize("name,params,convs", [("vgg16", 138_357_544, 13),
                                               ("vgg19", 143_667_240, 16)])
def test_vgg_parameter_counts(name, params, convs):
    model = meta_build(name)
    assert trainable(model) == params
    assert sum(isinstance(layer, Conv2D) for layer in model.layers) == convs
    assert model.get_layer("block5_pool").output.shape == (None, 7, 7, 512)


def test_one_relu_module_per_use():
    model = meta_build("vgg16")
    relus = [layer for layer in model.layers if isinstance(layer, ReLU)]
    assert len(relus) == 15 and len({id(r) for r in relus}) == 15


@pytest.mark.parametrize("name", ["vgg16", "vgg19"])
def test_vgg_forward_backward(name):
    forward_backward(name, (32, 32, 3))


def test_vgg_headless():
    assert headless_shape("vgg16") == (None, 512)
    assert headless_shape("vgg19", pooling="max") == (None, 512)
    assert headless_shape("vgg16", pooling=None) == (None, 7, 7, 512)
