"""Models: the Layer base, Sequential, functional Model, summary and save/load."""
from .functional import Functional
from .input_layer import Input, InputLayer
from .json_config import model_from_json
from .layer import Layer
from .model import Model
from .sequential import Sequential
from .serialization import load_model
from .torch_module import TorchModule
from .variable import Variable

__all__ = ["Functional", "Input", "InputLayer", "Layer", "Model", "Sequential", "TorchModule",
           "load_model", "model_from_json"]
