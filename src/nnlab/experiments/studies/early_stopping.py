"""early-stopping: stopping at the best dev loss (and restoring those weights) gives a lower
dev loss than training for the whole budget, in fewer epochs (CS231n lecture 7; Goodfellow
et al. 7.8)."""
from __future__ import annotations

from ...callbacks import EarlyStopping
from ..registry import Comparison, Experiment, register_experiment
from ._common import digits, fit, mlp


def run(arm: str, seed: int, budget: dict) -> dict:
    data = digits(n_train=budget["n_train"])
    model = mlp([budget["width"]] * 2, 64)
    cbs = ([EarlyStopping(monitor="val_loss", patience=budget["patience"],
                          restore_best_weights=True)] if arm == "early-stopping" else None)
    hist = fit(model, data, budget["epochs"], batch_size=16, callbacks=cbs)
    dev_loss, dev_acc = model.evaluate(data[2], data[3], verbose=0)
    return {"curve": hist["val_loss"], "metrics": {
        "final_dev_loss": float(dev_loss), "dev_acc": float(dev_acc),
        "epochs_run": len(hist["val_loss"])}}


register_experiment(Experiment(
    name="early-stopping",
    claim="Early stopping on the dev loss (restoring the best weights) ends with a lower dev "
          "loss than training an over-fitting net for the full budget.",
    lecture="CS231n lecture 7; Goodfellow et al. 7.8",
    arms=("full-budget", "early-stopping"), run=run,
    data="scikit-learn digits, first 200 training digits", curve_label=("epoch", "dev loss"),
    measures="dev loss of the final (restored) weights; epochs run",
    comparisons=[Comparison("early-stopping", "full-budget", "final_dev_loss",
                            higher_is_better=False, min_effect=0.02)],
    budgets={"quick": {"n_train": 200, "width": 256, "epochs": 60, "patience": 3},
             "full": {"n_train": 200, "width": 512, "epochs": 80, "patience": 5}}))
