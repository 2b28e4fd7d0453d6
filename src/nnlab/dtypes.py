"""Dtype names: Keras' strings (``"float32"``, ``"int32"`` ...), numpy dtypes and torch dtypes
to one ``torch.dtype``. Every nnlab module that takes a ``dtype=`` argument resolves it here.

Example:
    >>> import numpy as np, torch
    >>> from nnlab.dtypes import to_torch_dtype
    >>> to_torch_dtype("int32"), to_torch_dtype(np.float64), to_torch_dtype(None)
    (torch.int32, torch.float64, torch.float32)

This module imports nothing from nnlab: it sits on the lowest floor beside ``tree``.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch

__all__ = ["to_torch_dtype"]

_DTYPES = {"float16": torch.float16, "bfloat16": torch.bfloat16, "float32": torch.float32,
           "float64": torch.float64, "int8": torch.int8, "int16": torch.int16,
           "int32": torch.int32, "int64": torch.int64, "uint8": torch.uint8, "bool": torch.bool,
           "float": torch.float32, "int": torch.int64, "complex64": torch.complex64}


def to_torch_dtype(dtype: Any) -> torch.dtype:
    """``"float32"``, ``np.float32``, ``np.dtype("float32")`` or ``torch.float32`` ->
    ``torch.float32``; ``None`` is Keras' default float type, ``torch.float32``.

    Raises:
        ValueError: an unknown dtype, with the list of known names.
    """
    if isinstance(dtype, torch.dtype):
        return dtype
    if dtype is None:
        return torch.float32
    try:
        name = dtype if isinstance(dtype, str) else np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in _DTYPES:
        raise ValueError(f"Unknown dtype {dtype!r}; known: {', '.join(_DTYPES)}")
    return _DTYPES[name]
