"""SqueezeNet 1.0 and 1.1: Iandola, Han, Moskewicz, Ashraf, Dally and Keutzer, "SqueezeNet:
AlexNet-level accuracy with 50x fewer parameters and <0.5MB model size", arXiv:1602.07360
(2016), Table 1; version 1.1 from the authors' repository (DeepScale/SqueezeNet, v1.1:
3x3 conv1 with 64 filters and earlier pooling, 2.4x less computation).

A fire module squeezes with 1x1 convolutions, then expands with 1x1 and 3x3
convolutions whose outputs are concatenated. The classifier is dropout 0.5 -> 1x1 conv
to ``num_classes`` maps -> ReLU -> global average pooling. 1,248,424 parameters (1.0) and
1,235,496 (1.1) for 1000 classes.

Initialisation as the released Caffe models: Xavier (Glorot) uniform for every conv,
N(0, 0.01^2) for the final conv10, biases 0.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from ..initializers import RandomNormal
from ..layers import (Activation, Concatenate, Conv2D, Dropout, GlobalAveragePooling2D,
                      MaxPooling2D, ReLU)
from .common import check_args, finish, model_input, pool_features
from .conv_units import channel_axis
from .registry import register_model


# ------------------------------------------------------------------------- blocks
def fire_module(x, squeeze: int, expand1x1: int, expand3x3: int, name: str):
    """Fire module (sec. 3.2): squeeze 1x1 -> ReLU -> [expand 1x1 -> ReLU,
    expand 3x3 -> ReLU] concatenated. Output: ``(batch, H, W, expand1x1 + expand3x3)``."""
    s = Conv2D(squeeze, 1, name=f"{name}_squeeze1x1")(x)
    s = ReLU(name=f"{name}_squeeze1x1_relu")(s)
    a = Conv2D(expand1x1, 1, name=f"{name}_expand1x1")(s)
    a = ReLU(name=f"{name}_expand1x1_relu")(a)
    b = Conv2D(expand3x3, 3, padding="same", name=f"{name}_expand3x3")(s)
    b = ReLU(name=f"{name}_expand3x3_relu")(b)
    return Concatenate(axis=channel_axis(), name=f"{name}_concat")([a, b])


#: per version: (conv1 filters, conv1 kernel, [fire configs or "pool"])
_LAYOUT = {
    "1_0": (96, 7, ["pool", (16, 64, 64), (16, 64, 64), (32, 128, 128), "pool",
                    (32, 128, 128), (48, 192, 192), (48, 192, 192), (64, 256, 256), "pool",
                    (64, 256, 256)]),
    "1_1": (64, 3, ["pool", (16, 64, 64), (16, 64, 64), "pool", (32, 128, 128),
                    (32, 128, 128), "pool", (48, 192, 192), (48, 192, 192), (64, 256, 256),
                    (64, 256, 256)]),
}


# ------------------------------------------------------------------------- builder
def squeezenet(version: str, include_top: bool = True, num_classes: int = 1000,
               input_shape: Optional[Sequence[int]] = None, weights: Any = None,
               pooling: Optional[str] = None, classifier_activation: Any = "softmax"):
    """SqueezeNet ``version`` ('1_0' or '1_1'), default input ``(224, 224, 3)``.

    Pools are 3x3/2 'valid' (floor); Caffe's ceil rounding gives 55/27/13 instead of
    54/26/12 for 1.0 at 224 -- no parameter depends on it. ``include_top=False`` ends at
    fire9 (512 channels).
    """
    name = f"squeezenet{version}"
    shape = check_args(name, include_top, num_classes, pooling, weights, input_shape,
                       (224, 224))
    filters, kernel, layout = _LAYOUT[version]
    inputs = model_input(shape)                                       # N x 224 x 224 x 3
    x = Conv2D(filters, kernel, strides=2, name="conv1")(inputs)      # 1.0: N x 109 x 109 x 96
    x = ReLU(name="conv1_relu")(x)
    fire, pool = 2, 1
    for item in layout:
        if item == "pool":
            x = MaxPooling2D(3, strides=2, name=f"pool{pool}")(x)     # 1.0: 54, 26, 12
            pool += 1
        else:
            x = fire_module(x, *item, name=f"fire{fire}")
            fire += 1                                                 # fire9: N x 12 x 12 x 512
    if include_top:
        x = Dropout(0.5, name="drop9")(x)
        x = Conv2D(num_classes, 1, kernel_initializer=RandomNormal(stddev=0.01),
                   name="conv10")(x)                                  # N x 12 x 12 x K
        x = ReLU(name="conv10_relu")(x)
        x = GlobalAveragePooling2D(name="avg_pool")(x)                # N x K
        if classifier_activation is not None:
            x = Activation(classifier_activation, name="predictions")(x)
    else:
        x = pool_features(x, pooling)
    return finish(inputs, x, name, weights)


@register_model()
def squeezenet1_0(include_top: bool = True, num_classes: int = 1000,
                  input_shape: Optional[Sequence[int]] = None, weights: Any = None,
                  pooling: Optional[str] = None, **kwargs: Any):
    """SqueezeNet 1.0 (Table 1): 1,248,424 parameters; smallest input 47x47."""
    return squeezenet("1_0", include_top, num_classes, input_shape, weights, pooling, **kwargs)


@register_model()
def squeezenet1_1(include_top: bool = True, num_classes: int = 1000,
                  input_shape: Optional[Sequence[int]] = None, weights: Any = None,
                  pooling: Optional[str] = None, **kwargs: Any):
    """SqueezeNet 1.1: 1,235,496 parameters, 2.4x fewer operations; smallest input 31x31."""
    return squeezenet("1_1", include_top, num_classes, input_shape, weights, pooling, **kwargs)
