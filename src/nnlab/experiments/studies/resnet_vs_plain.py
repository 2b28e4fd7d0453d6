"""resnet-vs-plain: a deep plain CNN has a higher training error than the ResNet of the same
depth, and the gap grows with depth (He et al. 2016, fig. 1 / 6; CS231n lecture 9)."""
from __future__ import annotations

from ...optimizers import SGD
from ..registry import Comparison, Experiment, register_experiment
from ._common import digits


def run(arm: str, seed: int, budget: dict) -> dict:
    from ... import zoo
    kind, depth = arm.rsplit("-", 1)
    xt, yt, xv, yv = digits(flat=False, n_train=budget.get("n_train"))
    name = "resnet_cifar" if kind == "resnet" else "plain_cifar"
    model = zoo.create(name, depth=int(depth), input_shape=(8, 8, 1), num_classes=10)
    model.compile(optimizer=SGD(learning_rate=budget["lr"], momentum=0.9),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    hist = model.fit(xt, yt, epochs=budget["epochs"], batch_size=budget.get("batch_size", 64),
                     verbose=0,
                     validation_data=(xv, yv))
    err = [1.0 - float(a) for a in hist.history["accuracy"]]
    return {"curve": err, "metrics": {"train_error": err[-1],
                                      "dev_error": 1.0 - float(hist.history["val_accuracy"][-1])}}


def _budget(depths, epochs, lr=0.05, **extra):
    return {"depths": depths, "epochs": epochs, "lr": lr, **extra}


FULL_DEPTHS = (20, 56)
register_experiment(Experiment(
    name="resnet-vs-plain",
    claim="At depth 20 and 56 the plain net's training error is higher than the ResNet's, "
          "and the plain net gets worse with depth.",
    lecture="CS231n lecture 9 (ResNet); He et al. 2016 fig. 6",
    arms=tuple(f"{k}-{d}" for d in FULL_DEPTHS for k in ("plain", "resnet")), run=run,
    data="scikit-learn digits as 8x8x1 images, zoo plain_cifar / resnet_cifar",
    measures="training error (running over the epoch) per epoch; dev error",
    comparisons=[Comparison("resnet-56", "plain-56", "train_error", higher_is_better=False,
                            min_effect=0.02),
                 Comparison("plain-20", "plain-56", "train_error", higher_is_better=False,
                            min_effect=0.02)],
    # quick: 512 digits, 2 epochs of batch 32 (32 steps) at lr 0.02, where ResNet-56 already
    # trains reliably (at 0.05 its first steps diverge on some seeds); ~16 s of one CPU thread
    budgets={"quick": _budget(FULL_DEPTHS, 2, lr=0.02, n_train=512, batch_size=32),
             "full": _budget(FULL_DEPTHS, 6)},
    curve_label=("epoch", "training error")))
