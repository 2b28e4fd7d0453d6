"""``Input`` and ``InputLayer``: the entry points of a functional model."""
from __future__ import annotations

from typing import Any, Optional, Sequence

import torch

from ...dtypes import to_torch_dtype
from .layer import Layer
from .symbolic import Node, SymbolicTensor

class InputLayer(Layer):
    """Holds a model input's shape; identity on real tensors.

    Args:
        shape: shape without the batch axis, e.g. ``(28, 28, 1)``.
        batch_size: fixed batch size, or ``None``.
        dtype: ``'float32'`` (default) or e.g. ``'int32'`` for token ids.
    """

    def __init__(self, shape: Optional[Sequence[Optional[int]]] = None,
                 batch_size: Optional[int] = None, dtype: Any = None,
                 batch_input_shape: Optional[Sequence[Optional[int]]] = None, **kwargs: Any):
        if batch_input_shape is not None:
            full = tuple(batch_input_shape)
        elif shape is not None:
            full = (batch_size,) + tuple(shape if not isinstance(shape, int) else (shape,))
        else:
            raise ValueError("InputLayer needs shape=(...) (without the batch axis)")
        super().__init__(**kwargs)
        for d in full[1:]:
            if d is not None and (not isinstance(d, int) or d < 1):
                raise ValueError(f"Input shape entries must be positive ints or None, got "
                                 f"{full[1:]}")
        self.batch_shape = full
        self.input_dtype = to_torch_dtype(dtype)
        if self.input_dtype == torch.int32 and not isinstance(dtype, torch.dtype):
            self.input_dtype = torch.int64  # Keras code says "int32" for ids; torch takes int64
        self.built = True
        tensor = SymbolicTensor(full, self.input_dtype, history=(self, 0, 0), name=self.name)
        self._inbound_nodes.append(Node(self, (), {}, tensor))

    def get_config(self):
        return {"batch_input_shape": list(self.batch_shape), "name": self.name,
                "dtype": str(self.input_dtype).replace("torch.", "")}

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def call(self, inputs):
        return inputs


def Input(shape: Optional[Sequence[Optional[int]]] = None, batch_size: Optional[int] = None,
          name: Optional[str] = None, dtype: Any = None,
          batch_shape: Optional[Sequence[Optional[int]]] = None) -> SymbolicTensor:
    """A symbolic model input: ``Input(shape=(28, 28, 1))`` has shape ``(None, 28, 28, 1)``."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype,
                       batch_input_shape=batch_shape, name=name)
    return layer.output
