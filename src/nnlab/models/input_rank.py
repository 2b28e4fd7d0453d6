"""Keras' input-rank adjustment for models with declared inputs.

Keras 3 adds a trailing axis of size 1 where the data and the model's ``Input`` differ
only by it: images of shape ``(N, 28, 28)`` go into ``Input((28, 28, 1))`` as
``(N, 28, 28, 1)``. (Keras also drops a trailing size-1 axis the ``Input`` lacks; nnlab
keeps refusing that one, naming the expected shape: a ``(N, 4, 1)`` array for
``Input((4,))`` is more often a mistake than a convention.)
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import torch


def adjust_rank(x: Any, expected: Optional[Sequence[Optional[int]]]) -> Any:
    """``x`` with a trailing size-1 axis added when that makes its rank the one of
    ``expected`` (batch axis first); otherwise ``x`` unchanged (the caller's shape check
    then reports it)."""
    if not isinstance(x, torch.Tensor) or expected is None:
        return x
    rank = len(expected)
    if x.dim() == rank - 1 and rank >= 2 and expected[-1] == 1:
        return x.unsqueeze(-1)
    return x
