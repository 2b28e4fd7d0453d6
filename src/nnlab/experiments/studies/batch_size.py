"""batch-size: small batches take more (noisier) steps per epoch and reach a given accuracy
in fewer epochs; large batches make each epoch cheaper (CS231n lecture 7; Keskar et al.
2017)."""
from __future__ import annotations

import statistics
import time

from ..registry import Comparison, Experiment, register_experiment
from ._common import BatchLosses, digits, fit, mlp

SIZES = {"batch-8": 8, "batch-64": 64, "batch-512": 512}


def epoch_cpu_seconds():
    """A callback recording each epoch's CPU seconds of this process (``.seconds``)."""
    from ...callbacks import Callback

    class _Clock(Callback):
        def __init__(self):
            super().__init__()
            self.seconds, self._start = [], 0.0

        def on_epoch_begin(self, epoch, logs=None):
            self._start = time.process_time()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.process_time() - self._start)
    return _Clock()


def run(arm: str, seed: int, budget: dict) -> dict:
    rec, clock = BatchLosses(), epoch_cpu_seconds()
    model = mlp([64], 64)
    hist = fit(model, digits(), budget["epochs"], batch_size=SIZES[arm],
               callbacks=[rec, clock],
               optimizer=__import__("nnlab").optimizers.SGD(learning_rate=0.05))
    # CPU seconds, not wall seconds: on a shared machine the wall clock measures the other
    # jobs as much as the batch size (it once reversed the verdict). The median epoch, so
    # the process's one-time costs in the first fit (kernel set-up) do not count.
    return {"curve": hist["val_accuracy"], "metrics": {
        "dev_acc": hist["val_accuracy"][-1], "steps": len(rec.losses),
        "seconds_per_epoch": statistics.median(clock.seconds)}}


register_experiment(Experiment(
    name="batch-size",
    claim="For the same number of epochs and learning rate, small batches (more updates) "
          "reach a higher dev accuracy than large ones, which in turn run an epoch faster.",
    lecture="CS231n lecture 7 (mini-batch SGD)",
    arms=tuple(SIZES), run=run, data="scikit-learn digits, MLP 64-64-10, SGD lr 0.05",
    measures="dev accuracy per epoch; optimizer steps; CPU seconds per epoch (process time, median epoch)",
    comparisons=[Comparison("batch-8", "batch-512", "dev_acc", min_effect=0.02),
                 Comparison("batch-512", "batch-8", "seconds_per_epoch",
                            higher_is_better=False, min_effect=0.01)],
    budgets={"quick": {"epochs": 3}, "full": {"epochs": 15}}))
