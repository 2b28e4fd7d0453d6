"""``keras.ops`` on torch: NumPy-like ops with Keras' argument names (``axis``,
``keepdims``), plus the namespaces ``ops.nn``, ``ops.image``, ``ops.linalg`` and
``ops.numpy``.

Every op takes torch tensors, numpy arrays or Python numbers and returns a torch tensor
(``shape`` returns a tuple). Gradients flow through all of them (they are torch ops).
``SUPPORTED`` lists the names that exist; any other name raises an AttributeError that
lists the closest supported names, so a missing op fails loudly rather than silently.
What Keras 3 has and nnlab lacks is listed in ``docs/keras_api.md``.

The files: :mod:`.core` (reductions, element-wise, shapes, creation), :mod:`.numpy_more`
(the rest of the NumPy-like set), :mod:`.statistics`, :mod:`.control_flow` (loops,
scatter, segments), :mod:`.nn`, :mod:`.image`, :mod:`.linalg`.

Example:
    >>> from nnlab import ops
    >>> ops.mean(ops.square(ops.arange(4.0))).item()
    3.5
"""
from __future__ import annotations

import difflib
import sys
from types import ModuleType

from . import control_flow, core, image, linalg, nn, numpy_more, statistics

_SOURCES = (core, numpy_more, statistics, control_flow, linalg, nn)


def _public(module: ModuleType) -> dict:
    names = getattr(module, "__all__", None) or [
        n for n, v in vars(module).items() if not n.startswith("_") and callable(v)
        and getattr(v, "__module__", "").startswith(__name__)]
    return {n: getattr(module, n) for n in names}


for _module in _SOURCES:  # Keras has every nn and linalg op at the top level too
    globals().update(_public(_module))

SUPPORTED = sorted(n for n, v in list(globals().items())
                   if not n.startswith("_") and callable(v) and not isinstance(v, ModuleType)
                   and getattr(v, "__module__", "").startswith(__name__))

numpy = sys.modules[__name__]  # keras.ops.numpy: the same ops


def __getattr__(name: str):
    close = difflib.get_close_matches(name, SUPPORTED, n=5, cutoff=0.6)
    hint = f" Closest supported: {', '.join(close)}." if close else ""
    raise AttributeError(f"nnlab.ops has no op {name!r} (not supported yet).{hint} "
                         f"nnlab.ops.SUPPORTED lists the {len(SUPPORTED)} ops that exist; "
                         f"any torch function works on nnlab tensors too; "
                         f"docs/keras_api.md lists what Keras 3 has and nnlab lacks.")
