"""Model zoo: the classic architectures, written with nnlab layers.

``create(name, **kwargs)`` builds one; ``names()`` lists them. Every builder takes
``include_top``, ``num_classes``, ``input_shape``, ``weights`` (a local safetensors
path or None) and ``pooling``, as Keras applications do.
"""
from .registry import WeightsInfo, create, family_of, names, register_model
# Importing each family registers its models (one file per family).
from . import (alexnet, densenet, fractalnet, googlenet, inception_resnet, lenet,  # noqa: F401
               nin, resnet, squeezenet, vgg)
from . import efficientnet  # noqa: F401

__all__ = ["WeightsInfo", "create", "family_of", "names", "register_model"]
