from nnlab.layers import Conv2D, GlobalAveragePooling2D

from tests.zoo.zoo_helpers import forward_backward, headless_shape, meta_build, trainable


def _conv(c_in, c_out, k):
    return c_in * c_out * k * k + c_out


def test_nin_count_and_structure():
    model = meta_build("nin")
    expected = (_conv(3, 96, 11) + 2 * _conv(96, 96, 1) + _conv(96, 256, 5)
                + 2 * _conv(256, 256, 1) + _conv(256, 384, 3) + 2 * _conv(384, 384, 1)
                + _conv(384, 1024, 3) + _conv(1024, 1024, 1) + _conv(1024, 1000, 1))
    assert trainable(model) == expected == 7_595_176
    convs = [layer for layer in model.layers if isinstance(layer, Conv2D)]
    assert len(convs) == 12 and sum(c.kernel_size == (1, 1) for c in convs) == 8
    assert any(isinstance(layer, GlobalAveragePooling2D) for layer in model.layers)
    assert model.get_layer("mlpconv4_cccp2").output.shape == (None, 5, 5, 1000)


def test_nin_forward_backward_and_headless():
    forward_backward("nin", (67, 67, 3))
    assert headless_shape("nin") == (None, 1024)
