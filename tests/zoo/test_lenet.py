from nnlab.layers import AveragePooling2D, Conv2D

from tests.zoo.zoo_helpers import forward_backward, headless_shape, meta_build, trainable


def test_lenet5_layout_and_parameter_count():
    model = meta_build("lenet5")
    # C1 156 + C3 2,416 + C5 48,120 + F6 10,164 + output 850 (C3 fully connected)
    assert trainable(model) == 61_706
    shapes = {layer.name: layer.output.shape for layer in model.layers}
    assert shapes["c1"] == (None, 28, 28, 6)
    assert shapes["s2"] == (None, 14, 14, 6)
    assert shapes["c3"] == (None, 10, 10, 16)
    assert shapes["c5"] == (None, 1, 1, 120)
    assert model.output_shape == (None, 10)
    kinds = [type(layer) for layer in model.layers]
    assert kinds.count(Conv2D) == 3 and kinds.count(AveragePooling2D) == 2


def test_lenet5_forward_backward_and_headless():
    forward_backward("lenet5", (32, 32, 1))
    assert headless_shape("lenet5") == (None, 120)
