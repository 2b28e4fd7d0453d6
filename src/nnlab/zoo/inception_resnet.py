"""Inception-ResNet blocks: Szegedy, Ioffe, Vanhoucke and Alemi, "Inception-v4,
Inception-ResNet and the Impact of Residual Connections on Learning", AAAI 2017
(arXiv:1602.07261), Fig. 16-19 (Inception-ResNet-v2) and sec. 3.3.

:func:`inception_resnet_block` is the residual Inception module: parallel conv branches,
concatenated, projected back to the input width by a linear 1x1 conv, scaled by 0.1-0.3
(:class:`~nnlab.zoo.common.ResidualScale`) and added to the input, then ReLU. Types
``'a'`` (35x35 grid, scale 0.17), ``'b'`` (17x17, 0.10) and ``'c'`` (8x8, 0.20) use the
Inception-ResNet-v2 branch widths. :func:`reduction_a` is Fig. 7.

:func:`inception_resnet_small` is a short network built from them for teaching: the v2
stem up to 35x35x192, a 1x1 conv to 256, two A blocks, reduction-A (k=192, l=192, m=256,
n=384 -> 896 channels), two B blocks, global average pool, dropout 0.2, FC.

Initialisation: Glorot (Xavier) uniform, as the authors' TF-slim release (the paper gives
none); BN after every conv except the linear projection (sec. 3.2: no BN on the sums).
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from ..layers import (Add, BatchNormalization, Concatenate, Conv2D, Dense, Dropout, MaxPooling2D,
                      ReLU)
from .common import ResidualScale, check_args, finish, model_input, pool_features
from .conv_units import channel_axis
from .registry import register_model

#: per block type: branches as lists of (filters, kernel) and the default scale
_BRANCHES = {
    "a": ([[(32, 1)], [(32, 1), (32, 3)], [(32, 1), (48, 3), (64, 3)]], 0.17),
    "b": ([[(192, 1)], [(128, 1), (160, (1, 7)), (192, (7, 1))]], 0.10),
    "c": ([[(192, 1)], [(192, 1), (224, (1, 3)), (256, (3, 1))]], 0.20),
}


# ------------------------------------------------------------------------- blocks
def _cbr(x, filters: int, kernel: Any, name: str, strides: int = 1, padding: str = "same"):
    """Conv (no bias) -> BN (epsilon 1e-3, as TF-slim) -> ReLU."""
    x = Conv2D(filters, kernel, strides=strides, padding=padding, use_bias=False,
               name=f"{name}_conv")(x)
    x = BatchNormalization(axis=channel_axis(), epsilon=1e-3, name=f"{name}_bn")(x)
    return ReLU(name=f"{name}_relu")(x)


def inception_resnet_block(x, block_type: str, name: str, scale: Optional[float] = None,
                           activation: bool = True):
    """Residual Inception block: ``x + scale * conv1x1(concat(branches(x)))`` (then ReLU).

    Args:
        block_type: ``'a'``, ``'b'`` or ``'c'`` (Inception-ResNet-v2 Fig. 16, 17, 19).
        scale: residual scale (default 0.17 / 0.10 / 0.20 for a / b / c).
        activation: apply ReLU after the addition.

    Input and output shape: ``(batch, H, W, C)`` -- the projection restores ``C``.
    """
    if block_type not in _BRANCHES:
        raise ValueError(f"inception_resnet_block: block_type must be 'a', 'b' or 'c', got "
                         f"{block_type!r}")
    branches, default_scale = _BRANCHES[block_type]
    outs = []
    for b, branch in enumerate(branches):
        y = x
        for i, (filters, kernel) in enumerate(branch):
            y = _cbr(y, filters, kernel, f"{name}_branch{b}_{i}")
        outs.append(y)
    y = Concatenate(axis=channel_axis(), name=f"{name}_concat")(outs)
    y = Conv2D(x.shape[channel_axis()], 1, name=f"{name}_up")(y)       # linear, with bias
    y = ResidualScale(default_scale if scale is None else scale, name=f"{name}_scale")(y)
    x = Add(name=f"{name}_add")([x, y])
    return ReLU(name=f"{name}_relu")(x) if activation else x


def reduction_a(x, k: int, l: int, m: int, n: int, name: str = "reduction_a"):  # noqa: E741
    """Reduction-A (Fig. 7): [3x3/2 max pool | 3x3/2 conv n | 1x1 k -> 3x3 l -> 3x3/2 m],
    'valid' strided ops: ``(b, 35, 35, C)`` -> ``(b, 17, 17, C + n + m)``; k, l, m, n are
    the filter counts of the paper's Table 1."""
    b0 = MaxPooling2D(3, strides=2, name=f"{name}_pool")(x)
    b1 = _cbr(x, n, 3, f"{name}_branch1_0", strides=2, padding="valid")
    b2 = _cbr(x, k, 1, f"{name}_branch2_0")
    b2 = _cbr(b2, l, 3, f"{name}_branch2_1")
    b2 = _cbr(b2, m, 3, f"{name}_branch2_2", strides=2, padding="valid")
    return Concatenate(axis=channel_axis(), name=f"{name}_concat")([b0, b1, b2])


# ------------------------------------------------------------------------- builder
@register_model()
def inception_resnet_small(include_top: bool = True, num_classes: int = 1000,
                           input_shape: Optional[Sequence[int]] = None, weights: Any = None,
                           pooling: Optional[str] = None, classifier_activation: Any = "softmax",
                           blocks: Sequence[int] = (2, 2)):
    """A small Inception-ResNet: stem -> ``blocks[0]`` A blocks -> reduction-A ->
    ``blocks[1]`` B blocks -> pool -> FC. Default input ``(299, 299, 3)``, smallest 75x75.
    ``include_top=False`` ends after the last B block (896 channels)."""
    shape = check_args("inception_resnet_small", include_top, num_classes, pooling, weights,
                       input_shape, (299, 299))
    if len(blocks) != 2 or not all(isinstance(b, int) and b >= 0 for b in blocks):
        raise ValueError(f"inception_resnet_small: blocks must be two ints >= 0, got {blocks!r}")
    inputs = model_input(shape)                                        # N x 299 x 299 x 3
    x = _cbr(inputs, 32, 3, "stem1", strides=2, padding="valid")       # N x 149 x 149 x 32
    x = _cbr(x, 32, 3, "stem2", padding="valid")                       # N x 147 x 147 x 32
    x = _cbr(x, 64, 3, "stem3")                                        # N x 147 x 147 x 64
    x = MaxPooling2D(3, strides=2, name="stem_pool1")(x)               # N x 73 x 73 x 64
    x = _cbr(x, 80, 1, "stem4")                                        # N x 73 x 73 x 80
    x = _cbr(x, 192, 3, "stem5", padding="valid")                      # N x 71 x 71 x 192
    x = MaxPooling2D(3, strides=2, name="stem_pool2")(x)               # N x 35 x 35 x 192
    x = _cbr(x, 256, 1, "stem6")                                       # N x 35 x 35 x 256
    for i in range(blocks[0]):
        x = inception_resnet_block(x, "a", f"block_a{i + 1}")          # N x 35 x 35 x 256
    x = reduction_a(x, 192, 192, 256, 384)                             # N x 17 x 17 x 896
    for i in range(blocks[1]):
        x = inception_resnet_block(x, "b", f"block_b{i + 1}")          # N x 17 x 17 x 896
    if include_top:
        x = pool_features(x, "avg")                                    # N x 896
        x = Dropout(0.2, name="dropout")(x)
        x = Dense(num_classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = pool_features(x, pooling)
    return finish(inputs, x, "inception_resnet_small", weights)
