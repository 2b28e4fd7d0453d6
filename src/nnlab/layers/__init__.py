"""Keras-named layers; every one is a ``torch.nn.Module``.

Each family lives in its own file (core, activation, convolutional, pooling,
normalization, recurrent, embedding, attention, merging, reshaping).
"""
from ..models.input_layer import Input, InputLayer
from ..models.layer import Layer
from ..models.torch_module import TorchModule
from .activation import ELU, PReLU, Activation, LeakyReLU, Maxout, ReLU, Softmax
from .core import Dense, Dropout, Flatten, Lambda, Permute, Reshape
from .merging import (Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract, add,
                      average, concatenate, dot, maximum, minimum, multiply, subtract)
