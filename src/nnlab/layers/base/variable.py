"""``Variable``: the weight tensor ``Layer.add_weight`` creates -- a ``torch.nn.Parameter``
with the few Keras 3 ``keras.Variable`` members custom training steps use.

Keras' guide for custom steps on the torch backend reads gradients as
``[v.value.grad for v in self.trainable_weights]``; here ``v.value`` is the parameter
itself, so ``v.value.grad`` is ``v.grad``. Everything else is a plain
``nn.Parameter`` (same speed: torch skips ``__torch_function__`` for it).
"""
from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn


class Variable(nn.Parameter):
    """A layer weight. ``value``: the tensor itself; ``assign(v)``: copy ``v`` in place;
    ``numpy()``: a numpy copy. Shape and dtype are the tensor's."""

    @property
    def value(self) -> torch.Tensor:
        return self

    def assign(self, value: Any) -> "Variable":
        """Copy ``value`` (array or tensor of the same shape) into the weight, in place."""
        value = torch.as_tensor(np.asarray(value) if not isinstance(value, torch.Tensor)
                                else value, dtype=self.dtype)
        if tuple(value.shape) != tuple(self.shape):
            raise ValueError(f"Variable.assign: expected shape {tuple(self.shape)}, got "
                             f"{tuple(value.shape)}")
        with torch.no_grad():
            self.copy_(value)
        return self

    def numpy(self, *, force: bool = False) -> np.ndarray:  # noqa: ARG002 - torch's signature
        return self.detach().cpu().numpy()
