"""Keras-style import path: ``from nnlab.callbacks import ...`` (as ``keras.callbacks``).

The code lives in :mod:`nnlab.training.callbacks`; this module re-exports its public names.
"""
from .training import callbacks as _impl

__all__ = list(getattr(_impl, "__all__", [n for n in vars(_impl) if not n.startswith("_")]))
globals().update({name: getattr(_impl, name) for name in __all__})
