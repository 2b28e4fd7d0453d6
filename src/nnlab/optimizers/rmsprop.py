"""``RMSprop`` (Hinton, lecture 6e) with Keras 3's arguments and defaults."""
from __future__ import annotations

from collections.abc import Callable

import torch

from .optimizer import OPTIMIZERS, Optimizer, _positive, _unit


class RMSprop(Optimizer):
    """RMSprop (Hinton, lecture 6e) via ``torch.optim.RMSprop`` (Keras ``rho`` = torch ``alpha``).

    ``v <- rho v + (1 - rho) g^2``, ``w <- w - lr g / (sqrt(v) + eps)`` (Keras puts eps
    inside the sqrt); ``centered`` subtracts the squared running mean of ``g`` from ``v``;
    ``momentum`` accumulates the update ``b <- mu b + g / (sqrt(v) + eps)``.
    """

    torch_class = torch.optim.RMSprop

    def __init__(self, learning_rate: float | Callable = 0.001, rho: float = 0.9,
                 momentum: float = 0.0, epsilon: float = 1e-7, centered: bool = False,
                 weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 name: str = "RMSprop"):
        super().__init__(learning_rate, clipnorm, clipvalue, global_clipnorm, name)
        _unit(name, "rho", rho)
        _unit(name, "momentum", momentum)
        _positive(name, "epsilon", epsilon, allow_zero=True)
        if weight_decay is not None:
            _positive(name, "weight_decay", weight_decay, allow_zero=True)
        self.rho, self.momentum, self.epsilon = rho, momentum, epsilon
        self.centered, self.weight_decay = centered, weight_decay

    def _torch_kwargs(self) -> dict:
        return {"lr": self.learning_rate, "alpha": self.rho, "eps": self.epsilon,
                "momentum": self.momentum, "centered": self.centered,
                "weight_decay": self.weight_decay or 0.0}


OPTIMIZERS.add("rmsprop")(RMSprop)
