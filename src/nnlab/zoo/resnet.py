"""ResNets: the ImageNet family (ResNet-18/34/50/101/152), pre-activation ResNets, Wide
ResNet-50-2, and the CIFAR family (ResNet-20/32/44/56/110, its plain counterpart, and
ResNet with stochastic depth). The blocks live in :mod:`nnlab.zoo.resnet_blocks`.

- He et al., "Deep Residual Learning for Image Recognition", CVPR 2016 (arXiv:1512.03385):
  Table 1 (ImageNet) and sec. 4.2 (CIFAR-10: ``6n + 2`` layers, widths 16/32/64,
  option-A shortcuts; ResNet-20 has 0.27M parameters).
- He et al., "Identity Mappings in Deep Residual Networks", ECCV 2016 (arXiv:1603.05027):
  pre-activation units.
- Zagoruyko and Komodakis, "Wide Residual Networks", BMVC 2016 (arXiv:1605.07146), in the
  bottleneck form torchvision popularised (WRN-50-2: inner width doubled).
- Huang, Sun, Liu, Sedra and Weinberger, "Deep Networks with Stochastic Depth", ECCV 2016
  (arXiv:1603.09382): residual blocks dropped at random in training, with survival
  probability decaying linearly from 1 to ``p_L = 0.5`` over depth (eq. 4).

Trainable parameters at 224x224x3 / 1000 classes (BN gamma and beta are trainable; its
moving mean and variance are not, and are not counted): ResNet-18 11,689,512, -34
21,797,672, -50 25,557,032, -101 44,549,160, -152 60,192,808, WRN-50-2 68,883,240.

Initialisation: He normal convs (He et al. 2015, as the ResNet paper, sec. 3.4), BN
gamma 1 and beta 0, Glorot uniform for the final FC layer.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from ..layers import MaxPooling2D, ZeroPadding2D
from .common import check_args, classifier, finish, model_input, pool_features
from .conv_units import PAPERS, LayerStyle, bn_relu, conv_bn_relu
from .registry import register_model
from .torchvision_weights import is_torchvision_file
from .resnet_blocks import (basic_block, bottleneck_block, preact_basic_block,
                            preact_bottleneck_block)

#: depth -> blocks per stage (Table 1)
STAGES = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3), 50: (3, 4, 6, 3), 101: (3, 4, 23, 3),
           152: (3, 8, 36, 3)}
_BLOCKS = {"basic": basic_block, "bottleneck": bottleneck_block,
           "preact_basic": preact_basic_block, "preact_bottleneck": preact_bottleneck_block}


# ------------------------------------------------------------------ ImageNet builder
def resnet(name: str, block: str, stages: Sequence[int], include_top: bool = True,
           num_classes: int = 1000, input_shape: Optional[Sequence[int]] = None,
           weights: Any = None, pooling: Optional[str] = None,
           classifier_activation: Any = "softmax", width_factor: int = 1,
           stride_on: Optional[str] = None):
    """An ImageNet ResNet (Table 1): 7x7/2 conv -> 3x3/2 max pool -> four stages of
    ``stages[i]`` blocks with 64/128/256/512 filters (stride 2 at the start of stages
    2-4) -> global average pool -> FC.

    Args:
        block: ``'basic'``, ``'bottleneck'``, ``'preact_basic'`` or ``'preact_bottleneck'``.
        width_factor: inner width multiplier of bottleneck blocks (Wide ResNet).
        stride_on: where a bottleneck block strides, ``'1x1'`` (the paper) or ``'3x3'``
            (torchvision's v1.5); default ``'3x3'`` when ``weights`` is a torchvision
            ``.pth`` file or ``'imagenet'`` (torchvision's), else ``'1x1'``.
        others: as every zoo builder; default input ``(224, 224, 3)``, smallest 32x32.
            ``include_top=False`` ends at the last stage (7x7x512 or 7x7x2048 at 224).
    """
    shape = check_args(name, include_top, num_classes, pooling, weights, input_shape,
                       (224, 224))
    inputs = model_input(shape)                                       # N x 224 x 224 x 3
    x = resnet_trunk(inputs, block, stages, width_factor,
                     stride_on or ("3x3" if is_torchvision_file(weights)
                                   or weights == "imagenet" else "1x1"))
    if include_top:
        x = classifier(x, num_classes, classifier_activation)
    else:
        x = pool_features(x, pooling)
    return finish(inputs, x, name, weights)


def resnet_trunk(inputs, block: str, stages: Sequence[int], width_factor: int = 1,
                 stride_on: str = "1x1", style: LayerStyle = PAPERS):
    """The ImageNet ResNet without its head: stem (7x7/2 conv, 3x3/2 max pool) and the
    four stages of :func:`resnet`; ``(batch, 224, 224, 3) -> (batch, 7, 7, 512 or 2048)``.

    ``style`` (:mod:`nnlab.zoo.conv_units`) says how the layers are built; with
    :data:`~nnlab.zoo.conv_units.KERAS_APPLICATIONS` and ``'bottleneck'`` blocks this is
    Keras' ``ResNet50``/``101``/``152`` (``nnlab.applications.resnet``), pads as layers.
    """
    preact = block.startswith("preact")
    fn = _BLOCKS[block]
    x = conv_bn_relu(inputs, 64, 7, 2, "conv1", style=style)         # N x 112 x 112 x 64
    if style.keras_layers:
        x = ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
        x = MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    else:
        x = MaxPooling2D(3, strides=2, padding=1, name="pool1_pool")(x)
    for s, blocks in enumerate(stages):                               # N x 56 x 56 x 64;
        filters = 64 * 2 ** s                                         # conv2_x .. conv5_x:
        for b in range(blocks):                                       # 56, 28, 14, 7 px
            kwargs = dict(strides=2 if b == 0 and s > 0 else 1, name=f"conv{s + 2}_block{b + 1}")
            if block.endswith("bottleneck"):
                kwargs["width"] = filters * width_factor
            if block == "bottleneck":
                kwargs.update(stride_on=stride_on, style=style)
            if preact:
                kwargs["preactivated"] = s == 0 and b == 0
            x = fn(x, filters, **kwargs)
    if preact:  # He et al. 2016: one extra BN-ReLU after the last addition
        x = bn_relu(x, "post", style)
    return x


def _variant(name: str, block: str, depth: int, include_top: bool, num_classes: int,
             input_shape: Any, weights: Any, pooling: Any, kwargs: dict):
    return resnet(name, block, STAGES[depth], include_top, num_classes, input_shape, weights,
                  pooling, **kwargs)


@register_model()
def resnet18(include_top: bool = True, num_classes: int = 1000,
             input_shape: Optional[Sequence[int]] = None, weights: Any = None,
             pooling: Optional[str] = None, **kwargs: Any):
    """ResNet-18: basic blocks (2, 2, 2, 2); 11,689,512 trainable parameters."""
    return _variant("resnet18", "basic", 18, include_top, num_classes, input_shape, weights,
                    pooling, kwargs)


@register_model()
def resnet34(include_top: bool = True, num_classes: int = 1000,
             input_shape: Optional[Sequence[int]] = None, weights: Any = None,
             pooling: Optional[str] = None, **kwargs: Any):
    """ResNet-34: basic blocks (3, 4, 6, 3); 21,797,672 trainable parameters."""
    return _variant("resnet34", "basic", 34, include_top, num_classes, input_shape, weights,
                    pooling, kwargs)


@register_model()
def resnet50(include_top: bool = True, num_classes: int = 1000,
             input_shape: Optional[Sequence[int]] = None, weights: Any = None,
             pooling: Optional[str] = None, **kwargs: Any):
    """ResNet-50: bottleneck blocks (3, 4, 6, 3); 25,557,032 trainable parameters."""
    return _variant("resnet50", "bottleneck", 50, include_top, num_classes, input_shape,
                    weights, pooling, kwargs)


@register_model()
def resnet101(include_top: bool = True, num_classes: int = 1000,
              input_shape: Optional[Sequence[int]] = None, weights: Any = None,
              pooling: Optional[str] = None, **kwargs: Any):
    """ResNet-101: bottleneck blocks (3, 4, 23, 3); 44,549,160 trainable parameters."""
    return _variant("resnet101", "bottleneck", 101, include_top, num_classes, input_shape,
                    weights, pooling, kwargs)


@register_model()
def resnet152(include_top: bool = True, num_classes: int = 1000,
              input_shape: Optional[Sequence[int]] = None, weights: Any = None,
              pooling: Optional[str] = None, **kwargs: Any):
    """ResNet-152: bottleneck blocks (3, 8, 36, 3); 60,192,808 trainable parameters."""
    return _variant("resnet152", "bottleneck", 152, include_top, num_classes, input_shape,
                    weights, pooling, kwargs)


@register_model()
def preact_resnet18(include_top: bool = True, num_classes: int = 1000,
                    input_shape: Optional[Sequence[int]] = None, weights: Any = None,
                    pooling: Optional[str] = None, **kwargs: Any):
    """Pre-activation ResNet-18 (He et al. 2016): BN-ReLU-conv units, (2, 2, 2, 2)."""
    return _variant("preact_resnet18", "preact_basic", 18, include_top, num_classes,
                    input_shape, weights, pooling, kwargs)


@register_model()
def preact_resnet50(include_top: bool = True, num_classes: int = 1000,
                    input_shape: Optional[Sequence[int]] = None, weights: Any = None,
                    pooling: Optional[str] = None, **kwargs: Any):
    """Pre-activation ResNet-50 (He et al. 2016): BN-ReLU-conv bottlenecks, (3, 4, 6, 3)."""
    return _variant("preact_resnet50", "preact_bottleneck", 50, include_top, num_classes,
                    input_shape, weights, pooling, kwargs)


@register_model()
def wide_resnet50_2(include_top: bool = True, num_classes: int = 1000,
                    input_shape: Optional[Sequence[int]] = None, weights: Any = None,
                    pooling: Optional[str] = None, **kwargs: Any):
    """Wide ResNet-50-2: ResNet-50 with bottlenecks twice as wide inside (128/256/512/1024
    in the 3x3 convs, outputs unchanged); 68,883,240 trainable parameters."""
    return _variant("wide_resnet50_2", "bottleneck", 50, include_top, num_classes,
                    input_shape, weights, pooling, dict(kwargs, width_factor=2))


# --------------------------------------------------------------------- CIFAR builder
def cifar_resnet(name: str, depth: int, include_top: bool = True, num_classes: int = 10,
                 input_shape: Optional[Sequence[int]] = None, weights: Any = None,
                 pooling: Optional[str] = None, classifier_activation: Any = "softmax",
                 shortcut: Optional[str] = "A", survival_prob: float = 1.0):
    """The CIFAR-10 ResNet of He et al. (sec. 4.2): 3x3 conv 16 -> three stages of ``n``
    basic blocks with 16/32/64 filters (stride 2 at stages 2 and 3) -> global average
    pool -> FC, ``depth = 6n + 2``.

    Args:
        depth: 20, 32, 44, 56, 110, ... (``(depth - 2) % 6 == 0``).
        shortcut: ``'A'`` (paper: zero-padding, parameter-free), ``'B'``, ``'C'``, or
            ``None`` for the plain network of the same width.
        survival_prob: ``p_L`` of the last block for stochastic depth; block ``l`` of
            ``L`` survives with ``1 - l / L * (1 - p_L)`` (1.0: no stochastic depth).
        others: as every zoo builder; default input ``(32, 32, 3)``, 10 classes.
    """
    if not isinstance(depth, int) or isinstance(depth, bool) or depth < 8 or (depth - 2) % 6:
        raise ValueError(f"{name}: depth must be 6n + 2 with n >= 1 (20, 32, 44, 56, 110, "
                         f"...), got {depth!r}")
    if not isinstance(survival_prob, (int, float)) or not 0 < survival_prob <= 1:
        raise ValueError(f"{name}: survival_prob must be in (0, 1], got {survival_prob!r}")
    if shortcut not in ("A", "B", "C", None):
        raise ValueError(f"{name}: shortcut must be 'A', 'B', 'C' or None, got {shortcut!r}")
    shape = check_args(name, include_top, num_classes, pooling, weights, input_shape, (32, 32))
    n = (depth - 2) // 6
    total = 3 * n
    inputs = model_input(shape)                                       # N x 32 x 32 x 3
    x = conv_bn_relu(inputs, 16, 3, 1, "conv1")                       # N x 32 x 32 x 16
    for s in range(3):                                                # 32, 16, 8 px;
        for b in range(n):                                            # 16, 32, 64 maps
            index = s * n + b + 1
            x = basic_block(x, 16 * 2 ** s, strides=2 if b == 0 and s > 0 else 1,
                            name=f"stage{s + 1}_block{b + 1}", shortcut=shortcut,
                            survival_prob=1 - index / total * (1 - survival_prob))
    if include_top:                                                   # N x 8 x 8 x 64
        x = classifier(x, num_classes, classifier_activation)
    else:
        x = pool_features(x, pooling)
    return finish(inputs, x, name, weights)


@register_model()
def resnet_cifar(depth: int = 20, include_top: bool = True, num_classes: int = 10,
                 input_shape: Optional[Sequence[int]] = None, weights: Any = None,
                 pooling: Optional[str] = None, **kwargs: Any):
    """CIFAR ResNet-``depth`` (He et al. sec. 4.2, option A): ResNet-20 has 269,722
    trainable parameters for 10 classes (the paper's 0.27M), ResNet-110 1,727,962 (1.7M)."""
    return cifar_resnet(f"resnet{depth}_cifar", depth, include_top, num_classes, input_shape,
                        weights, pooling, **kwargs)


@register_model()
def plain_cifar(depth: int = 20, include_top: bool = True, num_classes: int = 10,
                input_shape: Optional[Sequence[int]] = None, weights: Any = None,
                pooling: Optional[str] = None, **kwargs: Any):
    """The plain CIFAR net of He et al. (Fig. 6 left): ``resnet_cifar`` without
    shortcuts -- the same layers, widths and parameter count."""
    return cifar_resnet(f"plain{depth}_cifar", depth, include_top, num_classes, input_shape,
                        weights, pooling, shortcut=None, **kwargs)


@register_model()
def resnet_stochastic_depth(depth: int = 110, survival_prob: float = 0.5,
                            include_top: bool = True, num_classes: int = 10,
                            input_shape: Optional[Sequence[int]] = None, weights: Any = None,
                            pooling: Optional[str] = None, **kwargs: Any):
    """CIFAR ResNet-110 with stochastic depth (Huang et al. 2016, sec. 4: ``p_L = 0.5``,
    linear decay). In training each residual branch ``l`` is kept with probability
    ``p_l`` (one coin per mini-batch); at test time every branch runs, scaled by ``p_l``."""
    return cifar_resnet(f"resnet{depth}_stochastic_depth", depth, include_top, num_classes,
                        input_shape, weights, pooling, survival_prob=survival_prob, **kwargs)
