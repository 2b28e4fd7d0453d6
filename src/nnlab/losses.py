"""Keras-style import path: ``from nnlab.losses import ...`` (as ``keras.losses``).

The code lives in :mod:`nnlab.training.losses`; this module re-exports its public names.
"""
from .training import losses as _impl

import functools
import inspect

__all__ = list(getattr(_impl, "__all__", [n for n in vars(_impl) if not n.startswith("_")]))
globals().update({name: getattr(_impl, name) for name in __all__})


def _keras_functional(fn):
    """Keras 3's functional losses (``keras.losses.binary_crossentropy(y_true, y_pred)``)
    return one value per sample (the last axis averaged), not a batch mean: the same
    function with ``reduction="none"`` as its default. ``compile(loss=fn)`` still trains on
    the batch mean (the trainer reduces what a loss callable returns)."""
    @functools.wraps(fn)
    def per_sample(y_true, y_pred, *args, **kwargs):
        kwargs.setdefault("reduction", "none")
        return fn(y_true, y_pred, *args, **kwargs)
    return per_sample


for _name in __all__:  # the lower-case functions that take a reduction, as Keras has them
    _fn = globals()[_name]
    if inspect.isfunction(_fn) and _name.islower() and \
            "reduction" in inspect.signature(_fn).parameters:
        globals()[_name] = _keras_functional(_fn)
