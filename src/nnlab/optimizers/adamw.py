"""``AdamW``: Adam with decoupled weight decay (Loshchilov & Hutter 2019)."""
from __future__ import annotations

from collections.abc import Callable

import torch

from .adam import Adam
from .optimizer import OPTIMIZERS


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019), ``torch.optim.AdamW``.

    ``w <- w - lr wd w`` then the Adam step; Keras' default ``weight_decay=0.004``.
    """

    torch_class = torch.optim.AdamW

    def __init__(self, learning_rate: float | Callable = 0.001,
                 weight_decay: float = 0.004, beta_1: float = 0.9, beta_2: float = 0.999,
                 epsilon: float = 1e-7, amsgrad: bool = False, clipnorm: float | None = None,
                 clipvalue: float | None = None, global_clipnorm: float | None = None,
                 name: str = "AdamW"):
        super().__init__(learning_rate, beta_1, beta_2, epsilon, amsgrad, weight_decay,
                         clipnorm, clipvalue, global_clipnorm, name)


OPTIMIZERS.add("adamw")(AdamW)
