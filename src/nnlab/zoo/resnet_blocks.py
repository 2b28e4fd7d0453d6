"""Residual blocks for :mod:`nnlab.zoo.resnet`.

- He, Zhang, Ren and Sun, "Deep Residual Learning for Image Recognition", CVPR 2016
  (arXiv:1512.03385): :func:`basic_block` (two 3x3 convs, Fig. 5 left) and
  :func:`bottleneck_block` (1x1 -> 3x3 -> 1x1, Fig. 5 right), each
  ``y = ReLU(F(x) + shortcut(x))`` with BN after every conv (sec. 3.4).
- He, Zhang, Ren and Sun, "Identity Mappings in Deep Residual Networks", ECCV 2016
  (arXiv:1603.05027): :func:`preact_basic_block` and :func:`preact_bottleneck_block`,
  full pre-activation ``y = F(BN-ReLU(x)) + x`` (Fig. 4e) with nothing after the addition.

Shortcuts (sec. 3.3 of the first paper), chosen by ``shortcut``:

- ``'A'``: identity; where the shape changes, subsample and zero-pad the new channels
  (no parameters -- :class:`~nnlab.zoo.common.PadShortcut`; used for CIFAR);
- ``'B'``: identity; where the shape changes, a projection 1x1 conv (+ BN) (ImageNet);
- ``'C'``: a projection on every block;
- ``None``: no shortcut at all -- the "plain" network the paper compares against.

``survival_prob`` < 1 wraps the residual branch in
:class:`~nnlab.zoo.common.StochasticDepth` (Huang et al. 2016).

Initialisation: He et al. 2015 ("Delving Deep into Rectifiers", the scheme the ResNet
paper uses, sec. 3.4): every conv ``N(0, 2 / fan_in)``; BN gamma 1, beta 0.
"""
from __future__ import annotations

from typing import Optional

from ..layers import Add, Conv2D, ReLU
from .common import PadShortcut, StochasticDepth
from .conv_units import PAPERS, LayerStyle, channel_axis, conv2d, conv_bn_relu, he_normal

__all__ = ["basic_block", "bottleneck_block", "preact_basic_block", "preact_bottleneck_block"]

_SHORTCUTS = ("A", "B", "C", None)


def _bn(x, name: str):
    return PAPERS.batch_norm(name)(x)


def _channels(x) -> int:
    return x.shape[channel_axis()]


def _check(shortcut) -> None:
    if shortcut not in _SHORTCUTS:
        raise ValueError(f"shortcut must be 'A', 'B', 'C' or None, got {shortcut!r}")


def _shortcut(x, out_channels: int, strides: int, shortcut: Optional[str], name: str,
              batch_norm: bool = True, style: LayerStyle = PAPERS):
    """The identity/projection path of a block (``x`` already pre-activated if needed)."""
    changes = strides != 1 or _channels(x) != out_channels
    if shortcut == "C" or (shortcut == "B" and changes):
        s = Conv2D(out_channels, 1, strides=strides, use_bias=style.conv_bias,
                   kernel_initializer=style.kernel_initializer or he_normal(x, 1),
                   name=f"{name}_0_conv")(x)
        return style.batch_norm(f"{name}_0_bn")(s) if batch_norm else s
    if changes:  # option A
        return PadShortcut(out_channels, strides, name=f"{name}_0_pad")(x)
    return x


def _merge(residual, shortcut_path, survival_prob: float, name: str):
    if survival_prob < 1:
        residual = StochasticDepth(survival_prob, name=f"{name}_drop")(residual)
    return Add(name=f"{name}_add")([shortcut_path, residual])


# ---------------------------------------------------------------- original (v1)
def basic_block(x, filters: int, strides: int = 1, name: str = "block",
                shortcut: Optional[str] = "B", survival_prob: float = 1.0):
    """3x3 conv (stride) -> BN -> ReLU -> 3x3 conv -> BN, plus the shortcut, then ReLU.

    Output shape: ``(batch, H / strides, W / strides, filters)``.
    """
    _check(shortcut)
    r = conv_bn_relu(x, filters, 3, strides, f"{name}_1")
    r = conv_bn_relu(r, filters, 3, 1, f"{name}_2", relu=False)
    if shortcut is None:
        return ReLU(name=f"{name}_out")(r)
    y = _merge(r, _shortcut(x, filters, strides, shortcut, name), survival_prob, name)
    return ReLU(name=f"{name}_out")(y)


def bottleneck_block(x, filters: int, strides: int = 1, name: str = "block",
                     shortcut: Optional[str] = "B", width: Optional[int] = None,
                     expansion: int = 4, survival_prob: float = 1.0,
                     stride_on: str = "1x1", style: LayerStyle = PAPERS):
    """1x1 conv (stride) -> BN -> ReLU -> 3x3 conv -> BN -> ReLU -> 1x1 conv
    (``expansion * filters``) -> BN, plus the shortcut, then ReLU.

    ``width`` is the inner (1x1 and 3x3) width, default ``filters``; Wide ResNet-50-2
    doubles it. The stride sits on the first 1x1 conv as in the paper's released models
    (torchvision's "v1.5" moves it to the 3x3, ``stride_on='3x3'``, which its weights
    need; the parameter count is the same). ``style``: see :mod:`nnlab.zoo.conv_units`
    (:data:`~nnlab.zoo.conv_units.KERAS_APPLICATIONS` gives Keras' ``ResNet50`` block).
    Output shape: ``(batch, H / strides, W / strides, expansion * filters)``.
    """
    _check(shortcut)
    width = width or filters
    out = expansion * filters
    if stride_on not in ("1x1", "3x3"):
        raise ValueError(f"stride_on must be '1x1' or '3x3', got {stride_on!r}")
    first, second = (strides, 1) if stride_on == "1x1" else (1, strides)
    # Keras' block builds the shortcut first: its weights are drawn first for a given seed
    path = _shortcut(x, out, strides, shortcut, name, style=style) \
        if style.keras_layers and shortcut is not None else None
    r = conv_bn_relu(x, width, 1, first, f"{name}_1", style=style)
    r = conv_bn_relu(r, width, 3, second, f"{name}_2", style=style)
    r = conv_bn_relu(r, out, 1, 1, f"{name}_3", relu=False, style=style)
    if shortcut is None:
        return style.relu(f"{name}_out")(r)
    if path is None:
        path = _shortcut(x, out, strides, shortcut, name, style=style)
    return style.relu(f"{name}_out")(_merge(r, path, survival_prob, name))


# ------------------------------------------------------------ pre-activation (v2)
def _preact(x, name: str, preactivated: bool):
    if preactivated:
        return x
    return ReLU(name=f"{name}_preact_relu")(_bn(x, f"{name}_preact_bn"))


def preact_basic_block(x, filters: int, strides: int = 1, name: str = "block",
                       shortcut: Optional[str] = "B", preactivated: bool = False,
                       survival_prob: float = 1.0):
    """BN -> ReLU -> 3x3 conv (stride) -> BN -> ReLU -> 3x3 conv, plus the shortcut.

    ``preactivated=True`` for the first block after the stem, whose BN-ReLU already ran
    (He et al. 2016, sec. 4.1). A projection shortcut takes the pre-activated input.
    Output shape: ``(batch, H / strides, W / strides, filters)`` (not activated).
    """
    _check(shortcut)
    pre = _preact(x, name, preactivated)
    r = conv2d(pre, filters, 3, strides, f"{name}_1_conv", use_bias=False)
    r = ReLU(name=f"{name}_1_relu")(_bn(r, f"{name}_1_bn"))
    r = conv2d(r, filters, 3, 1, f"{name}_2_conv", use_bias=False)
    if shortcut is None:
        return r
    changes = strides != 1 or _channels(x) != filters
    base = pre if changes or shortcut == "C" else x
    return _merge(r, _shortcut(base, filters, strides, shortcut, name, batch_norm=False),
                  survival_prob, name)


def preact_bottleneck_block(x, filters: int, strides: int = 1, name: str = "block",
                            shortcut: Optional[str] = "B", preactivated: bool = False,
                            width: Optional[int] = None, expansion: int = 4,
                            survival_prob: float = 1.0):
    """BN -> ReLU -> 1x1 conv (stride) -> BN -> ReLU -> 3x3 conv -> BN -> ReLU -> 1x1 conv,
    plus the shortcut. Output: ``(batch, H / strides, W / strides, expansion * filters)``."""
    _check(shortcut)
    width = width or filters
    out = expansion * filters
    pre = _preact(x, name, preactivated)
    r = conv2d(pre, width, 1, strides, f"{name}_1_conv", use_bias=False)
    r = ReLU(name=f"{name}_1_relu")(_bn(r, f"{name}_1_bn"))
    r = conv2d(r, width, 3, 1, f"{name}_2_conv", use_bias=False)
    r = ReLU(name=f"{name}_2_relu")(_bn(r, f"{name}_2_bn"))
    r = conv2d(r, out, 1, 1, f"{name}_3_conv", use_bias=False)
    if shortcut is None:
        return r
    changes = strides != 1 or _channels(x) != out
    base = pre if changes or shortcut == "C" else x
    return _merge(r, _shortcut(base, out, strides, shortcut, name, batch_norm=False),
                  survival_prob, name)
