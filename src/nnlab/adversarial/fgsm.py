"""Fast gradient sign method (Goodfellow et al. 2015) and its random-init variant.

``x_adv = clip_[0,1](x + eps * sign(grad_x L(f(x), y)))``. With ``random_start=True``
it is "FGSM-RS" from Wong, Rice & Kolter 2020 ("Fast is better than free"): start at a
uniform point of the eps-ball, take one step of size ``alpha`` (default ``1.25 * eps``)
and project back to the eps-ball -- the cheap attack that makes adversarial training
as robust as PGD training at a fraction of the cost.
"""
from __future__ import annotations

from typing import Optional

import torch

from .base import Attack, _check_number

__all__ = ["FGSM"]


class FGSM(Attack):
    """One signed-gradient step.

    Args:
        model: ``nn.Module`` returning ``(batch, classes)`` logits or probabilities.
        eps: L-inf budget (pixels in [0, 1], so ``0.3`` is 30% of the range).
        targeted: step *toward* the labels given to the call instead of away.
        random_start: Wong et al.'s random init (then ``alpha`` is the step size).
        alpha: step size with ``random_start``; default ``1.25 * eps`` (Wong et al.).

    Input: ``x`` ``(batch, ...)`` in [0, 1], ``y`` ``(batch,)``. Output: like ``x``.

    Example:
        >>> import torch
        >>> model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 3))
        >>> FGSM(model, eps=0.1)(torch.rand(2, 4), torch.tensor([0, 2])).shape
        torch.Size([2, 4])
    """

    def __init__(self, model: torch.nn.Module, eps: float = 8 / 255, targeted: bool = False,
                 random_start: bool = False, alpha: Optional[float] = None,
                 outputs: str = "auto"):
        super().__init__(model, eps, targeted=targeted, outputs=outputs)
        self.random_start_ = bool(random_start)
        self._alpha = None if alpha is None else _check_number("alpha", alpha)

    @property
    def alpha(self) -> float:
        """The random-start step size: ``1.25 * eps`` (follows eps) unless given."""
        return 1.25 * self.eps if self._alpha is None else self._alpha

    def perturb(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if not self.random_start_:
            grad, _ = self.gradient(x, labels)
            return (x + self.eps * grad.sign()).clamp_(0.0, 1.0)
        start = self.random_start(x)
        grad, _ = self.gradient(start, labels)
        return self.project(start + self.alpha * grad.sign(), x)
