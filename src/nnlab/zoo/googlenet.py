"""GoogLeNet (Inception v1): Szegedy et al., "Going Deeper with Convolutions", CVPR 2015
(Fig. 2 and 3, Table 1).

Two public Inception modules:

- :func:`inception_module_naive` (Fig. 2a): parallel 1x1, 3x3 and 5x5 convolutions and a
  3x3 max pool, concatenated -- the channel count only grows;
- :func:`inception_module` (Fig. 2b, "with dimension reductions"): 1x1 convolutions
  before the 3x3 and 5x5 convolutions and after the pool.

:func:`googlenet` stacks nine reduced modules as Table 1; the two auxiliary classifiers
(sec. 5) are optional and off by default.

Parameter count (224x224x3, 1000 classes, no auxiliary heads): 6,998,552 as in the paper
(convolutions with biases, no batch norm, true 5x5 convolutions) -- the count of the
BVLC Caffe reproduction. ``batch_norm=True`` (conv -> BN -> ReLU, no biases, no LRN)
gives 7,005,832 trainable parameters. torchvision's 6,624,904 is neither: it uses batch
norm *and* a 3x3 kernel in the "5x5" branch (a bug it keeps for its pretrained weights).

Initialisation as the BVLC reference model (the paper gives none): Xavier (Glorot)
uniform weights, biases 0.2.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from ..initializers import Constant
from ..layers import (AveragePooling2D, BatchNormalization, Concatenate, Dense,
                      Dropout, Flatten, MaxPooling2D, ReLU)
from .common import LocalResponseNormalization, check_args, finish, model_input, pool_features
from .conv_units import channel_axis, conv2d
from .registry import register_model


# ------------------------------------------------------------------------- blocks
def _conv(x, filters: int, kernel: int, name: str, strides: int = 1,
          batch_norm: bool = False):
    """Conv (+ BN) -> ReLU with 'same'-style symmetric padding."""
    x = conv2d(x, filters, kernel, strides, name, use_bias=not batch_norm,
               kernel_initializer="glorot_uniform",
               bias_initializer="zeros" if batch_norm else Constant(0.2))
    if batch_norm:
        x = BatchNormalization(axis=channel_axis(), momentum=0.9, epsilon=1e-3,
                               name=f"{name}_bn")(x)
    return ReLU(name=f"{name}_relu")(x)


def inception_module_naive(x, filters_1x1: int, filters_3x3: int, filters_5x5: int,
                           name: str, batch_norm: bool = False):
    """Naive Inception module (Fig. 2a): ``[1x1 conv, 3x3 conv, 5x5 conv, 3x3/1 max pool]``
    on the same input, concatenated on channels.

    Output shape: ``(batch, H, W, filters_1x1 + filters_3x3 + filters_5x5 + C_in)`` -- the
    pool branch passes all input channels through, which is why the paper adds reductions.
    """
    b1 = _conv(x, filters_1x1, 1, f"{name}_1x1", batch_norm=batch_norm)
    b2 = _conv(x, filters_3x3, 3, f"{name}_3x3", batch_norm=batch_norm)
    b3 = _conv(x, filters_5x5, 5, f"{name}_5x5", batch_norm=batch_norm)
    b4 = MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    return Concatenate(axis=channel_axis(), name=f"{name}_concat")([b1, b2, b3, b4])


def inception_module(x, filters_1x1: int, reduce_3x3: int, filters_3x3: int,
                     reduce_5x5: int, filters_5x5: int, pool_proj: int, name: str,
                     batch_norm: bool = False):
    """Inception module with dimension reductions (Fig. 2b); arguments in Table 1's order
    (``#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj``).

    Branches: 1x1 | 1x1 -> 3x3 | 1x1 -> 5x5 | 3x3/1 max pool -> 1x1, each conv with a ReLU.
    Output shape: ``(batch, H, W, filters_1x1 + filters_3x3 + filters_5x5 + pool_proj)``.
    """
    b1 = _conv(x, filters_1x1, 1, f"{name}_1x1", batch_norm=batch_norm)
    b2 = _conv(x, reduce_3x3, 1, f"{name}_3x3_reduce", batch_norm=batch_norm)
    b2 = _conv(b2, filters_3x3, 3, f"{name}_3x3", batch_norm=batch_norm)
    b3 = _conv(x, reduce_5x5, 1, f"{name}_5x5_reduce", batch_norm=batch_norm)
    b3 = _conv(b3, filters_5x5, 5, f"{name}_5x5", batch_norm=batch_norm)
    b4 = MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    b4 = _conv(b4, pool_proj, 1, f"{name}_pool_proj", batch_norm=batch_norm)
    return Concatenate(axis=channel_axis(), name=f"{name}_concat")([b1, b2, b3, b4])


def auxiliary_classifier(x, num_classes: int, name: str, activation: Any = "softmax",
                         batch_norm: bool = False):
    """Sec. 5: 5x5/3 average pool -> 1x1 conv 128 -> ReLU -> FC 1024 -> ReLU ->
    dropout 0.7 -> FC ``num_classes``. Needs the 14x14 maps of 4a/4d (a 224 input)."""
    x = AveragePooling2D(5, strides=3, name=f"{name}_pool")(x)         # N x 4 x 4 x C
    x = _conv(x, 128, 1, f"{name}_conv", batch_norm=batch_norm)       # N x 4 x 4 x 128
    x = Flatten(name=f"{name}_flatten")(x)                            # N x 2048
    x = Dense(1024, name=f"{name}_fc")(x)
    x = ReLU(name=f"{name}_fc_relu")(x)
    x = Dropout(0.7, name=f"{name}_dropout")(x)
    return Dense(num_classes, activation=activation, name=f"{name}_predictions")(x)


#: Table 1: (#1x1, #3x3 reduce, #3x3, #5x5 reduce, #5x5, pool proj); "pool" = 3x3/2 max pool
_TABLE1 = [("3a", (64, 96, 128, 16, 32, 32)), ("3b", (128, 128, 192, 32, 96, 64)), "pool",
           ("4a", (192, 96, 208, 16, 48, 64)), ("4b", (160, 112, 224, 24, 64, 64)),
           ("4c", (128, 128, 256, 24, 64, 64)), ("4d", (112, 144, 288, 32, 64, 64)),
           ("4e", (256, 160, 320, 32, 128, 128)), "pool",
           ("5a", (256, 160, 320, 32, 128, 128)), ("5b", (384, 192, 384, 48, 128, 128))]


# ------------------------------------------------------------------------- builder
@register_model()
def googlenet(include_top: bool = True, num_classes: int = 1000,
              input_shape: Optional[Sequence[int]] = None, weights: Any = None,
              pooling: Optional[str] = None, classifier_activation: Any = "softmax",
              aux_logits: bool = False, batch_norm: bool = False):
    """GoogLeNet, default input ``(224, 224, 3)`` (smallest 32x32 without aux heads).

    Args:
        aux_logits: add the two auxiliary classifiers on 4a and 4d; the model then has
            three outputs ``[main, aux1, aux2]`` (the paper weights the aux losses by 0.3).
        batch_norm: conv -> BN -> ReLU everywhere (Inception-BN style) instead of the
            paper's biased convs and local response normalisation.
        others: as every zoo builder. ``include_top=False`` ends at 5b (1024 channels).
    """
    shape = check_args("googlenet", include_top, num_classes, pooling, weights, input_shape,
                       (224, 224))
    if aux_logits and not include_top:
        raise ValueError("googlenet: aux_logits=True needs include_top=True")
    bn = bool(batch_norm)
    inputs = model_input(shape)                                          # N x 224 x 224 x 3
    x = _conv(inputs, 64, 7, "conv1_7x7", strides=2, batch_norm=bn)      # N x 112 x 112 x 64
    x = MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)      # N x 56 x 56 x 64
    if not bn:
        x = LocalResponseNormalization(name="pool1_norm")(x)
    x = _conv(x, 64, 1, "conv2_3x3_reduce", batch_norm=bn)               # N x 56 x 56 x 64
    x = _conv(x, 192, 3, "conv2_3x3", batch_norm=bn)                     # N x 56 x 56 x 192
    if not bn:
        x = LocalResponseNormalization(name="conv2_norm")(x)
    x = MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)      # N x 28 x 28 x 192
    aux = []
    pools = iter(range(3, 5))
    for item in _TABLE1:                                                 # 3a-3b: 28x28,
        if item == "pool":                                               # 4a-4e: 14x14,
            x = MaxPooling2D(3, strides=2, padding="same",               # 5a-5b: 7x7
                             name=f"pool{next(pools)}")(x)
            continue
        label, widths = item
        x = inception_module(x, *widths, name=f"inception_{label}", batch_norm=bn)
        if aux_logits and label in ("4a", "4d"):
            aux.append(auxiliary_classifier(x, num_classes, f"aux{len(aux) + 1}",
                                            classifier_activation, bn))
    # N x 7 x 7 x 1024
    if include_top:
        x = pool_features(x, "avg")                                      # N x 1024
        x = Dropout(0.4, name="dropout")(x)
        x = Dense(num_classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = pool_features(x, pooling)
    return finish(inputs, [x] + aux if aux else x, "googlenet", weights)
