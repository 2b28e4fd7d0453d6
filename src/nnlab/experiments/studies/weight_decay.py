"""weight-decay: an L2 penalty on the weights narrows the train/dev gap (CS231n lecture 3 and
6, regularization)."""
from __future__ import annotations

from ...regularizers import L2
from ..registry import Comparison, Experiment, register_experiment
from .dropout import build, gap_run


def run(arm: str, seed: int, budget: dict) -> dict:
    reg = L2(budget["l2"]) if arm == "l2" else None
    return gap_run(build(0.0, budget["width"], reg=reg), budget)


register_experiment(Experiment(
    name="weight-decay",
    claim="An L2 weight penalty narrows the gap between training and dev accuracy of a large "
          "net trained on few examples.",
    lecture="CS231n lecture 3 / 6 (regularization)",
    arms=("none", "l2"), run=run, data="scikit-learn digits, first 200 training digits",
    measures="train accuracy - dev accuracy; dev loss",
    comparisons=[Comparison("l2", "none", "gap", higher_is_better=False, min_effect=0.01)],
    budgets={"quick": {"n_train": 200, "width": 512, "epochs": 10, "l2": 3e-2},
             "full": {"n_train": 200, "width": 1024, "epochs": 40, "l2": 3e-2}}))
