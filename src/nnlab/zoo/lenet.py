"""LeNet-5: LeCun, Bottou, Bengio and Haffner, "Gradient-Based Learning Applied to Document
Recognition", Proc. IEEE 86(11), 1998 (Fig. 2).

The modern reading of the paper, as the lectures draw it: C1 6@5x5 -> S2 2x2 average pool
-> C3 16@5x5 -> S4 -> C5 120@5x5 -> F6 84 -> 10 outputs, tanh throughout. Departures from
1998, all standard in the retellings: C3 connects to all six S2 maps (the paper's partial
table gives 1,516 weights instead of 2,416), S2/S4 are plain average pools (no trainable
coefficient and bias), the activation is ``tanh`` (not ``1.7159 tanh(2a/3)``), and the
output is a softmax instead of Euclidean RBF units. 61,706 parameters for 10 classes.

Initialisation: LeCun uniform, ``U(-sqrt(3 / fan_in), sqrt(3 / fan_in))`` (variance
``1 / fan_in``, LeCun et al., "Efficient BackProp", 1998, sec. 4.6).
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from ..layers import Activation, AveragePooling2D, Conv2D, Dense, Flatten
from .common import check_args, finish, model_input, pool_features
from .registry import register_model

_INIT = "lecun_uniform"


# ------------------------------------------------------------------------ builder
def _conv_tanh(x, filters: int, name: str):
    x = Conv2D(filters, 5, kernel_initializer=_INIT, name=name)(x)
    return Activation("tanh", name=f"{name}_tanh")(x)


@register_model()
def lenet5(include_top: bool = True, num_classes: int = 10,
           input_shape: Optional[Sequence[int]] = None, weights: Any = None,
           pooling: Optional[str] = None, classifier_activation: Any = "softmax"):
    """LeNet-5 for 32x32 grey images (MNIST digits padded by 2, as in the paper).

    Args:
        include_top: add F6 and the output layer; ``False`` ends at C5.
        num_classes: outputs (default 10, the digits).
        input_shape: ``(height, width, channels)``, default ``(32, 32, 1)``; the smallest
            valid size is 32x32 (C5 then covers the whole 5x5 S4 map).
        weights: path of a local weights file (``model.save_weights``), or ``None``.
        pooling: with ``include_top=False``: ``'avg'``/``'max'`` -> ``(batch, 120)``.
        classifier_activation: the output activation (``None`` for logits).

    Output shape: ``(batch, num_classes)``; headless ``(batch, 1, 1, 120)`` at 32x32.
    """
    shape = check_args("lenet5", include_top, num_classes, pooling, weights, input_shape,
                       (32, 32), channels=1)
    inputs = model_input(shape)                        # N x 32 x 32 x 1
    x = _conv_tanh(inputs, 6, "c1")                    # N x 28 x 28 x 6
    x = AveragePooling2D(2, name="s2")(x)              # N x 14 x 14 x 6
    x = _conv_tanh(x, 16, "c3")                        # N x 10 x 10 x 16
    x = AveragePooling2D(2, name="s4")(x)              # N x 5 x 5 x 16
    x = _conv_tanh(x, 120, "c5")                       # N x 1 x 1 x 120
    if include_top:
        x = Flatten(name="flatten")(x)                 # N x 120
        x = Dense(84, kernel_initializer=_INIT, name="f6")(x)
        x = Activation("tanh", name="f6_tanh")(x)      # N x 84
        x = Dense(num_classes, activation=classifier_activation, kernel_initializer=_INIT,
                  name="predictions")(x)
    else:
        x = pool_features(x, pooling)
    return finish(inputs, x, "lenet5", weights)
