"""Training floor: the fit loop and its parts (losses, metrics, optimizers, schedules, callbacks).

Keras-style namespaces are re-exported at the top: ``nnlab.optimizers.Adam``,
``nnlab.losses.CategoricalCrossentropy``, ``nnlab.callbacks.EarlyStopping``.
"""
from ..callbacks import History
from . import losses, metrics

__all__ = ["History", "losses", "metrics"]
