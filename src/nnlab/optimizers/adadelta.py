"""``Adadelta`` (Zeiler, 2012) with Keras 3's defaults, via ``torch.optim.Adadelta``."""
from __future__ import annotations

from typing import Callable

import torch

from .optimizer import OPTIMIZERS, Optimizer, _positive, _unit


class Adadelta(Optimizer):
    """Adadelta: a per-weight step size from running averages of squared gradients and steps.

    ``E[g^2] <- rho E[g^2] + (1 - rho) g^2``;
    ``dx = sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) * g``;
    ``E[dx^2] <- rho E[dx^2] + (1 - rho) dx^2``; ``w <- w - lr dx``
    (the same update as Keras'; defaults ``learning_rate=0.001, rho=0.95, epsilon=1e-7``).
    """

    torch_class = torch.optim.Adadelta

    def __init__(self, learning_rate: float | Callable = 0.001, rho: float = 0.95,
                 epsilon: float = 1e-7, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, name: str = "Adadelta"):
        super().__init__(learning_rate, clipnorm, clipvalue, global_clipnorm, name)
        _unit(name, "rho", rho)
        _positive(name, "epsilon", epsilon, allow_zero=True)
        if weight_decay is not None:
            _positive(name, "weight_decay", weight_decay, allow_zero=True)
        self.rho, self.epsilon, self.weight_decay = rho, epsilon, weight_decay

    def _torch_kwargs(self) -> dict:
        return {"lr": self.learning_rate, "rho": self.rho, "eps": self.epsilon,
                "weight_decay": self.weight_decay or 0.0}


OPTIMIZERS.add("adadelta")(Adadelta)
