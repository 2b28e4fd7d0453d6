"""Fooling images: drive any image (or noise) to a chosen class with high confidence.

The lecture's "fool the network into any class" (Nguyen et al. 2015 and CS231n's
class-fooling exercise): targeted gradient steps ``x <- clip(x - alpha * sign(grad_x
CE(f(x), target)))`` until the model gives the target class probability >= ``confidence``
(each image stops on its own), within an L-inf ball of ``eps`` around the start (``eps=1``
is the whole [0, 1] box, i.e. unconstrained).
"""
from __future__ import annotations

from typing import Sequence

import torch

from .base import Attack, _check_number, check_steps

__all__ = ["FoolingImage", "noise_images"]


class FoolingImage(Attack):
    """Targeted, confidence-driven attack: ``FoolingImage(model)(x, target) -> x_fool``.

    Args:
        model: ``nn.Module`` returning ``(batch, classes)`` logits or probabilities.
        eps: L-inf budget around the start; 1.0 (default) leaves only the [0, 1] box.
        alpha: step size per iteration.
        steps: maximum number of steps, >= 1.
        confidence: stop an image once ``p(target | x) >= confidence`` (0 < c < 1).

    Input: ``x`` ``(batch, ...)`` in [0, 1] (e.g. :func:`noise_images`), ``target``
    ``(batch,)`` class indices. Output: like ``x``. After a call, ``self.reached`` is a
    ``(batch,)`` bool tensor (confidence reached) and ``self.steps_taken`` an int.
    """

    def __init__(self, model: torch.nn.Module, eps: float = 1.0, alpha: float = 0.01,
                 steps: int = 200, confidence: float = 0.99, outputs: str = "auto"):
        super().__init__(model, eps, targeted=True, outputs=outputs)
        self.alpha = _check_number("alpha", alpha, strict=True)
        self.steps = check_steps(steps)
        confidence = _check_number("confidence", confidence, strict=True)
        if confidence >= 1.0:
            raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
        self.confidence = confidence
        self.reached = torch.zeros(0, dtype=torch.bool)
        self.steps_taken = 0

    def _target_prob(self, out: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        probs = out if self._probabilities else out.softmax(dim=1)
        return probs.gather(1, labels[:, None])[:, 0]

    def perturb(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        x_adv = x.clone()
        active = torch.ones(len(x), dtype=torch.bool, device=x.device)
        self.steps_taken = 0
        for _ in range(self.steps):
            idx = active.nonzero()[:, 0]
            grad, out = self.gradient(x_adv[idx], labels[idx])
            done = self._target_prob(out.detach(), labels[idx]) >= self.confidence
            step = self.project(x_adv[idx] + self.alpha * grad.sign(), x[idx])
            x_adv[idx] = torch.where(done.view(-1, *[1] * (x.ndim - 1)), x_adv[idx], step)
            active[idx[done]] = False
            self.steps_taken += 1
            if not active.any():
                break
        with torch.no_grad():
            self.reached = self._target_prob(self.model(x_adv), labels) >= self.confidence
        return x_adv


def noise_images(n: int, shape: Sequence[int], seed: int = 0, scale: float = 0.1,
                 mean: float = 0.5) -> torch.Tensor:
    """``(n, *shape)`` starting images: ``mean + scale * N(0, 1)`` clipped to [0, 1]."""
    gen = torch.Generator().manual_seed(seed)
    return (mean + scale * torch.randn(n, *shape, generator=gen)).clamp_(0.0, 1.0)
