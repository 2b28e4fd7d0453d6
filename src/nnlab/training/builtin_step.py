"""The fused fast path of ``fit`` as the epoch loop's step (:mod:`.epoch_loop`).

:class:`BuiltinStep` adapts :class:`~nnlab.training.trainer.Trainer`'s own step to the
loop: ``Trainer._train_step`` on each batch (forward with the final softmax/sigmoid
fused into the loss, backward, optimizer step), the loss kept on the device
(:class:`~.loss_tracker.LossTracker`), the compiled metrics fresh every epoch,
validation through ``Trainer._evaluate_data``.
"""
from __future__ import annotations

import contextlib
from typing import Any, ContextManager, Dict, List, Tuple

import torch

from .. import losses as losses_mod
from .checkpoint import optimizers_of
from .data_adapter import ArrayData
from .epoch_loop import TrainStep
from .first_batch_checks import check_first_batch
from .loss_tracker import LossTracker
from .preemption import metrics_in


class BuiltinStep(TrainStep):
    """The trainer's built-in step for the epoch loop (see the module docstring)."""

    def __init__(self, trainer: Any):
        self.trainer = trainer
        self.train = trainer._train_step  # (x, y, sample_weight, metrics) -> loss

    def prepare(self, data: Any, val: Any) -> None:
        self.trainer._prepare_builtin(data, val)

    def new_epoch(self) -> Tuple[LossTracker, List[List[Any]]]:
        return LossTracker(), self.trainer._new_metrics()

    def logs(self, tracker: LossTracker, metrics: List[List[Any]]) -> Dict[str, Any]:
        return self.trainer._logs(tracker, metrics)

    def check_first_batch(self, x: Any, y: Any, sample_weight: Any) -> None:
        check_first_batch(self.trainer, x, y, sample_weight)

    def evaluate(self, data: Any, batch_size: int) -> Dict[str, Any]:
        return self.trainer._evaluate_data(data, batch_size)

    def labels_checked(self, data: Any, val: Any) -> ContextManager:
        """In-memory labels were checked against the loss once before training
        (``_prepare_builtin``): the loss functions skip their per-step checks."""
        if isinstance(data, ArrayData) and (val is None or isinstance(val, ArrayData)):
            return losses_mod.labels_prevalidated()
        return contextlib.nullcontext()

    def optimizers(self) -> List[torch.optim.Optimizer]:
        return optimizers_of(self.trainer)

    def checkpoint_view(self) -> Any:
        return self.trainer  # model, optimizer, iterations

    def epoch_metrics(self, metrics: List[List[Any]]) -> List[Any]:
        return metrics_in(metrics)
