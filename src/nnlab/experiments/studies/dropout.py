"""dropout: dropout closes the train/dev gap of an over-parameterised net on little data
(Srivastava et al. 2014; CS231n lecture 6)."""
from __future__ import annotations

from ..registry import Comparison, Experiment, register_experiment
from ._common import accuracy, digits, fit


def build(rate: float, width: int, reg=None):
    from ...layers import Dense, Dropout
    from ...models import Sequential
    kw = {"kernel_regularizer": reg} if reg is not None else {}
    layers = [Dense(width, activation="relu", input_shape=(64,), **kw)]
    if rate:
        layers.append(Dropout(rate))
    layers.append(Dense(width, activation="relu", **kw))
    if rate:
        layers.append(Dropout(rate))
    return Sequential(layers + [Dense(10, activation="softmax", **kw)])


def gap_run(model, budget: dict) -> dict:
    """Train on the first ``n_train`` digits; the gap is train accuracy (inference mode)
    minus dev accuracy, and the curve the dev accuracy per epoch."""
    xt, yt, xv, yv = digits(n_train=budget["n_train"])
    hist = fit(model, (xt, yt, xv, yv), budget["epochs"], batch_size=16)
    train_acc, dev_acc = accuracy(model, xt, yt), hist["val_accuracy"][-1]
    return {"curve": hist["val_accuracy"], "metrics": {
        "train_acc": train_acc, "dev_acc": dev_acc, "gap": train_acc - dev_acc,
        "dev_loss": hist["val_loss"][-1]}}


def run(arm: str, seed: int, budget: dict) -> dict:
    return gap_run(build(0.5 if arm == "dropout-0.5" else 0.0, budget["width"]), budget)


register_experiment(Experiment(
    name="dropout",
    claim="Dropout narrows the gap between training and dev accuracy of a large net trained "
          "on few examples.",
    lecture="CS231n lecture 6 (regularization: dropout); Srivastava et al. 2014",
    arms=("none", "dropout-0.5"), run=run, data="scikit-learn digits, first 200 training digits",
    measures="train accuracy - dev accuracy after the budget's epochs",
    comparisons=[Comparison("dropout-0.5", "none", "gap", higher_is_better=False,
                            min_effect=0.01)],
    budgets={"quick": {"n_train": 200, "width": 512, "epochs": 10},
             "full": {"n_train": 200, "width": 1024, "epochs": 40}}))
