"""Preprocessing inside the model: ``Rescaling`` and ``Normalization`` (Keras names).

Putting the input scaling in the model keeps the model's input in raw units (e.g.
pixels in [0, 255] or [0, 1]), which is what adversarial attacks and deployment want.
Both keep the input shape.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numpy as np
import torch

from ..errors import ShapeError
from .base.layer import Layer, format_shape


class Rescaling(Layer):
    """``y = x * scale + offset`` (e.g. ``Rescaling(1 / 255)`` for uint8 pixels).

    ``scale`` and ``offset`` are numbers, or (as Keras allows) sequences of numbers that
    broadcast against the input's trailing axes, e.g. one value per channel
    (channels_last): ``Rescaling([1 / 0.229, 1 / 0.224, 1 / 0.225])``.

    Input and output shape: any, ``(batch, ...)``. No weights.
    """

    def __init__(self, scale: Union[float, Sequence[float]],
                 offset: Union[float, Sequence[float]] = 0.0, **kwargs: Any):
        super().__init__(**kwargs)
        values = {}
        for arg, value in (("scale", scale), ("offset", offset)):
            flat = list(np.ravel(value)) if isinstance(value, (list, tuple, np.ndarray)) \
                else [value]
            if not flat or not all(isinstance(v, (int, float, np.floating, np.integer))
                                   and not isinstance(v, bool) for v in flat):
                raise TypeError(f"Rescaling: {arg} must be a number or a sequence of numbers, "
                                f"got {value!r}")
            values[arg] = (float(value) if len(flat) == 1 and not isinstance(
                value, (list, tuple, np.ndarray)) else np.asarray(value, np.float32).tolist())
        self.scale, self.offset = values["scale"], values["offset"]

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def call(self, inputs):
        x = inputs if inputs.is_floating_point() else inputs.float()
        scale, offset = self.scale, self.offset
        if isinstance(scale, list):
            scale = torch.tensor(scale, dtype=x.dtype, device=x.device)
        if isinstance(offset, list):
            offset = torch.tensor(offset, dtype=x.dtype, device=x.device)
        return x * scale + offset


class Normalization(Layer):
    """Standardise features: ``y = (x - mean) / sqrt(variance)`` along ``axis``.

    Args:
        axis: the feature axis kept separate (default -1: channels in channels_last);
            the statistics are shared over every other axis.
        mean, variance: fixed statistics (a number or one value per feature); leave
            them out and call :meth:`adapt` on training data instead.

    Weights (adapted statistics): ``mean`` and ``variance`` of shape ``(features,)`` and
    Keras' ``count`` (an int32 scalar), non-trainable, saved with the model; statistics
    given to the constructor are constants of the config, as in Keras (no weights).

    Example:
        >>> norm = Normalization()
        >>> norm.adapt(np.array([[0.0], [2.0], [4.0]]))
        >>> norm(torch.tensor([[2.0]])).item()
        0.0
    """

    _EPSILON = 1e-7  # floor of the variance, as Keras' backend epsilon

    def __init__(self, axis: int = -1, mean: Union[None, float, Sequence[float]] = None,
                 variance: Union[None, float, Sequence[float]] = None, **kwargs: Any):
        super().__init__(**kwargs)
        if (mean is None) != (variance is None):
            raise ValueError("Normalization: give both mean and variance, or neither "
                             "(and call adapt(data))")
        if not isinstance(axis, int) or isinstance(axis, bool):
            raise TypeError(f"Normalization: axis must be an int, got {axis!r}")
        self.axis = axis
        self._given = None if mean is None else (np.asarray(mean, dtype=np.float32),
                                                 np.asarray(variance, dtype=np.float32))
        self.adapted = mean is not None

    def build(self, input_shape):
        if not -len(input_shape) < self.axis < len(input_shape) or self.axis == 0 or \
                input_shape[self.axis] is None:
            raise ShapeError(f"Layer {self.name!r} (Normalization) needs a known feature axis "
                             f"{self.axis}, got input shape {format_shape(input_shape)}")
        features = input_shape[self.axis]
        # As Keras: statistics given to the constructor are constants (in the config, not
        # weights); adapted ones are weights, with Keras' int ``count`` (2F + 1 in all).
        given = self._given is not None
        self.register_buffer("mean", torch.zeros(features), persistent=not given)
        self.register_buffer("variance", torch.ones(features), persistent=not given)
        if not given:
            self.add_weight(name="count", shape=(), dtype="int32", initializer="zeros",
                            trainable=False)
        self._view = [1] * len(input_shape)
        self._view[self.axis] = features
        if self._given is not None:
            mean, variance = (np.broadcast_to(v, (features,)) for v in self._given)
            self.mean.copy_(torch.from_numpy(mean.copy()))
            self.variance.copy_(torch.from_numpy(variance.copy()))
        self.input_spec = {"ndim": len(input_shape), "axes": {self.axis: features}}

    def adapt(self, data: Any, batch_size: Optional[int] = None) -> None:
        """Set mean and variance from ``data`` (array or tensor, ``(samples, ...)``).

        Statistics are per feature over every other axis; the variance is the
        population variance, as Keras computes it.
        """
        x = torch.as_tensor(np.asarray(data) if not isinstance(data, torch.Tensor) else data)
        x = x.double()
        if x.dim() < 2 or x.shape[0] == 0:
            raise ValueError(f"Normalization.adapt: data must be a non-empty array of "
                             f"shape (samples, ...), got shape {tuple(x.shape)}")
        self.maybe_build((None,) + tuple(x.shape[1:]))
        axis = self.axis % x.dim()
        reduce = [d for d in range(x.dim()) if d != axis]
        with torch.no_grad():
            self.mean.copy_(x.mean(dim=reduce).float())
            self.variance.copy_(x.var(dim=reduce, unbiased=False).float())
        self.adapted = True

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def call(self, inputs):
        mean = self.mean.reshape(self._view)
        std = self.variance.clamp_min(self._EPSILON).sqrt().reshape(self._view)
        return (inputs - mean) / std
