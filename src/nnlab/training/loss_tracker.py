"""The epoch trackers the fit loop feeds after every step (no host sync per step).

The loop calls ``tracker.add(value, batch_size)`` after each step and reads
``tracker.samples`` and ``tracker.first_nonfinite()`` (the NaN guard) only when the
progress display refreshes and at the epoch end. :class:`LossTracker` serves the
built-in step (``value`` is the step's loss tensor); :class:`StepLogs` serves a model's
own ``train_step`` (``value`` is the dict of logs it returned).
"""
from __future__ import annotations

import math
from typing import Any, Dict, Iterator, List, Optional

import torch


class LossTracker:
    """Per-step losses kept on the device; summed only when read."""

    def __init__(self):
        self.losses: List[torch.Tensor] = []
        self.sizes: List[int] = []
        self.samples = 0
        self._read = 0
        self._sum = 0.0

    def add(self, loss: torch.Tensor, size: int) -> None:
        self.losses.append(loss)
        self.sizes.append(size)
        self.samples += size

    def _catch_up(self) -> None:
        if self._read < len(self.losses):
            new = torch.stack(self.losses[self._read:]).double().cpu()
            sizes = torch.tensor(self.sizes[self._read:], dtype=torch.float64)
            self._sum += float((new * sizes).sum())
            self._read = len(self.losses)

    def mean(self) -> float:
        self._catch_up()
        return self._sum / self.samples if self.samples else math.nan

    def first_nonfinite(self) -> Optional[int]:
        self._catch_up()
        if math.isfinite(self._sum):
            return None
        values = torch.stack(self.losses).double()
        bad = (~torch.isfinite(values)).nonzero()
        return int(bad[0]) if len(bad) else None


def _loss_values(logs: Dict[str, Any]) -> Iterator[Any]:
    """The values of ``logs`` (nested dicts too) whose key ends in ``loss``."""
    for key, value in logs.items():
        if isinstance(value, dict):
            yield from _loss_values(value)
        elif key.endswith("loss"):
            yield value


def _finite(value: Any) -> bool:
    if isinstance(value, torch.Tensor):
        return value.numel() != 1 or bool(torch.isfinite(value.detach()).all())
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):  # not a scalar: not a loss the guard can read
        return True


class StepLogs:
    """The logs of every ``train_step`` of an epoch: ``last`` (the epoch's logs, Keras'
    rule: the step's metrics are running means) and, for the NaN guard, the first step
    whose loss (any log ending in ``loss``, e.g. a GAN's ``d_loss``) is NaN or inf."""

    def __init__(self):
        self.last: Dict[str, Any] = {}
        self.samples = 0
        self._unread: List[Dict[str, Any]] = []
        self._read = 0
        self._bad: Optional[int] = None

    def add(self, logs: Dict[str, Any], size: int) -> None:
        self.last = logs
        self.samples += size
        if self._bad is None:
            self._unread.append(logs)

    def first_nonfinite(self) -> Optional[int]:
        """Index (0-based) of the first step with a NaN/inf loss, or None."""
        if self._bad is None:
            for i, logs in enumerate(self._unread):
                if isinstance(logs, dict) and not all(map(_finite, _loss_values(logs))):
                    self._bad = self._read + i
                    break
            self._read += len(self._unread)
            self._unread = []
        return self._bad
