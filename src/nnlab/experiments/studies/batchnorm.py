"""batchnorm: batch normalisation speeds up training and tolerates a higher learning rate
(Ioffe & Szegedy 2015; CS231n lecture 6)."""
from __future__ import annotations

from ...optimizers import SGD
from ..registry import Comparison, Experiment, register_experiment
from ._common import digits, fit

RATES = {"": 0.1, "-high-lr": 1.0}


def build(bn: bool, depth: int, width: int):
    """``(N, 64)`` -> depth x [Dense(width) (+ BatchNormalization) + sigmoid] -> softmax."""
    from ...layers import Activation, BatchNormalization, Dense
    from ...models import Sequential
    layers = []
    for i in range(depth):
        layers.append(Dense(width, **({"input_shape": (64,)} if i == 0 else {})))
        if bn:
            layers.append(BatchNormalization())
        layers.append(Activation("sigmoid"))
    return Sequential(layers + [Dense(10, activation="softmax")])


def run(arm: str, seed: int, budget: dict) -> dict:
    kind, lr_key = arm.split("-", 1)[0], arm[len(arm.split("-", 1)[0]):]
    model = build(kind == "bn", budget["depth"], budget["width"])
    hist = fit(model, digits(), budget["epochs"], optimizer=SGD(learning_rate=RATES[lr_key],
                                                                momentum=0.9))
    acc = hist["val_accuracy"]
    reach = next((i + 1 for i, a in enumerate(acc) if a >= budget["target"]), len(acc) + 1)
    return {"curve": acc, "metrics": {"dev_acc": acc[-1], "epochs_to_target": reach}}


register_experiment(Experiment(
    name="batchnorm",
    claim="With batch norm a deep sigmoid net reaches a target accuracy in fewer epochs, and "
          "still trains at a learning rate where the plain net does worse.",
    lecture="CS231n lecture 6 (batch normalization); Ioffe & Szegedy 2015",
    arms=("plain", "bn", "plain-high-lr", "bn-high-lr"), run=run,
    data="scikit-learn digits, 4-6 sigmoid layers, SGD + momentum",
    measures="dev accuracy per epoch; epochs to the target accuracy (budget+1 if never)",
    comparisons=[Comparison("bn", "plain", "dev_acc", min_effect=0.02),
                 Comparison("bn-high-lr", "plain-high-lr", "dev_acc", min_effect=0.02)],
    budgets={"quick": {"depth": 4, "width": 64, "epochs": 3, "target": 0.8},
             "full": {"depth": 6, "width": 64, "epochs": 12, "target": 0.9}}))
