"""Activation layers: ``Activation(name)`` and the Keras layers with parameters or options
(ReLU, LeakyReLU, PReLU, ELU, Softmax) plus Maxout. All keep the input shape except
Maxout, which divides the last axis by ``pieces``.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import torch
import torch.nn.functional as F

from .. import activations
from ..errors import ShapeError
from .base.layer import Layer, format_shape


class Activation(Layer):
    """Apply a named activation: sigmoid, tanh, relu, leaky_relu, prelu, elu, softmax,
    linear, maxout, ... (``nnlab.activations`` lists them).

    ``'prelu'`` builds a :class:`PReLU` (learned slope per channel) and ``'maxout'`` a
    :class:`Maxout` with 2 pieces (halves the last axis).
    """

    supports_masking = True  # carries a (batch, timesteps) mask on unchanged

    def __init__(self, activation: Any, **kwargs: Any):
        super().__init__(**kwargs)
        self.activation_name = activation if isinstance(activation, str) else None
        key = activation.lower() if isinstance(activation, str) else None
        if key == "prelu":
            from ..initializers import Constant
            self.inner = PReLU(alpha_initializer=Constant(0.25), per_channel=True,
                               name=f"{self.name}_prelu")  # the paper's PReLU
            self.fn = None
        elif key == "maxout":
            self.inner = Maxout(2, name=f"{self.name}_maxout")
            self.fn = None
        else:
            self.inner = None
            self.fn = activations.get(activation)

    def build(self, input_shape):
        if self.inner is not None:
            self.inner.maybe_build(input_shape)

    def compute_output_shape(self, input_shape):
        if self.inner is not None:
            return self.inner.compute_output_shape(input_shape)
        return tuple(input_shape)

    def call(self, inputs):
        if self.inner is not None:
            return self.inner(inputs)
        return self.fn(inputs)


class ReLU(Layer):
    """``min(max(x, threshold-slope...), max_value)``: Keras' ReLU(max_value, negative_slope,
    threshold). Same shape in and out."""

    supports_masking = True  # carries a (batch, timesteps) mask on unchanged

    def __init__(self, max_value: Optional[float] = None, negative_slope: float = 0.0,
                 threshold: float = 0.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.max_value, self.negative_slope, self.threshold = max_value, negative_slope, threshold

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def call(self, x):
        if self.negative_slope == 0 and self.threshold == 0:
            y = F.relu(x)
        else:
            y = torch.where(x >= self.threshold, x, self.negative_slope * (x - self.threshold))
        return y if self.max_value is None else y.clamp(max=self.max_value)


class LeakyReLU(Layer):
    """``x if x > 0 else negative_slope * x`` (Keras 3 default slope 0.3).

    ``alpha=`` (Keras 2's name) is accepted with a one-time DeprecationWarning."""

    supports_masking = True  # carries a (batch, timesteps) mask on unchanged

    def __init__(self, negative_slope: float = 0.3, alpha: Optional[float] = None,
                 **kwargs: Any):
        super().__init__(**kwargs)
        if alpha is not None:
            from .._deprecation import warn_once
            warn_once("LeakyReLU.alpha", "LeakyReLU(alpha=...) is Keras 2's spelling; Keras 3 "
                      "calls it LeakyReLU(negative_slope=...)")
            negative_slope = alpha
        self.negative_slope = float(negative_slope)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def call(self, x):
        return F.leaky_relu(x, self.negative_slope)


class ELU(Layer):
    """``x if x > 0 else alpha * (exp(x) - 1)``."""

    supports_masking = True  # carries a (batch, timesteps) mask on unchanged

    def __init__(self, alpha: float = 1.0, **kwargs: Any):
        super().__init__(**kwargs)
        self.alpha = float(alpha)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def call(self, x):
        return F.elu(x, self.alpha)


class Softmax(Layer):
    """Softmax along ``axis`` (default last)."""

    supports_masking = True  # carries a (batch, timesteps) mask on unchanged

    def __init__(self, axis: int = -1, **kwargs: Any):
        super().__init__(**kwargs)
        self.axis = axis

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def call(self, x):
        return F.softmax(x, dim=self.axis)


class PReLU(Layer):
    """Parametric ReLU (He et al. 2015): ``x if x > 0 else alpha * x`` with learned ``alpha``,
    as Keras' layer.

    Args:
        alpha_initializer: initial slopes (default ``"zeros"``, Keras'; the paper and
            torch start at 0.25: ``initializers.Constant(0.25)``).
        alpha_regularizer: penalty on the slopes.
        alpha_constraint: Keras' constraint; not supported (must be None).
        shared_axes: 1-based axes sharing one slope, as in Keras (``[1, 2]`` for one
            slope per channel of images).
        per_channel: nnlab's shortcut for one slope per channel (the last axis) at any
            rank, as the paper's PReLU and ``Activation("prelu")`` (slopes from 0.25).

    Weights: ``alpha`` of the input shape without the batch axis, 1 on ``shared_axes``
    (Keras' shape: ``(H, W, C)`` for images by default).
    """

    supports_masking = True  # carries a (batch, timesteps) mask on unchanged

    def __init__(self, alpha_initializer: Any = "zeros", alpha_regularizer: Any = None,
                 alpha_constraint: Any = None, shared_axes: Optional[Sequence[int]] = None,
                 per_channel: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        if alpha_constraint is not None:
            raise NotImplementedError("PReLU: alpha_constraint is not supported by nnlab")
        self.alpha_initializer = alpha_initializer
        self.alpha_regularizer = alpha_regularizer
        self.shared_axes = None if shared_axes is None else (
            (shared_axes,) if isinstance(shared_axes, int) else tuple(shared_axes))
        self.per_channel = bool(per_channel)

    def build(self, input_shape):
        if self.per_channel:  # (channels,), as nnlab saved it before
            self._view = [1] * (len(input_shape) - 1) + [input_shape[-1]]
            self.add_weight("alpha", (input_shape[-1],), self.alpha_initializer,
                            self.alpha_regularizer)
            return
        shared = self.shared_axes or ()
        shape = tuple(1 if i in shared else d for i, d in enumerate(input_shape) if i > 0)
        if None in shape:
            raise ShapeError(f"Layer {self.name!r} (PReLU) needs every non-shared axis known "
                             f"for its slopes, got input shape {format_shape(input_shape)}; "
                             f"share the unknown axes, e.g. shared_axes=[1]")
        self._view = [1] + list(shape)
        self.add_weight("alpha", shape, self.alpha_initializer, self.alpha_regularizer)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def call(self, x):
        alpha = self.alpha.reshape(self._view)
        return torch.where(x > 0, x, alpha * x)


class Maxout(Layer):
    """Maxout (Goodfellow et al. 2013): split the last axis into ``pieces`` groups and
    keep the maximum of each: ``(batch, ..., k * pieces)`` -> ``(batch, ..., k)``.

    Put it after a Dense/Conv layer with ``pieces`` times the units you want.
    """

    def __init__(self, pieces: int = 2, **kwargs: Any):
        super().__init__(**kwargs)
        if not isinstance(pieces, int) or pieces < 1:
            raise ValueError(f"Maxout: pieces must be a positive int, got {pieces!r}")
        self.pieces = pieces

    def build(self, input_shape):
        last = input_shape[-1]
        if last is None or last % self.pieces:
            raise ShapeError(f"Layer {self.name!r} (Maxout) needs the last axis divisible by "
                             f"pieces={self.pieces}, got input shape {format_shape(input_shape)}")

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (input_shape[-1] // self.pieces,)

    def call(self, x):
        return x.unflatten(-1, (x.shape[-1] // self.pieces, self.pieces)).amax(dim=-1)
