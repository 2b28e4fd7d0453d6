"""``IntegerLookup``: integer tokens (ids of any range) to contiguous indices, as Keras.

Keras runs this layer on TensorFlow lookup tables (Keras 3 refuses it without
TensorFlow); here the lookup is ``torch.searchsorted`` over the sorted vocabulary, so it
runs on tensors of any shape and device. Index layout as Keras' ``IndexLookup``:
``[mask_token] + [oov_token] * num_oov_indices + vocabulary``; ``adapt`` orders by count,
ties by value high to low; with ``num_oov_indices > 1`` an unknown value ``x`` takes OOV
index ``x % num_oov_indices`` (Keras' "modulated" OOV).
"""
from __future__ import annotations

from collections import Counter
from typing import Any, List, Optional

import numpy as np
import torch

from .base.layer import Layer
from .index_lookup import IndexLayout, check_lookup_args
from .string_lookup import encode_ids


class IntegerLookup(IndexLayout, Layer):
    """Map integer tokens to indices (or indices back to tokens with ``invert=True``).

    Args:
        max_tokens: vocabulary size cap (with the mask and OOV indices) for ``adapt``.
        num_oov_indices: indices for out-of-vocabulary values (default 1; 0 makes an
            unknown value an error).
        mask_token: a value mapped to index 0 (default None: no mask index).
        oov_token: the value returned for OOV indices when inverting (default -1).
        vocabulary: a list/array of distinct integers.
        invert: map indices to tokens.
        output_mode: ``"int"`` (default), ``"one_hot"``, ``"multi_hot"`` or ``"count"``.

    Input shape: integers ``(batch,)`` or ``(batch, tokens)`` (array or tensor).
    Output shape: int64 of the input's shape; ``multi_hot``/``count``
    ``(batch, vocabulary_size)``; ``one_hot`` adds a last axis of that size.

    Example:
        >>> IntegerLookup(vocabulary=[12, 36, 1138, 42])(np.array([[12, 1138, 42], [42, 1000, 36]]))
        tensor([[1, 3, 4],
                [4, 0, 2]])
    """

    def __init__(self, max_tokens: Optional[int] = None, num_oov_indices: int = 1,
                 mask_token: Optional[int] = None, oov_token: int = -1,
                 vocabulary: Any = None, vocabulary_dtype: str = "int64",
                 invert: bool = False, output_mode: str = "int", **kwargs: Any):
        super().__init__(**kwargs)
        check_lookup_args("IntegerLookup", max_tokens, num_oov_indices, output_mode, invert)
        if vocabulary_dtype not in ("int32", "int64"):
            raise ValueError(f"IntegerLookup: vocabulary_dtype must be 'int32' or 'int64', "
                             f"got {vocabulary_dtype!r}")
        self.max_tokens, self.num_oov_indices = max_tokens, num_oov_indices
        self.mask_token, self.oov_token = mask_token, int(oov_token)
        self.invert, self.output_mode = bool(invert), output_mode
        self._tokens: List[int] = []
        self._set_tokens([])
        if vocabulary is not None:
            self.set_vocabulary(vocabulary)

    # ------------------------------------------------------------- vocabulary
    def set_vocabulary(self, vocabulary: Any) -> None:
        """Use ``vocabulary`` (distinct integers); a leading mask token and OOV tokens, as
        ``get_vocabulary()`` returns them, are recognised."""
        tokens = [int(t) for t in np.asarray(vocabulary).reshape(-1).tolist()]
        if len(set(tokens)) != len(tokens):
            dupes = sorted({t for t in tokens if tokens.count(t) > 1})
            raise ValueError(f"IntegerLookup: the vocabulary has repeated terms {dupes[:5]}; "
                             f"every token must appear once.")
        self._set_tokens(self._without_special(tokens))

    def _set_tokens(self, tokens: List[int]) -> None:
        self._tokens = list(tokens)
        values = torch.tensor(self._tokens, dtype=torch.int64)
        order = torch.argsort(values)
        self._sorted = values[order]
        self._sorted_index = order + self._token_start()

    def adapt(self, data: Any, batch_size: Any = None, steps: Any = None) -> None:
        """Learn the vocabulary from ``data`` (integers: array, tensor or nested lists)."""
        values = torch.as_tensor(np.asarray(data) if not isinstance(data, torch.Tensor)
                                 else data).reshape(-1).tolist()
        counts = Counter(int(v) for v in values if v != self.mask_token)
        if not counts:
            raise ValueError("IntegerLookup.adapt: got no tokens; pass a non-empty array of "
                             "integers.")
        tokens = [t for t, _ in sorted(counts.items(), key=lambda kv: (kv[1], kv[0]),
                                       reverse=True)]
        if self.max_tokens is not None:
            tokens = tokens[:max(self.max_tokens - self._token_start(), 0)]
        self._set_tokens(tokens)

    def get_config(self):
        config = super().get_config()
        config["vocabulary"] = list(self._tokens) or None  # adapted ones too
        return config

    # ------------------------------------------------------------------ call
    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if self.output_mode == "int":
            return shape
        if self.output_mode == "one_hot":
            return shape + (self.vocabulary_size(),)
        return (shape[0], self.vocabulary_size())

    def compute_output_dtype(self, input_dtype: torch.dtype) -> torch.dtype:
        return torch.int64 if self.output_mode == "int" else torch.float32

    def forward(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        return self.call(inputs)

    def call(self, inputs: Any) -> torch.Tensor:
        x = torch.as_tensor(np.asarray(inputs) if not isinstance(inputs, torch.Tensor)
                            else inputs)
        if x.is_floating_point():
            raise TypeError(f"Layer {self.name!r} (IntegerLookup) expects integer tokens, "
                            f"got {x.dtype}")
        x = x.long()
        if self.invert:
            vocab = torch.tensor(self.get_vocabulary(), dtype=torch.int64, device=x.device)
            valid = (x >= 0) & (x < len(vocab))
            return torch.where(valid, vocab[x.clamp(0, max(len(vocab) - 1, 0))],
                               torch.full_like(x, self.oov_token))
        ids = self._lookup(x)
        return encode_ids(ids, self.output_mode, self.vocabulary_size(), "IntegerLookup")

    def _lookup(self, x: torch.Tensor) -> torch.Tensor:
        table, index = self._sorted.to(x.device), self._sorted_index.to(x.device)
        pos = torch.searchsorted(table, x.contiguous()).clamp(max=max(len(table) - 1, 0))
        found = table[pos] == x if len(table) else torch.zeros_like(x, dtype=torch.bool)
        ids = torch.where(found, index[pos] if len(table) else x, torch.zeros_like(x))
        unknown = ~found
        if self.mask_token is not None:
            masked = x == self.mask_token
            ids = torch.where(masked, torch.zeros_like(x), ids)
            unknown &= ~masked
        if bool(unknown.any()):
            if self.num_oov_indices == 0:
                bad = int(x[unknown].reshape(-1)[0])
                raise ValueError(f"Layer {self.name!r} (IntegerLookup): token {bad} is not in "
                                 f"the vocabulary and num_oov_indices=0.")
            oov = self._oov_start() + torch.remainder(x, self.num_oov_indices)
            ids = torch.where(unknown, oov, ids)
        return ids
