"""Training floor: ``compile`` / ``fit`` / ``evaluate`` / ``predict`` (the trainer and its parts).

The Keras namespaces it uses are packages of their own, one floor down:
``nnlab.losses``, ``nnlab.metrics``, ``nnlab.optimizers``, ``nnlab.schedules`` and
``nnlab.callbacks`` (``History`` is re-exported here, as before).
"""
from ..callbacks import History
from .trainer import Trainer  # registers itself as the models' trainer

__all__ = ["History", "Trainer"]
