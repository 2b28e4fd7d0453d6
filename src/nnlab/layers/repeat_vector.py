"""``RepeatVector``: repeat a feature vector ``n`` times (the encoder -> decoder bridge of
sequence-to-sequence models such as keras-io's addition RNN)."""
from __future__ import annotations

from typing import Any

from .base.layer import Layer


class RepeatVector(Layer):
    """``(batch, features)`` -> ``(batch, n, features)``, each step a copy of the input.

    Args:
        n: number of repetitions (a positive int).

    Raises:
        ValueError: ``n`` is not a positive int. ShapeError: input not of rank 2.

    Example:
        >>> RepeatVector(3)(torch.ones(2, 5)).shape  # doctest: +SKIP
        torch.Size([2, 3, 5])
    """

    def __init__(self, n: int, **kwargs: Any):
        super().__init__(**kwargs)
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            raise ValueError(f"RepeatVector: n must be a positive int, got {n!r}")
        self.n = n

    def input_spec_before_build(self):
        return {"ndim": 2, "layout": "(batch, features)"}

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def call(self, inputs):
        return inputs.unsqueeze(1).expand(-1, self.n, -1)
