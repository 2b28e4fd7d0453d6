"""Symbolic tensors and graph nodes for the functional API.

``nnlab.Input(shape=(28, 28, 1))`` returns a :class:`SymbolicTensor`: a shape
``(None, 28, 28, 1)`` (``None`` is the batch) and a dtype, with no data. Calling a
layer on symbolic tensors builds the layer, computes its output shape and records a
:class:`Node`; ``Model(inputs, outputs)`` walks those nodes back from the outputs.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple

import torch

from ...backend import KerasTensor
from ...tree import flatten

Shape = Tuple[Optional[int], ...]


#: merge functions behind Python's operators on symbolic tensors (``"add"``, ``"multiply"``),
#: registered by :mod:`nnlab.layers.merging` (which stands on this file)
OPERATORS: Dict[str, Callable[[list], Any]] = {}


class SymbolicTensor(KerasTensor):
    """A placeholder tensor: a shape with ``None`` for unknown sizes, a dtype, and its origin.

    Attributes:
        shape: tuple like ``(None, 26, 26, 32)``.
        dtype: a ``torch.dtype``.
        history: ``(layer, node_index, tensor_index)`` of the node that produced it.
    """

    __slots__ = ("shape", "dtype", "history", "name")

    def __init__(self, shape: Shape, dtype: torch.dtype = torch.float32,
                 history: Optional[tuple] = None, name: Optional[str] = None):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.history = history
        self.name = name

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __repr__(self) -> str:
        origin = f", from {self.history[0].name}" if self.history else ""
        return f"<SymbolicTensor shape={self.shape} dtype={self.dtype}{origin}>"

    # Python's operators on symbolic tensors build merge nodes, as in Keras.
    def __add__(self, other):
        return OPERATORS["add"]([self, other])

    def __mul__(self, other):
        return OPERATORS["multiply"]([self, other])

    def __len__(self):
        raise TypeError("A SymbolicTensor has no length: it holds no data. Use .shape.")


class Node:
    """One call of a layer on symbolic inputs.

    ``args``/``kwargs`` are the call's arguments with symbolic tensors in place;
    ``outputs`` is the (possibly nested) symbolic output.
    """

    __slots__ = ("layer", "args", "kwargs", "outputs")

    def __init__(self, layer, args: tuple, kwargs: dict, outputs: Any):
        self.layer = layer
        self.args = args
        self.kwargs = kwargs
        self.outputs = outputs

    @property
    def input_tensors(self) -> List[SymbolicTensor]:
        return [t for t in flatten((self.args, self.kwargs)) if isinstance(t, SymbolicTensor)]

    @property
    def output_tensors(self) -> List[SymbolicTensor]:
        return [t for t in flatten(self.outputs) if isinstance(t, SymbolicTensor)]


def has_symbolic(args: tuple, kwargs: dict) -> bool:
    """True when any argument of a call is (or contains) a SymbolicTensor."""
    if args and isinstance(args[0], SymbolicTensor):
        return True
    if not kwargs and len(args) == 1 and isinstance(args[0], torch.Tensor):
        return False  # the hot path: one real tensor
    return any(isinstance(t, SymbolicTensor) for t in flatten((args, kwargs)))


def shape_of(value: Any) -> Any:
    """Shape(s) of a symbolic or real tensor structure: a tuple, or a list of tuples."""
    if isinstance(value, (list, tuple)):
        return [shape_of(v) for v in value]
    if isinstance(value, dict):
        return [shape_of(v) for v in value.values()]
    return tuple(value.shape)
