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
