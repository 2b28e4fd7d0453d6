"""Shared pieces of the zoo: argument checks every builder runs, the classifier/pooling
head, and the few layers the classic papers need that ``nnlab.layers`` does not hold (the
conv units are in :mod:`nnlab.zoo.conv_units`):

- :class:`LocalResponseNormalization` (Krizhevsky et al. 2012, section 3.3)
- :class:`StochasticDepth` (Huang et al. 2016, "Deep Networks with Stochastic Depth")
- :class:`DropPathJoin` (Larsson et al. 2017, FractalNet's join with local drop-path)
- :class:`ResidualScale` (Szegedy et al. 2016, Inception-v4: scaled residuals)
- :class:`PadShortcut` (He et al. 2015, option A: parameter-free identity shortcut that
  subsamples and zero-pads channels)

Every layer here is a plain nnlab :class:`~nnlab.layers.base.layer.Layer` with an arithmetic
``compute_output_shape`` (shapes need no data) and no weights.
"""
from __future__ import annotations

import os
from typing import Any, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F

from .. import config as _config
from ..errors import ShapeError
from ..models.functional import Functional
from ..layers.base.input_layer import Input
from ..layers.base.layer import Layer, format_shape
from ..layers import Dense, GlobalAveragePooling2D, GlobalMaxPooling2D
from .conv_units import channel_axis

__all__ = ["DropPathJoin", "LocalResponseNormalization", "PadShortcut", "ResidualScale",
           "StochasticDepth", "check_args", "classifier", "finish", "model_input",
           "pool_features"]


# ------------------------------------------------------------------ builder arguments
def check_args(model: str, include_top: Any, num_classes: Any, pooling: Any, weights: Any,
               input_shape: Any, default_size: Tuple[int, int], channels: int = 3
               ) -> Tuple[Optional[int], ...]:
    """Validate the arguments every zoo builder shares; return the input shape to use.

    ``input_shape`` is without the batch axis, in the current data format; ``None`` means
    ``default_size`` with ``channels`` channels. Raises ValueError naming the argument.
    An input too small for the architecture is left to the layers, whose ShapeError
    shows the output-size formula with numbers.
    """
    if not isinstance(include_top, bool):
        raise ValueError(f"{model}: include_top must be True or False, got {include_top!r}")
    if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes < 1:
        raise ValueError(f"{model}: num_classes must be a positive int, got {num_classes!r}")
    if pooling not in (None, "avg", "max"):
        raise ValueError(f"{model}: pooling must be None, 'avg' or 'max' (used when "
                         f"include_top=False), got {pooling!r}")
    if weights == "imagenet":
        from .torchvision_hub import has_imagenet_file
        if not has_imagenet_file(model):
            from .torchvision_weights import imagenet_weights_message
            raise ValueError(imagenet_weights_message(model))
        if include_top and num_classes != 1000:
            raise ValueError(f"{model}: weights='imagenet' with include_top=True needs "
                             f"num_classes=1000, got {num_classes}")
    elif weights is not None:
        if not isinstance(weights, (str, os.PathLike)):
            raise ValueError(f"{model}: weights must be None, 'imagenet' or the path of a "
                             f"local safetensors or torchvision .pth file, got "
                             f"{type(weights).__name__}")
        if not os.path.isfile(weights):
            raise ValueError(f"{model}: weights file {str(weights)!r} does not exist: pass "
                             f"the path of a local safetensors file written by "
                             f"model.save_weights() or of a torchvision state_dict (.pth), "
                             f"or weights='imagenet' (torchvision's published file, "
                             f"downloaded once).")
    if input_shape is None:
        h, w = default_size
        return (h, w, channels) if channel_axis() == -1 else (channels, h, w)
    if not isinstance(input_shape, (tuple, list)) or len(input_shape) != 3 or not all(
            d is None or (isinstance(d, int) and not isinstance(d, bool) and d > 0)
            for d in input_shape):
        raise ValueError(f"{model}: input_shape must be 3 positive ints (height, width, "
                         f"channels) without the batch axis, got {input_shape!r}")
    if input_shape[channel_axis()] is None:
        raise ValueError(f"{model}: the channels of input_shape must be known, got "
                         f"{tuple(input_shape)!r} ({_config.image_data_format()})")
    return tuple(input_shape)


def model_input(shape: Sequence[Optional[int]]):
    """The symbolic input of a zoo model (``(None,) + shape``)."""
    return Input(shape=tuple(shape))


def finish(inputs: Any, outputs: Any, name: str, weights: Any = None) -> Functional:
    """Wrap the graph in a functional model; load ``weights`` if given: a local file, or
    ``"imagenet"`` (torchvision's published file, from the cache or downloaded once:
    :mod:`nnlab.zoo.torchvision_hub`)."""
    model = Functional(inputs=inputs, outputs=outputs, name=name)
    if weights == "imagenet":
        from .torchvision_hub import imagenet_file
        weights = imagenet_file(name)
    if weights is not None:  # nnlab safetensors, or a torchvision .pth state_dict
        from .torchvision_weights import load_weights_file
        load_weights_file(model, weights)
    return model


# -------------------------------------------------------------------------- heads
def pool_features(x, pooling: Optional[str], name_prefix: str = ""):
    """Headless output: ``'avg'``/``'max'`` -> ``(batch, channels)``; ``None`` -> the map."""
    if pooling == "avg":
        return GlobalAveragePooling2D(name=f"{name_prefix}avg_pool")(x)
    if pooling == "max":
        return GlobalMaxPooling2D(name=f"{name_prefix}max_pool")(x)
    return x


def classifier(x, num_classes: int, activation: Any = "softmax",
               kernel_initializer: Any = "glorot_uniform", name: str = "predictions"):
    """Global average pooling -> Dense(num_classes, activation): the head of ResNet,
    DenseNet and GoogLeNet (Lin et al. 2014 replaced the FC stack by global pooling)."""
    x = GlobalAveragePooling2D(name="avg_pool")(x)
    return Dense(num_classes, activation=activation, kernel_initializer=kernel_initializer,
                 name=name)(x)


# ------------------------------------------------------------------------- layers
def _same_shape(layer: Layer, input_shape: Any) -> tuple:
    if isinstance(input_shape, list):
        raise ShapeError(f"Layer {layer.name!r} ({type(layer).__name__}) takes one tensor, "
                         f"got a list of {len(input_shape)}.")
    return tuple(input_shape)


class LocalResponseNormalization(Layer):
    """Local response normalisation across channels (Krizhevsky et al. 2012, sec. 3.3)::

        b[c] = a[c] / (k + alpha * sum_{c' within depth_radius of c} a[c']^2) ** beta

    Defaults are the paper's ``k=2, n=5, alpha=1e-4, beta=0.75`` (``n = 2 * depth_radius
    + 1``). Unlike Caffe/``torch.nn.LocalResponseNorm``, ``alpha`` is not divided by ``n``
    (the paper's formula, and TensorFlow's ``tf.nn.local_response_normalization``).

    Input shape: ``(batch, height, width, channels)`` (or channels first, per
    ``data_format``). Output shape: the same. No weights.
    """

    def __init__(self, depth_radius: int = 2, bias: float = 2.0, alpha: float = 1e-4,
                 beta: float = 0.75, data_format: Optional[str] = None, **kwargs: Any):
        super().__init__(**kwargs)
        self.data_format = _config.normalize_data_format(data_format)
        if not isinstance(depth_radius, int) or depth_radius < 0:
            raise ValueError(f"LocalResponseNormalization: depth_radius must be an int >= 0, "
                             f"got {depth_radius!r}")
        self.depth_radius, self.bias = depth_radius, float(bias)
        self.alpha, self.beta = float(alpha), float(beta)

    def input_spec_before_build(self):
        return {"ndim": 4}

    def compute_output_shape(self, input_shape):
        return _same_shape(self, input_shape)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}

    def call(self, inputs):
        axis = 1 if self.data_format == "channels_first" else -1
        x = inputs if axis == 1 else inputs.movedim(-1, 1)  # N x C x H x W (a view)
        size = 2 * self.depth_radius + 1
        # torch divides alpha by size (Caffe's convention); multiply back for the paper's
        y = F.local_response_norm(x, size, alpha=self.alpha * size, beta=self.beta, k=self.bias)
        return y if axis == 1 else y.movedim(1, -1)


class StochasticDepth(Layer):
    """Drop a whole residual branch at random (Huang et al. 2016, "Deep Networks with
    Stochastic Depth", eq. 2 and 5). Put it on the branch output, before the addition::

        training:  H_l = ReLU(b_l * f_l(H_{l-1}) + id(H_{l-1})),   b_l ~ Bernoulli(p_l)
        test:      H_l = ReLU(p_l * f_l(H_{l-1}) + id(H_{l-1}))

    The paper uses a linear decay over depth, ``p_l = 1 - l / L * (1 - p_L)`` with
    ``p_L = 0.5`` (see :func:`nnlab.zoo.resnet.resnet_stochastic_depth`).

    Args:
        survival_prob: ``p_l`` in ``(0, 1]``.
        mode: ``'batch'`` (the paper: one coin per mini-batch) or ``'row'`` (one coin
            per sample, as ``torchvision.ops.StochasticDepth``).

    Input shape: any, the residual branch ``f_l(x)``. Output shape: the same. No weights.
    """

    def __init__(self, survival_prob: float, mode: str = "batch", **kwargs: Any):
        super().__init__(**kwargs)
        if not isinstance(survival_prob, (int, float)) or not 0 < survival_prob <= 1:
            raise ValueError(f"StochasticDepth: survival_prob must be in (0, 1], got "
                             f"{survival_prob!r}")
        if mode not in ("batch", "row"):
            raise ValueError(f"StochasticDepth: mode must be 'batch' or 'row', got {mode!r}")
        self.survival_prob, self.mode = float(survival_prob), mode

    def compute_output_shape(self, input_shape):
        return _same_shape(self, input_shape)

    def call(self, inputs, training=None):
        training = self.training if training is None else bool(training)
        if not training:
            return inputs * self.survival_prob if self.survival_prob < 1 else inputs
        shape = (1,) * inputs.dim() if self.mode == "batch" else \
            (inputs.shape[0],) + (1,) * (inputs.dim() - 1)
        keep = torch.empty(shape, dtype=inputs.dtype, device=inputs.device)
        return inputs * keep.bernoulli_(self.survival_prob)


class DropPathJoin(Layer):
    """FractalNet's join: the element-wise mean of the incoming columns, with local
    drop-path in training (Larsson et al. 2017, sec. 3.1 and 3.2).

    In training each input is dropped with probability ``drop_prob`` (one coin per input
    per mini-batch) and the mean is taken over the survivors; at least one input always
    survives. At test time all inputs are averaged. (The paper's *global* drop-path, which
    keeps a single column through the whole network, is not implemented.)

    Input: a list of tensors of one shape. Output shape: that shape. No weights.
    """

    def __init__(self, drop_prob: float = 0.15, **kwargs: Any):
        super().__init__(**kwargs)
        if not isinstance(drop_prob, (int, float)) or not 0 <= drop_prob < 1:
            raise ValueError(f"DropPathJoin: drop_prob must be in [0, 1), got {drop_prob!r}")
        self.drop_prob = float(drop_prob)

    def compute_output_shape(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) < 2:
            raise ShapeError(f"Layer {self.name!r} (DropPathJoin) joins a list of at least 2 "
                             f"tensors, got {format_shape(input_shape)}.")
        if len({tuple(s) for s in input_shape}) != 1:
            raise ShapeError(f"Layer {self.name!r} (DropPathJoin) needs inputs of one shape, "
                             f"got {format_shape(input_shape)}.")
        return tuple(input_shape[0])

    def check_input_shape(self, shape):
        if isinstance(shape, list):
            self.compute_output_shape(shape)

    def call(self, inputs, training=None):
        inputs = list(inputs)
        training = self.training if training is None else bool(training)
        if training and self.drop_prob > 0:
            keep = torch.rand(len(inputs)) >= self.drop_prob
            if not keep.any():
                keep[torch.randint(len(inputs), (1,))] = True
            inputs = [x for x, k in zip(inputs, keep.tolist()) if k]
        return torch.stack(inputs).mean(dim=0)


class ResidualScale(Layer):
    """Multiply by a constant ``scale`` (Szegedy et al. 2016, Inception-v4, sec. 3.3:
    residuals scaled by 0.1-0.3 before the addition keep very wide residual nets stable).

    Input shape: any. Output shape: the same. No weights.
    """

    def __init__(self, scale: float, **kwargs: Any):
        super().__init__(**kwargs)
        if not isinstance(scale, (int, float)) or isinstance(scale, bool):
            raise ValueError(f"ResidualScale: scale must be a number, got {scale!r}")
        self.scale = float(scale)

    def compute_output_shape(self, input_shape):
        return _same_shape(self, input_shape)

    def call(self, inputs):
        return inputs * self.scale


class PadShortcut(Layer):
    """He et al. 2015 (sec. 4.2, option A): a parameter-free shortcut for a block that
    halves the resolution and widens the channels: take every ``strides``-th pixel and
    append zero channels up to ``filters``.

    Input shape: ``(batch, H, W, C)``. Output: ``(batch, ceil(H / s), ceil(W / s), filters)``.
    """

    def __init__(self, filters: int, strides: int = 2, data_format: Optional[str] = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        self.data_format = _config.normalize_data_format(data_format)
        if not isinstance(filters, int) or filters < 1 or not isinstance(strides, int) \
                or strides < 1:
            raise ValueError(f"PadShortcut: filters and strides must be positive ints, got "
                             f"{filters!r}, {strides!r}")
        self.filters, self.strides = filters, strides

    def input_spec_before_build(self):
        return {"ndim": 4}

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}

    def compute_output_shape(self, input_shape):
        axis = 3 if self.data_format == "channels_last" else 1
        channels = input_shape[axis]
        if channels is not None and channels > self.filters:
            raise ShapeError(f"Layer {self.name!r} (PadShortcut) pads channels up to "
                             f"{self.filters}, but the input has {channels}: "
                             f"{format_shape(input_shape)}.")
        out = list(input_shape)
        for i in ((1, 2) if axis == 3 else (2, 3)):
            out[i] = None if out[i] is None else -(-out[i] // self.strides)
        out[axis] = self.filters
        return tuple(out)

    def call(self, inputs):
        s = self.strides
        if self.data_format == "channels_last":
            x = inputs[:, ::s, ::s, :]  # N x H/s x W/s x C
            return F.pad(x, (0, self.filters - x.shape[-1]))
        x = inputs[:, :, ::s, ::s]  # N x C x H/s x W/s
        return F.pad(x, (0, 0, 0, 0, 0, self.filters - x.shape[1]))
