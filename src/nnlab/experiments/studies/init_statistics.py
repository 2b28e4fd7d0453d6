"""init-statistics: per-layer activation statistics of a 10-layer net at initialisation
(CS231n lecture 6, "Weight initialization": small random weights collapse tanh activations
to zero, Xavier keeps tanh alive, and ReLU needs He's factor 2)."""
from __future__ import annotations

import torch

from ..registry import Comparison, Experiment, register_experiment
from ._common import images, mlp

INITS = {"small": lambda: __import__("nnlab").initializers.RandomNormal(stddev=0.01),
         "xavier": lambda: "glorot_normal", "he": lambda: "he_normal"}
ARMS = ("tanh-small", "tanh-xavier", "relu-xavier", "relu-he")


def run(arm: str, seed: int, budget: dict) -> dict:
    """Forward real MNIST images (standardised, ``(N, 784)``) through 10 Dense layers of
    ``width`` units; the curve is each layer's activation std, metrics the last layer's."""
    act, init = arm.split("-")
    x = images("mnist", budget["n"], 1, flat=True, seed=seed)[0]
    x = (x - x.mean(0)) / (x.std(0) + 1e-3)
    model = mlp([budget["width"]] * 10, 784, activation=act, init=INITS[init]())
    stds, means = [], []
    with torch.no_grad():
        h = torch.as_tensor(x)
        for layer in model.layers[:-1]:
            h = layer(h)
            stds.append(float(h.std()))
            means.append(float(h.mean()))
    return {"curve": stds, "metrics": {"layer10_std": stds[-1], "layer10_mean": means[-1],
                                       "layer1_std": stds[0],
                                       "std_ratio_10_to_1": stds[-1] / stds[0]}}


register_experiment(Experiment(
    name="init-statistics",
    claim="At initialisation, small random weights shrink a 10-layer tanh net's activations "
          "towards zero layer by layer, Xavier keeps them alive, and a ReLU net needs He's "
          "initialisation (Xavier halves the variance at each ReLU layer).",
    lecture="CS231n lecture 6, weight initialization",
    arms=ARMS, data="MNIST images (standardised), no training", run=run,
    measures="std of each layer's activations at initialisation",
    comparisons=[Comparison("tanh-xavier", "tanh-small", "layer10_std", min_effect=0.05),
                 Comparison("relu-he", "relu-xavier", "std_ratio_10_to_1", min_effect=0.1)],
    budgets={"quick": {"n": 256, "width": 256}, "full": {"n": 1000, "width": 500}},
    curve_label=("layer", "activation std"), log_y=True))
