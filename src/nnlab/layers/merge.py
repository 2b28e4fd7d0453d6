"""Keras 2's ``keras.layers.merge`` module path (``merge.add([a, b])``, ``merge.Concatenate``).

Keras 3 has these directly in ``keras.layers``; calling them through ``merge`` warns once and
runs the same function (:mod:`nnlab.layers.merging`).
"""
from __future__ import annotations

from .. import _deprecation
from . import merging as _merging

_NAMES = ("Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract",
          "add", "average", "concatenate", "dot", "maximum", "minimum", "multiply", "subtract")
__all__ = list(_NAMES)


def __getattr__(name: str):
    if name in _NAMES:
        _deprecation.warn_once(f"layers.merge.{name}", f"keras.layers.merge.{name} is Keras 2's "
                               f"module path; Keras 3 calls it keras.layers.{name}")
        return getattr(_merging, name)
    raise AttributeError(f"nnlab.layers.merge has no {name!r}; the merge layers are "
                         f"{', '.join(_NAMES)}")
