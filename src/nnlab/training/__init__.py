"""Training floor: the fit loop and its parts (losses, metrics, optimizers, schedules, callbacks).

Keras-style namespaces are re-exported at the top: ``nnlab.optimizers.Adam``,
``nnlab.losses.CategoricalCrossentropy``, ``nnlab.callbacks.EarlyStopping``.
"""
from . import callbacks, losses, metrics, optimizers, schedules
from .history import History
from .trainer import Trainer  # registers itself as the models' trainer

__all__ = ["History", "Trainer", "callbacks", "losses", "metrics", "optimizers", "schedules"]
