"""The zoo's convolution units (conv, conv -> BN -> ReLU, BN -> ReLU) and the two ways it
builds them, a :class:`LayerStyle`:

- :data:`PAPERS` (every zoo model): as the papers' released Torch/Caffe code -- He-normal
  kernels, no conv bias before a batch norm, BN ``epsilon=1e-5`` and momentum 0.9,
  ``ReLU`` layers, symmetric ``k // 2`` padding inside a strided convolution;
- :data:`KERAS_APPLICATIONS` (:mod:`nnlab.applications`): Keras' layer list --
  Glorot-uniform kernels, a bias in a conv before a batch norm (Keras' v1 ResNets), BN
  ``epsilon=1.001e-5`` and Keras' momentum 0.99 on axis 3, ``Activation('relu')`` layers,
  ``'valid'`` padding with a ``ZeroPadding2D`` layer ``{name}_pad`` before a strided
  convolution.

So one block builder (a ResNet bottleneck, a DenseNet layer) serves both.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from .. import config as _config
from ..initializers import RandomNormal
from ..layers import Activation, BatchNormalization, Conv2D, ReLU, ZeroPadding2D

__all__ = ["KERAS_APPLICATIONS", "PAPERS", "LayerStyle", "bn_relu", "channel_axis", "conv2d",
           "conv_bn_relu", "he_normal"]


def channel_axis() -> int:
    """The channel axis of image tensors in the current data format (-1 or 1)."""
    return -1 if _config.image_data_format() == "channels_last" else 1


def he_normal(x, kernel_size: Any = 1) -> RandomNormal:
    """He et al. 2015 ("Delving Deep into Rectifiers", eq. 10) for a conv on ``x``:
    ``N(0, 2 / fan_in)``, ``fan_in = kh * kw * in_channels``, *not* truncated (the paper's
    Gaussian; ``'he_normal'`` is Keras' truncated variant). An explicit
    :class:`~nnlab.initializers.RandomNormal`, so configs save it and it fills fast."""
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return RandomNormal(stddev=math.sqrt(2.0 / (kh * kw * x.shape[channel_axis()])))


@dataclass(frozen=True)
class LayerStyle:
    """How the units below build their layers (see the module docstring).

    Attributes:
        conv_bias: a bias in the conv of :func:`conv_bn_relu` (batch norm's beta makes
            it redundant; Keras' v1 ResNets keep it).
        kernel_initializer: of every conv; ``None`` means :func:`he_normal`.
        bn_epsilon, bn_momentum: of every batch norm.
        keras_layers: Keras applications' layers: ``Activation('relu')``, the channel
            axis as 3 (or 1), ``'valid'`` padding and ``ZeroPadding2D`` layers.
    """
    conv_bias: bool = False
    kernel_initializer: Any = None
    bn_epsilon: float = 1e-5
    bn_momentum: float = 0.9
    keras_layers: bool = False

    def axis(self) -> int:
        """The channel axis as this style writes it into layers (-1 or 3; 1)."""
        axis = channel_axis()
        return (3 if axis == -1 else 1) if self.keras_layers else axis

    def batch_norm(self, name: str) -> BatchNormalization:
        return BatchNormalization(axis=self.axis(), momentum=self.bn_momentum,
                                  epsilon=self.bn_epsilon, name=name)

    def relu(self, name: str):
        return Activation("relu", name=name) if self.keras_layers else ReLU(name=name)


PAPERS = LayerStyle()
KERAS_APPLICATIONS = LayerStyle(conv_bias=True, kernel_initializer="glorot_uniform",
                                bn_epsilon=1.001e-5, bn_momentum=0.99, keras_layers=True)


def conv2d(x, filters: int, kernel_size: int, strides: int = 1, name: str = "conv",
           use_bias: bool = True, kernel_initializer: Any = None,
           bias_initializer: Any = "zeros", style: LayerStyle = PAPERS):
    """A convolution padded as in the papers' Caffe/Torch code: symmetric ``k // 2`` zeros.

    Stride 1 uses ``padding='same'`` (symmetric for odd kernels). A strided convolution
    with ``k > 1`` gets explicit symmetric padding ``k // 2`` (computed inside the
    convolution kernel, no copy), because Keras' ``'same'`` would put the odd padding row
    only at the end (e.g. 7x7/2 on 224: ``floor((224 + 6 - 7) / 2) + 1 = 112`` either way,
    but the windows would shift). With ``style.keras_layers`` the same zeros come from a
    ``ZeroPadding2D`` layer named ``{name without _conv}_pad`` and 1x1 convs are
    ``'valid'``, as Keras writes them. ``kernel_initializer=None`` means the style's.

    Shapes: ``(batch, H, W, C) -> (batch, ceil(H / strides), ceil(W / strides), filters)``.
    """
    if kernel_initializer is None:
        kernel_initializer = style.kernel_initializer or he_normal(x, kernel_size)
    if strides > 1 and kernel_size > 1:
        pad = kernel_size // 2
        if style.keras_layers:
            x = ZeroPadding2D(padding=((pad, pad), (pad, pad)),
                              name=f"{name.removesuffix('_conv')}_pad")(x)
        padding: Any = "valid" if style.keras_layers else pad
    else:
        padding = "valid" if style.keras_layers and kernel_size == 1 else "same"
    return Conv2D(filters, kernel_size, strides=strides, padding=padding, use_bias=use_bias,
                  kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
                  name=name)(x)


def conv_bn_relu(x, filters: int, kernel_size: int, strides: int = 1, name: str = "conv",
                 kernel_initializer: Any = None, relu: bool = True,
                 style: LayerStyle = PAPERS):
    """Conv (a bias only if ``style.conv_bias``) -> BN -> ReLU; names ``{name}_conv``,
    ``{name}_bn``, ``{name}_relu``. Shapes as :func:`conv2d`."""
    x = conv2d(x, filters, kernel_size, strides, f"{name}_conv", use_bias=style.conv_bias,
               kernel_initializer=kernel_initializer, style=style)
    x = style.batch_norm(f"{name}_bn")(x)
    return style.relu(f"{name}_relu")(x) if relu else x


def bn_relu(x, name: str, style: LayerStyle = PAPERS):
    """BN -> ReLU (a pre-activation), names ``{name}_bn`` and ``{name}_relu``; shape kept."""
    x = style.batch_norm(f"{name}_bn")(x)
    return style.relu(f"{name}_relu")(x)
