"""svm-vs-softmax: the multiclass hinge (SVM) and cross-entropy (softmax) losses on the same
linear classifier give about the same accuracy (CS231n lecture 3, linear classifiers)."""
from __future__ import annotations

import numpy as np

from ..registry import Comparison, Experiment, register_experiment
from ._common import digits, fit


def run(arm: str, seed: int, budget: dict) -> dict:
    from ...layers import Dense
    from ...models import Sequential
    xt, yt, xv, yv = digits()
    if arm == "svm":
        model = Sequential([Dense(10, input_shape=(64,))])  # raw scores for the hinge
        onehot = np.eye(10, dtype=np.float32)
        hist = fit(model, (xt, onehot[yt], xv, onehot[yv]), budget["epochs"],
                   loss="categorical_hinge")
    else:
        model = Sequential([Dense(10, activation="softmax", input_shape=(64,))])
        hist = fit(model, (xt, yt, xv, yv), budget["epochs"])
    return {"curve": hist["val_accuracy"], "metrics": {"dev_acc": hist["val_accuracy"][-1]}}


register_experiment(Experiment(
    name="svm-vs-softmax",
    claim="A linear classifier trained with the multiclass hinge loss (SVM) and one trained "
          "with cross-entropy (softmax) reach about the same accuracy.",
    lecture="CS231n lecture 3 (loss functions)",
    arms=("svm", "softmax"), run=run, data="scikit-learn digits, linear 64 -> 10",
    measures="dev accuracy per epoch (Adam)",
    comparisons=[Comparison("svm", "softmax", "dev_acc", equal_within=0.03)],
    budgets={"quick": {"epochs": 30}, "full": {"epochs": 30}}))
