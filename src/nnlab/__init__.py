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
from .models import Functional, Input, Layer, Model, Sequential, Variable, load_model
from . import diagnostics, training
from . import callbacks, losses, metrics, optimizers, schedules
from . import distributed  # registers fit(distributed=True) with the trainer

__version__ = "0.1.0"


def version() -> str:
    """nnlab's version (``keras.version()``)."""
    return __version__


__all__ = [
    "ConfigError", "Functional", "Input", "Layer", "Model", "Sequential", "ShapeError",
    "Variable",
    "activations", "callbacks", "config", "diagnostics", "image_data_format", "initializers",
    "layers", "load_model", "losses", "metrics", "optimizers", "regularizers", "schedules",
    "set_image_data_format", "set_seed", "training", "version",
]

# Subpackages loaded on first attribute access (``nnlab.zoo`` after ``import nnlab``), as
# ``keras.layers`` is reachable after ``import keras``; loading them eagerly would make
# ``import nnlab`` pull in their optional dependencies.
_LAZY_SUBPACKAGES = frozenset({
    "analysis", "zoo", "data", "diagnostics", "ops", "random", "utils", "datasets",
    "applications", "backend", "preprocessing", "models",
    "text", "embeddings", "interpret", "adversarial", "generative", "vision", "rl",
    "compress", "distributed", "experiments", "saving",
})


def __getattr__(name: str):
    if name in _LAZY_SUBPACKAGES:
        import importlib
        try:
            module = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise  # the subpackage exists but one of its imports is missing
            raise AttributeError(f"module 'nnlab' has no attribute {name!r} (the subpackage "
                                 f"nnlab.{name} is not installed in this version)") from None
        globals()[name] = module
        return module
    raise AttributeError(f"module 'nnlab' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | _LAZY_SUBPACKAGES)
