"""``keras.ops.nn``: activations, convolution and pooling, normalisation, losses and
attention as functions, on torch with Keras' conventions.

Images are channels_last by default (``data_format=None`` follows
``nnlab.config.image_data_format()``); kernels are in Keras' layout ``(*kernel_size,
in_channels, out_channels)`` (depthwise: ``(*kernel_size, in_channels, multiplier)``);
``padding="same"`` pads as TensorFlow (the extra row/column at the end). Keras'
``ops.nn`` cross-entropies are not here: nnlab keeps one function per loss name, in
:mod:`nnlab.losses` (per sample, mean over the last axis for the binary one).

Example:
    >>> from nnlab import ops
    >>> ops.nn.max_pool(ops.ones((1, 4, 4, 2)), 2).shape
    torch.Size([1, 2, 2, 2])
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import torch
import torch.nn.functional as F

from ..config import normalize_data_format
from .core import (_t, elu, gelu, leaky_relu, log_softmax, moments, one_hot, relu, sigmoid,
                   silu, softmax, softplus, swish)
from .numpy_more import _float

__all__ = [
    "average_pool", "batch_normalization", "celu", "conv", "depth_to_space", "depthwise_conv", "dot_product_attention", "elu",
    "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish", "hard_tanh",
    "leaky_relu", "log_sigmoid", "log_softmax", "max_pool", "moments", "multi_hot",
    "normalize", "one_hot", "psnr", "relu", "relu6", "rms_normalization", "selu",
    "separable_conv", "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign",
    "space_to_depth", "squareplus", "swish",
    "tanh_shrink", "threshold"]

_EPSILON = 1e-7


# ------------------------------------------------------------------- activations
def relu6(x: Any) -> torch.Tensor:
    return F.relu6(_float(x))


def selu(x: Any) -> torch.Tensor:
    return F.selu(_float(x))


def celu(x: Any, alpha: float = 1.0) -> torch.Tensor:
    return F.celu(_float(x), alpha=alpha)


def glu(x: Any, axis: int = -1) -> torch.Tensor:
    return F.glu(_float(x), dim=axis)


def softsign(x: Any) -> torch.Tensor:
    return F.softsign(_float(x))


def log_sigmoid(x: Any) -> torch.Tensor:
    return F.logsigmoid(_float(x))


def hard_sigmoid(x: Any) -> torch.Tensor:
    """Keras 3's ``relu6(x + 3) / 6``."""
    return F.hardsigmoid(_float(x))


def hard_silu(x: Any) -> torch.Tensor:
    """``x * hard_sigmoid(x)``."""
    return F.hardswish(_float(x))


hard_swish = hard_silu


def hard_tanh(x: Any) -> torch.Tensor:
    return F.hardtanh(_float(x))


def tanh_shrink(x: Any) -> torch.Tensor:
    return F.tanhshrink(_float(x))


def soft_shrink(x: Any, threshold: float = 0.5) -> torch.Tensor:  # noqa: F811
    return F.softshrink(_float(x), lambd=threshold)


def hard_shrink(x: Any, threshold: float = 0.5) -> torch.Tensor:  # noqa: F811
    return F.hardshrink(_float(x), lambd=threshold)


def threshold(x: Any, threshold: float, default_value: float) -> torch.Tensor:  # noqa: F811
    """``x`` where ``x > threshold``, else ``default_value``."""
    return F.threshold(_float(x), threshold, default_value)


def squareplus(x: Any, b: float = 4) -> torch.Tensor:
    x = _float(x)
    return (x + torch.sqrt(x * x + b)) / 2


def multi_hot(inputs: Any, num_classes: int, axis: int = -1, dtype: Any = None
              ) -> torch.Tensor:
    """``(batch, k)`` ids -> ``(batch, num_classes)`` with 1 where an id occurs."""
    hot = one_hot(inputs, num_classes, axis=-1)
    out = hot.amax(dim=-2) if hot.ndim >= 3 else hot.amax(dim=0)
    return out if axis in (-1, out.ndim - 1) else torch.movedim(out, -1, axis)


def normalize(x: Any, axis: int = -1, order: int = 2, epsilon: Optional[float] = None
              ) -> torch.Tensor:
    """``x`` divided by its ``order``-norm along ``axis`` (at least ``epsilon``)."""
    return F.normalize(_float(x), p=order, dim=axis,
                       eps=_EPSILON if epsilon is None else epsilon)


def psnr(x1: Any, x2: Any, max_val: float) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB over all elements."""
    mse = torch.mean((_float(x1) - _float(x2)) ** 2)
    return 20 * torch.log10(torch.as_tensor(float(max_val))) - 10 * torch.log10(mse)


# ------------------------------------------------------------- conv and pooling
def _channels_first(x: torch.Tensor, data_format: Optional[str]) -> bool:
    return normalize_data_format(data_format) == "channels_first"


def _tuple(value: Any, rank: int) -> tuple:
    return tuple(value) if isinstance(value, (list, tuple)) else (int(value),) * rank


def _to_ncx(x: torch.Tensor, first: bool) -> torch.Tensor:
    return x if first else torch.movedim(x, -1, 1)


def _from_ncx(x: torch.Tensor, first: bool) -> torch.Tensor:
    return x if first else torch.movedim(x, 1, -1)


def _same_padding(sizes: Sequence[int], kernel: Sequence[int], strides: Sequence[int],
                  dilation: Sequence[int]) -> list:
    """F.pad amounts (last axis first) for TensorFlow's "same": extra at the end."""
    pads = []
    for n, k, s, d in zip(sizes, kernel, strides, dilation):
        effective = (k - 1) * d + 1
        total = max((-(-n // s) - 1) * s + effective - n, 0)
        pads.append((total // 2, total - total // 2))
    return [p for pair in reversed(pads) for p in pair]


def _pad_same(x: torch.Tensor, kernel, strides, dilation, value: float = 0.0) -> torch.Tensor:
    pads = _same_padding(x.shape[2:], kernel, strides, dilation)
    return F.pad(x, pads, value=value) if any(pads) else x


def conv(inputs: Any, kernel: Any, strides: Any = 1, padding: str = "valid",
         data_format: Optional[str] = None, dilation_rate: Any = 1) -> torch.Tensor:
    """N-d convolution (1, 2 or 3 spatial axes) with a Keras-layout kernel; groups are
    inferred from ``in_channels / kernel.shape[-2]``."""
    x, k = _float(inputs), _float(kernel)
    rank, first = x.ndim - 2, _channels_first(x, data_format)
    strides, dilation = _tuple(strides, rank), _tuple(dilation_rate, rank)
    x = _to_ncx(x, first)
    weight = k.permute(rank + 1, rank, *range(rank))  # (out, in/groups, *kernel)
    groups = x.shape[1] // weight.shape[1]
    if padding.lower() == "same":
        x = _pad_same(x, weight.shape[2:], strides, dilation)
    fn = (F.conv1d, F.conv2d, F.conv3d)[rank - 1]
    return _from_ncx(fn(x, weight, None, strides, 0, dilation, groups), first)


def depthwise_conv(inputs: Any, kernel: Any, strides: Any = 1, padding: str = "valid",
                   data_format: Optional[str] = None, dilation_rate: Any = 1
                   ) -> torch.Tensor:
    """Depthwise convolution; ``kernel``: ``(*kernel_size, in_channels, multiplier)``."""
    k = _float(kernel)
    rank = k.ndim - 2
    full = k.reshape(*k.shape[:rank], 1, k.shape[-2] * k.shape[-1])
    return conv(inputs, full, strides, padding, data_format, dilation_rate)


def separable_conv(inputs: Any, depthwise_kernel: Any, pointwise_kernel: Any,
                   strides: Any = 1, padding: str = "valid",
                   data_format: Optional[str] = None, dilation_rate: Any = 1
                   ) -> torch.Tensor:
    """Depthwise convolution followed by a 1x1 (pointwise) one."""
    depth = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format,
                           dilation_rate)
    return conv(depth, pointwise_kernel, 1, "valid", data_format, 1)


def _pool(x: Any, pool_size: Any, strides: Any, padding: str, data_format: Optional[str],
          kind: str) -> torch.Tensor:
    x = _float(x)
    rank, first = x.ndim - 2, _channels_first(x, data_format)
    size = _tuple(pool_size, rank)
    strides = size if strides is None else _tuple(strides, rank)
    x = _to_ncx(x, first)
    ones = (1,) * rank
    fn = {"max": (F.max_pool1d, F.max_pool2d, F.max_pool3d),
          "avg": (F.avg_pool1d, F.avg_pool2d, F.avg_pool3d)}[kind][rank - 1]
    if padding.lower() != "same":
        return _from_ncx(fn(x, size, strides), first)
    if kind == "max":
        return _from_ncx(fn(_pad_same(x, size, strides, ones, float("-inf")), size, strides),
                         first)
    # average over the window's valid elements only (TensorFlow's "same")
    total = fn(_pad_same(x, size, strides, ones), size, strides)
    count = fn(_pad_same(torch.ones_like(x[:1, :1]), size, strides, ones), size, strides)
    return _from_ncx(total / count, first)


def max_pool(inputs: Any, pool_size: Any, strides: Any = None, padding: str = "valid",
             data_format: Optional[str] = None) -> torch.Tensor:
    return _pool(inputs, pool_size, strides, padding, data_format, "max")


def average_pool(inputs: Any, pool_size: Any, strides: Any = None, padding: str = "valid",
                 data_format: Optional[str] = None) -> torch.Tensor:
    return _pool(inputs, pool_size, strides, padding, data_format, "avg")


def depth_to_space(x: Any, block_size: int, data_format: Optional[str] = None
                   ) -> torch.Tensor:
    """``(B, H, W, C * b * b)`` -> ``(B, H * b, W * b, C)`` (TensorFlow's order)."""
    x, b = _t(x), int(block_size)
    first = _channels_first(x, data_format)
    x = torch.movedim(x, 1, -1) if first else x
    n, h, w, c = x.shape
    out = x.reshape(n, h, w, b, b, c // (b * b)).permute(0, 1, 3, 2, 4, 5)
    out = out.reshape(n, h * b, w * b, c // (b * b))
    return torch.movedim(out, -1, 1) if first else out


def space_to_depth(x: Any, block_size: int, data_format: Optional[str] = None
                   ) -> torch.Tensor:
    """``(B, H * b, W * b, C)`` -> ``(B, H, W, C * b * b)`` (inverse of depth_to_space)."""
    x, b = _t(x), int(block_size)
    first = _channels_first(x, data_format)
    x = torch.movedim(x, 1, -1) if first else x
    n, h, w, c = x.shape
    out = x.reshape(n, h // b, b, w // b, b, c).permute(0, 1, 3, 2, 4, 5)
    out = out.reshape(n, h // b, w // b, b * b * c)
    return torch.movedim(out, -1, 1) if first else out


# -------------------------------------------------------------- normalisation
def batch_normalization(x: Any, mean: Any, variance: Any, axis: int, offset: Any = None,
                        scale: Any = None, epsilon: float = 1e-3) -> torch.Tensor:
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset``, statistics along
    ``axis``."""
    x = _float(x)
    shape = [1] * x.ndim
    shape[axis] = x.shape[axis]

    def view(v):
        return None if v is None else _float(v).reshape(shape)

    out = (x - view(mean)) * torch.rsqrt(view(variance) + epsilon)
    if scale is not None:
        out = out * view(scale)
    return out if offset is None else out + view(offset)


def rms_normalization(x: Any, scale: Any = 1, axis: int = -1,
                      epsilon: Optional[float] = None) -> torch.Tensor:
    x = _float(x)
    eps = _EPSILON if epsilon is None else epsilon
    return x * torch.rsqrt(torch.mean(x * x, dim=axis, keepdim=True) + eps) * _float(scale)


# ------------------------------------------------------------------- attention
def dot_product_attention(query: Any, key: Any, value: Any, bias: Any = None,
                          mask: Any = None, scale: Optional[float] = None,
                          is_causal: bool = False, flash_attention: Any = None,
                          attn_logits_soft_cap: Any = None) -> torch.Tensor:
    """Scaled dot-product attention on Keras' layout ``(batch, seq, heads, dim)``
    (``torch.nn.functional.scaled_dot_product_attention`` on ``(batch, heads, seq,
    dim)``); ``mask``: boolean, True where attending is allowed; ``bias`` is added to
    the logits."""
    q, k, v = (_float(t).transpose(1, 2) for t in (query, key, value))
    attn_mask = None
    if mask is not None:
        attn_mask = _t(mask).to(torch.bool)
    if bias is not None:
        b = _float(bias)
        attn_mask = b if attn_mask is None else b.masked_fill(~attn_mask, float("-inf"))
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask, is_causal=is_causal,
                                         scale=scale)
    return out.transpose(1, 2)


