"""Iterative attacks: BIM (Kurakin et al. 2017) and PGD (Madry et al. 2018), L-inf and L2.

L-inf step: ``x <- Proj_{B_inf(x0, eps) and [0,1]}(x + alpha * sign(grad))``.
L2 step:    ``x <- Proj_{B_2(x0, eps) and [0,1]}(x + alpha * grad / ||grad||_2)``.
BIM is PGD without the random start. The loop is torchattacks' algorithm written over
torch ops (the projection as one ``min``/``max`` against the ball's bounds), so without
a random start the images equal torchattacks' to float rounding.
"""
from __future__ import annotations

import torch

from .base import Attack, _check_number, check_steps

__all__ = ["BIM", "PGD", "PGDL2"]


class PGD(Attack):
    """Projected gradient descent in the L-inf ball (Madry et al.).

    Args:
        model: ``nn.Module`` returning ``(batch, classes)`` logits or probabilities.
        eps: L-inf budget; ``0.3`` is Madry's MNIST setting.
        alpha: step size (Madry's MNIST: 0.01 with 40 steps).
        steps: number of gradient steps, >= 1.
        random_start: start at a uniform point of the eps-ball (torch's global RNG).
        targeted: step toward the labels given to the call.

    Input: ``x`` ``(batch, ...)`` in [0, 1], ``y`` ``(batch,)``. Output: like ``x``.
    """

    def __init__(self, model: torch.nn.Module, eps: float = 8 / 255, alpha: float = 2 / 255,
                 steps: int = 10, random_start: bool = True, targeted: bool = False,
                 outputs: str = "auto"):
        super().__init__(model, eps, targeted=targeted, outputs=outputs)
        self.alpha = _check_number("alpha", alpha, strict=True)
        self.steps = check_steps(steps)
        self.random_start_ = bool(random_start)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(eps={self.eps:g}, alpha={self.alpha:g}, "
                f"steps={self.steps}, random_start={self.random_start_}, "
                f"targeted={self.targeted})")

    def step(self, x_adv: torch.Tensor, grad: torch.Tensor, x: torch.Tensor,
             bounds) -> torch.Tensor:
        return self.project(x_adv + self.alpha * grad.sign(), x, bounds)

    def start(self, x: torch.Tensor) -> torch.Tensor:
        return self.random_start(x) if self.random_start_ else x.clone()

    def perturb(self, x: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        bounds = self.bounds(x)
        x_adv = self.start(x)
        for _ in range(self.steps):
            grad, _ = self.gradient(x_adv, labels)
            x_adv = self.step(x_adv, grad, x, bounds)
        return x_adv


class BIM(PGD):
    """Basic iterative method / iterative FGSM (Kurakin et al.): PGD from ``x`` itself."""

    def __init__(self, model: torch.nn.Module, eps: float = 8 / 255, alpha: float = 2 / 255,
                 steps: int = 10, targeted: bool = False, outputs: str = "auto"):
        super().__init__(model, eps, alpha, steps, random_start=False, targeted=targeted,
                         outputs=outputs)


def _norms(t: torch.Tensor) -> torch.Tensor:
    """Per-image L2 norms ``(batch, 1, ..., 1)`` so they broadcast against ``t``."""
    return t.flatten(1).norm(p=2, dim=1).view(-1, *([1] * (t.ndim - 1)))


class PGDL2(PGD):
    """PGD in the L2 ball: normalised-gradient steps, projection by rescaling.

    Args: as :class:`PGD`; ``eps`` and ``alpha`` are L2 lengths (MNIST: eps 2.0 is a
    common setting). The random start is a uniform radius along a Gaussian direction,
    as in torchattacks.
    """

    def __init__(self, model: torch.nn.Module, eps: float = 1.0, alpha: float = 0.2,
                 steps: int = 10, random_start: bool = True, targeted: bool = False,
                 outputs: str = "auto"):
        super().__init__(model, eps, alpha, steps, random_start, targeted, outputs)

    def bounds(self, x: torch.Tensor):
        return None  # the L2 ball has no per-pixel bounds

    def project(self, x_adv: torch.Tensor, x: torch.Tensor, bounds=None) -> torch.Tensor:
        delta = x_adv - x
        factor = (self.eps / _norms(delta).clamp_min(1e-12)).clamp_max(1.0)
        return (x + delta * factor).clamp_(0.0, 1.0)

    def start(self, x: torch.Tensor) -> torch.Tensor:
        if not self.random_start_:
            return x.clone()
        delta = torch.randn_like(x)
        radius = torch.rand_like(_norms(delta)) * self.eps
        return (x + delta * radius / _norms(delta).clamp_min(1e-12)).clamp_(0.0, 1.0)

    def step(self, x_adv: torch.Tensor, grad: torch.Tensor, x: torch.Tensor,
             bounds=None) -> torch.Tensor:
        return self.project(x_adv + self.alpha * grad / (_norms(grad) + 1e-10), x)
