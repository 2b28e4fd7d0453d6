"""augmentation: random shifts/rotations/zooms of the training images reduce over-fitting on
a small training set (CS231n lecture 7, data augmentation)."""
from __future__ import annotations

from ...data.transforms import RandomAffine
from ..registry import Comparison, Experiment, register_experiment
from ._common import accuracy, fit, images
from .permuted_pixels import _cnn


def run(arm: str, seed: int, budget: dict) -> dict:
    xt, yt, xv, yv = images("mnist", budget["n_train"], budget["n_dev"], seed=seed)
    aug = (RandomAffine(degrees=12, translate=0.1, zoom=0.1, fill_mode="constant", seed=seed)
           if arm == "augmented" else None)
    model = _cnn()
    hist = fit(model, (xt, yt, xv, yv), budget["epochs"], augment=aug)
    train_acc = accuracy(model, xt, yt)
    return {"curve": hist["val_accuracy"], "metrics": {
        "dev_acc": hist["val_accuracy"][-1], "gap": train_acc - hist["val_accuracy"][-1]}}


register_experiment(Experiment(
    name="augmentation",
    claim="On a small training set, random affine augmentation lowers the train/dev gap and "
          "raises dev accuracy.",
    lecture="CS231n lecture 7 (data augmentation)",
    arms=("none", "augmented"), run=run, data="MNIST random subset, the permuted-pixels CNN",
    measures="dev accuracy; train accuracy - dev accuracy",
    comparisons=[Comparison("augmented", "none", "gap", higher_is_better=False,
                            min_effect=0.01, paired=True)],
    budgets={"quick": {"n_train": 300, "n_dev": 500, "epochs": 8},
             "full": {"n_train": 500, "n_dev": 2000, "epochs": 30}}))
