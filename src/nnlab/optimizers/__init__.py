"""Optimizers (``keras.optimizers``): Keras-named specs that build ``torch.optim`` optimizers.

``from nnlab.optimizers import Adam``; strings (``"adam"``, ``"sgd"``, ...) resolve through
:func:`get` / :func:`as_spec`.
"""
from .adadelta import Adadelta
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .lbfgs import LBFGS
from .lookup import as_spec, get
from .optimizer import OPTIMIZERS, Optimizer, clip_gradients, needs_closure
from .rmsprop import RMSprop
from .sgd import SGD
from .torch_optimizer import TorchOptimizer

__all__ = [
    "LBFGS", "OPTIMIZERS", "SGD", "Adadelta", "Adagrad", "Adam", "AdamW", "Optimizer",
    "RMSprop", "TorchOptimizer", "as_spec", "clip_gradients", "get", "needs_closure",
]
