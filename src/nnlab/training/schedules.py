"""Learning-rate schedules: pure callables ``schedule(step_or_epoch) -> lr`` with Keras-ish names.

Why written here: ``torch.optim.lr_scheduler`` offers these decays only as stateful
objects bound to one optimizer that mutate its ``lr`` on ``.step()``; torch has no public
pure ``step -> lr`` function, and each schedule is a one-line formula. The trainer (or a
callback) evaluates ``schedule(t)`` and writes it into torch's param groups with
:func:`apply_to_optimizer`. Whether ``t`` counts batches or epochs is the caller's choice.
"""
from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable, Sequence
from numbers import Real
from typing import Any

import torch

from nnlab.registry import Registry

__all__ = [
    "SCHEDULES", "CosineDecay", "ExponentialDecay", "InverseSqrtDecay", "InverseTimeDecay",
    "LearningRateSchedule", "LinearWarmup", "PiecewiseConstantDecay", "StepDecay",
    "apply_to_optimizer", "deserialize", "get", "serialize",
]

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


@SCHEDULES.add("cosine_decay", "cosine")
class CosineDecay(LearningRateSchedule):
    """Cosine decay (Loshchilov & Hutter, SGDR) with optional linear warm-up, as Keras.

    Without warm-up: ``lr(t) = lr0 * ((1 - alpha) * 0.5 * (1 + cos(pi * min(t, T) / T)) + alpha)``
    with ``lr0 = initial_learning_rate``, ``T = decay_steps``. With ``warmup_target`` and
    ``warmup_steps = W``: ``lr`` rises linearly from ``initial_learning_rate`` at ``t = 0``
    to ``warmup_target`` at ``t = W``, then decays the same way from ``warmup_target``
    over ``t - W``. ``alpha`` is the final fraction of the peak rate.
    """

    def __init__(self, initial_learning_rate: float, decay_steps: float, alpha: float = 0.0,
                 warmup_target: float | None = None, warmup_steps: float = 0):
        self.initial_learning_rate = _number("CosineDecay", "initial_learning_rate",
                                             initial_learning_rate, strict=False)
        self.decay_steps = _number("CosineDecay", "decay_steps", decay_steps)
        self.alpha = _number("CosineDecay", "alpha", alpha, strict=False)
        if self.alpha > 1:
            raise ValueError(f"CosineDecay: alpha must be in [0, 1], got {alpha!r}")
        self.warmup_steps = _number("CosineDecay", "warmup_steps", warmup_steps, strict=False)
        self.warmup_target = None if warmup_target is None else _number(
            "CosineDecay", "warmup_target", warmup_target)
        if self.warmup_target is None and self.initial_learning_rate == 0:
            raise ValueError("CosineDecay: initial_learning_rate must be > 0 without a "
                             "warmup_target, got 0")
        if self.warmup_steps and self.warmup_target is None:
            raise ValueError(f"CosineDecay: warmup_steps={warmup_steps!r} needs a warmup_target "
                             f"(the rate reached at the end of warm-up)")

    def _lr(self, step: float) -> float:
        peak = self.initial_learning_rate
        if self.warmup_target is not None:
            if step < self.warmup_steps:
                frac = step / self.warmup_steps
                return self.initial_learning_rate + (self.warmup_target - peak) * frac
            peak, step = self.warmup_target, step - self.warmup_steps
        done = min(step, self.decay_steps) / self.decay_steps
        cosine = 0.5 * (1.0 + math.cos(math.pi * done))
        return peak * ((1.0 - self.alpha) * cosine + self.alpha)

    def get_config(self) -> dict:
        return {"initial_learning_rate": self.initial_learning_rate,
                "decay_steps": self.decay_steps, "alpha": self.alpha,
                "warmup_target": self.warmup_target, "warmup_steps": self.warmup_steps}


@SCHEDULES.add("linear_warmup", "warmup")
class LinearWarmup(LearningRateSchedule):
    """Linear warm-up in front of a constant rate or another schedule (Goyal et al. 2017).

    ``lr(t) = base(0) * (t + 1) / warmup_steps`` for ``t < warmup_steps`` (the first step
    already moves, the last warm-up step reaches ``base(0)``), then
    ``lr(t) = base(t - warmup_steps)``: the wrapped schedule starts when warm-up ends.
    """

    def __init__(self, schedule_or_lr: float | Callable[[float], float],
                 warmup_steps: int):
        if callable(schedule_or_lr):
            self.schedule = schedule_or_lr
        else:
            self.schedule = float(_number("LinearWarmup", "schedule_or_lr", schedule_or_lr))
        self.warmup_steps = _number("LinearWarmup", "warmup_steps", warmup_steps, strict=False,
                                    integer=True)

    def _base(self, step: float) -> float:
        return self.schedule(step) if callable(self.schedule) else self.schedule

    def _lr(self, step: float) -> float:
        if step < self.warmup_steps:
            return self._base(0) * (step + 1.0) / self.warmup_steps
        return self._base(step - self.warmup_steps)

    def get_config(self) -> dict:
        inner = serialize(self.schedule) if callable(self.schedule) else self.schedule
        return {"schedule_or_lr": inner, "warmup_steps": self.warmup_steps}

    @classmethod
    def from_config(cls, config: dict) -> LinearWarmup:
        inner = config["schedule_or_lr"]
        return cls(deserialize(inner) if isinstance(inner, dict) else inner,
                   config["warmup_steps"])


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


_BY_CLASS_NAME = {cls.__name__: cls for _, cls in SCHEDULES.items()}


def serialize(schedule: LearningRateSchedule) -> dict:
    """``{"class_name": ..., "config": ...}`` (JSON-friendly)."""
    if not isinstance(schedule, LearningRateSchedule):
        raise TypeError(f"serialize: expected an nnlab LearningRateSchedule, got "
                        f"{type(schedule).__name__}; plain callables cannot be saved as config")
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(config: dict) -> LearningRateSchedule:
    """Inverse of :func:`serialize`."""
    name = config.get("class_name")
    cls = _BY_CLASS_NAME.get(name) or SCHEDULES.get(str(name))
    return cls.from_config(config.get("config", {}))


def get(identifier: str | dict | Callable, **kwargs: Any) -> Callable[[float], float]:
    """A schedule from a name (with its arguments), a serialized dict, or a callable."""
    if isinstance(identifier, str):
        return SCHEDULES.get(identifier)(**kwargs)
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(f"schedule must be a name, a config dict or a callable step -> lr; got "
                    f"{type(identifier).__name__}: {identifier!r}")


def apply_to_optimizer(optimizer: torch.optim.Optimizer, lr: float) -> float:
    """Set ``lr`` on every param group of a torch optimizer (tensor lrs filled in place)."""
    lr = _number("apply_to_optimizer", "lr", lr, strict=False)
    for group in optimizer.param_groups:
        if isinstance(group["lr"], torch.Tensor):
            group["lr"].fill_(lr)
        else:
            group["lr"] = lr
    return lr
