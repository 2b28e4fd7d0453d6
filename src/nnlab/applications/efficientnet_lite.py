"""``EfficientNetLite0``: the zoo's EfficientNet-Lite0, the application with ImageNet weights
offline (``weights="imagenet"`` after ``nnlab data fetch efficientnet_lite0``).

Not a Keras name: Keras has EfficientNetB0-B7 (with squeeze-excite and swish), built in
:mod:`nnlab.applications.efficientnet`; Lite0 is B0 without squeeze-excite, with ReLU6.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from ..zoo.efficientnet import preprocess_input as _lite_preprocess


def EfficientNetLite0(include_top: bool = True, weights: Any = "imagenet",
                      input_tensor: Any = None, input_shape: Optional[Sequence[int]] = None,
                      pooling: Optional[str] = None, classes: int = 1000,
                      classifier_activation: Any = "softmax", name: str = "efficientnet_lite0"):
    """EfficientNet-Lite0 with Keras' application arguments (4,652,008 parameters), mapped to
    :func:`nnlab.zoo.efficientnet.efficientnet_lite0`. Inputs: :func:`preprocess_input`."""
    from ..zoo.efficientnet import efficientnet_lite0
    if input_tensor is not None:
        raise ValueError("EfficientNetLite0: input_tensor is not supported; pass input_shape")
    model = efficientnet_lite0(include_top=include_top, num_classes=classes,
                               input_shape=input_shape, pooling=pooling, weights=weights,
                               classifier_activation=classifier_activation)
    model.name = name
    return model


def preprocess_input(x: Any, data_format: Optional[str] = None) -> Any:
    """Pixels in [0, 255] -> ``(x - 127) / 128``, as the Lite0 weights expect."""
    return _lite_preprocess(x, data_format)
