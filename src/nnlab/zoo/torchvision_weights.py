"""torchvision-format ``state_dict`` files, loaded into (and exported from) the zoo.

Weights users already have (``resnet50-0676ba61.pth`` from torchvision's model hub) load
into the zoo's architectures: ``zoo.resnet50(weights="path/to/resnet50-....pth")``. The
file is read with ``torch.load(..., weights_only=True)`` (never unpickles code) and each
tensor is mapped by torchvision's published key names and shapes (``torchvision/models/
{resnet,vgg,densenet,squeezenet}.py``); torchvision itself is never imported.

Which architectures match torchvision's (same layers, same padding, same arithmetic):

=====================================  ======================================================
``resnet18``, ``resnet34``              yes
``resnet50/101/152``,                   yes: a torchvision file builds the model with the
``wide_resnet50_2``                     stride on the 3x3 conv ("v1.5", as torchvision);
                                        nnlab's default keeps the paper's stride on the 1x1
``vgg16``, ``vgg19``                    yes at 224x224 (torchvision's adaptive 7x7 average
                                        pool is then the identity); the first FC layer's
                                        columns are reordered for channels_last's Flatten
``densenet121/169/201``                 yes (old ``norm.1``-style keys accepted)
``squeezenet1_1``                       yes at 224x224 (floor and ceil pooling agree there)
``squeezenet1_0``                       weights load, but torchvision pools with
                                        ``ceil_mode=True`` and nnlab with floor: at 224 the
                                        maps after pool2 are 26x26 here, 27x27 there, so
                                        outputs differ (a warning says so)
``alexnet``                             no: nnlab's is the paper's one-tower AlexNet (96-256-
                                        384-384-256, LRN); torchvision's is Krizhevsky's 2014
                                        "one weird trick" variant (64-192-384-256-256, no
                                        LRN); loading names the first mismatching tensor
=====================================  ======================================================
"""
from __future__ import annotations

import os
import re
import warnings
from collections import OrderedDict
from typing import Dict, List, Optional, Tuple

import torch

from .. import config as _config

__all__ = ["SUPPORTED", "is_torchvision_file", "load_torchvision_state_dict",
           "save_torchvision_state_dict", "torchvision_key_map", "torchvision_state_dict"]

_BN = (("weight", "gamma"), ("bias", "beta"), ("running_mean", "moving_mean"),
       ("running_var", "moving_variance"))
_RESNET = {"resnet18": ("basic", (2, 2, 2, 2)), "resnet34": ("basic", (3, 4, 6, 3)),
           "resnet50": ("bottleneck", (3, 4, 6, 3)), "resnet101": ("bottleneck", (3, 4, 23, 3)),
           "resnet152": ("bottleneck", (3, 8, 36, 3)),
           "wide_resnet50_2": ("bottleneck", (3, 4, 6, 3))}
_VGG = {"vgg16": (2, 2, 3, 3, 3), "vgg19": (2, 2, 4, 4, 4)}
_DENSENET = {"densenet121": (6, 12, 24, 16), "densenet169": (6, 12, 32, 32),
             "densenet201": (6, 12, 48, 32)}
#: torchvision ``features`` indices of the fire modules (1.0 / 1.1) and of conv1
_SQUEEZE = {"squeezenet1_0": (3, 4, 5, 7, 8, 9, 10, 12),
            "squeezenet1_1": (3, 4, 6, 7, 9, 10, 11, 12)}
_ALEXNET = (("features.0", "conv1"), ("features.3", "conv2"), ("features.6", "conv3"),
            ("features.8", "conv4"), ("features.10", "conv5"), ("classifier.1", "fc6"),
            ("classifier.4", "fc7"), ("classifier.6", "predictions"))

#: every zoo model a torchvision file can be mapped onto
SUPPORTED = tuple(_RESNET) + tuple(_VGG) + tuple(_DENSENET) + tuple(_SQUEEZE) + ("alexnet",)
#: those whose computation is torchvision's, tensor for tensor
MATCHING = tuple(_RESNET) + tuple(_VGG) + tuple(_DENSENET) + ("squeezenet1_1",)

Pair = Tuple[str, str]          # (torchvision key, nnlab state_dict key)


def _conv(tv: str, ours: str, bias: bool = False) -> List[Pair]:
    pairs = [(f"{tv}.weight", f"{ours}.kernel")]
    return pairs + [(f"{tv}.bias", f"{ours}.bias")] if bias else pairs


def _bn(tv: str, ours: str) -> List[Pair]:
    return [(f"{tv}.{a}", f"{ours}.{b}") for a, b in _BN]


def _resnet(arch: str) -> List[Pair]:
    block, stages = _RESNET[arch]
    convs = 2 if block == "basic" else 3
    pairs = _conv("conv1", "conv1_conv") + _bn("bn1", "conv1_bn")
    for s, blocks in enumerate(stages):
        for b in range(blocks):
            tv, ours = f"layer{s + 1}.{b}", f"conv{s + 2}_block{b + 1}"
            for k in range(1, convs + 1):
                pairs += _conv(f"{tv}.conv{k}", f"{ours}_{k}_conv") + \
                    _bn(f"{tv}.bn{k}", f"{ours}_{k}_bn")
            if b == 0 and (s > 0 or block == "bottleneck"):
                pairs += _conv(f"{tv}.downsample.0", f"{ours}_0_conv") + \
                    _bn(f"{tv}.downsample.1", f"{ours}_0_bn")
    return pairs + _conv("fc", "predictions", bias=True)


def _vgg(arch: str) -> List[Pair]:
    pairs, index = [], 0
    for b, convs in enumerate(_VGG[arch], start=1):
        for i in range(1, convs + 1):
            pairs += _conv(f"features.{index}", f"block{b}_conv{i}", bias=True)
            index += 2                                   # conv, ReLU
        index += 1                                       # max pool
    return pairs + _conv("classifier.0", "fc1", True) + _conv("classifier.3", "fc2", True) + \
        _conv("classifier.6", "predictions", True)


def _densenet(arch: str) -> List[Pair]:
    pairs = _conv("features.conv0", "conv1_conv") + _bn("features.norm0", "conv1_bn")
    blocks = _DENSENET[arch]
    for i, layers in enumerate(blocks, start=1):
        for j in range(1, layers + 1):
            tv, ours = f"features.denseblock{i}.denselayer{j}", f"conv{i + 1}_block{j}"
            pairs += _bn(f"{tv}.norm1", f"{ours}_0_bn") + _conv(f"{tv}.conv1", f"{ours}_1_conv")
            pairs += _bn(f"{tv}.norm2", f"{ours}_1_bn") + _conv(f"{tv}.conv2", f"{ours}_2_conv")
        if i < len(blocks):
            pairs += _bn(f"features.transition{i}.norm", f"pool{i + 1}_bn")
            pairs += _conv(f"features.transition{i}.conv", f"pool{i + 1}_conv")
    return pairs + _bn("features.norm5", "final_bn") + _conv("classifier", "predictions", True)


def _squeezenet(arch: str) -> List[Pair]:
    pairs = _conv("features.0", "conv1", bias=True)
    for n, index in enumerate(_SQUEEZE[arch], start=2):
        for part in ("squeeze", "expand1x1", "expand3x3"):
            ours = f"fire{n}_{part}1x1" if part == "squeeze" else f"fire{n}_{part}"
            pairs += _conv(f"features.{index}.{part}", ours, bias=True)
    return pairs + _conv("classifier.1", "conv10", bias=True)


def torchvision_key_map(arch: str) -> List[Pair]:
    """``[(torchvision key, nnlab key), ...]`` in torchvision's ``state_dict`` order
    (without batch norm's ``num_batches_tracked`` counters)."""
    if arch in _RESNET:
        return _resnet(arch)
    if arch in _VGG:
        return _vgg(arch)
    if arch in _DENSENET:
        return _densenet(arch)
    if arch in _SQUEEZE:
        return _squeezenet(arch)
    if arch == "alexnet":
        return [p for tv, ours in _ALEXNET for p in _conv(tv, ours, bias=True)]
    raise ValueError(f"No torchvision layout for {arch!r}; torchvision files load into: "
                     f"{', '.join(SUPPORTED)}")


def _flatten_permutation(model, arch: str, tensor_shape) -> Optional[Tuple[int, int, int]]:
    """VGG's first FC layer: ``(C, H, W)`` of the map Flatten sees, when the model is
    channels_last (torchvision flattens C-major, Keras' Flatten H-major)."""
    if arch not in _VGG or _config.image_data_format() != "channels_last":
        return None
    try:
        shape = tuple(model.get_layer("block5_pool").output.shape)   # (None, H, W, C)
    except (AttributeError, ValueError):
        return None
    if None in shape[1:]:
        return None
    h, w, c = shape[1:]
    return c, h, w


def _arch_of(model, arch: Optional[str]) -> str:
    arch = arch or getattr(model, "name", None)
    if arch not in SUPPORTED:
        raise ValueError(f"No torchvision layout for model {arch!r}: torchvision files load "
                         f"into {', '.join(SUPPORTED)} (pass arch= if the model was renamed)")
    return arch


def torchvision_state_dict(model, arch: Optional[str] = None) -> "OrderedDict[str, torch.Tensor]":
    """``model``'s weights under torchvision's keys, shapes and layouts (what
    ``torchvision.models.<arch>().load_state_dict`` accepts, ``num_batches_tracked``
    included)."""
    arch = _arch_of(model, arch)
    ours = model.state_dict()
    out: "OrderedDict[str, torch.Tensor]" = OrderedDict()
    for tv, key in torchvision_key_map(arch):
        if key not in ours:
            continue                                          # headless model: no top
        value = ours[key].detach().clone()
        if key == "fc1.kernel":
            perm = _flatten_permutation(model, arch, value.shape)
            if perm is not None:
                c, h, w = perm
                value = value.reshape(-1, h, w, c).permute(0, 3, 1, 2).reshape(value.shape[0],
                                                                               -1)
        out[tv] = value.contiguous()
        if tv.endswith(".running_var"):
            out[tv[:-len("running_var")] + "num_batches_tracked"] = torch.tensor(
                0, dtype=torch.long, device=value.device)
    return out


def save_torchvision_state_dict(model, path: str, arch: Optional[str] = None) -> None:
    """Write ``torchvision_state_dict(model)`` with ``torch.save`` (atomic: temporary file
    in the same folder, then ``os.replace``)."""
    state = torchvision_state_dict(model, arch)
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        torch.save(state, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


_OLD_DENSENET = re.compile(r"^(.*denselayer\d+\.(?:norm|relu|conv))\.((?:[12])\.(?:weight|bias|"
                           r"running_mean|running_var))$")


def _normalise_keys(state: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """Drop a DataParallel ``module.`` prefix; rename DenseNet's old ``norm.1`` keys to
    ``norm1`` (the rule torchvision applies to its own published files)."""
    out = {}
    for key, value in state.items():
        key = key[len("module."):] if key.startswith("module.") else key
        match = _OLD_DENSENET.match(key)
        out[match.group(1) + match.group(2) if match else key] = value
    return out


def read_state_dict(path) -> Dict[str, torch.Tensor]:
    """``torch.load(path, weights_only=True)``; unwraps ``{'state_dict': ...}`` files."""
    try:
        state = torch.load(os.fspath(path), map_location="cpu", weights_only=True)
    except Exception as err:
        raise ValueError(f"could not read {os.fspath(path)!r} as a torch state_dict with "
                         f"weights_only=True: {err}") from err
    if isinstance(state, dict) and "state_dict" in state and isinstance(state["state_dict"], dict):
        state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"{os.fspath(path)!r} is not a state_dict (a dict of tensors)")
    return state


def load_torchvision_state_dict(model, state, arch: Optional[str] = None) -> None:
    """Copy a torchvision-format ``state`` (a dict or a ``.pth`` path) into ``model``.

    Every expected tensor is checked first, in torchvision's order; nothing changes
    unless all match. A headless model (``include_top=False``) ignores the classifier.

    Raises:
        ValueError: the file is another architecture: the message names the first
            mismatching tensor and both shapes (or the first missing key).
    """
    arch = _arch_of(model, arch)
    if not isinstance(state, dict):
        state = read_state_dict(state)
    state = _normalise_keys(state)
    ours = model.state_dict()
    expected = torchvision_key_map(arch)
    reference = torchvision_state_dict(model, arch)          # our tensors, torchvision layout
    mapped: Dict[str, torch.Tensor] = {}
    for tv, key in expected:
        if key not in ours:
            continue
        want = tuple(reference[tv].shape)
        if tv not in state:
            near = [k for k in state if not k.endswith("num_batches_tracked")][:3]
            raise ValueError(f"This checkpoint is not a torchvision {arch}: it has no tensor "
                             f"{tv!r} (nnlab {key}, shape {want}); its first keys are {near}")
        got = tuple(state[tv].shape)
        if got != want:
            raise ValueError(f"This checkpoint is not a torchvision {arch} for this model: "
                             f"tensor {tv!r} has shape {got} in the file, but {model.name!r} "
                             f"needs {want} (nnlab {key})")
        mapped[tv] = state[tv]
    known = {tv for tv, _ in expected}
    extra = [k for k in state if k not in known and not k.endswith("num_batches_tracked")]
    if extra:
        raise ValueError(f"This checkpoint is not a torchvision {arch}: it has tensors the "
                         f"architecture lacks, first {extra[0]!r} {tuple(state[extra[0]].shape)}")
    if arch == "squeezenet1_0":
        warnings.warn("squeezenet1_0: torchvision pools with ceil_mode=True, nnlab with floor "
                      "(26x26 instead of 27x27 after pool2 at 224x224), so outputs differ "
                      "from torchvision's; squeezenet1_1 matches exactly", UserWarning,
                      stacklevel=2)
    keymap = dict(expected)
    with torch.no_grad():
        for tv, value in mapped.items():
            key = keymap[tv]
            if key == "fc1.kernel":
                perm = _flatten_permutation(model, arch, value.shape)
                if perm is not None:
                    c, h, w = perm
                    value = value.reshape(-1, c, h, w).permute(0, 2, 3, 1).reshape(
                        value.shape[0], -1)
            ours[key].copy_(value.to(ours[key].dtype))


def is_torchvision_file(weights) -> bool:
    """True for a path ending in ``.pth`` or ``.pt`` (torch's ``state_dict`` files)."""
    return isinstance(weights, (str, os.PathLike)) and \
        os.fspath(weights).lower().endswith((".pth", ".pt"))


def imagenet_weights_message(model: str) -> str:
    """The error for ``weights='imagenet'`` on a model torchvision publishes no file for."""
    from .torchvision_hub import TORCHVISION_WEIGHTS
    return (f"{model}: torchvision publishes no ImageNet weights for this architecture "
            f"that nnlab's {model} loads. weights='imagenet' downloads torchvision's file "
            f"(once, into NNLAB_CACHE_DIR/models) for {', '.join(TORCHVISION_WEIGHTS)}; "
            f"efficientnet_lite0 ships its weights as a package "
            f"(zoo.create('efficientnet_lite0', weights='imagenet')). To use weights you "
            f"have, pass a local file: weights='path/to/weights.safetensors' (from "
            f"model.save_weights) or a torchvision state_dict (.pth).")


def load_weights_file(model, weights) -> None:
    """The zoo builders' ``weights=`` hook: a ``.pth``/``.pt`` torchvision state_dict or an
    nnlab safetensors file from ``save_weights``."""
    if is_torchvision_file(weights):
        load_torchvision_state_dict(model, weights)
    else:
        model.load_weights(os.fspath(weights))
