"""DenseNet121/169/201 (Huang et al., 2016) with Keras' exact layers and names.

``conv1_conv, conv1_bn, conv1_relu, pool1, conv2_block1_0_bn, ..., conv2_block1_concat,
pool2_bn, pool2_relu, pool2_conv, pool2_pool, ..., bn, relu, avg_pool, predictions``
(DenseNet121: 429 layers, 8,062,504 parameters); growth rate 32, compression 0.5,
BatchNormalization ``epsilon=1.001e-5``.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from .imagenet_utils import batch_norm as _bn
from .imagenet_utils import bn_axis, check_arguments, finish, make_input
from .imagenet_utils import preprocess_input as _preprocess

_BLOCKS = {"densenet121": (6, 12, 24, 16), "densenet169": (6, 12, 32, 32),
           "densenet201": (6, 12, 48, 32)}


def conv_block(x, growth_rate: int, name: str):
    """BN-ReLU-1x1 conv (4k) - BN-ReLU-3x3 conv (k), concatenated to the input:
    ``(H, W, C) -> (H, W, C + k)``."""
    from ..layers import Activation, Concatenate, Conv2D
    x1 = Activation("relu", name=f"{name}_0_relu")(_bn(f"{name}_0_bn")(x))
    x1 = Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(x1)
    x1 = Activation("relu", name=f"{name}_1_relu")(_bn(f"{name}_1_bn")(x1))
    x1 = Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(x1)
    return Concatenate(axis=bn_axis(), name=f"{name}_concat")([x, x1])


def transition_block(x, reduction: float, name: str):
    """BN-ReLU-1x1 conv (C * reduction) - 2x2 average pool: ``(H, W, C) -> (H/2, W/2, C/2)``."""
    from ..layers import Activation, AveragePooling2D, Conv2D
    channels = x.shape[bn_axis()]
    x = Activation("relu", name=f"{name}_relu")(_bn(f"{name}_bn")(x))
    x = Conv2D(int(channels * reduction), 1, use_bias=False, name=f"{name}_conv")(x)
    return AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)


def _densenet(variant: str, include_top: bool, weights: Any, input_tensor: Any,
              input_shape: Optional[Sequence[int]], pooling: Optional[str], classes: int,
              classifier_activation: Any, name: str):
    from ..layers import (Activation, Conv2D, Dense, GlobalAveragePooling2D,
                          GlobalMaxPooling2D, MaxPooling2D, ZeroPadding2D)
    from ..models import Functional
    model_name = {"densenet121": "DenseNet121", "densenet169": "DenseNet169",
                  "densenet201": "DenseNet201"}[variant]
    shape = check_arguments(model_name, include_top, weights, input_tensor, input_shape,
                            pooling, classes, default_size=224)
    inputs = make_input(shape, input_tensor, model_name)
    x = ZeroPadding2D(padding=((3, 3), (3, 3)))(inputs)
    x = Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)    # N x 112 x 112 x 64
    x = Activation("relu", name="conv1_relu")(_bn("conv1_bn")(x))
    x = ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = MaxPooling2D(3, strides=2, name="pool1")(x)                       # N x 56 x 56 x 64
    blocks = _BLOCKS[variant]
    for s, n in enumerate(blocks, start=2):
        for i in range(1, n + 1):
            x = conv_block(x, 32, name=f"conv{s}_block{i}")
        if s < 5:
            x = transition_block(x, 0.5, name=f"pool{s}")
    x = Activation("relu", name="relu")(_bn("bn")(x))                      # N x 7 x 7 x 1024
    if include_top:
        x = GlobalAveragePooling2D(name="avg_pool")(x)
        x = Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = GlobalMaxPooling2D(name="max_pool")(x)
    return finish(Functional(inputs, x, name=name), weights, model_name)


def DenseNet121(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
                input_shape: Optional[Sequence[int]] = None, pooling: Optional[str] = None,
                classes: int = 1000, classifier_activation: Any = "softmax",
                name: str = "densenet121"):
    """DenseNet121 as ``keras.applications.DenseNet121`` (8,062,504 parameters); arguments
    as :func:`nnlab.applications.VGG16`."""
    return _densenet("densenet121", include_top, weights, input_tensor, input_shape, pooling,
                     classes, classifier_activation, name)


def DenseNet169(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
                input_shape: Optional[Sequence[int]] = None, pooling: Optional[str] = None,
                classes: int = 1000, classifier_activation: Any = "softmax",
                name: str = "densenet169"):
    """DenseNet169 as ``keras.applications.DenseNet169`` (14,307,880 parameters)."""
    return _densenet("densenet169", include_top, weights, input_tensor, input_shape, pooling,
                     classes, classifier_activation, name)


def DenseNet201(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
                input_shape: Optional[Sequence[int]] = None, pooling: Optional[str] = None,
                classes: int = 1000, classifier_activation: Any = "softmax",
                name: str = "densenet201"):
    """DenseNet201 as ``keras.applications.DenseNet201`` (20,242,984 parameters)."""
    return _densenet("densenet201", include_top, weights, input_tensor, input_shape, pooling,
                     classes, classifier_activation, name)


def preprocess_input(x: Any, data_format: Optional[str] = None) -> Any:
    """Keras' DenseNet scaling ("torch"): ``/ 255``, then ImageNet mean and std per channel."""
    return _preprocess(x, data_format, mode="torch")
