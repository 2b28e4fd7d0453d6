"""one-by-one: 1x1 bottlenecks cut parameters and MACs at about equal accuracy (CS231n
lecture 9, GoogLeNet / ResNet bottleneck: 1x1 conv reduces channels before the 3x3)."""
from __future__ import annotations

from ...analysis import count_params
from ...analysis.macs import macs_per_layer
from ...optimizers import Adam
from ..registry import Comparison, Experiment, register_experiment
from ._common import digits, fit


def build(arm: str, width: int):
    """``(8, 8, 1)`` digits -> stem conv(width) -> [3x3 conv | 1x1-3x3-1x1 bottleneck] -> head."""
    from ...layers import Conv2D, Dense, GlobalAveragePooling2D
    from ...models import Sequential
    if arm == "plain-3x3":
        body = [Conv2D(width, 3, padding="same", activation="relu"),
                Conv2D(width, 3, padding="same", activation="relu")]
    else:
        body = [Conv2D(width // 2, 1, activation="relu"),
                Conv2D(width // 2, 3, padding="same", activation="relu"),
                Conv2D(width, 1, activation="relu")]
    return Sequential([Conv2D(width, 3, padding="same", activation="relu",
                              input_shape=(8, 8, 1)), *body,
                       GlobalAveragePooling2D(), Dense(10, activation="softmax")])


def run(arm: str, seed: int, budget: dict) -> dict:
    model = build(arm, budget["width"])
    params = count_params(model).total
    macs = sum(row.macs for row in macs_per_layer(model, (8, 8, 1)))
    hist = fit(model, digits(flat=False), budget["epochs"], optimizer=Adam(learning_rate=3e-3))
    return {"curve": hist["val_accuracy"], "metrics": {
        "params": params, "macs": macs, "dev_acc": hist["val_accuracy"][-1]}}


register_experiment(Experiment(
    name="one-by-one",
    claim="Replacing 3x3 convolutions by a 1x1-3x3-1x1 bottleneck cuts parameters and "
          "multiply-adds several-fold at about the same accuracy.",
    lecture="CS231n lecture 9 (GoogLeNet, ResNet bottleneck)",
    arms=("plain-3x3", "bottleneck"), run=run, data="scikit-learn digits as 8x8x1 images",
    measures="parameters and MACs (nnlab.analysis), dev accuracy",
    comparisons=[Comparison("bottleneck", "plain-3x3", "params", higher_is_better=False),
                 Comparison("bottleneck", "plain-3x3", "macs", higher_is_better=False),
                 Comparison("bottleneck", "plain-3x3", "dev_acc", equal_within=0.05)],
    budgets={"quick": {"width": 32, "epochs": 8}, "full": {"width": 64, "epochs": 15}}))
