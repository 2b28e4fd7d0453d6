"""``keras.applications.resnet50``: ``ResNet50``, ``preprocess_input``, ``decode_predictions``."""
from .resnet import ResNet50, preprocess_input
from .imagenet_utils import decode_predictions

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]
