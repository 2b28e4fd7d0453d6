"""Decay schedules with Keras' names and formulas: ``StepDecay``, ``ExponentialDecay``,
``InverseTimeDecay``, ``InverseSqrtDecay`` and ``PiecewiseConstantDecay``.

Each is a pure callable ``schedule(step) -> lr`` (``step >= 0``, batches or epochs).
"""
from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Sequence

from .learning_rate_schedule import SCHEDULES, LearningRateSchedule, _number


@SCHEDULES.add("step_decay", "step")
class StepDecay(LearningRateSchedule):
    """``lr(t) = initial_lr * drop ** floor(t / every)`` (halve every 10 epochs by default)."""

    def __init__(self, initial_lr: float, drop: float = 0.5, every: int = 10):
        self.initial_lr = _number("StepDecay", "initial_lr", initial_lr)
        self.drop = _number("StepDecay", "drop", drop)
        if self.drop > 1:
            raise ValueError(f"StepDecay: drop must be in (0, 1], got {drop!r}")
        self.every = _number("StepDecay", "every", every, integer=True)

    def _lr(self, step: float) -> float:
        return self.initial_lr * self.drop ** math.floor(step / self.every)

    def get_config(self) -> dict:
        return {"initial_lr": self.initial_lr, "drop": self.drop, "every": self.every}


class _DecaySchedule(LearningRateSchedule):
    """Shared arguments of Keras' ExponentialDecay and InverseTimeDecay."""

    def __init__(self, initial_learning_rate: float, decay_steps: float, decay_rate: float,
                 staircase: bool = False):
        owner = type(self).__name__
        self.initial_learning_rate = _number(owner, "initial_learning_rate",
                                             initial_learning_rate)
        self.decay_steps = _number(owner, "decay_steps", decay_steps)
        self.decay_rate = _number(owner, "decay_rate", decay_rate, strict=False)
        self.staircase = bool(staircase)

    def _progress(self, step: float) -> float:
        p = step / self.decay_steps
        return math.floor(p) if self.staircase else p

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "decay_rate": self.decay_rate,
                "staircase": self.staircase}


@SCHEDULES.add("exponential_decay", "exponential")
class ExponentialDecay(_DecaySchedule):
    """``lr(t) = initial_learning_rate * decay_rate ** (t / decay_steps)``.

    With ``staircase=True`` the exponent is ``floor(t / decay_steps)`` (a step function).
    """

    def _lr(self, step: float) -> float:
        return self.initial_learning_rate * self.decay_rate ** self._progress(step)


@SCHEDULES.add("inverse_time_decay", "inverse_time")
class InverseTimeDecay(_DecaySchedule):
    """``lr(t) = initial_learning_rate / (1 + decay_rate * t / decay_steps)`` (the 1/t schedule).

    With ``staircase=True``, ``t / decay_steps`` is floored.
    """

    def _lr(self, step: float) -> float:
        return self.initial_learning_rate / (1.0 + self.decay_rate * self._progress(step))


@SCHEDULES.add("inverse_sqrt_decay", "inverse_sqrt")
class InverseSqrtDecay(LearningRateSchedule):
    """``lr(t) = initial_learning_rate / sqrt(1 + t / decay_steps)`` (the 1/sqrt(t) schedule)."""

    def __init__(self, initial_learning_rate: float, decay_steps: float = 1.0):
        self.initial_learning_rate = _number("InverseSqrtDecay", "initial_learning_rate",
                                             initial_learning_rate)
        self.decay_steps = _number("InverseSqrtDecay", "decay_steps", decay_steps)

    def _lr(self, step: float) -> float:
        return self.initial_learning_rate / math.sqrt(1.0 + step / self.decay_steps)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps}


@SCHEDULES.add("piecewise_constant_decay", "piecewise_constant")
class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` for ``t <= boundaries[0]``, ``values[i]`` for
    ``boundaries[i-1] < t <= boundaries[i]``, ``values[-1]`` after the last boundary (Keras).
    """

    def __init__(self, boundaries: Sequence[float], values: Sequence[float]):
        boundaries, values = list(boundaries), list(values)
        if len(values) != len(boundaries) + 1:
            raise ValueError(f"PiecewiseConstantDecay: values must have one more entry than "
                             f"boundaries, got {len(boundaries)} boundaries and "
                             f"{len(values)} values")
        for b in boundaries:
            _number("PiecewiseConstantDecay", "each boundary", b, strict=False)
        if any(b1 >= b2 for b1, b2 in itertools.pairwise(boundaries)):
            raise ValueError(f"PiecewiseConstantDecay: boundaries must be strictly increasing, "
                             f"got {boundaries}")
        for v in values:
            _number("PiecewiseConstantDecay", "each value", v, strict=False)
        self.boundaries, self.values = boundaries, [float(v) for v in values]

    def _lr(self, step: float) -> float:
        return self.values[bisect.bisect_left(self.boundaries, step)]

    def get_config(self) -> dict:
        return {"boundaries": self.boundaries, "values": self.values}
