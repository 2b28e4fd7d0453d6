"""Learning-rate schedules (``keras.optimizers.schedules``): ``schedule(step) -> lr``.

``from nnlab.schedules import CosineDecay``; strings resolve through :func:`get`.
"""
from .cosine_decay import CosineDecay
from .decay import (ExponentialDecay, InverseSqrtDecay, InverseTimeDecay,
                    PiecewiseConstantDecay, StepDecay)
from .learning_rate_schedule import SCHEDULES, LearningRateSchedule, apply_to_optimizer
from .serialization import deserialize, get, serialize
from .warmup import LinearWarmup

__all__ = [
    "SCHEDULES", "CosineDecay", "ExponentialDecay", "InverseSqrtDecay", "InverseTimeDecay",
    "LearningRateSchedule", "LinearWarmup", "PiecewiseConstantDecay", "StepDecay",
    "apply_to_optimizer", "deserialize", "get", "serialize",
]
