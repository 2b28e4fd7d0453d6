"""``fit(x, y, steps_per_epoch=k)`` on in-memory arrays: Keras 3's rule.

An epoch is ``k`` batches, and the passes over the data continue across epochs: with
400 batches of data and ``steps_per_epoch=4``, epoch 0 trains batches 0-3 of the first
(shuffled) pass, epoch 1 batches 4-7, ..., and a new pass (a new shuffle) begins once
all 400 were used. When ``k`` is larger than what is left of the pass, the epoch ends
early with a warning (Keras: "Your input ran out of data"), and the next epoch starts a
new pass.

Where the walk stands (the pass's order, the batches used) is part of the resume
checkpoint (:meth:`EpochSlices.state`), so a resumed fit continues the same pass.
"""
from __future__ import annotations

import warnings
from typing import Any, Dict, Iterator, Optional

import torch

from .data_adapter import ArrayData


class EpochSlices:
    """``k`` batches of ``data`` (an :class:`ArrayData` of ``n`` samples) per epoch,
    walking through its passes; the rest of the fit sees it as its data."""

    def __init__(self, data: ArrayData, steps_per_epoch: int):
        if not isinstance(steps_per_epoch, int) or isinstance(steps_per_epoch, bool) \
                or steps_per_epoch < 1:
            raise ValueError(f"steps_per_epoch must be an int >= 1, got {steps_per_epoch!r}")
        self.data = data
        self.steps = steps_per_epoch
        self.n = data.n
        self._order: Optional[torch.Tensor] = None  # this pass's sample order
        self._used = 0                               # batches of this pass trained
        self._pass_open = False

    def __getattr__(self, name: str) -> Any:  # x, y, sample_weight, take ... of the data
        return getattr(self.__dict__["data"], name)

    def num_batches(self, batch_size: int) -> int:
        return self.steps

    def batches(self, batch_size: int, shuffle: bool = False,
                generator: Optional[torch.Generator] = None) -> Iterator[tuple]:
        total = self.data.num_batches(batch_size)
        if not self._pass_open:
            self._order = torch.randperm(self.n, generator=generator) if shuffle else None
            self._used, self._pass_open = 0, True
        for _ in range(self.steps):
            if self._used >= total:
                warnings.warn(f"fit: steps_per_epoch={self.steps} but the data ran out "
                              f"after {total} batches of {batch_size}: the epoch ends "
                              f"early and the next one starts a new pass.", UserWarning,
                              stacklevel=3)
                break
            start = self._used * batch_size
            index: Any = slice(start, start + batch_size) if self._order is None else \
                self._order[start:start + batch_size]
            self._used += 1
            yield self.data.batch(index)
        if self._used >= total:
            self._pass_open = False

    def state(self) -> Dict[str, Any]:
        """Where the walk stands, for the resume checkpoint."""
        return {"order": self._order, "used": self._used, "open": self._pass_open}

    def set_state(self, state: Dict[str, Any]) -> None:
        self._order, self._used = state["order"], int(state["used"])
        self._pass_open = bool(state["open"])
