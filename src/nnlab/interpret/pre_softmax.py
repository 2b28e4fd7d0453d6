"""Explain the scores before a model's final softmax (``scores="logits"``).

Keras-style classifiers end in ``Dense(n, activation="softmax")``; an attribution method
explains what the model returns, so on such a model it explains *probabilities*, whose
gradient for class ``c`` is ``p_c * (dS_c - sum_k p_k dS_k)``: it mixes in every other
class and vanishes when ``p_c`` saturates. ``Method(model, scores="logits")`` explains
the pre-softmax scores instead, for any way of building the model: :class:`PreSoftmax`
runs the model under a ``torch.overrides.TorchFunctionMode`` that records each
``softmax`` call (``F.softmax``, ``torch.softmax``, ``Tensor.softmax``: what
``activation="softmax"``, ``Activation("softmax")``, ``nn.Softmax`` and a plain module's
``x.softmax(-1)`` all make) and, when the model's output *is* the last softmax's output,
returns that softmax's input. The model itself is not changed.
"""
from __future__ import annotations

from typing import Optional, Tuple

import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode

__all__ = ["PreSoftmax", "check_scores", "scored_model"]

_SOFTMAX = {F.softmax, torch.softmax, torch.Tensor.softmax, torch.nn.functional.softmax}
SCORES = ("output", "logits")


class _SoftmaxRecorder(TorchFunctionMode):
    def __init__(self):
        super().__init__()
        self.last: Optional[Tuple[torch.Tensor, torch.Tensor]] = None

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if func in _SOFTMAX and args:
            self.last = (args[0], out)
        return out


def _name(model: nn.Module) -> str:
    return f"{type(model).__name__} {getattr(model, 'name', '')!r}".rstrip(" '")


class PreSoftmax(nn.Module):
    """``model`` seen through the input of its final softmax: ``(batch, ...) -> logits``.

    Raises (on the first call):
        ValueError: the model's output is not a softmax's output (it returns scores
            already: use ``scores="output"``).
    """

    def __init__(self, model: nn.Module):
        super().__init__()
        self.model = model
        self.training = False          # never .eval(): that would reach the user's model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        with _SoftmaxRecorder() as recorder:
            out = self.model(x)
        if recorder.last is None or recorder.last[1] is not out:
            raise ValueError(f"scores='logits': model {_name(self.model)} does not end in a "
                             f"softmax (its output is not a softmax's output), so what it "
                             f"returns are the scores already; use scores='output'")
        return recorder.last[0]


def check_scores(scores: str) -> str:
    if scores not in SCORES:
        raise ValueError(f"scores must be 'output' (explain what the model returns) or "
                         f"'logits' (the scores before its final softmax), got {scores!r}")
    return scores


def scored_model(model: nn.Module, scores: str) -> nn.Module:
    """``model`` (``scores="output"``) or :class:`PreSoftmax` of it (``"logits"``)."""
    return model if check_scores(scores) == "output" else PreSoftmax(model)
