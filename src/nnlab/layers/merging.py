"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot, and
their function forms ``add([a, b])``, ``concatenate([a, b], axis=-1)``, ...

Inputs are a list of tensors. Element-wise merges need equal shapes (a size-1 axis
broadcasts, as in Keras); Concatenate needs equal shapes except on ``axis``.
"""
from __future__ import annotations

import functools
from typing import Any, List

import torch

from ..errors import ShapeError
from .base.layer import Layer, format_shape
from .base.symbolic import OPERATORS


class Merge(Layer):
    """Base of the merge layers (Keras 3's ``Merge``): element-wise merges of a list of
    same-shape tensors."""

    min_inputs = 2

    def _check_list(self, input_shape):
        if not isinstance(input_shape, list) or len(input_shape) < self.min_inputs:
            got = "a single tensor" if not isinstance(input_shape, list) else \
                f"{len(input_shape)} tensor(s)"
            raise ShapeError(f"Layer {self.name!r} ({type(self).__name__}) expects a list of at "
                             f"least {self.min_inputs} tensors, got {got}.")

    def build(self, input_shape):
        self.compute_output_shape(input_shape)

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        ranks = {len(s) for s in input_shape}
        if len(ranks) != 1:
            raise ShapeError(self._incompatible(input_shape))
        out = []
        for dims in zip(*input_shape):
            known = {d for d in dims if d is not None and d != 1}
            if len(known) > 1:
                raise ShapeError(self._incompatible(input_shape))
            if known:
                out.append(known.pop())
            elif any(d is None for d in dims):
                out.append(None)
            else:
                out.append(1)
        return tuple(out)

    def _incompatible(self, input_shape):
        shapes = ", ".join(format_shape(s) for s in input_shape)
        return (f"Layer {self.name!r} ({type(self).__name__}) needs inputs of the same shape, "
                f"got {shapes}.")

    def check_input_shape(self, shape):
        if not isinstance(shape, list):
            self._check_list(shape)

    def call(self, inputs: List[torch.Tensor]) -> torch.Tensor:
        return self.merge(list(inputs))

    def compute_mask(self, inputs, mask=None):
        """Keras' rule: a step is kept when every input that has a mask keeps it."""
        masks = [m for m in (mask or []) if m is not None]
        if not masks:
            return None
        out = masks[0]
        for m in masks[1:]:
            out = out & m
        return out

    def merge(self, inputs):  # pragma: no cover - abstract
        raise NotImplementedError


class Add(Merge):
    """Element-wise sum (the residual connection ``F(x) + x``)."""

    def merge(self, inputs):
        return functools.reduce(torch.add, inputs)


class Subtract(Merge):
    """``a - b`` for exactly two inputs."""

    def merge(self, inputs):
        if len(inputs) != 2:
            raise ShapeError(f"Layer {self.name!r} (Subtract) needs exactly 2 inputs, "
                             f"got {len(inputs)}")
        return inputs[0] - inputs[1]


class Multiply(Merge):
    """Element-wise product."""

    def merge(self, inputs):
        return functools.reduce(torch.mul, inputs)


class Average(Merge):
    """Element-wise mean."""

    def merge(self, inputs):
        return torch.stack(torch.broadcast_tensors(*inputs)).mean(dim=0)


class Maximum(Merge):
    def merge(self, inputs):
        return functools.reduce(torch.maximum, inputs)


class Minimum(Merge):
    def merge(self, inputs):
        return functools.reduce(torch.minimum, inputs)


class Concatenate(Merge):
    """Concatenate along ``axis`` (default -1: channels in channels_last)."""

    def __init__(self, axis: int = -1, **kwargs: Any):
        super().__init__(**kwargs)
        self.axis = axis

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        rank = len(input_shape[0])
        if any(len(s) != rank for s in input_shape) or not -rank <= self.axis < rank:
            raise ShapeError(self._concat_error(input_shape))
        axis = self.axis % rank
        out = []
        for i, dims in enumerate(zip(*input_shape)):
            if i == axis:
                out.append(None if any(d is None for d in dims) else sum(dims))
                continue
            known = {d for d in dims if d is not None}
            if len(known) > 1:
                raise ShapeError(self._concat_error(input_shape))
            out.append(known.pop() if known else None)
        return tuple(out)

    def _concat_error(self, input_shape):
        shapes = ", ".join(format_shape(s) for s in input_shape)
        return (f"Layer {self.name!r} (Concatenate) needs inputs with matching shapes except "
                f"on axis {self.axis}, got {shapes}.")

    def merge(self, inputs):
        return torch.cat(inputs, dim=self.axis)


class Dot(Merge):
    """Dot product along ``axes`` of two ``(batch, d)`` tensors -> ``(batch, 1)``;
    ``normalize=True`` gives cosine similarity."""

    def __init__(self, axes: int = -1, normalize: bool = False, **kwargs: Any):
        super().__init__(**kwargs)
        self.axes, self.normalize = axes, normalize

    def compute_output_shape(self, input_shape):
        self._check_list(input_shape)
        a, b = input_shape
        if len(a) != 2 or len(b) != 2 or (a[-1] and b[-1] and a[-1] != b[-1]):
            raise ShapeError(f"Layer {self.name!r} (Dot) needs two (batch, d) inputs of equal d,"
                             f" got {format_shape(a)}, {format_shape(b)}.")
        return (a[0], 1)

    def merge(self, inputs):
        a, b = inputs
        if self.normalize:
            a = torch.nn.functional.normalize(a, dim=-1)
            b = torch.nn.functional.normalize(b, dim=-1)
        return (a * b).sum(dim=-1, keepdim=True)


def add(inputs, **kwargs):
    """``add([a, b])``: functional form of :class:`Add`."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis: int = -1, **kwargs):
    """``concatenate([a, b], axis=-1)``: functional form of :class:`Concatenate`."""
    return Concatenate(axis=axis, **kwargs)(inputs)


def dot(inputs, axes: int = -1, normalize: bool = False, **kwargs):
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)


# ``a + b`` and ``a * b`` on symbolic tensors build these merges (Keras' operators).
OPERATORS.update(add=add, multiply=multiply)
