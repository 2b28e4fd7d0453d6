"""Attention for a step-by-step decoder: additive (Bahdanau) and dot / general (Luong).

For a decoder query ``q (batch, Q)`` and encoder outputs ``h (batch, S, H)``:

- additive (Bahdanau et al. 2015): ``e_j = v^T tanh(W q + U h_j)``
- dot (Luong et al. 2015): ``e_j = q . h_j`` (needs ``Q == H``)
- general (Luong): ``e_j = q^T W h_j``

``a = softmax(e)`` over the unmasked source positions and the context is
``c = sum_j a_j h_j``. Written here rather than with ``nnlab.layers.Attention`` because
a decoder calls it once per output step: the key-side projection (``U h``, ``W h``) is
computed once per source sentence by :meth:`keys` and reused at every step.
"""
from __future__ import annotations

import torch
from torch import nn

from ..layers import Dense

ATTENTION_KINDS = ("bahdanau", "dot", "general")


class StepAttention(nn.Module):
    """One attention kind, ``kind`` in ``("bahdanau", "dot", "general")``.

    Args:
        kind: the score function (see the module docstring).
        units: hidden size of the additive score (``bahdanau`` only).
    """

    def __init__(self, kind: str = "bahdanau", units: int = 64):
        super().__init__()
        if kind not in ATTENTION_KINDS:
            raise ValueError(f"attention must be one of {ATTENTION_KINDS}, got {kind!r}")
        self.kind = kind
        if kind == "bahdanau":
            self.query_proj = Dense(units, use_bias=False)
            self.key_proj = Dense(units)
            self.v = Dense(1, use_bias=False)
        elif kind == "general":
            self.key_proj = Dense(units, use_bias=False)  # W h_j, with units == query size

    def keys(self, memory: torch.Tensor) -> torch.Tensor:
        """Precomputed keys ``(batch, S, K)`` from encoder outputs ``(batch, S, H)``."""
        return memory if self.kind == "dot" else self.key_proj(memory)

    def forward(self, query: torch.Tensor, keys: torch.Tensor, memory: torch.Tensor,
                mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """Context ``(batch, H)`` and weights ``(batch, S)`` for ``query (batch, Q)``.

        ``mask (batch, S)``: True where the source has a real token (padding gets 0 weight).
        """
        if self.kind == "bahdanau":
            scores = self.v(torch.tanh(keys + self.query_proj(query)[:, None])).squeeze(-1)
        else:
            if query.shape[-1] != keys.shape[-1]:
                raise ValueError(f"{self.kind} attention: query size {query.shape[-1]} must equal "
                                 f"the key size {keys.shape[-1]}")
            scores = torch.bmm(keys, query.unsqueeze(-1)).squeeze(-1)
        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        weights = scores.softmax(-1)
        return torch.bmm(weights.unsqueeze(1), memory).squeeze(1), weights
