import pytest
import nnlab
from nnlab.zoo.squeezenet import fire_module

from tests.zoo.zoo_helpers import forward_backward, headless_shape, meta_build, trainable


@pytest.mark.parametrize("name,params", [("squeezenet1_0", 1_248_424),
                                         ("squeezenet1_1", 1_235_496)])
def test_squeezenet_parameter_counts(name, params):
    assert trainable(meta_build(name)) == params


def test_fire_module_concatenates_expansions():
    x = nnlab.Input((13, 13, 512))
    y = fire_module(x, 64, 256, 256, name="fire_test")
    assert y.shape == (None, 13, 13, 512)


@pytest.mark.parametrize("name,size", [("squeezenet1_0", 64), ("squeezenet1_1", 64)])
def test_squeezenet_forward_backward(name, size):
    forward_backward(name, (size, size, 3))
    assert headless_shape(name) == (None, 512)
