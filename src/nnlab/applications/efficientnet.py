"""EfficientNetB0-B7 (Tan & Le, ICML 2019, arXiv:1905.11946) with Keras' exact layers.

Keras 3's ``keras.applications.efficientnet``, layer for layer, so Keras' ImageNet weights
load by position and ``model.layers`` means what it means in Keras:

    stem    Rescaling(1/255), Normalization (mean, variance, count), [imagenet: Rescaling
            by 1/sqrt(std)], ZeroPadding2D (correct_pad), 3x3/2 conv round(32), BN, swish
    blocks  MBConv with squeeze-and-excitation, named ``block{stage}{a,b,...}_``:
            [expand 1x1 conv, BN, swish] -> [ZeroPadding2D when stride 2] depthwise kxk,
            BN, swish -> SE (GlobalAveragePooling2D, Reshape(1, 1, C), 1x1 conv swish to
            max(1, int(in * 0.25)), 1x1 conv sigmoid, multiply) -> project 1x1 conv, BN ->
            [Dropout(noise_shape=(None, 1, 1, 1)) drop-connect, add] when stride 1, in == out
    head    1x1 conv round(1280), BN, swish; with the top: avg_pool, top_dropout, predictions

Width ``w`` and depth ``d`` scale the base network (:data:`DEFAULT_BLOCKS_ARGS`, B0's seven
stages): filters ``round_filters(f) = max(8, int(f*w + 4) // 8 * 8)`` (+8 when that rounds
down by more than 10 %), repeats ``ceil(d * r)``; the drop-connect rate grows linearly
from 0 to 0.2 over the blocks. Parameters with the top (Keras' count, BN statistics and the
Normalization's 7 values included): B0 5,330,571 (the others in :data:`VARIANTS`' docs and
the tests, equal to Keras').

Inputs are pixels in [0, 255]: the scaling is in the model; :func:`preprocess_input` is
the identity, as in Keras.
"""
from __future__ import annotations

import math
from typing import Any, Dict, Optional, Sequence, Tuple

from ..layers import (Activation, Add, BatchNormalization, Conv2D, Dense, DepthwiseConv2D,
                      Dropout, GlobalAveragePooling2D, Multiply, Normalization, Rescaling,
                      Reshape, ZeroPadding2D)
from ..models import Functional
from ..zoo.common import pool_features
from ..zoo.conv_units import channel_axis
from ..zoo.imagenet_classes import decode_predictions  # noqa: F401  (Keras' submodule name)
from .imagenet_utils import check_arguments, finish, make_input

#: B0's stages: (kernel, repeats, filters in, filters out, expand ratio, stride); SE 0.25
DEFAULT_BLOCKS_ARGS: Tuple[Tuple[int, int, int, int, int, int], ...] = (
    (3, 1, 32, 16, 1, 1), (3, 2, 16, 24, 6, 2), (5, 2, 24, 40, 6, 2), (3, 3, 40, 80, 6, 2),
    (5, 3, 80, 112, 6, 1), (5, 4, 112, 192, 6, 2), (3, 1, 192, 320, 6, 1))

#: variant -> (width coefficient, depth coefficient, default input size, top dropout)
VARIANTS: Dict[str, Tuple[float, float, int, float]] = {
    "b0": (1.0, 1.0, 224, 0.2), "b1": (1.0, 1.1, 240, 0.2), "b2": (1.1, 1.2, 260, 0.3),
    "b3": (1.2, 1.4, 300, 0.3), "b4": (1.4, 1.8, 380, 0.4), "b5": (1.6, 2.2, 456, 0.4),
    "b6": (1.8, 2.6, 528, 0.5), "b7": (2.0, 3.1, 600, 0.5)}

IMAGENET_MEAN_RGB = (0.485, 0.456, 0.406)
IMAGENET_STDDEV_RGB = (0.229, 0.224, 0.225)

#: Keras' initialisers: He-like fan-out truncated normal (convs), fan-out uniform (dense)
CONV_KERNEL_INITIALIZER = {"class_name": "VarianceScaling", "config": {
    "scale": 2.0, "mode": "fan_out", "distribution": "truncated_normal"}}
DENSE_KERNEL_INITIALIZER = {"class_name": "VarianceScaling", "config": {
    "scale": 1.0 / 3.0, "mode": "fan_out", "distribution": "uniform"}}


def round_filters(filters: float, width: float, divisor: int = 8) -> int:
    """Keras' channel rounding: ``filters * width`` to a multiple of ``divisor``, never
    more than 10 % below it."""
    filters *= width
    new = max(divisor, int(filters + divisor / 2) // divisor * divisor)
    if new < 0.9 * filters:
        new += divisor
    return int(new)


def round_repeats(repeats: int, depth: float) -> int:
    """Keras' depth scaling: ``ceil(depth * repeats)``."""
    return int(math.ceil(depth * repeats))


def correct_pad(x, kernel_size: int) -> Tuple[Tuple[int, int], Tuple[int, int]]:
    """Keras' ``imagenet_utils.correct_pad``: the zero padding before a stride-2 'valid'
    convolution, ``((k//2 - adjust_h, k//2), (k//2 - adjust_w, k//2))`` where ``adjust`` is
    1 for an even (or unknown) size, 0 for an odd one."""
    spatial = x.shape[1:3] if channel_axis() == -1 else x.shape[2:4]
    adjust = (1, 1) if spatial[0] is None else (1 - spatial[0] % 2, 1 - spatial[1] % 2)
    c = kernel_size // 2
    return ((c - adjust[0], c), (c - adjust[1], c))


def block(x, activation: str, drop_rate: float, name: str, filters_in: int,
          filters_out: int, kernel_size: int, strides: int, expand_ratio: int,
          se_ratio: float = 0.25):
    """Keras' inverted residual block with squeeze-and-excitation.

    ``(N, H, W, filters_in) -> (N, H/strides, W/strides, filters_out)``; the identity
    shortcut (with per-sample drop-connect at ``drop_rate``) when stride 1 and
    ``filters_in == filters_out``.
    """
    inputs = x
    filters = filters_in * expand_ratio
    if expand_ratio != 1:
        x = Conv2D(filters, 1, padding="same", use_bias=False,
                   kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}expand_conv")(x)
        x = BatchNormalization(axis=channel_axis(), name=f"{name}expand_bn")(x)
        x = Activation(activation, name=f"{name}expand_activation")(x)
    if strides == 2:
        x = ZeroPadding2D(padding=correct_pad(x, kernel_size), name=f"{name}dwconv_pad")(x)
    x = DepthwiseConv2D(kernel_size, strides=strides,
                        padding="valid" if strides == 2 else "same", use_bias=False,
                        depthwise_initializer=CONV_KERNEL_INITIALIZER,
                        name=f"{name}dwconv")(x)                   # N x H/s x W/s x filters
    x = BatchNormalization(axis=channel_axis(), name=f"{name}bn")(x)
    x = Activation(activation, name=f"{name}activation")(x)
    if 0 < se_ratio <= 1:
        filters_se = max(1, int(filters_in * se_ratio))
        se = GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)    # N x filters
        shape = (1, 1, filters) if channel_axis() == -1 else (filters, 1, 1)
        se = Reshape(shape, name=f"{name}se_reshape")(se)
        se = Conv2D(filters_se, 1, padding="same", activation=activation,
                    kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_reduce")(se)
        se = Conv2D(filters, 1, padding="same", activation="sigmoid",
                    kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}se_expand")(se)
        x = Multiply(name=f"{name}se_excite")([x, se])
    x = Conv2D(filters_out, 1, padding="same", use_bias=False,
               kernel_initializer=CONV_KERNEL_INITIALIZER, name=f"{name}project_conv")(x)
    x = BatchNormalization(axis=channel_axis(), name=f"{name}project_bn")(x)
    if strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            x = Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = Add(name=f"{name}add")([x, inputs])
    return x


def EfficientNet(variant: str, include_top: bool = True, weights: Any = "imagenet",
                 input_tensor: Any = None, input_shape: Optional[Sequence[int]] = None,
                 pooling: Optional[str] = None, classes: int = 1000,
                 classifier_activation: Any = "softmax", name: Optional[str] = None,
                 drop_connect_rate: float = 0.2, activation: str = "swish"):
    """EfficientNet ``variant`` (``"b0"`` ... ``"b7"``) as Keras builds it; arguments as
    :func:`nnlab.applications.VGG16`."""
    width, depth, default_size, dropout_rate = VARIANTS[variant]
    model_name = f"EfficientNet{variant.upper()}"
    shape = check_arguments(model_name, include_top, weights, input_tensor, input_shape,
                            pooling, classes, default_size=default_size)
    inputs = make_input(shape, input_tensor, model_name)
    x = Rescaling(1.0 / 255.0)(inputs)
    x = Normalization(axis=channel_axis() % 4)(x)                 # mean, variance, count
    if weights == "imagenet":  # Keras' fix-up: its weights divide by std twice
        x = Rescaling([1.0 / math.sqrt(s) for s in IMAGENET_STDDEV_RGB])(x)
    x = ZeroPadding2D(padding=correct_pad(x, 3), name="stem_conv_pad")(x)
    x = Conv2D(round_filters(32, width), 3, strides=2, padding="valid", use_bias=False,
               kernel_initializer=CONV_KERNEL_INITIALIZER, name="stem_conv")(x)
    x = BatchNormalization(axis=channel_axis(), name="stem_bn")(x)  # N x H/2 x W/2 x 32w
    x = Activation(activation, name="stem_activation")(x)
    total = float(sum(round_repeats(args[1], depth) for args in DEFAULT_BLOCKS_ARGS))
    b = 0
    for i, (kernel, repeats, f_in, f_out, expand, stride) in enumerate(DEFAULT_BLOCKS_ARGS):
        f_in, f_out = round_filters(f_in, width), round_filters(f_out, width)
        for j in range(round_repeats(repeats, depth)):
            x = block(x, activation, drop_connect_rate * b / total,
                      name=f"block{i + 1}{chr(j + 97)}_", filters_in=f_in if j == 0 else f_out,
                      filters_out=f_out, kernel_size=kernel, strides=stride if j == 0 else 1,
                      expand_ratio=expand)
            b += 1
    x = Conv2D(round_filters(1280, width), 1, padding="same", use_bias=False,
               kernel_initializer=CONV_KERNEL_INITIALIZER, name="top_conv")(x)
    x = BatchNormalization(axis=channel_axis(), name="top_bn")(x)  # N x H/32 x W/32 x 1280w
    x = Activation(activation, name="top_activation")(x)
    if include_top:
        x = GlobalAveragePooling2D(name="avg_pool")(x)
        if dropout_rate > 0:
            x = Dropout(dropout_rate, name="top_dropout")(x)
        x = Dense(classes, activation=classifier_activation,
                  kernel_initializer=DENSE_KERNEL_INITIALIZER, name="predictions")(x)
    else:
        x = pool_features(x, pooling)
    model = Functional(inputs, x, name=name or f"efficientnet{variant}")
    return finish(model, weights, model_name, include_top=include_top)


def _variant(variant: str):
    def build(include_top: bool = True, weights: Any = "imagenet", input_tensor: Any = None,
              input_shape: Optional[Sequence[int]] = None, pooling: Optional[str] = None,
              classes: int = 1000, classifier_activation: Any = "softmax",
              name: Optional[str] = None):
        return EfficientNet(variant, include_top, weights, input_tensor, input_shape, pooling,
                            classes, classifier_activation, name or f"efficientnet{variant}")
    width, depth, size, dropout = VARIANTS[variant]
    build.__name__ = build.__qualname__ = f"EfficientNet{variant.upper()}"
    build.__doc__ = (
        f"EfficientNet{variant.upper()} as ``keras.applications.EfficientNet"
        f"{variant.upper()}`` (width {width}, depth {depth}, default input "
        f"``({size}, {size}, 3)``, top dropout {dropout}).\n\n    Input: pixels in [0, 255], "
        f"``(batch, H, W, 3)``; output ``(batch, classes)`` with the top, else as "
        f"``pooling``. Arguments as :func:`nnlab.applications.VGG16`.\n")
    return build


EfficientNetB0 = _variant("b0")
EfficientNetB1 = _variant("b1")
EfficientNetB2 = _variant("b2")
EfficientNetB3 = _variant("b3")
EfficientNetB4 = _variant("b4")
EfficientNetB5 = _variant("b5")
EfficientNetB6 = _variant("b6")
EfficientNetB7 = _variant("b7")


def preprocess_input(x: Any, data_format: Optional[str] = None) -> Any:
    """The identity, as Keras': EfficientNet's input scaling is inside the model."""
    return x
