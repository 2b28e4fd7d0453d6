"""The base of learning-rate schedules: pure callables ``schedule(step_or_epoch) -> lr``.

Why written here: ``torch.optim.lr_scheduler`` offers these decays only as stateful
objects bound to one optimizer that mutate its ``lr`` on ``.step()``; torch has no public
pure ``step -> lr`` function, and each schedule is a one-line formula. The trainer (or a
callback) evaluates ``schedule(t)`` and writes it into torch's param groups with
:func:`apply_to_optimizer`. Whether ``t`` counts batches or epochs is the caller's choice.
Every schedule class registers itself in :data:`SCHEDULES` under its Keras-style names.
"""
from __future__ import annotations

import math
from numbers import Real
from typing import Any

import torch

from nnlab.registry import Registry

SCHEDULES = Registry("schedule")


def _number(owner: str, name: str, value: Any, low: float = 0.0, strict: bool = True,
            integer: bool = False) -> Any:
    """Validate a finite number ``> low`` (``>= low`` if not strict); return it."""
    ok = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)
    ok = ok and (value > low if strict else value >= low)
    if integer:
        ok = ok and float(value).is_integer()
    if not ok:
        kind = "an integer" if integer else "a finite number"
        raise ValueError(f"{owner}: {name} must be {kind} {'>' if strict else '>='} {low:g}, "
                         f"got {value!r}")
    return int(value) if integer else float(value)


class LearningRateSchedule:
    """Base class: ``schedule(step) -> float`` for ``step >= 0``; ``get_config`` round-trips."""

    def __call__(self, step: float | torch.Tensor) -> float:
        if isinstance(step, torch.Tensor):
            step = step.item()
        if not (isinstance(step, Real) and math.isfinite(step) and step >= 0):
            raise ValueError(f"{type(self).__name__}: step must be a finite number >= 0, "
                             f"got {step!r}")
        return float(self._lr(float(step)))

    def _lr(self, step: float) -> float:
        raise NotImplementedError

    def get_config(self) -> dict:
        raise NotImplementedError

    @classmethod
    def from_config(cls, config: dict) -> LearningRateSchedule:
        return cls(**config)

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def apply_to_optimizer(optimizer: torch.optim.Optimizer, lr: float) -> float:
    """Set ``lr`` on every param group of a torch optimizer (tensor lrs filled in place)."""
    lr = _number("apply_to_optimizer", "lr", lr, strict=False)
    for group in optimizer.param_groups:
        if isinstance(group["lr"], torch.Tensor):
            group["lr"].fill_(lr)
        else:
            group["lr"] = lr
    return lr
