"""Label and array helpers with Keras' names: ``to_categorical``, ``normalize``."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np
import torch


def to_categorical(x: Any, num_classes: Optional[int] = None) -> Any:
    """One-hot encode integer class labels (``keras.utils.to_categorical``).

    Args:
        x: integer labels, shape ``(N,)`` or ``(N, 1)`` (the trailing 1 is dropped, as in
            Keras) or any ``(d1, ..., dk)``; a list, numpy array or torch tensor.
        num_classes: number of classes (default: ``max(x) + 1``).

    Returns:
        ``(..., num_classes)`` float64 numpy array (Keras' dtype), or a float32 torch
        tensor when ``x`` is a torch tensor.

    Raises:
        ValueError: non-integer or negative labels, or a label ``>= num_classes``.

    Example:
        >>> to_categorical([0, 2], num_classes=3).tolist()
        [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]
    """
    as_torch = isinstance(x, torch.Tensor)
    arr = x.detach().cpu().numpy() if as_torch else np.asarray(x)
    if arr.dtype.kind == "b" or (arr.dtype.kind == "f" and not np.all(np.mod(arr, 1) == 0)) \
            or arr.dtype.kind not in "biuf":
        raise ValueError(f"to_categorical: x must hold integer class labels, got dtype "
                         f"{arr.dtype}" + (f" with values like {arr.flat[0]!r}" if arr.size
                                           else ""))
    arr = arr.astype(np.int64)
    shape = arr.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    flat = arr.reshape(-1)
    if flat.size and flat.min() < 0:
        raise ValueError(f"to_categorical: labels must be >= 0, got {flat.min()}")
    if num_classes is None:
        num_classes = int(flat.max()) + 1 if flat.size else 0
    elif flat.size and flat.max() >= num_classes:
        raise ValueError(f"to_categorical: label {flat.max()} is out of range for "
                         f"num_classes={num_classes} (labels must be < num_classes)")
    out = np.zeros((flat.size, num_classes), dtype=np.float64)
    out[np.arange(flat.size), flat] = 1.0
    out = out.reshape(tuple(shape) + (num_classes,))
    return torch.from_numpy(out.astype(np.float32)) if as_torch else out


def normalize(x: Any, axis: int = -1, order: int = 2) -> np.ndarray:
    """Scale ``x`` to unit ``order``-norm along ``axis`` (``keras.utils.normalize``);
    zero vectors stay zero. Shape is kept."""
    arr = np.asarray(x, dtype=np.float64 if np.asarray(x).dtype == np.float64 else np.float32)
    norm = np.atleast_1d(np.linalg.norm(arr, order, axis))
    norm[norm == 0] = 1
    return arr / np.expand_dims(norm, axis)
