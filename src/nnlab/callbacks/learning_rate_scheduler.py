"""``LearningRateScheduler``: set the learning rate at the start of each epoch."""
from __future__ import annotations

import math
from typing import Callable

from .callback import Callback


class LearningRateScheduler(Callback):
    """Set the learning rate at each epoch start: ``schedule(epoch) -> lr`` or
    ``schedule(epoch, lr) -> lr`` (Keras' two forms)."""

    def __init__(self, schedule: Callable, verbose: int = 0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.compiled.optimizer
        current = optimizer.param_groups[0]["lr"]
        try:
            lr = self.schedule(epoch, current)
        except TypeError:
            lr = self.schedule(epoch)
        lr = float(lr)
        if not math.isfinite(lr) or lr < 0:
            raise ValueError(f"LearningRateScheduler: schedule returned lr={lr} at epoch {epoch}")
        self.model.compiled.set_learning_rate(lr)
        if self.verbose:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = self.model.compiled.optimizer.param_groups[0]["lr"]
