"""ensembles: averaging the predictions of N independently trained nets adds a couple of
points of accuracy over one net (CS231n lecture 7, model ensembles)."""
from __future__ import annotations

from typing import Dict, Tuple

import numpy as np

from ...config import set_seed
from ..registry import Comparison, Experiment, register_experiment
from ._common import fit, images, mlp

# Both arms are computed from the same N trained members; the members of one (seed, budget)
# are trained once and the result reused by the other arm (training is deterministic per seed).
_CACHE: Dict[Tuple, Tuple[list, list]] = {}


def _members(seed: int, budget: dict) -> Tuple[list, list]:
    """Train ``members`` MLPs on seed's subset; per member: its own dev accuracy, and the dev
    accuracy of the average of the first k+1 members' softmax outputs."""
    key = (seed, tuple(sorted(budget.items())))
    if key not in _CACHE:
        _CACHE.clear()
        xt, yt, xv, yv = images("fashion", budget["n_train"], budget["n_dev"], flat=True,
                                seed=seed)
        probs, alone, averaged = 0.0, [], []
        for member in range(budget["members"]):
            set_seed(1000 * seed + member)
            model = mlp([budget["hidden"]], 784)
            fit(model, (xt, yt, xv, yv), budget["epochs"])
            p = np.asarray(model.predict(xv, verbose=0))
            probs = probs + p
            alone.append(float((p.argmax(1) == yv).mean()))
            averaged.append(float((probs.argmax(1) == yv).mean()))
        _CACHE[key] = (alone, averaged)
    return _CACHE[key]


def run(arm: str, seed: int, budget: dict) -> dict:
    alone, averaged = _members(seed, budget)
    if arm == "single":  # the expected accuracy of one net: the mean over the members alone
        return {"curve": alone, "metrics": {"dev_acc": float(np.mean(alone))}}
    return {"curve": averaged, "metrics": {"dev_acc": averaged[-1]}}


register_experiment(Experiment(
    name="ensembles",
    claim="Averaging the softmax outputs of several independently trained nets is more "
          "accurate than one of them.",
    lecture="CS231n lecture 7 (model ensembles)",
    arms=("single", "ensemble"), run=run, data="Fashion-MNIST random subset, MLP 784-h-10",
    measures="dev accuracy: single = mean over the N members alone, ensemble = their averaged "
             "prediction; curves: each member alone (single), accuracy vs members averaged",
    comparisons=[Comparison("ensemble", "single", "dev_acc", min_effect=0.005, paired=True)],
    budgets={"quick": {"n_train": 500, "n_dev": 1000, "hidden": 64, "epochs": 6, "members": 5},
             "full": {"n_train": 5000, "n_dev": 2000, "hidden": 256, "epochs": 8, "members": 5}},
    curve_label=("member / members averaged", "dev accuracy")))
