"""VGG16 and VGG19 (Simonyan & Zisserman, 2014) with Keras' exact layer list.

Each convolution holds its ReLU (``Conv2D(..., activation="relu")``), so ``model.layers``
is Keras': ``input_layer, block1_conv1, block1_conv2, block1_pool, ..., block5_pool,
flatten, fc1, fc2, predictions`` (23 layers for VGG16, 26 for VGG19) and the lecture recipe
``for layer in model.layers[:15]: layer.trainable = False`` freezes what it freezes in Keras.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from .imagenet_utils import check_arguments, finish, make_input
from .imagenet_utils import preprocess_input as _preprocess

_BLOCKS = {"vgg16": (2, 2, 3, 3, 3), "vgg19": (2, 2, 4, 4, 4)}
_FILTERS = (64, 128, 256, 512, 512)


def _vgg(variant: str, include_top: bool, weights: Any, input_tensor: Any,
         input_shape: Optional[Sequence[int]], pooling: Optional[str], classes: int,
         classifier_activation: Any, name: str):
    from ..layers import (Conv2D, Dense, Flatten, GlobalAveragePooling2D, GlobalMaxPooling2D,
                          MaxPooling2D)
    from ..models import Functional
    model_name = {"vgg16": "VGG16", "vgg19": "VGG19"}[variant]
    shape = check_arguments(model_name, include_top, weights, input_tensor, input_shape,
                            pooling, classes, default_size=224)
    inputs = make_input(shape, input_tensor, model_name)
    x = inputs
    for b, (convs, filters) in enumerate(zip(_BLOCKS[variant], _FILTERS), start=1):
        for c in range(1, convs + 1):
            x = Conv2D(filters, (3, 3), activation="relu", padding="same",
                       name=f"block{b}_conv{c}")(x)
        x = MaxPooling2D((2, 2), strides=(2, 2), name=f"block{b}_pool")(x)  # H/2^b
    if include_top:
        x = Flatten(name="flatten")(x)                                       # N x 25088
        x = Dense(4096, activation="relu", name="fc1")(x)
        x = Dense(4096, activation="relu", name="fc2")(x)
        x = Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = GlobalMaxPooling2D()(x)
    return finish(Functional(inputs, x, name=name), weights, model_name, include_top)


def VGG16(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
          input_shape: Optional[Sequence[int]] = None, pooling: Optional[str] = None,
          classes: int = 1000, classifier_activation: Any = "softmax", name: str = "vgg16"):
    """VGG16 as ``keras.applications.VGG16`` (138,357,544 parameters with the top).

    Args:
        include_top: end with ``flatten, fc1, fc2, predictions``.
        weights: ``"imagenet"`` (Keras' default: Keras' published file, downloaded once
            into the cache; offline the error says where to put it by hand), ``None``
            (random init) or a weights file path.
        input_tensor: an ``nnlab.Input`` tensor to build on.
        input_shape: ``(224, 224, 3)`` with the top; any ``(H, W, 3)`` >= 32 without.
        pooling: without the top: ``None`` -> ``(batch, H/32, W/32, 512)``, ``"avg"`` /
            ``"max"`` -> ``(batch, 512)``.
        classes, classifier_activation: the ``predictions`` layer.
    """
    return _vgg("vgg16", include_top, weights, input_tensor, input_shape, pooling, classes,
                classifier_activation, name)


def VGG19(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
          input_shape: Optional[Sequence[int]] = None, pooling: Optional[str] = None,
          classes: int = 1000, classifier_activation: Any = "softmax", name: str = "vgg19"):
    """VGG19 as ``keras.applications.VGG19`` (143,667,240 parameters); arguments as VGG16."""
    return _vgg("vgg19", include_top, weights, input_tensor, input_shape, pooling, classes,
                classifier_activation, name)


def preprocess_input(x: Any, data_format: Optional[str] = None) -> Any:
    """Keras' VGG scaling ("caffe"): RGB -> BGR, minus the ImageNet BGR means."""
    return _preprocess(x, data_format, mode="caffe")
