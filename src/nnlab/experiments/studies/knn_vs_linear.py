"""knn-vs-linear: k-nearest neighbours vs a linear classifier vs a small net (CS231n
assignment 1 / lectures 2-4: k-NN needs no training but is slow and weak at test time;
a small net beats a linear classifier)."""
from __future__ import annotations

import time

from ..registry import Comparison, Experiment, register_experiment
from ._common import fit, images, mlp


def run(arm: str, seed: int, budget: dict) -> dict:
    xt, yt, xv, yv = images("mnist", budget["n_train"], budget["n_dev"], flat=True, seed=seed)
    if arm == "knn":
        from sklearn.neighbors import KNeighborsClassifier  # k-NN is sklearn's, not ours
        t0 = time.perf_counter()
        clf = KNeighborsClassifier(n_neighbors=budget["k"]).fit(xt, yt)
        acc = float((clf.predict(xv) == yv).mean())
        return {"curve": [], "metrics": {"dev_acc": acc,
                                         "seconds": time.perf_counter() - t0}}
    model = mlp([] if arm == "linear" else [budget["hidden"]], 784)
    t0 = time.perf_counter()
    hist = fit(model, (xt, yt, xv, yv), budget["epochs"])
    return {"curve": hist["val_accuracy"], "metrics": {
        "dev_acc": hist["val_accuracy"][-1], "seconds": time.perf_counter() - t0}}


register_experiment(Experiment(
    name="knn-vs-linear",
    claim="On raw pixels a small neural net beats both a linear classifier and k-NN.",
    lecture="CS231n lectures 2-4 and assignment 1",
    arms=("knn", "linear", "small-net"), run=run, data="MNIST random subset, flattened",
    measures="dev accuracy; seconds to fit + predict (k-NN has no curve)",
    comparisons=[Comparison("small-net", "linear", "dev_acc", min_effect=0.01, paired=True),
                 Comparison("small-net", "knn", "dev_acc", min_effect=0.01, paired=True)],
    budgets={"quick": {"n_train": 1000, "n_dev": 500, "k": 5, "hidden": 128, "epochs": 5},
             "full": {"n_train": 5000, "n_dev": 2000, "k": 5, "hidden": 256, "epochs": 15}}))
