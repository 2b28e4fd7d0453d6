"""``SGD``: stochastic gradient descent with (Nesterov) momentum, Keras' arguments."""
from __future__ import annotations

import functools
from collections.abc import Callable

import torch

from .optimizer import OPTIMIZERS, Optimizer, _positive, _unit


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (Nesterov) momentum (``torch.optim.SGD``).

    Plain: ``w <- w - lr g``. Momentum ``mu``: ``v <- mu v + g``, ``w <- w - lr v``
    (Keras' ``v <- mu v - lr g; w <- w + v`` is the same for a constant lr). Nesterov:
    ``w <- w - lr (g + mu v)``. ``weight_decay`` adds ``wd * w`` to ``g`` (L2).
    """

    torch_class = torch.optim.SGD

    def __init__(self, learning_rate: float | Callable = 0.01, momentum: float = 0.0,
                 nesterov: bool = False, weight_decay: float | None = None,
                 clipnorm: float | None = None, clipvalue: float | None = None,
                 global_clipnorm: float | None = None, name: str = "SGD"):
        super().__init__(learning_rate, clipnorm, clipvalue, global_clipnorm, name)
        _unit(name, "momentum", momentum)
        if nesterov and momentum <= 0:
            raise ValueError(f"{name}: nesterov=True needs momentum > 0, got momentum={momentum}")
        if weight_decay is not None:
            _positive(name, "weight_decay", weight_decay, allow_zero=True)
        self.momentum, self.nesterov, self.weight_decay = momentum, nesterov, weight_decay

    def _torch_kwargs(self) -> dict:
        return {"lr": self.learning_rate, "momentum": self.momentum,
                "nesterov": self.nesterov, "weight_decay": self.weight_decay or 0.0}


OPTIMIZERS.add("sgd")(SGD)
OPTIMIZERS.add("momentum")(functools.partial(SGD, momentum=0.9))
OPTIMIZERS.add("nesterov")(functools.partial(SGD, momentum=0.9, nesterov=True))
