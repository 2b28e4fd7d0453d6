"""ensembles: averaging the predictions of N independently trained nets adds a couple of
points of accuracy over one net (CS231n lecture 7, model ensembles)."""
from __future__ import annotations

import numpy as np

from ...config import set_seed
from ..registry import Comparison, Experiment, register_experiment
from ._common import fit, images, mlp


def run(arm: str, seed: int, budget: dict) -> dict:
    xt, yt, xv, yv = images("fashion", budget["n_train"], budget["n_dev"], flat=True, seed=seed)
    n = 1 if arm == "single" else budget["members"]
    probs, curve = 0.0, []
    for member in range(n):
        set_seed(1000 * seed + member)
        model = mlp([budget["hidden"]], 784)
        fit(model, (xt, yt, xv, yv), budget["epochs"])
        probs = probs + np.asarray(model.predict(xv, verbose=0))
        curve.append(float((probs.argmax(1) == yv).mean()))
    return {"curve": curve, "metrics": {"dev_acc": curve[-1]}}


register_experiment(Experiment(
    name="ensembles",
    claim="Averaging the softmax outputs of several independently trained nets is more "
          "accurate than one of them.",
    lecture="CS231n lecture 7 (model ensembles)",
    arms=("single", "ensemble"), run=run, data="Fashion-MNIST random subset, MLP 784-h-10",
    measures="dev accuracy of the averaged prediction; curve: accuracy vs members averaged",
    comparisons=[Comparison("ensemble", "single", "dev_acc", min_effect=0.005, paired=True)],
    budgets={"quick": {"n_train": 1000, "n_dev": 500, "hidden": 128, "epochs": 4, "members": 3},
             "full": {"n_train": 5000, "n_dev": 2000, "hidden": 256, "epochs": 8, "members": 5}},
    curve_label=("members averaged", "dev accuracy")))
