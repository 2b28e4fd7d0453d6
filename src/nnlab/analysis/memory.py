"""Activation memory per image: how many bytes the layer outputs of one forward pass hold.

Counting rule (the lecture's, for VGG-16): the input image plus the output of every layer,
``elements * dtype_bytes``, per sample. Layers that a framework runs **in place** or as a
no-op do not add a new tensor and are not counted unless ``include_inplace=True``:
element-wise activations (``Activation``, ``ReLU``, ``LeakyReLU``, ``ELU``...; the lecture
counts "CONV3-64 + ReLU" once) and ``Dropout``, ``Flatten``, ``Reshape`` (views or the
identity at inference).

Training: backpropagation keeps every forward activation until the backward pass has
used it, and produces a gradient of the same size for each one, so a training step needs
about **2x** the forward activations (``training=True``). That is an estimate: frameworks
free gradients as soon as they are consumed (less), and some layers save extra tensors
such as dropout masks or batch-norm statistics (more). Weights, their gradients and the
optimizer state (Adam: 2 more copies) come on top, independent of the batch size; see
:attr:`MemoryReport.param_bytes`.

VGG-16 at 224x224x3: 15.2 M activations, 61 MB per image forward, most of it in the first
convolutions (the first two alone hold 6.4 M). The lecture's slide totals "24M * 4 bytes
~= 93MB"; its own per-layer column adds up to 15.2 M, the figure computed here.
"""
from __future__ import annotations

from typing import Any, List, NamedTuple

from ..layers.activation import ELU, Activation, LeakyReLU, ReLU, Softmax
from ..layers.core import Dropout, Flatten, Reshape
from ..layers.base.layer import Layer
from ._graph import per_sample, walk

_INPLACE = (Activation, ReLU, LeakyReLU, ELU, Softmax, Dropout, Flatten, Reshape)


class MemoryRow(NamedTuple):
    """One layer call: name, class, output shape, elements per sample, bytes per sample
    (``0`` bytes for an in-place layer unless ``include_inplace``), and ``inplace``."""

    name: str
    class_name: str
    output_shape: Any
    elements: int
    bytes: int
    inplace: bool


class MemoryReport(NamedTuple):
    """Result of :func:`activation_memory` (all numbers per sample, i.e. per image).

    Attributes:
        rows: per layer call, in execution order (the first row is the ``input``).
        elements: activations counted in one forward pass.
        forward_bytes: ``elements * dtype_bytes``.
        training_bytes: ``2 * forward_bytes``: activations kept for backward plus their
            gradients.
        param_bytes: the weights, ``count_params * dtype_bytes``.
        training: whether :attr:`bytes` is the training figure.
    """

    rows: List[MemoryRow]
    elements: int
    forward_bytes: int
    training_bytes: int
    param_bytes: int
    dtype_bytes: int
    training: bool

    @property
    def bytes(self) -> int:
        """``training_bytes`` if the report was made with ``training=True``, else forward."""
        return self.training_bytes if self.training else self.forward_bytes

    @property
    def megabytes(self) -> float:
        """:attr:`bytes` in MB (10**6 bytes)."""
        return self.bytes / 1e6

    def fraction_in_first(self, n: int) -> float:
        """Share of the forward activation bytes held by the first ``n`` rows."""
        return sum(r.bytes for r in self.rows[:n]) / max(self.forward_bytes, 1)


def activation_memory(model: Layer, dtype_bytes: int = 4, training: bool = False,
                      input_shape: Any = None, include_input: bool = True,
                      include_inplace: bool = False) -> MemoryReport:
    """Bytes of the activations of one forward pass (and a training step) per image.

    Args:
        model: a built Sequential or functional model (nested models expanded).
        dtype_bytes: bytes per element: 4 (float32), 2 (float16/bfloat16), 1 (int8).
        training: make :attr:`MemoryReport.bytes` the training estimate (2x forward).
        input_shape: e.g. ``(224, 224, 3)``; default the model's own.
        include_input: count the input image (the lecture does).
        include_inplace: also count outputs of in-place/no-op layers (see module docstring).

    Returns:
        :class:`MemoryReport` with one row per layer call.

    Example:
        >>> import nnlab
        >>> from nnlab.layers import Conv2D
        >>> m = nnlab.Sequential([Conv2D(64, 3, padding="same", input_shape=(224, 224, 3))])
        >>> activation_memory(m).elements  # input 150,528 + output 224*224*64
        3361792
    """
    if dtype_bytes not in (1, 2, 4, 8):
        raise ValueError(f"activation_memory: dtype_bytes must be 1, 2, 4 or 8, got "
                         f"{dtype_bytes!r}")
    result = walk(model, input_shape)
    rows = []
    if include_input:
        for i, shape in enumerate(result.input_shapes):
            n = per_sample(shape)
            rows.append(MemoryRow("input" if i == 0 else f"input_{i}", "Input", shape, n,
                                  n * dtype_bytes, False))
    for call in result.calls:
        n = sum(per_sample(s) for s in call.outputs)
        inplace = isinstance(call.layer, _INPLACE)
        counted = n if include_inplace or not inplace else 0
        out = call.outputs[0] if len(call.outputs) == 1 else call.outputs
        rows.append(MemoryRow(call.name, type(call.layer).__name__, out, n,
                              counted * dtype_bytes, inplace))
    total = sum(r.bytes for r in rows)
    params = sum(p.numel() for p in model.parameters()) + sum(
        b.numel() for b in model.buffers() if b.is_floating_point())
    return MemoryReport(rows, total // dtype_bytes, total, 2 * total, params * dtype_bytes,
                        dtype_bytes, bool(training))
