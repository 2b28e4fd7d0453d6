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


def set_large_block_reuse(enabled: bool) -> None:
    """Allow (default) or forbid serving blocks above 32 MiB from the reusable heap while
    nnlab computes on CPU (+2-16 % peak memory measured, for far fewer page faults; see
    :func:`nnlab.utils.allocator.reuse_large_blocks`). Also ``NNLAB_LARGE_BLOCK_REUSE=0``."""
    from .utils.allocator import set_large_block_reuse as _set
    _set(enabled)


_OPTIMIZER_KERNELS = ("auto", "fused", "foreach", "for-loop")
_state["optimizer_kernel"] = os.environ.get("NNLAB_OPTIMIZER_KERNEL", "auto")
if _state["optimizer_kernel"] not in _OPTIMIZER_KERNELS:
    raise ValueError(f"NNLAB_OPTIMIZER_KERNEL must be one of {_OPTIMIZER_KERNELS}, got "
                     f"{_state['optimizer_kernel']!r}")


def optimizer_kernel() -> str:
    """Which torch optimizer kernel nnlab's optimizers build (see
    :func:`set_optimizer_kernel`)."""
    return _state["optimizer_kernel"]


def set_optimizer_kernel(kernel: str) -> None:
    """Choose the update kernel of optimizers built afterwards.

    ``"auto"`` (default): torch's fused kernel where torch has one for the optimizer and
    the parameters' device and dtype (Adam, AdamW, SGD, Adagrad on CPU and CUDA), else
    the multi-tensor ``foreach`` kernel (RMSprop, Adadelta), else the per-tensor loop.
    ``"fused"`` / ``"foreach"`` ask for that kernel (falling back as ``"auto"`` does where
    torch lacks it); ``"for-loop"`` is torch's per-tensor loop, what a textbook
    ``torch.optim.Adam(model.parameters())`` runs on CPU. The update rule is the same;
    results agree to float rounding. Also settable with ``NNLAB_OPTIMIZER_KERNEL``.
    """
    if kernel not in _OPTIMIZER_KERNELS:
        raise ValueError(f"set_optimizer_kernel: kernel must be one of {_OPTIMIZER_KERNELS}, "
                         f"got {kernel!r}")
    _state["optimizer_kernel"] = kernel


_CONV_MEMORY_FORMATS = ("auto", "channels_last", "contiguous", "mixed")
_state["conv_memory_format"] = os.environ.get("NNLAB_CONV_MEMORY_FORMAT", "auto")
if _state["conv_memory_format"] not in _CONV_MEMORY_FORMATS:
    raise ValueError(f"NNLAB_CONV_MEMORY_FORMAT must be one of {_CONV_MEMORY_FORMATS}, got "
                     f"{_state['conv_memory_format']!r}")


def conv_memory_format() -> str:
    """The memory format channels_last conv nets train in (see
    :func:`set_conv_memory_format`)."""
    return _state["conv_memory_format"]


def set_conv_memory_format(memory_format: str) -> None:
    """How a ``channels_last`` conv net's tensors are laid out in memory during ``fit``.

    ``"auto"`` (default): measured at the first ``fit`` of each model on this machine
    (:mod:`nnlab.training.memory_format`); ``"channels_last"``: NHWC memory (the user's
    arrays as they are); ``"contiguous"``: torch's NCHW memory; ``"mixed"``: NHWC up to
    the first convolution whose kernel outweighs its output, NCHW after (the late stages
    of a ResNet). Shapes, weights and results are the same; only speed differs. Also
    ``NNLAB_CONV_MEMORY_FORMAT``.
    """
    if memory_format not in _CONV_MEMORY_FORMATS:
        raise ValueError(f"set_conv_memory_format: memory_format must be one of "
                         f"{_CONV_MEMORY_FORMATS}, got {memory_format!r}")
    _state["conv_memory_format"] = memory_format
