"""Language-model metrics ``Perplexity`` and ``BitsPerCharacter`` (usable in
``compile(metrics=[...])``), streamed with running sums on the device."""
from __future__ import annotations

import math
from typing import Any

import torch
import torch.nn.functional as F

from .metric import METRICS, Metric, _acc_dtype


class Perplexity(Metric):
    """``exp(mean negative log-likelihood)`` per token, streamed (as keras_nlp's Perplexity).

    ``y_true``: integer ids ``(batch, T)`` (or ``(batch,)``); ``y_pred``: scores
    ``(batch, T, V)`` (or ``(batch, V)``). ``from_logits=None`` decides per batch (no host
    sync): rows that are non-negative and sum to 1 are probabilities, anything else logits.
    Tokens equal to ``mask_token_id`` are not counted.
    """

    def __init__(self, from_logits: bool | None = None, mask_token_id: int | None = None,
                 name: str = "perplexity"):
        self.from_logits, self.mask_token_id = from_logits, mask_token_id
        super().__init__(name)

    def reset_state(self) -> None:
        self._nll: torch.Tensor | None = None
        self._count: torch.Tensor | None = None

    def _log_probs(self, y_pred: torch.Tensor) -> torch.Tensor:
        y_pred = y_pred.float()
        if self.from_logits:
            return F.log_softmax(y_pred, -1)
        as_probs = torch.log(y_pred.clamp_min(1e-12))
        if self.from_logits is False:
            return as_probs
        is_probs = (y_pred >= 0).all() & ((y_pred.sum(-1) - 1).abs() < 1e-3).all()
        return torch.where(is_probs, as_probs, F.log_softmax(y_pred, -1))

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        y_pred = torch.as_tensor(y_pred).detach()
        y_true = torch.as_tensor(y_true, device=y_pred.device).detach()
        if y_true.shape != y_pred.shape[:-1]:
            y_true = y_true.reshape(y_pred.shape[:-1])
        labels = y_true.long()
        with torch.no_grad():
            nll = -self._log_probs(y_pred).gather(-1, labels.unsqueeze(-1)).squeeze(-1)
            w = torch.ones_like(nll) if sample_weight is None else torch.as_tensor(
                sample_weight, device=nll.device, dtype=nll.dtype).reshape(
                    nll.shape[:1] + (1,) * (nll.ndim - 1)).expand_as(nll)
            if self.mask_token_id is not None:
                w = w * (labels != self.mask_token_id)
            if self._nll is None:
                dt = _acc_dtype(nll.device)
                self._nll = torch.zeros((), dtype=dt, device=nll.device)
                self._count = torch.zeros((), dtype=dt, device=nll.device)
            self._nll += (nll * w).sum().to(self._nll.dtype)
            self._count += w.sum().to(self._count.dtype)

    def _mean_nll(self) -> float:
        if self._nll is None:
            return 0.0
        total, count = torch.stack([self._nll, self._count]).tolist()
        return total / count if count else 0.0

    def result(self) -> float:
        return math.exp(self._mean_nll())

    def get_config(self) -> dict:
        return {"name": self.name, "from_logits": self.from_logits,
                "mask_token_id": self.mask_token_id}


class BitsPerCharacter(Perplexity):
    """Mean negative log2-likelihood per token: ``nll / ln 2`` = ``log2(perplexity)``.

    Same inputs as :class:`Perplexity`; on a character model it is bits per character.
    """

    def __init__(self, from_logits: bool | None = None, mask_token_id: int | None = None,
                 name: str = "bits_per_character"):
        super().__init__(from_logits, mask_token_id, name)

    def result(self) -> float:
        return self._mean_nll() / math.log(2)


METRICS.add("perplexity")(Perplexity)
METRICS.add("bits_per_character", "bpc")(BitsPerCharacter)
