"""permuted-pixels: a fixed pixel permutation leaves a dense net unchanged and hurts a CNN
(CS231n lecture 5 / Goodfellow et al. 9.10: a dense net has no notion of pixel neighbours, a
CNN's local filters and pooling rely on them)."""
from __future__ import annotations

from ...data.transforms import PermutePixels
from ..registry import Comparison, Experiment, register_experiment
from ._common import fit, images


def _cnn():
    from ...layers import Conv2D, Dense, Flatten, MaxPooling2D
    from ...models import Sequential
    return Sequential([Conv2D(16, 3, activation="relu", input_shape=(28, 28, 1)),
                       MaxPooling2D(2), Conv2D(32, 3, activation="relu"), MaxPooling2D(2),
                       Flatten(), Dense(64, activation="relu"), Dense(10, activation="softmax")])


def _dense():
    from ._common import mlp
    return mlp([256], 784)


def run(arm: str, seed: int, budget: dict) -> dict:
    kind, _, permuted = arm.partition("-")
    xt, yt, xv, yv = images("mnist", budget["n_train"], budget["n_dev"], seed=seed)
    if permuted:
        perm = PermutePixels(seed=123)  # one fixed permutation for train and dev
        xt, xv = perm(xt), perm(xv)
    if kind == "dense":
        model, xt, xv = _dense(), xt.reshape(len(xt), -1), xv.reshape(len(xv), -1)
    else:
        model = _cnn()
    hist = fit(model, (xt, yt, xv, yv), budget["epochs"], batch_size=32)
    return {"curve": hist["val_accuracy"], "metrics": {"dev_acc": hist["val_accuracy"][-1]}}


register_experiment(Experiment(
    name="permuted-pixels",
    claim="A fixed pixel permutation leaves a dense net's accuracy unchanged and lowers a "
          "CNN's.",
    lecture="CS231n lecture 5 (convolutional networks); Goodfellow et al. 9.10",
    arms=("dense", "dense-permuted", "cnn", "cnn-permuted"), run=run,
    data="MNIST random subset (28x28)", measures="dev accuracy after the budget's epochs",
    comparisons=[Comparison("cnn", "cnn-permuted", "dev_acc", min_effect=0.01, paired=True),
                 Comparison("dense", "dense-permuted", "dev_acc", equal_within=0.03, paired=True)],
    budgets={"quick": {"n_train": 1000, "n_dev": 500, "epochs": 3},
             "full": {"n_train": 5000, "n_dev": 2000, "epochs": 8}}))
