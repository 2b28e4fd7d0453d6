import pytest

from tests.zoo.zoo_helpers import forward_backward, headless_shape, meta_build, trainable


@pytest.mark.parametrize("name,params,features", [("densenet121", 7_978_856, 1024),
                                                  ("densenet169", 14_149_480, 1664),
                                                  ("densenet201", 20_013_928, 1920)])
def test_densenet_counts(name, params, features):
    model = meta_build(name)
    assert trainable(model) == params
    assert headless_shape(name) == (None, features)


def test_dense_connectivity_and_compression():
    model = meta_build("densenet121")
    # block 1: 64 + 6 * 32 = 256 maps, halved by the transition
    assert model.get_layer("conv2_block6_concat").output.shape == (None, 56, 56, 256)
    assert model.get_layer("pool2_pool").output.shape == (None, 28, 28, 128)
    assert model.get_layer("conv5_block16_concat").output.shape == (None, 7, 7, 1024)


@pytest.mark.parametrize("name", ["densenet121", "densenet169", "densenet201"])
def test_densenet_forward_backward(name):
    forward_backward(name, (64, 64, 3))
