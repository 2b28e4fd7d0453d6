"""``Adagrad`` (Duchi et al. 2011) with Keras 3's arguments and defaults."""
from __future__ import annotations

from collections.abc import Callable

import torch

from .optimizer import OPTIMIZERS, Optimizer, _positive


class Adagrad(Optimizer):
    """Adagrad (Duchi et al. 2011) via ``torch.optim.Adagrad``.

    ``G <- G + g^2`` (starting at ``initial_accumulator_value``),
    ``w <- w - lr g / (sqrt(G) + eps)``.
    """

    torch_class = torch.optim.Adagrad

    def __init__(self, learning_rate: float | Callable = 0.001,
                 initial_accumulator_value: float = 0.1, epsilon: float = 1e-7,
                 weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 name: str = "Adagrad"):
        super().__init__(learning_rate, clipnorm, clipvalue, global_clipnorm, name)
        _positive(name, "initial_accumulator_value", initial_accumulator_value, allow_zero=True)
        _positive(name, "epsilon", epsilon, allow_zero=True)
        if weight_decay is not None:
            _positive(name, "weight_decay", weight_decay, allow_zero=True)
        self.initial_accumulator_value, self.epsilon = initial_accumulator_value, epsilon
        self.weight_decay = weight_decay

    def _torch_kwargs(self) -> dict:
        return {"lr": self.learning_rate, "eps": self.epsilon,
                "weight_decay": self.weight_decay or 0.0,
                "initial_accumulator_value": self.initial_accumulator_value}


OPTIMIZERS.add("adagrad")(Adagrad)
