"""Core layers: Dense, Dropout, Flatten, Reshape, Permute, Lambda-free wrappers of torch ops.

Shapes include the batch axis (``None``) and are in the user-facing layout.
"""
from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import torch
import torch.nn.functional as F

from .. import activations
from ..errors import ShapeError
from ..tree import flatten_shape_structure, is_shape
from .base.layer import Layer, format_shape
from .base import keras_layout


class Dense(Layer):
    """Fully connected layer: ``output = activation(x @ W^T + b)``.

    Args:
        units: output size.
        activation: name or callable (default linear).
        use_bias: add ``b``.
        kernel_initializer / bias_initializer: names or initialisers.
        kernel_regularizer / bias_regularizer: e.g. ``'l2'`` or ``regularizers.l2(1e-4)``.

    Input shape: ``(batch, ..., input_dim)``. Output shape: ``(batch, ..., units)``.
    Weights: ``kernel`` ``(units, input_dim)`` (torch's layout), ``bias`` ``(units,)``.

    Example:
        >>> from nnlab.layers import Dense
        >>> Dense(512, input_shape=(784,)).count_params()  # doctest: +SKIP
        401920
    """

    supports_masking = True  # carries a (batch, timesteps) mask on unchanged

    def keras_weight_rule(self, name: str):
        """Keras' layout of weight ``name`` (see :mod:`nnlab.layers.base.keras_layout`)."""
        return keras_layout.TRANSPOSE if name == "kernel" else None

    def __init__(self, units: int, activation: Any = None, use_bias: bool = True,
                 kernel_initializer: Any = "glorot_uniform", bias_initializer: Any = "zeros",
                 kernel_regularizer: Any = None, bias_regularizer: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        if not isinstance(units, int) or isinstance(units, bool) or units < 1:
            raise ValueError(f"Dense: units must be a positive int, got {units!r}")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self._inits = (kernel_initializer, bias_initializer)
        self._regs = (kernel_regularizer, bias_regularizer)
        activations.get(activation)  # validate the name before any work

    def input_spec_before_build(self):
        return {"min_ndim": 2}

    def build(self, input_shape):
        in_dim = input_shape[-1]
        if in_dim is None:
            raise ShapeError(f"Layer {self.name!r} (Dense) needs a known last axis, got input "
                             f"shape {format_shape(input_shape)}")
        self.add_weight("kernel", (self.units, in_dim), self._inits[0], self._regs[0])
        if self.use_bias:
            self.add_weight("bias", (self.units,), self._inits[1], self._regs[1])
        else:
            self.bias = None
        self.input_spec = {"min_ndim": 2, "axes": {-1: in_dim}}

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def call(self, inputs):
        return self.activation(F.linear(inputs, self.kernel, self.bias))


class Dropout(Layer):
    """Inverted dropout: in training, zero each unit with probability ``rate`` and scale the
    rest by ``1 / (1 - rate)``; at test time the identity. Any input shape.

    ``noise_shape`` (e.g. ``(None, 1, 1, C)``) drops whole feature maps (spatial dropout).
    """

    supports_masking = True  # carries a (batch, timesteps) mask on unchanged

    def __init__(self, rate: float, noise_shape: Optional[Sequence[Optional[int]]] = None,
                 seed: Optional[int] = None, **kwargs: Any):
        super().__init__(**kwargs)
        if not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(f"Dropout: rate must be in [0, 1), got {rate!r}")
        self.rate = float(rate)
        self.noise_shape = noise_shape
        self.generator = None if seed is None else torch.Generator().manual_seed(seed)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def call(self, inputs, training=None):
        training = self.training if training is None else training
        if not training or self.rate == 0:
            return inputs
        if self.noise_shape is None and self.generator is None:
            return F.dropout(inputs, self.rate, training=True)
        shape = inputs.shape if self.noise_shape is None else \
            [inputs.shape[i] if d is None else d for i, d in enumerate(self.noise_shape)]
        # A seeded layer draws its own masks (CPU generator), reproducible on its own.
        keep = torch.empty(shape, dtype=inputs.dtype).bernoulli_(1 - self.rate,
                                                                 generator=self.generator)
        return inputs * keep.to(inputs.device) / (1 - self.rate)


class Flatten(Layer):
    """Flatten all axes but the batch: ``(batch, d1, d2, ...)`` -> ``(batch, d1*d2*...)``.

    In channels_last the order is height, width, channels, as in Keras.
    """

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        size = None if any(d is None for d in rest) else math.prod(rest)
        return (input_shape[0], size)

    def call(self, inputs):
        return inputs.reshape(inputs.shape[0], -1)


class Reshape(Layer):
    """Reshape to ``target_shape`` (without the batch axis; one entry may be -1).

    Input shape: ``(batch, ...)``; output shape: ``(batch,) + target_shape``.
    Raises ShapeError when the sizes do not match.
    """

    def __init__(self, target_shape: Sequence[int], **kwargs: Any):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)
        if sum(d == -1 for d in self.target_shape) > 1:
            raise ValueError(f"Reshape: at most one -1 in target_shape, got {self.target_shape}")

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        if any(d is None for d in rest):
            return (input_shape[0],) + tuple(None if d == -1 else d for d in self.target_shape)
        total = math.prod(rest)
        known = math.prod(d for d in self.target_shape if d != -1)
        if -1 in self.target_shape:
            if known == 0 or total % known:
                raise ShapeError(self._mismatch(input_shape))
            return (input_shape[0],) + tuple(total // known if d == -1 else d
                                             for d in self.target_shape)
        if known != total:
            raise ShapeError(self._mismatch(input_shape))
        return (input_shape[0],) + self.target_shape

    def _mismatch(self, input_shape):
        return (f"Layer {self.name!r} (Reshape) cannot reshape {format_shape(input_shape)} "
                f"({math.prod(input_shape[1:])} values per sample) to target_shape "
                f"{self.target_shape}")

    def build(self, input_shape):
        self.compute_output_shape(input_shape)  # raise the clear error before any work

    def call(self, inputs):
        return inputs.reshape((inputs.shape[0],) + self.target_shape)


class Permute(Layer):
    """Permute the non-batch axes; ``dims`` is 1-based as in Keras (``(2, 1)`` swaps them).

    Input shape: ``(batch, d1, ..., dn)``; output: ``(batch, d_dims[0], ..., d_dims[n-1])``.
    """

    def __init__(self, dims: Sequence[int], **kwargs: Any):
        super().__init__(**kwargs)
        self.dims = tuple(int(d) for d in dims)
        if sorted(self.dims) != list(range(1, len(self.dims) + 1)):
            raise ValueError(f"Permute: dims must be a permutation of 1..{len(self.dims)}, "
                             f"got {self.dims}")

    def input_spec_before_build(self):
        return {"ndim": len(self.dims) + 1}

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def call(self, inputs):
        return inputs.permute((0,) + self.dims)


class Lambda(Layer):
    """Wrap a Python function of tensors as a layer (not saved in configs by value).

    Output shape is inferred by running the function on the meta device, unless
    ``output_shape`` is given: a tuple without the batch axis (the batch axis is the
    first input's, also for a list of inputs), or, as in Keras, a function of the input
    shape(s) returning the whole output shape.
    """

    def __init__(self, function, output_shape: Any = None, **kwargs: Any):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda: function must be callable, got {type(function).__name__}")
        self.function = function
        self.output_shape_arg = output_shape if output_shape is None or callable(
            output_shape) else tuple(output_shape)

    def compute_output_shape(self, input_shape):
        spec = self.output_shape_arg
        if spec is None:
            return super().compute_output_shape(input_shape)
        if callable(spec):
            return tuple(spec(input_shape))
        first = input_shape if is_shape(input_shape) else flatten_shape_structure(
            input_shape)[0]
        return (first[0],) + spec

    def call(self, inputs):
        return self.function(inputs)
