"""DenseNet121/169/201 (Huang et al., 2016) with Keras' exact layers and names.

``conv1_conv, conv1_bn, conv1_relu, pool1, conv2_block1_0_bn, ..., conv2_block1_concat,
pool2_bn, pool2_relu, pool2_conv, pool2_pool, ..., bn, relu, avg_pool, predictions``
(DenseNet121: 429 layers, 8,062,504 parameters); growth rate 32, compression 0.5,
BatchNormalization ``epsilon=1.001e-5``.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from ..layers import Conv2D, MaxPooling2D, ZeroPadding2D
from ..models import Functional
from ..zoo.common import classifier, pool_features
from ..zoo.conv_units import KERAS_APPLICATIONS as KERAS
from ..zoo.densenet import BLOCKS, dense_block, transition
from .imagenet_utils import check_arguments, finish, make_input
from .imagenet_utils import preprocess_input as _preprocess


def _densenet(depth: int, include_top: bool, weights: Any, input_tensor: Any,
              input_shape: Optional[Sequence[int]], pooling: Optional[str], classes: int,
              classifier_activation: Any, name: str):
    """Keras' stem and head around the zoo's dense blocks and transitions
    (:mod:`nnlab.zoo.densenet`) built in Keras' layers
    (:data:`~nnlab.zoo.conv_units.KERAS_APPLICATIONS`)."""
    model_name = f"DenseNet{depth}"
    shape = check_arguments(model_name, include_top, weights, input_tensor, input_shape,
                            pooling, classes, default_size=224)
    inputs = make_input(shape, input_tensor, model_name)
    x = ZeroPadding2D(padding=((3, 3), (3, 3)))(inputs)
    x = Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)    # N x 112 x 112 x 64
    x = KERAS.relu("conv1_relu")(KERAS.batch_norm("conv1_bn")(x))
    x = ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
    x = MaxPooling2D(3, strides=2, name="pool1")(x)                       # N x 56 x 56 x 64
    blocks = BLOCKS[depth]
    for s, n in enumerate(blocks, start=2):
        x = dense_block(x, n, 32, name=f"conv{s}", style=KERAS)
        if s < 5:
            x = transition(x, 0.5, name=f"pool{s}", style=KERAS)
    x = KERAS.relu("relu")(KERAS.batch_norm("bn")(x))                    # N x 7 x 7 x 1024
    if include_top:
        x = classifier(x, classes, classifier_activation)
    else:
        x = pool_features(x, pooling)
    return finish(Functional(inputs, x, name=name), weights, model_name, include_top)


def DenseNet121(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
                input_shape: Optional[Sequence[int]] = None, pooling: Optional[str] = None,
                classes: int = 1000, classifier_activation: Any = "softmax",
                name: str = "densenet121"):
    """DenseNet121 as ``keras.applications.DenseNet121`` (8,062,504 parameters); arguments
    as :func:`nnlab.applications.VGG16`."""
    return _densenet(121, include_top, weights, input_tensor, input_shape, pooling,
                     classes, classifier_activation, name)


def DenseNet169(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
                input_shape: Optional[Sequence[int]] = None, pooling: Optional[str] = None,
                classes: int = 1000, classifier_activation: Any = "softmax",
                name: str = "densenet169"):
    """DenseNet169 as ``keras.applications.DenseNet169`` (14,307,880 parameters)."""
    return _densenet(169, include_top, weights, input_tensor, input_shape, pooling,
                     classes, classifier_activation, name)


def DenseNet201(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
                input_shape: Optional[Sequence[int]] = None, pooling: Optional[str] = None,
                classes: int = 1000, classifier_activation: Any = "softmax",
                name: str = "densenet201"):
    """DenseNet201 as ``keras.applications.DenseNet201`` (20,242,984 parameters)."""
    return _densenet(201, include_top, weights, input_tensor, input_shape, pooling,
                     classes, classifier_activation, name)


def preprocess_input(x: Any, data_format: Optional[str] = None) -> Any:
    """Keras' DenseNet scaling ("torch"): ``/ 255``, then ImageNet mean and std per channel."""
    return _preprocess(x, data_format, mode="torch")
