"""VGG-16 and VGG-19: Simonyan and Zisserman, "Very Deep Convolutional Networks for
Large-Scale Image Recognition", ICLR 2015 (Table 1, configurations D and E).

Stacks of 3x3 'same' convolutions (stride 1) with 2x2/2 max pools, then FC 4096 ->
FC 4096 -> FC 1000 with dropout 0.5 on the two hidden FC layers (sec. 3.1). VGG-16 has
138,357,544 parameters, VGG-19 143,667,240.

Initialisation: Glorot uniform, biases 0 -- the paper (sec. 3.1) trained configuration A
from N(0, 0.01^2) and initialised the deeper nets from it, then notes that "it is possible
to initialise the weights without pre-training by using the random initialisation
procedure of Glorot & Bengio (2010)".
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from ..layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D, ReLU
from .common import check_args, finish, model_input, pool_features
from .registry import register_model

#: convolutions per block (each block: N x 3x3 conv, then a 2x2 max pool)
_CONFIGS = {"vgg16": (2, 2, 3, 3, 3), "vgg19": (2, 2, 4, 4, 4)}
_FILTERS = (64, 128, 256, 512, 512)


# ------------------------------------------------------------------------- blocks
def vgg_block(x, filters: int, convs: int, name: str):
    """``convs`` x (3x3 same conv -> ReLU), then 2x2/2 max pool: halves height and width."""
    for i in range(1, convs + 1):
        x = Conv2D(filters, 3, padding="same", name=f"{name}_conv{i}")(x)
        x = ReLU(name=f"{name}_relu{i}")(x)
    return MaxPooling2D(2, strides=2, name=f"{name}_pool")(x)


# ------------------------------------------------------------------------- builder
def vgg(variant: str, include_top: bool = True, num_classes: int = 1000,
        input_shape: Optional[Sequence[int]] = None, weights: Any = None,
        pooling: Optional[str] = None, classifier_activation: Any = "softmax"):
    """VGG ``variant`` (``'vgg16'`` or ``'vgg19'``); default input ``(224, 224, 3)``,
    smallest 32x32. ``include_top=False`` ends at block5's pool (7x7x512 at 224)."""
    shape = check_args(variant, include_top, num_classes, pooling, weights, input_shape,
                       (224, 224))
    inputs = model_input(shape)                            # N x 224 x 224 x 3
    x = inputs
    for b, (filters, convs) in enumerate(zip(_FILTERS, _CONFIGS[variant]), start=1):
        x = vgg_block(x, filters, convs, f"block{b}")      # block5: N x 7 x 7 x 512
    if include_top:
        x = Flatten(name="flatten")(x)                     # N x 25088
        for i in (1, 2):
            x = Dense(4096, name=f"fc{i}")(x)
            x = ReLU(name=f"fc{i}_relu")(x)
            x = Dropout(0.5, name=f"fc{i}_dropout")(x)     # N x 4096
        x = Dense(num_classes, activation=classifier_activation, name="predictions")(x)
    else:
        x = pool_features(x, pooling)
    return finish(inputs, x, variant, weights)


@register_model()
def vgg16(include_top: bool = True, num_classes: int = 1000,
          input_shape: Optional[Sequence[int]] = None, weights: Any = None,
          pooling: Optional[str] = None, **kwargs: Any):
    """VGG-16 (configuration D): 13 conv + 3 FC layers, 138,357,544 parameters."""
    return vgg("vgg16", include_top, num_classes, input_shape, weights, pooling, **kwargs)


@register_model()
def vgg19(include_top: bool = True, num_classes: int = 1000,
          input_shape: Optional[Sequence[int]] = None, weights: Any = None,
          pooling: Optional[str] = None, **kwargs: Any):
    """VGG-19 (configuration E): 16 conv + 3 FC layers, 143,667,240 parameters."""
    return vgg("vgg19", include_top, num_classes, input_shape, weights, pooling, **kwargs)
