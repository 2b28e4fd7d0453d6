"""Normalization layers: ``BatchNormalization`` (Ioffe & Szegedy 2015) and
``LayerNormalization`` (Ba et al. 2016), thin wrappers of ``F.batch_norm`` / ``F.layer_norm``.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import torch.nn.functional as F

from .. import config as _config
from ..errors import ShapeError
from .base.layer import Layer, format_shape


def _normalize_axis(layer: Layer, axis: int, input_shape: Sequence[Optional[int]]) -> int:
    rank = len(input_shape)
    if not -rank <= axis < rank or axis % rank == 0:
        raise ShapeError(f"Layer {layer.name!r} ({type(layer).__name__}) normalizes axis {axis}, "
                         f"which is not a feature axis of input shape "
                         f"{format_shape(input_shape)} (rank {rank}).")
    return axis % rank


class BatchNormalization(Layer):
    """Normalize each channel with the batch's statistics (training) or with moving
    averages of them (inference), then scale and shift::

        y = gamma * (x - mean) / sqrt(var + epsilon) + beta
        moving_mean = momentum * moving_mean + (1 - momentum) * batch_mean   (training)

    Args:
        axis: the channel axis (batch axis included). ``None`` (default): the data
            format's channel axis, ``-1`` for channels_last (Keras' default), ``1`` for
            channels_first.
        momentum: Keras' momentum of the moving averages (torch's is ``1 - momentum``).
        epsilon: added to the variance.
        center / scale: learn ``beta`` / ``gamma``.
        beta_initializer, gamma_initializer, moving_mean_initializer,
        moving_variance_initializer, beta_regularizer, gamma_regularizer: as in Keras.

    In training the layer uses the batch statistics and updates the moving averages
    (torch updates the moving variance with the unbiased batch variance; Keras with the
    biased one, a factor ``n / (n - 1)`` apart). At inference (``model.eval()``,
    ``training=False``, or ``layer.trainable = False`` as in Keras) it uses the moving
    averages.

    Input shape: any rank >= 2, e.g. ``(batch, channels)``, ``(batch, steps, channels)``,
    ``(batch, height, width, channels)``. Output shape: the same.

    Weights: ``gamma``, ``beta`` (trainable) and ``moving_mean``, ``moving_variance``
    (non-trainable), each ``(channels,)``: ``4 * channels`` parameters, ``2 * channels``
    non-trainable (as Keras counts).

    Example:
        >>> import nnlab
        >>> from nnlab.layers import BatchNormalization
        >>> BatchNormalization()(nnlab.Input((28, 28, 16))).shape
        (None, 28, 28, 16)
    """

    def __init__(self, axis: Optional[int] = None, momentum: float = 0.99, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer: Any = "zeros",
                 gamma_initializer: Any = "ones", moving_mean_initializer: Any = "zeros",
                 moving_variance_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            if len(axis) != 1:
                raise ValueError(f"BatchNormalization: axis must be one int, got {axis!r}")
            axis = axis[0]
        if axis is None:
            axis = -1 if _config.image_data_format() == "channels_last" else 1
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise TypeError(f"BatchNormalization: axis must be an int, got {axis!r}")
        if not 0 <= momentum <= 1:
            raise ValueError(f"BatchNormalization: momentum must be in [0, 1], got {momentum!r}")
        if epsilon <= 0:
            raise ValueError(f"BatchNormalization: epsilon must be > 0, got {epsilon!r}")
        self.axis = axis
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self._inits = (beta_initializer, gamma_initializer, moving_mean_initializer,
                       moving_variance_initializer)
        self._regs = (beta_regularizer, gamma_regularizer)

    def get_config(self):
        config = super().get_config()
        config["axis"] = self.axis  # the resolved axis, so a reload ignores the global format
        return config

    def input_spec_before_build(self):
        return {"min_ndim": 2}

    def build(self, input_shape):
        axis = _normalize_axis(self, self.axis, input_shape)
        channels = input_shape[axis]
        if channels is None:
            raise ShapeError(f"Layer {self.name!r} (BatchNormalization) needs a known size on "
                             f"axis {self.axis}, got input shape {format_shape(input_shape)}")
        self._axis = axis
        if self.scale:
            self.add_weight("gamma", (channels,), self._inits[1], self._regs[1])
        else:
            self.gamma = None
        if self.center:
            self.add_weight("beta", (channels,), self._inits[0], self._regs[0])
        else:
            self.beta = None
        self.add_weight("moving_mean", (channels,), self._inits[2], trainable=False)
        self.add_weight("moving_variance", (channels,), self._inits[3], trainable=False)
        self.input_spec = {"ndim": len(input_shape), "axes": {axis: channels}}

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def call(self, inputs, training=None):
        training = self.training if training is None else bool(training)
        training = training and self.trainable  # Keras: a frozen BN runs in inference mode
        axis = self._axis
        x = inputs if axis == 1 else inputs.movedim(axis, 1)  # a view, no copy
        y = F.batch_norm(x, self.moving_mean, self.moving_variance, self.gamma, self.beta,
                         training, 1.0 - self.momentum, self.epsilon)
        return y if axis == 1 else y.movedim(1, axis)


class LayerNormalization(Layer):
    """Normalize each sample over its feature axes, then scale and shift::

        y = gamma * (x - mean(x)) / sqrt(var(x) + epsilon) + beta

    Args:
        axis: int or list of ints (batch axis included), default ``-1``.
        epsilon: added to the variance (Keras' default 1e-3).
        center / scale: learn ``beta`` / ``gamma``.
        beta_initializer, gamma_initializer, beta_regularizer, gamma_regularizer: as Keras.

    Input shape: any, e.g. ``(batch, steps, features)``. Output shape: the same.
    Weights: ``gamma`` and ``beta`` shaped like the normalized axes.

    Example:
        >>> import nnlab
        >>> from nnlab.layers import LayerNormalization
        >>> LayerNormalization()(nnlab.Input((10, 32))).shape
        (None, 10, 32)
    """

    supports_masking = True  # carries a (batch, timesteps) mask on unchanged

    def __init__(self, axis: Union[int, Sequence[int]] = -1, epsilon: float = 1e-3,
                 center: bool = True, scale: bool = True, beta_initializer: Any = "zeros",
                 gamma_initializer: Any = "ones", beta_regularizer: Any = None,
                 gamma_regularizer: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
        if not axes or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
            raise ValueError(f"LayerNormalization: axis must be an int or a list of ints, "
                             f"got {axis!r}")
        if epsilon <= 0:
            raise ValueError(f"LayerNormalization: epsilon must be > 0, got {epsilon!r}")
        self.axis = axis
        self.epsilon = float(epsilon)
        self.center = bool(center)
        self.scale = bool(scale)
        self._axes = axes
        self._inits = (beta_initializer, gamma_initializer)
        self._regs = (beta_regularizer, gamma_regularizer)

    def input_spec_before_build(self):
        return {"min_ndim": 2}

    def build(self, input_shape):
        rank = len(input_shape)
        axes = sorted({_normalize_axis(self, a, input_shape) for a in self._axes})
        shape = tuple(input_shape[a] for a in axes)
        if any(d is None for d in shape):
            raise ShapeError(f"Layer {self.name!r} (LayerNormalization) needs known sizes on "
                             f"axes {self.axis}, got input shape {format_shape(input_shape)}")
        # F.layer_norm normalizes trailing axes; others are moved to the end (views)
        self._moved = axes != list(range(rank - len(axes), rank))
        self._src, self._dst = axes, list(range(rank - len(axes), rank))
        self._norm_shape = shape
        if self.scale:
            self.add_weight("gamma", shape, self._inits[1], self._regs[1])
        else:
            self.gamma = None
        if self.center:
            self.add_weight("beta", shape, self._inits[0], self._regs[0])
        else:
            self.beta = None
        self.input_spec = {"ndim": rank, "axes": dict(zip(axes, shape))}

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def call(self, inputs):
        x = inputs.movedim(self._src, self._dst) if self._moved else inputs
        y = F.layer_norm(x, self._norm_shape, self.gamma, self.beta, self.epsilon)
        return y.movedim(self._dst, self._src) if self._moved else y
