"""Keras-style import path: ``from nnlab.losses import ...`` (as ``keras.losses``).

The code lives in :mod:`nnlab.training.losses`; this module re-exports its public names.
"""
from .training import losses as _impl

__all__ = list(getattr(_impl, "__all__", [n for n in vars(_impl) if not n.startswith("_")]))
globals().update({name: getattr(_impl, name) for name in __all__})
