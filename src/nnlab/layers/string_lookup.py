"""``StringLookup``: strings to integer ids through a vocabulary (Keras 3's index layout).

Keras runs this layer on TensorFlow lookup tables; nnlab has no TensorFlow, so the
lookup is a Python ``dict`` (hand-written: no torch or numpy op maps strings), following
Keras' ``IndexLookup`` rules: index layout ``[mask_token] + [OOV] * num_oov_indices +
vocabulary``, adapt order by count (ties: token bytes, high to low).
"""
from __future__ import annotations

import os
import zlib
from collections import Counter
from typing import Any, Iterable, List, Optional

import numpy as np
import torch

from .base.layer import Layer
from .index_lookup import IndexLayout, check_lookup_args
from ..tree import map_structure



def read_vocabulary(owner: str, vocabulary: Any) -> List[str]:
    """A list of tokens, or a file path with one token per line; duplicates are an error."""
    if isinstance(vocabulary, (str, os.PathLike)):
        if not os.path.isfile(vocabulary):
            raise ValueError(f"{owner}: vocabulary file {str(vocabulary)!r} does not exist")
        with open(vocabulary, encoding="utf-8") as f:
            tokens = [line.rstrip("\n").rstrip("\r") for line in f]
        source = f"vocabulary file {str(vocabulary)!r}"
    else:
        tokens = [str(t) for t in vocabulary]
        source = "vocabulary"
    seen: set = set()
    dupes = [t for t in tokens if t in seen or seen.add(t)]
    if dupes:
        raise ValueError(f"{owner}: the {source} has repeated terms {sorted(set(dupes))[:5]!r}; "
                         f"every token must appear once.")
    return tokens


def sort_by_count(counts: Counter) -> List[str]:
    """Keras' adapt order: count high to low, ties by token (UTF-8 bytes) high to low."""
    return [t for t, _ in sorted(counts.items(), key=lambda kv: (kv[1], kv[0].encode()),
                                 reverse=True)]


def _as_nested_list(inputs: Any) -> Any:
    if isinstance(inputs, np.ndarray):
        return inputs.tolist()
    if isinstance(inputs, torch.Tensor):
        raise TypeError("expected strings, got a torch.Tensor")
    return inputs


class StringLookup(IndexLayout, Layer):
    """Map strings to integer ids (or ids back to strings with ``invert=True``).

    Args:
        max_tokens: vocabulary size cap (including the mask and OOV indices) for ``adapt``.
        num_oov_indices: ids reserved for out-of-vocabulary tokens (default 1); with more
            than one, an unknown token picks one by a CRC32 hash (Keras uses farmhash, so
            those ids differ from Keras'); 0 makes an unknown token an error.
        mask_token: a token mapped to id 0 (default None: no mask id).
        oov_token: the string returned for OOV ids when inverting (default ``"[UNK]"``).
        vocabulary: a list of tokens or a file path (one token per line).
        invert: map ids to tokens.
        output_mode: ``"int"`` (default), ``"one_hot"``, ``"multi_hot"`` or ``"count"``.

    Input shape: strings ``(batch,)`` or ``(batch, tokens)`` (lists or numpy arrays).
    Output shape: int64 ``(batch, ...)``; ``multi_hot``/``count`` ``(batch, vocab_size)``;
    ``one_hot`` ``(batch, vocab_size)`` for ``(batch,)`` input.

    Raises:
        ValueError: for repeated vocabulary terms, an empty ``adapt``, an unknown token with
            ``num_oov_indices=0``, or a bad argument.

    Example:
        >>> from nnlab.layers import StringLookup
        >>> StringLookup(vocabulary=["a", "b", "c", "d"])([["a", "c", "d"], ["d", "z", "b"]])
        tensor([[1, 3, 4],
                [4, 0, 2]])
    """

    def __init__(self, max_tokens: Optional[int] = None, num_oov_indices: int = 1,
                 mask_token: Optional[str] = None, oov_token: str = "[UNK]",
                 vocabulary: Any = None, invert: bool = False, output_mode: str = "int",
                 **kwargs: Any):
        super().__init__(**kwargs)
        check_lookup_args(type(self).__name__, max_tokens, num_oov_indices, output_mode, invert)
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = mask_token
        self.oov_token = oov_token
        self.invert = bool(invert)
        self.output_mode = output_mode
        self._tokens: List[str] = []
        self._index: dict = {}
        if vocabulary is not None:
            self.set_vocabulary(vocabulary)

    # ------------------------------------------------------------- vocabulary
    def set_vocabulary(self, vocabulary: Any) -> None:
        """Use ``vocabulary`` (a list or a file path). It may start with the mask token and
        the OOV tokens (as ``get_vocabulary()`` returns them); they are recognised."""
        self._set_tokens(self._without_special(read_vocabulary(type(self).__name__,
                                                                vocabulary)))

    def _set_tokens(self, tokens: List[str]) -> None:
        self._tokens = list(tokens)
        start = self._token_start()
        self._index = {t: start + i for i, t in enumerate(self._tokens)}

    def adapt(self, data: Any, batch_size: Any = None, steps: Any = None) -> None:
        """Learn the vocabulary from ``data`` (strings, nested lists or arrays of them)."""
        counts = Counter(t for t in _flatten_strings(_as_nested_list(data))
                         if t != self.mask_token)
        if not counts:
            raise ValueError(f"{type(self).__name__}.adapt: got no tokens (an empty list?); "
                             f"pass a non-empty list of strings.")
        tokens = sort_by_count(counts)
        if self.max_tokens is not None:
            tokens = tokens[:max(self.max_tokens - self._token_start(), 0)]
        self._set_tokens(tokens)

    # ------------------------------------------------------------------ call
    def _lookup(self, token: str) -> int:
        idx = self._index.get(token)
        if idx is not None:
            return idx
        if self.mask_token is not None and token == self.mask_token:
            return 0
        if self.num_oov_indices == 0:
            raise ValueError(f"Layer {self.name!r} ({type(self).__name__}): token {token!r} is "
                             f"not in the vocabulary and num_oov_indices=0.")
        extra = zlib.crc32(token.encode()) % self.num_oov_indices if \
            self.num_oov_indices > 1 else 0
        return self._oov_start() + extra

    def _invert(self, idx: int) -> str:
        vocab = self.get_vocabulary()
        return vocab[idx] if 0 <= idx < len(vocab) else self.oov_token

    def forward(self, inputs: Any, *args: Any, **kwargs: Any) -> Any:
        return self.call(inputs)

    def call(self, inputs: Any) -> Any:
        if self.invert:
            ids = torch.as_tensor(inputs).tolist()
            return np.array(map_structure(self._invert, ids), dtype=object)
        ids = torch.tensor(map_structure(self._lookup, _as_nested_list(inputs)),
                           dtype=torch.int64)
        return encode_ids(ids, self.output_mode, self.vocabulary_size(), type(self).__name__)


def encode_ids(ids: torch.Tensor, mode: str, depth: int, owner: str) -> torch.Tensor:
    """``int`` ids as they are; ``one_hot``/``multi_hot``/``count`` over ``depth`` ids."""
    if mode == "int":
        return ids
    if mode == "one_hot":
        return torch.nn.functional.one_hot(ids, depth).float()
    rows = ids.reshape(ids.shape[0], -1) if ids.ndim else ids.reshape(1, 1)
    counts = torch.zeros(rows.shape[0], depth).scatter_add_(1, rows, torch.ones(rows.shape))
    return (counts > 0).float() if mode == "multi_hot" else counts


def _flatten_strings(data: Any) -> Iterable[str]:
    if isinstance(data, str):
        yield data
        return
    for item in data:
        yield from _flatten_strings(item)

