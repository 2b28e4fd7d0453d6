"""ResNet50/101/152 (He et al., 2015, v1) with Keras' exact layers and names.

Keras' v1 ResNets put a bias in every convolution and use BatchNormalization
``epsilon=1.001e-5``; names are ``conv1_pad, conv1_conv, conv1_bn, conv1_relu, pool1_pad,
pool1_pool, conv2_block1_1_conv, ..., conv5_block3_out, avg_pool, predictions`` (ResNet50:
177 layers, 25,636,712 parameters). They are the zoo's ResNet (:mod:`nnlab.zoo.resnet`) built
in Keras' layers; the zoo's own ResNets follow the paper's code instead (no conv bias): use
these when code indexes ``model.layers`` as Keras does.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from ..models import Functional
from ..zoo.common import classifier, pool_features
from ..zoo.conv_units import KERAS_APPLICATIONS
from ..zoo.resnet import STAGES, resnet_trunk
from .imagenet_utils import check_arguments, finish, make_input
from .imagenet_utils import preprocess_input as _preprocess

def _resnet(depth: int, include_top: bool, weights: Any, input_tensor: Any,
            input_shape: Optional[Sequence[int]], pooling: Optional[str], classes: int,
            classifier_activation: Any, name: str):
    """The zoo's ResNet trunk (:func:`nnlab.zoo.resnet.resnet_trunk`) in Keras' layers
    (:data:`~nnlab.zoo.conv_units.KERAS_APPLICATIONS`) with Keras' arguments and head."""
    model_name = f"ResNet{depth}"
    shape = check_arguments(model_name, include_top, weights, input_tensor, input_shape,
                            pooling, classes, default_size=224)
    inputs = make_input(shape, input_tensor, model_name)
    x = resnet_trunk(inputs, "bottleneck", STAGES[depth], style=KERAS_APPLICATIONS)
    if include_top:                                                       # N x 7 x 7 x 2048
        x = classifier(x, classes, classifier_activation)
    else:
        x = pool_features(x, pooling)
    return finish(Functional(inputs, x, name=name), weights, model_name, include_top)


def _doc(variant: str, params: str) -> str:
    return (f"{variant} as ``keras.applications.{variant}`` ({params} parameters with the "
            f"top).\n\n    Args: ``include_top``, ``weights`` (``'imagenet'``: Keras' default, "
            f"downloaded once; ``None``; or a file), ``input_tensor``, ``input_shape`` "
            f"(``(224, 224, 3)`` with the top), ``pooling`` (``None``/``'avg'``/``'max'`` "
            f"without the top), ``classes``, ``classifier_activation``.\n")


def ResNet50(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
             input_shape: Optional[Sequence[int]] = None, pooling: Optional[str] = None,
             classes: int = 1000, classifier_activation: Any = "softmax",
             name: str = "resnet50"):
    return _resnet(50, include_top, weights, input_tensor, input_shape, pooling,
                   classes, classifier_activation, name)


def ResNet101(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
              input_shape: Optional[Sequence[int]] = None, pooling: Optional[str] = None,
              classes: int = 1000, classifier_activation: Any = "softmax",
              name: str = "resnet101"):
    return _resnet(101, include_top, weights, input_tensor, input_shape, pooling,
                   classes, classifier_activation, name)


def ResNet152(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
              input_shape: Optional[Sequence[int]] = None, pooling: Optional[str] = None,
              classes: int = 1000, classifier_activation: Any = "softmax",
              name: str = "resnet152"):
    return _resnet(152, include_top, weights, input_tensor, input_shape, pooling,
                   classes, classifier_activation, name)


ResNet50.__doc__ = _doc("ResNet50", "25,636,712")
ResNet101.__doc__ = _doc("ResNet101", "44,707,176")
ResNet152.__doc__ = _doc("ResNet152", "60,419,944")


def preprocess_input(x: Any, data_format: Optional[str] = None) -> Any:
    """Keras' ResNet scaling ("caffe"): RGB -> BGR, minus the ImageNet BGR means."""
    return _preprocess(x, data_format, mode="caffe")
