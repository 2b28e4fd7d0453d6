"""The base of callbacks that watch one logged quantity (``monitor``, ``mode``, ``min_delta``)."""
from __future__ import annotations

import logging
import math
from typing import Optional

from .callback import Callback

logger = logging.getLogger(__name__)


def _monitor_mode(monitor: str, mode: str) -> str:
    if mode not in ("auto", "min", "max"):
        raise ValueError(f"mode must be 'auto', 'min' or 'max', got {mode!r}")
    if mode != "auto":
        return mode
    return "max" if any(k in monitor for k in ("acc", "auc", "precision", "recall", "f1")) \
        else "min"


class _Monitor(Callback):
    def __init__(self, monitor: str, mode: str, min_delta: float):
        super().__init__()
        self.monitor = monitor
        self.mode = _monitor_mode(monitor, mode)
        self.min_delta = abs(min_delta)
        self.best = math.inf if self.mode == "min" else -math.inf

    def _value(self, logs) -> Optional[float]:
        value = (logs or {}).get(self.monitor)
        if value is None:
            logger.warning("%s: metric %r is not in the logs (have: %s)", type(self).__name__,
                           self.monitor, ", ".join(sorted(logs or {})))
        return value

    def _improved(self, value: float) -> bool:
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta
