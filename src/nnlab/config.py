"""Global settings: the user-facing data format, the default float type and seeding.

``channels_last`` (the default, as in Keras and the lectures) means image tensors
are ``(batch, height, width, channels)`` at every layer boundary; convolution and
pooling kernels see them as torch's logical NCHW through a zero-copy ``permute``
whose memory is channels_last (what oneDNN and cuDNN run fastest).
``channels_first`` means ``(batch, channels, height, width)`` everywhere, as in
plain PyTorch.
"""
from __future__ import annotations

import os
import random

import numpy as np
import torch

_DATA_FORMATS = ("channels_last", "channels_first")
_state = {"data_format": os.environ.get("NNLAB_DATA_FORMAT", "channels_last")}
if _state["data_format"] not in _DATA_FORMATS:
    raise ValueError(
        f"NNLAB_DATA_FORMAT must be one of {_DATA_FORMATS}, got {_state['data_format']!r}"
    )


_EPSILON = 1e-7  # the fuzz factor nnlab's losses use (nnlab.losses.EPSILON), as Keras


def backend() -> str:
    """The engine under nnlab: always ``"torch"`` (``keras.config.backend()``)."""
    return "torch"


def epsilon() -> float:
    """The fuzz factor used to clamp probabilities before ``log`` (1e-7, as Keras)."""
    return _EPSILON


def floatx() -> str:
    """The default float type: weights and activations are float32."""
    return "float32"


def image_data_format() -> str:
    """Return the current default data format: ``'channels_last'`` or ``'channels_first'``."""
    return _state["data_format"]


def set_image_data_format(data_format: str) -> None:
    """Switch the default data format for layers created afterwards."""
    if data_format not in _DATA_FORMATS:
        raise ValueError(
            f"data_format must be one of {_DATA_FORMATS}, got {data_format!r}"
        )
    _state["data_format"] = data_format


def normalize_data_format(data_format: str | None) -> str:
    """Resolve a layer's ``data_format`` argument (``None`` means the global default)."""
    if data_format is None:
        return image_data_format()
    if data_format not in _DATA_FORMATS:
        raise ValueError(
            f"data_format must be one of {_DATA_FORMATS} or None, got {data_format!r}"
        )
    return data_format


def set_seed(seed: int) -> None:
    """Seed python's ``random``, numpy and torch, so CPU runs are reproducible.

    DataLoader workers started by nnlab derive their seeds from torch's seed.
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"set_seed expects an int, got {type(seed).__name__}")
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def set_malloc_tuning(enabled: bool) -> None:
    """Allow (default) or forbid pinning glibc's malloc thresholds at the first
    ``fit``/``predict`` on CPU (see :mod:`nnlab.utils.allocator`)."""
    from .utils.allocator import set_malloc_tuning as _set
    _set(enabled)
