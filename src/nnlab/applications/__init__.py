"""Keras' ``keras.applications`` names, built with Keras' exact layer lists.

``VGG16``, ``VGG19``, ``ResNet50``, ``ResNet101``, ``ResNet152``, ``DenseNet121``,
``DenseNet169``, ``DenseNet201``, ``EfficientNetB0`` ... ``EfficientNetB7``: the same layers,
names, order and parameter counts as Keras 3 (checked against it in the tests), so
``model.layers[:15]`` means what it means in Keras. ``EfficientNetLite0``: the zoo's model,
with ImageNet weights from a package.

Arguments as Keras: ``include_top``, ``weights`` (``"imagenet"`` -- Keras' default --
``None`` or a file path), ``input_tensor``, ``input_shape``, ``pooling``, ``classes``,
``classifier_activation``. ``weights="imagenet"`` loads Keras' published file
(:mod:`~nnlab.applications.keras_weights`: downloaded once into ``NNLAB_CACHE_DIR/models``,
md5-verified, resumable); offline,
:class:`~nnlab.applications.imagenet_utils.WeightsUnavailableError` names the URL, the md5
and the path to put the file by hand.

Submodules as Keras: ``vgg16``, ``vgg19``, ``resnet``, ``resnet50``, ``densenet``, ``efficientnet``,
``imagenet_utils`` (``preprocess_input``, ``decode_predictions``). ``decode_predictions``
returns ``(class_index, name, score)`` where Keras gives ``(wordnet_id, name, score)``.
"""
from . import (densenet, efficientnet, imagenet_utils, keras_weights, resnet, resnet50, vgg16,
               vgg19)
from .densenet import DenseNet121, DenseNet169, DenseNet201
from .efficientnet import (EfficientNetB0, EfficientNetB1, EfficientNetB2, EfficientNetB3,
                           EfficientNetB4, EfficientNetB5, EfficientNetB6, EfficientNetB7)
from .efficientnet_lite import EfficientNetLite0
from .imagenet_utils import WeightsUnavailableError
from .resnet import ResNet50, ResNet101, ResNet152
from .vgg import VGG16, VGG19

__all__ = ["DenseNet121", "DenseNet169", "DenseNet201", "EfficientNetB0", "EfficientNetB1",
           "EfficientNetB2", "EfficientNetB3", "EfficientNetB4", "EfficientNetB5",
           "EfficientNetB6", "EfficientNetB7", "EfficientNetLite0", "ResNet101",
           "ResNet152", "ResNet50", "VGG16", "VGG19", "WeightsUnavailableError", "densenet",
           "efficientnet", "imagenet_utils", "keras_weights", "resnet", "resnet50", "vgg16", "vgg19"]
