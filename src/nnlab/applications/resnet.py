"""ResNet50/101/152 (He et al., 2015, v1) with Keras' exact layers and names.

Keras' v1 ResNets put a bias in every convolution and use BatchNormalization
``epsilon=1.001e-5``; names are ``conv1_pad, conv1_conv, conv1_bn, conv1_relu, pool1_pad,
pool1_pool, conv2_block1_1_conv, ..., conv5_block3_out, avg_pool, predictions`` (ResNet50:
177 layers, 25,636,712 parameters). nnlab's zoo ResNets follow torchvision instead (no conv
bias): use these when code indexes ``model.layers`` as Keras does.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from .imagenet_utils import batch_norm as _bn
from .imagenet_utils import check_arguments, finish, make_input
from .imagenet_utils import preprocess_input as _preprocess

_STACKS = {"resnet50": (3, 4, 6, 3), "resnet101": (3, 4, 23, 3), "resnet152": (3, 8, 36, 3)}


def residual_block(x, filters: int, stride: int = 1, conv_shortcut: bool = True,
                   name: str = ""):
    """Bottleneck: 1x1 (filters) -> 3x3 (filters) -> 1x1 (4 filters), plus the shortcut
    (a strided 1x1 conv + BN when ``conv_shortcut``); ``(H, W, C) -> (H/s, W/s, 4 filters)``."""
    from ..layers import Activation, Add, Conv2D
    if conv_shortcut:
        shortcut = Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = _bn(f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = Activation("relu", name=f"{name}_1_relu")(_bn(f"{name}_1_bn")(x))
    x = Conv2D(filters, 3, padding="same", name=f"{name}_2_conv")(x)
    x = Activation("relu", name=f"{name}_2_relu")(_bn(f"{name}_2_bn")(x))
    x = Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = _bn(f"{name}_3_bn")(x)
    x = Add(name=f"{name}_add")([shortcut, x])
    return Activation("relu", name=f"{name}_out")(x)


def _resnet(variant: str, include_top: bool, weights: Any, input_tensor: Any,
            input_shape: Optional[Sequence[int]], pooling: Optional[str], classes: int,
            classifier_activation: Any, name: str):
    from ..layers import (Activation, Conv2D, Dense, GlobalAveragePooling2D,
                          GlobalMaxPooling2D, MaxPooling2D, ZeroPadding2D)
    from ..models import Functional
    model_name = {"resnet50": "ResNet50", "resnet101": "ResNet101",
                  "resnet152": "ResNet152"}[variant]
    shape = check_arguments(model_name, include_top, weights, input_tensor, input_shape,
                            pooling, classes, default_size=224)
    inputs = make_input(shape, input_tensor, model_name)
    x = ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(inputs)
    x = Conv2D(64, 7, strides=2, name="conv1_conv")(x)                    # N x 112 x 112 x 64
    x = Activation("relu", name="conv1_relu")(_bn("conv1_bn")(x))
    x = ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = MaxPooling2D(3, strides=2, name="pool1_pool")(x)                  # N x 56 x 56 x 64
    for s, (blocks, filters) in enumerate(zip(_STACKS[variant], (64, 128, 256, 512)), 2):
        x = residual_block(x, filters, stride=1 if s == 2 else 2, name=f"conv{s}_block1")
        for i in range(2, blocks + 1):
            x = residual_block(x, filters, conv_shortcut=False, name=f"conv{s}_block{i}")
    if include_top:                                                       # N x 7 x 7 x 2048
        x = GlobalAveragePooling2D(name="avg_pool")(x)
        x = Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = GlobalMaxPooling2D(name="max_pool")(x)
    return finish(Functional(inputs, x, name=name), weights, model_name)


def _doc(variant: str, params: str) -> str:
    return (f"{variant} as ``keras.applications.{variant}`` ({params} parameters with the "
            f"top).\n\n    Args: ``include_top``, ``weights`` (``'imagenet'``: Keras' default, "
            f"not available offline; ``None``; or a file), ``input_tensor``, ``input_shape`` "
            f"(``(224, 224, 3)`` with the top), ``pooling`` (``None``/``'avg'``/``'max'`` "
            f"without the top), ``classes``, ``classifier_activation``.\n")


def ResNet50(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
             input_shape: Optional[Sequence[int]] = None, pooling: Optional[str] = None,
             classes: int = 1000, classifier_activation: Any = "softmax",
             name: str = "resnet50"):
    return _resnet("resnet50", include_top, weights, input_tensor, input_shape, pooling,
                   classes, classifier_activation, name)


def ResNet101(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
              input_shape: Optional[Sequence[int]] = None, pooling: Optional[str] = None,
              classes: int = 1000, classifier_activation: Any = "softmax",
              name: str = "resnet101"):
    return _resnet("resnet101", include_top, weights, input_tensor, input_shape, pooling,
                   classes, classifier_activation, name)


def ResNet152(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
              input_shape: Optional[Sequence[int]] = None, pooling: Optional[str] = None,
              classes: int = 1000, classifier_activation: Any = "softmax",
              name: str = "resnet152"):
    return _resnet("resnet152", include_top, weights, input_tensor, input_shape, pooling,
                   classes, classifier_activation, name)


ResNet50.__doc__ = _doc("ResNet50", "25,636,712")
ResNet101.__doc__ = _doc("ResNet101", "44,707,176")
ResNet152.__doc__ = _doc("ResNet152", "60,419,944")


def preprocess_input(x: Any, data_format: Optional[str] = None) -> Any:
    """Keras' ResNet scaling ("caffe"): RGB -> BGR, minus the ImageNet BGR means."""
    return _preprocess(x, data_format, mode="caffe")
