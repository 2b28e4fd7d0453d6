"""AlexNet and ZFNet.

- AlexNet: Krizhevsky, Sutskever and Hinton, "ImageNet Classification with Deep
  Convolutional Neural Networks", NIPS 2012. Written as one tower, as the CS231n lecture
  draws it (the paper split conv2, conv4, conv5 over two GPUs; one tower has 62,378,344
  parameters): 227x227x3 -> CONV1 96@11x11/4 -> 55x55x96 (34,944 params) -> POOL 3x3/2
  -> NORM -> CONV2 256@5x5 same -> POOL -> NORM -> CONV3, CONV4 384@3x3 -> CONV5 256@3x3
  -> POOL -> 6x6x256 -> FC 4096 -> FC 4096 -> FC 1000.
- ZFNet: Zeiler and Fergus, "Visualizing and Understanding Convolutional Networks",
  ECCV 2014 (Fig. 3): AlexNet with a 7x7/2 first layer and a strided 5x5 conv2, on
  224x224x3: 110x110x96 -> 55 -> 26x26x256 -> 13 -> 13 -> 13 -> 6x6x256; 62,357,608 params.

Initialisation per the papers: weights N(0, 0.01^2); AlexNet sets the biases of conv2,
conv4, conv5 and the hidden FC layers to 1 (sec. 5), the rest to 0; ZFNet uses biases 0
(sec. 3). Dropout 0.5 on both hidden FC layers; local response normalisation with the
AlexNet constants (k=2, n=5, alpha=1e-4, beta=0.75).
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from ..initializers import RandomNormal
from ..layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D, ReLU, ZeroPadding2D
from .common import LocalResponseNormalization, check_args, finish, model_input, pool_features
from .registry import register_model


def _gauss():
    return RandomNormal(stddev=0.01)


# ------------------------------------------------------------------------- blocks
def _conv_relu(x, filters: int, kernel: int, name: str, strides: int = 1,
               padding: str = "same", bias: str = "zeros"):
    x = Conv2D(filters, kernel, strides=strides, padding=padding, kernel_initializer=_gauss(),
               bias_initializer=bias, name=name)(x)
    return ReLU(name=f"{name}_relu")(x)


def _fc_top(x, num_classes: int, classifier_activation: Any, hidden_bias: str):
    """FC 4096 -> dropout -> FC 4096 -> dropout -> FC num_classes (sec. 4.2 dropout)."""
    x = Flatten(name="flatten")(x)                       # N x 9216
    for i in (6, 7):
        x = Dense(4096, kernel_initializer=_gauss(), bias_initializer=hidden_bias,
                  name=f"fc{i}")(x)
        x = ReLU(name=f"fc{i}_relu")(x)
        x = Dropout(0.5, name=f"fc{i}_dropout")(x)       # N x 4096
    return Dense(num_classes, activation=classifier_activation, kernel_initializer=_gauss(),
                 name="predictions")(x)


# ------------------------------------------------------------------------ builders
@register_model()
def alexnet(include_top: bool = True, num_classes: int = 1000,
            input_shape: Optional[Sequence[int]] = None, weights: Any = None,
            pooling: Optional[str] = None, classifier_activation: Any = "softmax"):
    """AlexNet (single tower), default input ``(227, 227, 3)``; the smallest valid input
    is 67x67 (the last pool needs a 3x3 map).

    Args: as every zoo builder (see :mod:`nnlab.zoo`); ``include_top=False`` ends at
    pool5 (``(batch, 6, 6, 256)`` at 227), ``pooling`` then gives ``(batch, 256)``.
    """
    shape = check_args("alexnet", include_top, num_classes, pooling, weights, input_shape,
                       (227, 227))
    inputs = model_input(shape)                                       # N x 227 x 227 x 3
    x = _conv_relu(inputs, 96, 11, "conv1", strides=4, padding="valid")  # N x 55 x 55 x 96
    x = LocalResponseNormalization(name="norm1")(x)
    x = MaxPooling2D(3, strides=2, name="pool1")(x)                   # N x 27 x 27 x 96
    x = _conv_relu(x, 256, 5, "conv2", bias="ones")                   # N x 27 x 27 x 256
    x = LocalResponseNormalization(name="norm2")(x)
    x = MaxPooling2D(3, strides=2, name="pool2")(x)                   # N x 13 x 13 x 256
    x = _conv_relu(x, 384, 3, "conv3")                                # N x 13 x 13 x 384
    x = _conv_relu(x, 384, 3, "conv4", bias="ones")                   # N x 13 x 13 x 384
    x = _conv_relu(x, 256, 3, "conv5", bias="ones")                   # N x 13 x 13 x 256
    x = MaxPooling2D(3, strides=2, name="pool5")(x)                   # N x 6 x 6 x 256
    if include_top:
        x = _fc_top(x, num_classes, classifier_activation, hidden_bias="ones")
    else:
        x = pool_features(x, pooling)
    return finish(inputs, x, "alexnet", weights)


@register_model()
def zfnet(include_top: bool = True, num_classes: int = 1000,
          input_shape: Optional[Sequence[int]] = None, weights: Any = None,
          pooling: Optional[str] = None, classifier_activation: Any = "softmax"):
    """ZFNet (Zeiler & Fergus 2014, Fig. 3), default input ``(224, 224, 3)``.

    The first pools use ``'same'`` padding so the maps are the paper's 55 and 13 (a valid
    3x3/2 pool of 110 gives 54). ``include_top=False`` ends at pool5 (6x6x256 at 224).
    """
    shape = check_args("zfnet", include_top, num_classes, pooling, weights, input_shape,
                       (224, 224))
    inputs = model_input(shape)                                       # N x 224 x 224 x 3
    x = ZeroPadding2D(1, name="conv1_pad")(inputs)                    # N x 226 x 226 x 3
    x = _conv_relu(x, 96, 7, "conv1", strides=2, padding="valid")     # N x 110 x 110 x 96
    x = MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)   # N x 55 x 55 x 96
    x = LocalResponseNormalization(name="norm1")(x)
    x = _conv_relu(x, 256, 5, "conv2", strides=2, padding="valid")    # N x 26 x 26 x 256
    x = MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)   # N x 13 x 13 x 256
    x = LocalResponseNormalization(name="norm2")(x)
    x = _conv_relu(x, 384, 3, "conv3")                                # N x 13 x 13 x 384
    x = _conv_relu(x, 384, 3, "conv4")                                # N x 13 x 13 x 384
    x = _conv_relu(x, 256, 3, "conv5")                                # N x 13 x 13 x 256
    x = MaxPooling2D(3, strides=2, name="pool5")(x)                   # N x 6 x 6 x 256
    if include_top:
        x = _fc_top(x, num_classes, classifier_activation, hidden_bias="zeros")
    else:
        x = pool_features(x, pooling)
    return finish(inputs, x, "zfnet", weights)
