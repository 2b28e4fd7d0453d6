"""activations: sigmoid vs tanh vs ReLU vs leaky ReLU vs ELU, convergence speed and dead
ReLUs (CS231n lecture 6: "use ReLU; never sigmoid"; Krizhevsky et al. 2012: ReLU trains
several times faster than tanh)."""
from __future__ import annotations

import torch

from ...optimizers import SGD
from ..registry import Comparison, Experiment, register_experiment
from ._common import digits, fit, mlp

ARMS = ("sigmoid", "tanh", "relu", "leaky_relu", "elu")


def dead_fraction(model, x) -> float:
    """Fraction of hidden units whose output is <= 0 for every input in ``x`` ``(N, D)``."""
    dead = total = 0
    with torch.no_grad():
        h = torch.as_tensor(x)
        for layer in model.layers[:-1]:
            h = layer(h)
            dead += int((h <= 0).all(dim=0).sum())
            total += h.shape[1]
    return dead / total


def run(arm: str, seed: int, budget: dict) -> dict:
    data = digits()
    model = mlp([budget["width"]] * budget["depth"], 64, activation=arm)
    hist = fit(model, data, budget["epochs"], optimizer=SGD(learning_rate=budget["lr"]))
    return {"curve": hist["loss"],
            "metrics": {"train_loss": hist["loss"][-1], "dev_acc": hist["val_accuracy"][-1],
                        "dead_units": dead_fraction(model, data[0])}}


register_experiment(Experiment(
    name="activations",
    claim="With the same net, optimiser and budget, ReLU-family activations (and tanh) "
          "converge faster than sigmoid; some ReLU units die (never fire on the data).",
    lecture="CS231n lecture 6, activation functions",
    arms=ARMS, run=run, data="scikit-learn digits (1,437 train / 360 dev)",
    measures="training loss per epoch (plain SGD), dev accuracy, fraction of dead hidden units",
    comparisons=[Comparison("relu", "sigmoid", "train_loss", higher_is_better=False,
                            min_effect=0.05),
                 Comparison("tanh", "sigmoid", "train_loss", higher_is_better=False,
                            min_effect=0.05)],
    budgets={"quick": {"depth": 3, "width": 64, "epochs": 3, "lr": 0.05},
             "full": {"depth": 4, "width": 128, "epochs": 15, "lr": 0.05}},
    curve_label=("epoch", "training loss")))
