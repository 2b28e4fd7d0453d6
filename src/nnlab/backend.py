"""``keras.backend`` (``K``) for the handful of functions lecture code uses.

Keras 3 names (no warning): ``image_data_format``, ``set_image_data_format``, ``epsilon``,
``floatx``, ``backend``, ``clear_session``, ``is_keras_tensor``, ``standardize_dtype``,
``is_float_dtype``, ``is_int_dtype``, and ``KerasTensor`` (the base class of symbolic
tensors; ``keras.KerasTensor``).
Keras 2 names, each with a one-time DeprecationWarning naming the Keras 3 form:
``int_shape``, ``count_params``,
``get_value``/``set_value``, and the math functions (``K.mean``, ``K.square``, ``K.sum``,
``K.exp`` ...), which forward to :mod:`nnlab.ops` (-> ``keras.ops.mean`` ...).
Anything else raises an AttributeError that says what to use.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

from . import ops as _ops
from ._deprecation import warn_once
from .dtypes import to_torch_dtype
from .config import backend, epsilon, floatx, image_data_format, set_image_data_format

__all__ = ["KerasTensor", "backend", "clear_session", "count_params", "epsilon", "floatx", "get_value",
           "image_data_format", "int_shape", "is_float_dtype", "is_int_dtype",
           "is_keras_tensor", "set_image_data_format",
           "set_value", "standardize_dtype"]

class KerasTensor:
    """Keras 3's ``keras.KerasTensor``: the base of nnlab's symbolic tensors
    (:class:`~nnlab.layers.base.symbolic.SymbolicTensor`, shape and dtype without data), so
    that :func:`is_keras_tensor` needs nothing from the layer engine."""

    __slots__ = ()


def is_keras_tensor(x: Any) -> bool:
    """True for a symbolic tensor (the output of ``Input`` or of a layer called on one)."""
    return isinstance(x, KerasTensor)


def standardize_dtype(dtype: Any) -> str:
    """``torch.float32`` / ``np.float32`` / ``"float32"`` -> ``"float32"``."""
    return str(to_torch_dtype(dtype)).replace("torch.", "")


def is_float_dtype(dtype: Any) -> bool:
    return to_torch_dtype(dtype).is_floating_point


def is_int_dtype(dtype: Any) -> bool:
    dt = to_torch_dtype(dtype)
    return not dt.is_floating_point and not dt.is_complex and dt != torch.bool


def clear_session() -> None:
    """Reset automatic layer names (the next Dense is ``dense`` again) and free memory."""
    from .utils.session import clear_session as _clear
    _clear()


def int_shape(x: Any) -> tuple:
    """Shape as a tuple with ``None`` for unknown sizes."""
    warn_once("K.int_shape", "K.int_shape(x) is Keras 2's spelling; Keras 3 uses x.shape "
              "or keras.ops.shape(x)")
    return tuple(x.shape)


def count_params(x: Any) -> int:
    warn_once("K.count_params", "K.count_params(x) is Keras 2's spelling; Keras 3 uses "
              "keras.ops.size(x)")
    return int(np.prod(tuple(x.shape)))


def get_value(x: Any) -> Any:
    """A tensor as a numpy array (a Python number passes through)."""
    warn_once("K.get_value", "K.get_value(x) is Keras 2's spelling; Keras 3 uses "
              "keras.ops.convert_to_numpy(x)")
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else x


def set_value(x: torch.Tensor, value: Any) -> None:
    """Copy ``value`` into the tensor ``x`` in place (same shape)."""
    warn_once("K.set_value", "K.set_value(x, v) is Keras 2's spelling; Keras 3 uses "
              "variable.assign(v)")
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"set_value: x must be a tensor (a weight), got {type(x).__name__}")
    with torch.no_grad():
        x.copy_(torch.as_tensor(value, dtype=x.dtype))


def __getattr__(name: str):
    if name in _ops.SUPPORTED:
        warn_once(f"K.{name}", f"K.{name} (keras.backend) is Keras 2's spelling; Keras 3 "
                  f"calls it keras.ops.{name}", stacklevel=3)
        return getattr(_ops, name)
    raise AttributeError(
        f"nnlab.backend has no {name!r}. Keras 3 moved most of keras.backend to keras.ops "
        f"(nnlab.ops: {len(_ops.SUPPORTED)} ops) and keras.utils; TF1 functions such as "
        f"K.function and K.gradients have no equivalent (call the model, use torch.autograd).")
