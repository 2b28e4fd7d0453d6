import pytest
import torch

import nnlab
from nnlab.layers import Conv2D, Dense, Flatten, MaxPooling2D


def build_vgg16():
    """VGG-16 (configuration D) written out here, so the lecture's figures are checked even
    without the zoo; built on the meta device, it costs no memory."""
    x = inputs = nnlab.Input((224, 224, 3))
    for n, filters in [(2, 64), (2, 128), (3, 256), (3, 512), (3, 512)]:
        for _ in range(n):
            x = Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = MaxPooling2D(2)(x)
    x = Flatten()(x)
    x = Dense(4096, activation="relu")(x)
    x = Dense(4096, activation="relu")(x)
    return nnlab.Model(inputs, Dense(1000, activation="softmax")(x), name="vgg16_local")


@pytest.fixture(scope="module")
def vgg16_local():
    with torch.device("meta"):
        return build_vgg16()


def build_resnet50(stride_on_3x3: bool):
    """ResNet-50 written out here: ``stride_on_3x3=False`` is the paper's (v1: the block's
    first 1x1 convolution strides), ``True`` torchvision's v1.5 (the 3x3 strides)."""
    from nnlab.layers import (Activation, BatchNormalization, GlobalAveragePooling2D,
                              ZeroPadding2D, add)

    def conv_bn(x, filters, kernel, strides=1, relu=True, padding="same"):
        x = Conv2D(filters, kernel, strides=strides, padding=padding, use_bias=False)(x)
        x = BatchNormalization()(x)
        return Activation("relu")(x) if relu else x

    x = inputs = nnlab.Input((224, 224, 3))
    x = conv_bn(ZeroPadding2D(3)(x), 64, 7, 2, padding="valid")        # 112 x 112 x 64
    x = MaxPooling2D(3, strides=2, padding="same")(x)
    for stage, (blocks, width) in enumerate([(3, 64), (4, 128), (6, 256), (3, 512)]):
        for b in range(blocks):
            s = 2 if b == 0 and stage > 0 else 1
            shortcut = conv_bn(x, 4 * width, 1, s, relu=False) if b == 0 else x
            h = conv_bn(x, width, 1, 1 if stride_on_3x3 else s)
            h = conv_bn(h, width, 3, s if stride_on_3x3 else 1)
            h = conv_bn(h, 4 * width, 1, relu=False)
            x = Activation("relu")(add([h, shortcut]))
    x = GlobalAveragePooling2D()(x)
    return nnlab.Model(inputs, Dense(1000, activation="softmax")(x))
