"""vanishing-gradients: per-layer gradient norms in deep sigmoid vs ReLU stacks
(CS231n lecture 6 / Deep Learning book ch. 8: the sigmoid's derivative <= 1/4 multiplies up
through the layers, so the first layers of a deep sigmoid net barely learn)."""
from __future__ import annotations

import torch

from ..registry import Comparison, Experiment, register_experiment
from ._common import digits, mlp


def run(arm: str, seed: int, budget: dict) -> dict:
    """One backward pass of the cross-entropy on a batch of real digits ``(B, 64)`` through
    ``depth`` Dense layers; the curve is each layer's kernel gradient norm (input side first)."""
    xt, yt, _, _ = digits()
    idx = torch.randperm(len(xt))[: budget["batch"]]
    model = mlp([budget["width"]] * budget["depth"], 64, activation=arm)
    probs = model(torch.as_tensor(xt)[idx])
    loss = torch.nn.functional.nll_loss(torch.log(probs + 1e-12), torch.as_tensor(yt)[idx])
    loss.backward()
    norms = [float(layer.kernel.grad.norm()) for layer in model.layers]
    return {"curve": norms, "metrics": {"first_layer_grad": norms[0],
                                        "last_layer_grad": norms[-1],
                                        "first_over_last": norms[0] / norms[-1]}}


register_experiment(Experiment(
    name="vanishing-gradients",
    claim="In a deep sigmoid stack the gradient reaching the first layers is orders of "
          "magnitude smaller than at the output; in a ReLU stack it is not.",
    lecture="CS231n lecture 6 (activation functions); Goodfellow et al. ch. 8.2",
    arms=("sigmoid", "relu"), data="scikit-learn digits (8x8), one batch, untrained nets",
    run=run, measures="L2 norm of each Dense kernel's gradient (first layer / last layer)",
    comparisons=[Comparison("relu", "sigmoid", "first_over_last", min_effect=0.05)],
    budgets={"quick": {"depth": 10, "width": 64, "batch": 128},
             "full": {"depth": 20, "width": 128, "batch": 512}},
    curve_label=("layer (input side first)", "kernel gradient norm"), log_y=True))
