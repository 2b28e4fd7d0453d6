"""``Embedding``: integer token ids to dense vectors (a trainable lookup table)."""
from __future__ import annotations

from typing import Any, Optional

import torch
import torch.nn.functional as F

from .base.layer import Layer


class Embedding(Layer):
    """Turn token ids into vectors: ``output[..., :] = embeddings[inputs[...]]``.

    Equivalent to a one-hot encoding followed by a bias-free Dense layer, computed as
    a table lookup (``F.embedding``).

    Args:
        input_dim: vocabulary size; valid ids are ``0 .. input_dim - 1``.
        output_dim: size of each vector.
        embeddings_initializer: default ``'uniform'`` (U(-0.05, 0.05), as Keras).
        embeddings_regularizer: e.g. ``'l2'``.
        mask_zero: id 0 is padding: the output carries the mask ``inputs != 0`` (Keras'
            ``_keras_mask``), which Sequential and functional models pass on to the layers
            that consume it (RNNs, attention, pooling, losses); see ``docs/sequences.md``.
        input_length: Keras 2's way to fix the sequence length, e.g. for a ``Flatten``
            that follows; it sets ``input_shape=(input_length,)``.

    Input shape: ``(batch, ...)`` of integer ids (floats holding ids are cast).
    Output shape: ``(batch, ..., output_dim)``.
    Weights: ``embeddings`` ``(input_dim, output_dim)``.

    Raises:
        ValueError: when an id is outside ``[0, input_dim)`` (one min/max check per call).

    Example:
        >>> import nnlab
        >>> from nnlab.layers import Embedding
        >>> Embedding(1000, 64)(nnlab.Input((10,), dtype="int32")).shape
        (None, 10, 64)
    """

    def __init__(self, input_dim: int, output_dim: int, embeddings_initializer: Any = "uniform",
                 embeddings_regularizer: Any = None, mask_zero: bool = False,
                 input_length: Optional[int] = None, **kwargs: Any):
        if input_length is not None and "input_shape" not in kwargs and \
                "batch_input_shape" not in kwargs:
            kwargs["input_shape"] = (input_length,)
        super().__init__(**kwargs)
        for argument, value in (("input_dim", input_dim), ("output_dim", output_dim)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Embedding: {argument} must be a positive int, got {value!r}")
        self.input_dim = input_dim
        self.output_dim = output_dim
        self.mask_zero = bool(mask_zero)
        self._makes_mask = self.mask_zero
        self.input_length = input_length
        self._init = embeddings_initializer
        self._reg = embeddings_regularizer

    def get_config(self):
        config = super().get_config()
        # the base drops a Keras ``input_dim`` when an input shape is set; ours is the vocabulary
        config["input_dim"] = self.input_dim
        return config

    def build(self, input_shape):
        self.add_weight("embeddings", (self.input_dim, self.output_dim), self._init, self._reg)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def compute_output_dtype(self, input_dtype):
        return torch.float32

    def compute_mask(self, inputs: torch.Tensor, mask: Any = None) -> Optional[torch.Tensor]:
        """``inputs != 0`` when ``mask_zero`` (Keras' padding mask), else ``None``."""
        return inputs != 0 if self.mask_zero else None

    def call(self, inputs):
        ids = inputs if inputs.dtype in (torch.int64, torch.int32) else inputs.long()
        if ids.numel() and ids.device.type != "meta":
            low, high = torch.aminmax(ids)
            if bool((low < 0) | (high >= self.input_dim)):  # one host sync for both bounds
                bad = int(low) if low < 0 else int(high)
                raise ValueError(
                    f"Layer {self.name!r} (Embedding) got token id {bad}, outside the valid "
                    f"range [0, {self.input_dim - 1}] (input_dim={self.input_dim}). Raise "
                    f"input_dim to the vocabulary size or map unknown tokens to a valid id.")
        return F.embedding(ids, self.embeddings)

