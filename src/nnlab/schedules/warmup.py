"""``LinearWarmup``: a linear warm-up in front of a constant rate or another schedule."""
from __future__ import annotations

from collections.abc import Callable

from .learning_rate_schedule import SCHEDULES, LearningRateSchedule, _number
from .serialization import deserialize, serialize


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
