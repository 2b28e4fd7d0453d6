"""The index layout ``StringLookup`` and ``IntegerLookup`` share (Keras' ``IndexLookup``):
``[mask_token] + [oov_token] * num_oov_indices + vocabulary``, the mask index only in
``"int"`` output mode; and the checks of their common constructor arguments."""
from __future__ import annotations

from typing import Any, List, Optional

MODES = ("int", "one_hot", "multi_hot", "count")


def check_lookup_args(owner: str, max_tokens: Optional[int], num_oov_indices: int,
                      output_mode: str, invert: bool) -> None:
    """ValueError naming ``owner`` for a bad ``max_tokens``, ``num_oov_indices``,
    ``output_mode`` or ``invert`` with a non-int mode."""
    if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
        raise ValueError(f"{owner}: max_tokens must be a positive int or None, got "
                         f"{max_tokens!r}")
    if not isinstance(num_oov_indices, int) or num_oov_indices < 0:
        raise ValueError(f"{owner}: num_oov_indices must be an int >= 0, got "
                         f"{num_oov_indices!r}")
    if output_mode not in MODES:
        raise ValueError(f"{owner}: output_mode must be one of {list(MODES)}, got "
                         f"{output_mode!r}")
    if invert and output_mode != "int":
        raise ValueError(f"{owner}: invert=True needs output_mode='int', got "
                         f"{output_mode!r}")


class IndexLayout:
    """Index arithmetic over ``self.mask_token``, ``self.oov_token``,
    ``self.num_oov_indices``, ``self.output_mode`` and the learned ``self._tokens``."""

    mask_token: Any
    oov_token: Any
    num_oov_indices: int
    output_mode: str
    _tokens: List[Any]

    def _oov_start(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start(self) -> int:
        return self._oov_start() + self.num_oov_indices

    def get_vocabulary(self, include_special_tokens: bool = True) -> List[Any]:
        """Tokens in index order: ``[mask_token] + [oov_token] * num_oov_indices +
        learned``."""
        if not include_special_tokens:
            return list(self._tokens)
        head = [self.mask_token] if self._oov_start() else []
        return head + [self.oov_token] * self.num_oov_indices + list(self._tokens)

    def vocabulary_size(self) -> int:
        return self._token_start() + len(self._tokens)

    def _without_special(self, tokens: List[Any]) -> List[Any]:
        """``tokens`` without a leading mask token and OOV tokens (as ``get_vocabulary()``
        returns them)."""
        if self.mask_token is not None and tokens[:1] == [self.mask_token]:
            tokens = tokens[1:]
        while self.num_oov_indices and tokens[:1] == [self.oov_token]:
            tokens = tokens[1:]
        return tokens
