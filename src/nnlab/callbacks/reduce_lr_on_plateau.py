"""``ReduceLROnPlateau``: lower the learning rate when a monitored quantity stalls."""
from __future__ import annotations

from typing import Any, Dict

from .monitor import _Monitor


class ReduceLROnPlateau(_Monitor):
    """Multiply the learning rate by ``factor`` when ``monitor`` stalls for ``patience``
    epochs (never below ``min_lr``; then wait ``cooldown`` epochs)."""

    def __init__(self, monitor: str = "val_loss", factor: float = 0.1, patience: int = 10,
                 mode: str = "auto", min_delta: float = 1e-4, cooldown: int = 0,
                 min_lr: float = 0.0, verbose: int = 0):
        if not 0 < factor < 1:
            raise ValueError(f"ReduceLROnPlateau: factor must be in (0, 1), got {factor}")
        super().__init__(monitor, mode, min_delta)
        self.factor, self.patience, self.cooldown, self.min_lr = factor, patience, cooldown, min_lr
        self.verbose = verbose
        self.wait = 0
        self.cooldown_left = 0

    def on_epoch_end(self, epoch, logs=None):
        if isinstance(logs, dict):  # Keras 3 logs the current rate (history["learning_rate"])
            logs["learning_rate"] = float(self.model.compiled.optimizer.param_groups[0]["lr"])
        value = self._value(logs)
        if value is None:
            return
        if self.cooldown_left > 0:
            self.cooldown_left -= 1
            self.wait = 0
        if self._improved(value):
            self.best, self.wait = value, 0
            return
        if self.cooldown_left > 0:
            return
        self.wait += 1
        if self.wait >= self.patience:
            optimizer = self.model.compiled.optimizer
            for group in optimizer.param_groups:
                group["lr"] = max(group["lr"] * self.factor, self.min_lr)
            if self.verbose:
                print(f"Epoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to "
                      f"{optimizer.param_groups[0]['lr']:.3g}.")
            self.cooldown_left, self.wait = self.cooldown, 0

    def get_state(self) -> Dict[str, Any]:
        return {"best": self.best, "wait": self.wait, "cooldown_left": self.cooldown_left}

    def set_state(self, state: Dict[str, Any]) -> None:
        self.best, self.wait = state["best"], state["wait"]
        self.cooldown_left = state["cooldown_left"]
