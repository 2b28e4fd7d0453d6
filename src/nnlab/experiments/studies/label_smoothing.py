"""label-smoothing: training on smoothed targets (1 - eps on the true class, eps / K spread
over all K) makes a classifier less over-confident at about the same accuracy (Szegedy et al.
2016, Inception-v3 sec. 7; Mueller, Kornblith & Hinton 2019)."""
from __future__ import annotations

import numpy as np

from ..registry import Comparison, Experiment, register_experiment
from ._common import fit, images, mlp

EPS = {"none": 0.0, "smoothing-0.1": 0.1}


def calibration_error(probs: np.ndarray, y: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: over ``bins`` equal-width confidence bins, the
    example-weighted mean of |accuracy - mean top-1 probability|. ``probs`` ``(N, K)``,
    ``y`` int ``(N,)``. Hand-written: no library here offers it (sklearn has only the
    per-bin ``calibration_curve`` for binary problems)."""
    conf, correct = probs.max(axis=1), (probs.argmax(axis=1) == y).astype(float)
    which = np.minimum((conf * bins).astype(int), bins - 1)
    total = 0.0
    for b in range(bins):
        sel = which == b
        if sel.any():
            total += sel.sum() * abs(correct[sel].mean() - conf[sel].mean())
    return float(total / len(y))


def run(arm: str, seed: int, budget: dict) -> dict:
    from ...losses import CategoricalCrossentropy
    xt, yt, xv, yv = images("fashion", budget["n_train"], budget["n_dev"], flat=True, seed=seed)
    onehot = np.eye(10, dtype=np.float32)
    model = mlp([budget["hidden"]] * 2, 784)
    hist = fit(model, (xt, onehot[yt], xv, onehot[yv]), budget["epochs"],
               loss=CategoricalCrossentropy(label_smoothing=EPS[arm]))
    probs = np.asarray(model.predict(xv, verbose=0))
    nll = float(-np.log(probs[np.arange(len(yv)), yv] + 1e-12).mean())
    return {"curve": hist["val_accuracy"], "metrics": {
        "dev_acc": float((probs.argmax(1) == yv).mean()), "ece": calibration_error(probs, yv),
        "mean_confidence": float(probs.max(1).mean()), "dev_nll": nll}}


register_experiment(Experiment(
    name="label-smoothing",
    claim="Label smoothing (eps 0.1) lowers the expected calibration error of an over-fitting "
          "net at about the same dev accuracy.",
    lecture="Szegedy et al. 2016 (Inception-v3, label-smoothing regularization); "
            "Mueller et al. 2019",
    arms=tuple(EPS), run=run, data="Fashion-MNIST random subset, MLP 784-h-h-10, Adam",
    measures="dev accuracy per epoch; expected calibration error (10 bins), mean top-1 "
             "probability and NLL on the dev set",
    comparisons=[Comparison("smoothing-0.1", "none", "ece", higher_is_better=False,
                            min_effect=0.01, paired=True),
                 Comparison("smoothing-0.1", "none", "dev_acc", equal_within=0.03,
                            paired=True)],
    budgets={"quick": {"n_train": 500, "n_dev": 1000, "hidden": 128, "epochs": 40},
             "full": {"n_train": 5000, "n_dev": 2000, "hidden": 256, "epochs": 30}}))
