"""Weight penalties added to the training loss (Keras names).

- ``l1(l)``:  l * sum(|w|)
- ``l2(l)``:  l * sum(w^2)          (Keras' l2: no factor 1/2)
- ``l1_l2(l1, l2)``: elastic net, the sum of both

A layer's ``kernel_regularizer`` penalises its kernel; biases are not regularised
unless ``bias_regularizer`` is given. ``model.regularization_loss()`` sums them.
"""
from __future__ import annotations

from typing import Any, Dict, Optional, Union

import torch

from .registry import Registry

REGULARIZERS = Registry("regularizer")


class Regularizer:
    """Callable ``(weight) -> scalar penalty``."""

    def __call__(self, w: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_config(self) -> Dict[str, Any]:
        return dict(vars(self))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.get_config()})"


@REGULARIZERS.add("l1_l2", "elastic_net")
class L1L2(Regularizer):
    def __init__(self, l1: float = 0.0, l2: float = 0.0):
        for arg, v in (("l1", l1), ("l2", l2)):
            if not isinstance(v, (int, float)) or v < 0:
                raise ValueError(f"regularizer {arg} must be a number >= 0, got {v!r}")
        self.l1 = float(l1)
        self.l2 = float(l2)

    def __call__(self, w):
        penalty = w.new_zeros(())
        if self.l1:
            penalty = penalty + self.l1 * w.abs().sum()
        if self.l2:
            penalty = penalty + self.l2 * w.square().sum()
        return penalty


@REGULARIZERS.add("l1")
class L1(L1L2):
    def __init__(self, l1: float = 0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


@REGULARIZERS.add("l2")
class L2(L1L2):
    def __init__(self, l2: float = 0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


# Keras' function forms: regularizers.l2(0.01)
l1 = L1
l2 = L2
l1_l2 = L1L2


def get(identifier: Union[None, str, Regularizer, Dict]) -> Optional[Regularizer]:
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, dict):
        return REGULARIZERS.get(identifier["class_name"])(**identifier.get("config", {}))
    if callable(identifier) and not isinstance(identifier, type):
        return identifier
    return REGULARIZERS.get(identifier)()


def serialize(reg: Any) -> Any:
    if reg is None or isinstance(reg, str):
        return reg
    if isinstance(reg, Regularizer):
        for name, cls in REGULARIZERS.items():
            if type(reg) is cls:
                return {"class_name": name, "config": reg.get_config()}
    raise ValueError(f"Regularizer {reg!r} cannot be saved in a config; use an nnlab.regularizers class.")
