"""``TorchOptimizer``: any torch optimizer (built, or a class) behind the spec API."""
from __future__ import annotations

from typing import Any

import torch

from .optimizer import Optimizer, Params


class TorchOptimizer(Optimizer):
    """A torch optimizer (built, or a class) behind the spec API (``apply``, state).

    A built optimizer keeps its own parameters: ``build(params)`` returns it unchanged.
    """

    def __init__(self, optimizer: torch.optim.Optimizer | type, **kwargs: Any):
        built = isinstance(optimizer, torch.optim.Optimizer)
        cls = type(optimizer) if built else optimizer
        self._kwargs = kwargs
        self.torch_class = cls
        lr = optimizer.param_groups[0].get("lr", 1.0) if built else kwargs.get("lr", 1e-3)
        self.needs_closure = issubclass(cls, torch.optim.LBFGS)
        super().__init__(float(lr), name=cls.__name__)
        self._given = optimizer if built else None
        self._torch = self._given

    def _torch_kwargs(self) -> dict:
        return dict(self._kwargs)

    def build(self, params: Params) -> torch.optim.Optimizer:
        if self._given is not None:
            return self._given  # a built optimizer handed to compile() keeps its params
        return super().build(params)
