"""Training floor: the fit loop and its parts (losses, metrics, optimizers, schedules, callbacks).

Keras-style namespaces are re-exported at the top: ``nnlab.optimizers.Adam``,
``nnlab.losses.CategoricalCrossentropy``, ``nnlab.callbacks.EarlyStopping``.
"""
from . import callbacks, losses, metrics
from .history import History

__all__ = ["History", "callbacks", "losses", "metrics"]
