"""Models: the Layer base, Sequential, functional Model, summary and save/load."""
from .clone import clone_model
from .functional import Functional
from ..layers.base.input_layer import Input, InputLayer
from .saving.json_config import model_from_json
from ..layers.base.layer import Layer
from .model import Model
from .sequential import Sequential
from .saving.serialization import load_model
from ..layers.base.torch_module import TorchModule
from ..layers.base.variable import Variable

__all__ = ["Functional", "Input", "InputLayer", "Layer", "Model", "Sequential", "TorchModule",
           "clone_model", "load_model", "model_from_json"]
