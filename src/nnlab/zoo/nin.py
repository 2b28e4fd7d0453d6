"""Network in Network: Lin, Chen and Yan, "Network In Network", ICLR 2014.

Each mlpconv layer is a convolution followed by two 1x1 convolutions (a small MLP slid
over the image, sec. 3.1), every one with a ReLU; the last mlpconv emits one map per
class and global average pooling replaces the FC classifier (sec. 3.2). The layout is the
authors' ImageNet model (the "NIN-Imagenet" Caffe release): mlpconv 96@11x11/4,
256@5x5, 384@3x3, 1024@3x3 with 3x3/2 max pools and dropout 0.5 before the last one;
7,595,176 parameters for 1000 classes.

Initialisation: He et al. 2015, ``N(0, 2 / fan_in)``; the paper gives no scheme beyond
Gaussian weights, and He's is the Gaussian derived for ReLU stacks of this depth.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from ..layers import Activation, Conv2D, Dropout, GlobalAveragePooling2D, MaxPooling2D, ReLU
from .common import check_args, finish, model_input, pool_features
from .conv_units import he_normal
from .registry import register_model


# ------------------------------------------------------------------------- blocks
def mlpconv(x, filters: int, kernel_size: int, name: str, strides: int = 1,
            padding: str = "same", mlp_filters: Optional[Sequence[int]] = None):
    """An mlpconv layer: ``kernel_size`` conv -> ReLU -> 1x1 conv -> ReLU -> 1x1 conv -> ReLU.

    ``mlp_filters`` are the widths of the 1x1 convs (default two of ``filters``).
    Output shape: ``(batch, H', W', mlp_filters[-1])``.
    """
    widths = (filters,) + tuple(mlp_filters or (filters, filters))
    for i, (w, k) in enumerate(zip(widths, (kernel_size, 1, 1))):
        label = f"{name}_conv" if i == 0 else f"{name}_cccp{i}"
        x = Conv2D(w, k, strides=strides if i == 0 else 1, padding=padding if i == 0 else
                   "valid", kernel_initializer=he_normal(x, k), name=label)(x)
        x = ReLU(name=f"{label}_relu")(x)
    return x


# ------------------------------------------------------------------------- builder
@register_model()
def nin(include_top: bool = True, num_classes: int = 1000,
        input_shape: Optional[Sequence[int]] = None, weights: Any = None,
        pooling: Optional[str] = None, classifier_activation: Any = "softmax"):
    """Network in Network (ImageNet layout), default input ``(224, 224, 3)``, smallest 67x67.

    ``include_top=False`` drops the class-map 1x1 conv and the global pooling: the output
    is the 1024-channel map of the last mlpconv (``pooling`` -> ``(batch, 1024)``).
    """
    shape = check_args("nin", include_top, num_classes, pooling, weights, input_shape,
                       (224, 224))
    inputs = model_input(shape)                                          # N x 224 x 224 x 3
    x = mlpconv(inputs, 96, 11, "mlpconv1", strides=4, padding="valid")  # N x 54 x 54 x 96
    x = MaxPooling2D(3, strides=2, name="pool1")(x)                      # N x 26 x 26 x 96
    x = mlpconv(x, 256, 5, "mlpconv2")                                   # N x 26 x 26 x 256
    x = MaxPooling2D(3, strides=2, name="pool2")(x)                      # N x 12 x 12 x 256
    x = mlpconv(x, 384, 3, "mlpconv3")                                   # N x 12 x 12 x 384
    x = MaxPooling2D(3, strides=2, name="pool3")(x)                      # N x 5 x 5 x 384
    x = Dropout(0.5, name="dropout")(x)
    if include_top:
        x = mlpconv(x, 1024, 3, "mlpconv4", mlp_filters=(1024, num_classes))  # N x 5 x 5 x K
        x = GlobalAveragePooling2D(name="avg_pool")(x)                   # N x K
        if classifier_activation is not None:
            x = Activation(classifier_activation, name="predictions")(x)
    else:
        x = mlpconv(x, 1024, 3, "mlpconv4", mlp_filters=(1024,))        # N x 5 x 5 x 1024
        x = pool_features(x, pooling)
    return finish(inputs, x, "nin", weights)
