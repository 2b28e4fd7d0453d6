"""learning-rate: the lecture's four curves -- too high explodes, high plateaus early, good
goes down steadily, low crawls (CS231n lecture 7 / cs231n notes "Babysitting the learning
process")."""
from __future__ import annotations

import math

from ...optimizers import SGD
from ..registry import Comparison, Experiment, register_experiment
from ._common import digits, fit, mlp

RATES = {"too-high": 5.0, "high": 0.8, "good": 0.1, "low": 0.002}
CAP = 10.0  # a loss that blew up (inf/NaN) is recorded as this value


def run(arm: str, seed: int, budget: dict) -> dict:
    model = mlp([64], 64)
    hist = fit(model, digits(), budget["epochs"], optimizer=SGD(learning_rate=RATES[arm]),
               terminate_on_nan=False)
    curve = [v if math.isfinite(v) else CAP for v in (min(v, CAP) for v in hist["loss"])]
    return {"curve": curve, "metrics": {"final_loss": curve[-1],
                                        "dev_acc": hist["val_accuracy"][-1]}}


register_experiment(Experiment(
    name="learning-rate",
    claim="Too high a learning rate makes the loss explode or stall high, too low makes it "
          "crawl; a good rate ends lowest.",
    lecture="CS231n lecture 7 / notes 'babysitting the learning process'",
    arms=tuple(RATES), run=run, data="scikit-learn digits, MLP 64-64-10, plain SGD",
    measures=f"training loss per epoch (inf/NaN capped at {CAP:g}) and at the end",
    comparisons=[Comparison("good", "low", "final_loss", higher_is_better=False, min_effect=0.05),
                 Comparison("good", "too-high", "final_loss", higher_is_better=False,
                            min_effect=0.05)],
    budgets={"quick": {"epochs": 3}, "full": {"epochs": 15}},
    curve_label=("epoch", "training loss"), log_y=True))
