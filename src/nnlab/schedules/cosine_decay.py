"""``CosineDecay``: cosine annealing with an optional linear warm-up, as Keras 3."""
from __future__ import annotations

import math

from .learning_rate_schedule import SCHEDULES, LearningRateSchedule, _number


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
