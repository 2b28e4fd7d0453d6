"""zoo.conv_units: the papers' conv units and the same units in Keras applications' layers."""
import torch

import nnlab
from nnlab.layers import Activation, BatchNormalization, Conv2D, ReLU, ZeroPadding2D
from nnlab.zoo.conv_units import KERAS_APPLICATIONS, PAPERS, bn_relu, conv_bn_relu


def _layers(model):
    return [(type(layer), layer.name) for layer in model.layers[1:]]


def test_papers_style_pads_inside_the_conv_without_bias():
    x = nnlab.Input((32, 32, 3))
    model = nnlab.Model(x, conv_bn_relu(x, 8, 7, 2, "stem"))
    assert _layers(model) == [(Conv2D, "stem_conv"), (BatchNormalization, "stem_bn"),
                              (ReLU, "stem_relu")]
    conv, bn = model.layers[1], model.layers[2]
    assert conv.padding == (3, 3) and conv.bias is None
    assert (bn.epsilon, bn.momentum, bn.axis) == (1e-5, 0.9, -1)
    assert model.output_shape == (None, 16, 16, 8)


def test_keras_style_pads_with_a_layer_and_keeps_the_bias():
    x = nnlab.Input((32, 32, 3))
    model = nnlab.Model(x, conv_bn_relu(x, 8, 7, 2, "conv1", style=KERAS_APPLICATIONS))
    assert _layers(model) == [(ZeroPadding2D, "conv1_pad"), (Conv2D, "conv1_conv"),
                              (BatchNormalization, "conv1_bn"), (Activation, "conv1_relu")]
    conv, bn = model.layers[2], model.layers[3]
    assert conv.padding == "valid" and conv.bias is not None
    assert (bn.epsilon, bn.momentum, bn.axis) == (1.001e-5, 0.99, 3)
    assert model.output_shape == (None, 16, 16, 8)


def test_both_styles_compute_the_same_function():
    x = nnlab.Input((9, 9, 2))
    ours = nnlab.Model(x, conv_bn_relu(x, 4, 3, 2, "a", style=PAPERS))
    x = nnlab.Input((9, 9, 2))
    theirs = nnlab.Model(x, conv_bn_relu(x, 4, 3, 2, "a", style=KERAS_APPLICATIONS))
    with torch.no_grad():
        theirs.get_layer("a_conv").kernel.copy_(ours.get_layer("a_conv").kernel)
        theirs.get_layer("a_conv").bias.zero_()
    data = torch.randn(2, 9, 9, 2)
    torch.testing.assert_close(ours(data), theirs(data), rtol=1e-4, atol=1e-4)


def test_bn_relu_names():
    x = nnlab.Input((4, 4, 2))
    model = nnlab.Model(x, bn_relu(x, "pool2", KERAS_APPLICATIONS))
    assert _layers(model) == [(BatchNormalization, "pool2_bn"), (Activation, "pool2_relu")]
