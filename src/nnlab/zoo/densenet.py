"""DenseNet-121/169/201: Huang, Liu, van der Maaten and Weinberger, "Densely Connected
Convolutional Networks", CVPR 2017 (Table 1, DenseNet-BC for ImageNet).

Inside a dense block every layer receives the concatenation of all earlier feature maps
and adds ``growth_rate`` (k = 32) new ones: BN -> ReLU -> 1x1 conv (4k) -> BN -> ReLU ->
3x3 conv (k) (the "bottleneck" B). Transition layers between blocks compress the channels
by 0.5 (the "C"): BN -> ReLU -> 1x1 conv -> 2x2/2 average pool. Trainable parameters at
224x224x3 / 1000 classes: 7,978,856 (121), 14,149,480 (169), 20,013,928 (201).

Initialisation: He normal convs (the authors' Torch code, fb.resnet.torch's He et al.
2015 scheme), BN gamma 1 and beta 0, Glorot uniform for the final FC layer.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from ..layers import AveragePooling2D, Concatenate, MaxPooling2D
from .common import check_args, classifier, finish, model_input, pool_features
from .conv_units import PAPERS, LayerStyle, bn_relu, channel_axis, conv2d, conv_bn_relu
from .registry import register_model

#: depth -> dense layers per block (Table 1)
BLOCKS = {121: (6, 12, 24, 16), 169: (6, 12, 32, 32), 201: (6, 12, 48, 32)}


# ------------------------------------------------------------------------- blocks
# ``style`` (nnlab.zoo.conv_units): PAPERS here, KERAS_APPLICATIONS for Keras' DenseNets
# (nnlab.applications.densenet); the layer names are Keras' in both.
def dense_layer(x, growth_rate: int, name: str, bn_size: int = 4,
                style: LayerStyle = PAPERS):
    """BN -> ReLU -> 1x1 conv (``bn_size * growth_rate``) -> BN -> ReLU -> 3x3 conv
    (``growth_rate``), concatenated to the input: ``(b, H, W, C)`` -> ``(b, H, W, C + k)``."""
    y = bn_relu(x, f"{name}_0", style)
    y = conv2d(y, bn_size * growth_rate, 1, 1, f"{name}_1_conv", use_bias=False, style=style)
    y = bn_relu(y, f"{name}_1", style)
    y = conv2d(y, growth_rate, 3, 1, f"{name}_2_conv", use_bias=False, style=style)
    return Concatenate(axis=style.axis(), name=f"{name}_concat")([x, y])


def dense_block(x, layers: int, growth_rate: int, name: str, bn_size: int = 4,
                style: LayerStyle = PAPERS):
    """``layers`` dense layers: ``(b, H, W, C)`` -> ``(b, H, W, C + layers * growth_rate)``."""
    for i in range(1, layers + 1):
        x = dense_layer(x, growth_rate, f"{name}_block{i}", bn_size, style)
    return x


def transition(x, reduction: float, name: str, style: LayerStyle = PAPERS):
    """BN -> ReLU -> 1x1 conv (``floor(C * reduction)``) -> 2x2/2 average pool."""
    x = bn_relu(x, name, style)
    x = conv2d(x, int(x.shape[channel_axis()] * reduction), 1, 1, f"{name}_conv",
               use_bias=False, style=style)
    return AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


# ------------------------------------------------------------------------- builder
def densenet(depth: int, include_top: bool = True, num_classes: int = 1000,
             input_shape: Optional[Sequence[int]] = None, weights: Any = None,
             pooling: Optional[str] = None, classifier_activation: Any = "softmax",
             growth_rate: int = 32):
    """DenseNet-BC ``depth`` (121, 169 or 201), default input ``(224, 224, 3)``, smallest
    32x32. ``include_top=False`` ends after the final BN-ReLU (1024/1664/1920 channels)."""
    name = f"densenet{depth}"
    shape = check_args(name, include_top, num_classes, pooling, weights, input_shape,
                       (224, 224))
    inputs = model_input(shape)                                     # N x 224 x 224 x 3
    x = conv_bn_relu(inputs, 2 * growth_rate, 7, 2, "conv1")        # N x 112 x 112 x 64
    x = MaxPooling2D(3, strides=2, padding=1, name="pool1")(x)      # N x 56 x 56 x 64
    blocks = BLOCKS[depth]
    for i, layers in enumerate(blocks):                             # 56, 28, 14, 7 px
        x = dense_block(x, layers, growth_rate, f"conv{i + 2}")
        if i < len(blocks) - 1:
            x = transition(x, 0.5, f"pool{i + 2}")
    x = bn_relu(x, "final")                                        # 121: N x 7 x 7 x 1024
    if include_top:
        x = classifier(x, num_classes, classifier_activation)
    else:
        x = pool_features(x, pooling)
    return finish(inputs, x, name, weights)


@register_model()
def densenet121(include_top: bool = True, num_classes: int = 1000,
                input_shape: Optional[Sequence[int]] = None, weights: Any = None,
                pooling: Optional[str] = None, **kwargs: Any):
    """DenseNet-121: blocks (6, 12, 24, 16); 7,978,856 trainable parameters."""
    return densenet(121, include_top, num_classes, input_shape, weights, pooling, **kwargs)


@register_model()
def densenet169(include_top: bool = True, num_classes: int = 1000,
                input_shape: Optional[Sequence[int]] = None, weights: Any = None,
                pooling: Optional[str] = None, **kwargs: Any):
    """DenseNet-169: blocks (6, 12, 32, 32); 14,149,480 trainable parameters."""
    return densenet(169, include_top, num_classes, input_shape, weights, pooling, **kwargs)


@register_model()
def densenet201(include_top: bool = True, num_classes: int = 1000,
                input_shape: Optional[Sequence[int]] = None, weights: Any = None,
                pooling: Optional[str] = None, **kwargs: Any):
    """DenseNet-201: blocks (6, 12, 48, 32); 20,013,928 trainable parameters."""
    return densenet(201, include_top, num_classes, input_shape, weights, pooling, **kwargs)
