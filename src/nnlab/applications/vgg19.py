"""``keras.applications.vgg19``: ``VGG19``, ``preprocess_input``, ``decode_predictions``."""
from .vgg import VGG19, preprocess_input
from .imagenet_utils import decode_predictions

__all__ = ["VGG19", "decode_predictions", "preprocess_input"]
