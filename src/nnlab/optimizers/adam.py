"""``Adam`` (Kingma & Ba 2015) with Keras 3's arguments and defaults."""
from __future__ import annotations

from collections.abc import Callable

import torch

from .optimizer import OPTIMIZERS, Optimizer, _positive, _unit


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015) via ``torch.optim.Adam``.

    ``m <- b1 m + (1 - b1) g``, ``v <- b2 v + (1 - b2) g^2``; bias correction
    ``m_hat = m / (1 - b1^t)``, ``v_hat = v / (1 - b2^t)``;
    ``w <- w - lr m_hat / (sqrt(v_hat) + eps)``. (Keras adds ``eps`` before the
    ``sqrt(1 - b2^t)`` correction; the difference is of order ``eps``.) ``amsgrad`` keeps
    ``max(v_hat)``. ``weight_decay`` is L2 added to ``g``; for decoupled decay use AdamW.
    """

    torch_class = torch.optim.Adam

    def __init__(self, learning_rate: float | Callable = 0.001, beta_1: float = 0.9,
                 beta_2: float = 0.999, epsilon: float = 1e-7, amsgrad: bool = False,
                 weight_decay: float | None = None, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 name: str = "Adam"):
        super().__init__(learning_rate, clipnorm, clipvalue, global_clipnorm, name)
        _unit(name, "beta_1", beta_1)
        _unit(name, "beta_2", beta_2)
        _positive(name, "epsilon", epsilon, allow_zero=True)
        if weight_decay is not None:
            _positive(name, "weight_decay", weight_decay, allow_zero=True)
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.amsgrad, self.weight_decay = amsgrad, weight_decay

    def _torch_kwargs(self) -> dict:
        return {"lr": self.learning_rate, "betas": (self.beta_1, self.beta_2),
                "eps": self.epsilon, "amsgrad": self.amsgrad,
                "weight_decay": self.weight_decay or 0.0}


OPTIMIZERS.add("adam")(Adam)
