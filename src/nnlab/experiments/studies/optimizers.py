"""optimizers: SGD, momentum, Nesterov, Adagrad, RMSprop, Adam on one problem (CS231n
lecture 7: "Adam is a good default"; momentum and adaptive methods beat plain SGD)."""
from __future__ import annotations

from ... import optimizers as opt
from ..registry import Comparison, Experiment, register_experiment
from ._common import digits, fit, mlp

MAKERS = {
    "sgd": lambda: opt.SGD(learning_rate=0.01),
    "momentum": lambda: opt.SGD(learning_rate=0.01, momentum=0.9),
    "nesterov": lambda: opt.SGD(learning_rate=0.01, momentum=0.9, nesterov=True),
    "adagrad": lambda: opt.Adagrad(learning_rate=0.01),
    "rmsprop": lambda: opt.RMSprop(learning_rate=0.001),
    "adam": lambda: opt.Adam(learning_rate=0.001),
}


def run(arm: str, seed: int, budget: dict) -> dict:
    model = mlp([budget["width"]] * 2, 64)
    hist = fit(model, digits(), budget["epochs"], optimizer=MAKERS[arm](), batch_size=32)
    return {"curve": hist["loss"], "metrics": {"train_loss": hist["loss"][-1],
                                               "dev_acc": hist["val_accuracy"][-1]}}


register_experiment(Experiment(
    name="optimizers",
    claim="On the same problem and budget, momentum and Adam reach a lower training loss "
          "than plain SGD at its usual learning rate.",
    lecture="CS231n lecture 7, optimization",
    arms=tuple(MAKERS), run=run, data="scikit-learn digits, MLP 64-h-h-10",
    measures="training loss per epoch and at the end; dev accuracy",
    comparisons=[Comparison("adam", "sgd", "train_loss", higher_is_better=False,
                            min_effect=0.05),
                 Comparison("momentum", "sgd", "train_loss", higher_is_better=False,
                            min_effect=0.05)],
    budgets={"quick": {"width": 64, "epochs": 3}, "full": {"width": 128, "epochs": 15}},
    curve_label=("epoch", "training loss"), log_y=True))
