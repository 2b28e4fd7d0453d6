"""``keras.applications.vgg16``: ``VGG16``, ``preprocess_input``, ``decode_predictions``."""
from .vgg import VGG16, preprocess_input
from .imagenet_utils import decode_predictions

__all__ = ["VGG16", "decode_predictions", "preprocess_input"]
