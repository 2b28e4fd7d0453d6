"""nnlab: the classic deep-learning curriculum, Keras-compatible, on PyTorch.

    import nnlab
    from nnlab.layers import Dense
    model = nnlab.Sequential([Dense(512, input_shape=(784,), activation="relu"),
                              Dense(10, activation="softmax")])
    model.summary()

Every layer and model is a ``torch.nn.Module``.
"""
from . import activations, config, initializers, layers, regularizers
from .config import image_data_format, set_image_data_format, set_seed
from .errors import ConfigError, ShapeError
from .models import Functional, Input, Layer, Model, Sequential, load_model
from . import diagnostics, training
from . import callbacks, losses, metrics, optimizers, schedules

__version__ = "0.1.0"

__all__ = [
    "ConfigError", "Functional", "Input", "Layer", "Model", "Sequential", "ShapeError",
    "activations", "callbacks", "config", "diagnostics", "image_data_format", "initializers",
    "layers", "load_model", "losses", "metrics", "optimizers", "regularizers", "schedules",
    "set_image_data_format", "set_seed", "training",
]
