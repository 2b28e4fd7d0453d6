"""gradient-clipping: an RNN whose recurrent weights amplify explodes under plain SGD, and
clipping the global gradient norm keeps it training (CS231n lecture 10; Pascanu et al. 2013)."""
from __future__ import annotations

import math

from ... import initializers
from ...optimizers import SGD
from ..registry import Comparison, Experiment, register_experiment
from ._sequences import adding_problem

CAP = 10.0  # an exploded (inf/NaN) loss is recorded as this value


def run(arm: str, seed: int, budget: dict) -> dict:
    from ...layers import Dense, SimpleRNN
    from ...models import Sequential
    length = budget["length"]
    xt, yt = adding_problem(budget["n_train"], length, seed)
    xv, yv = adding_problem(500, length, 10_000 + seed)
    model = Sequential([
        SimpleRNN(32, input_shape=(length, 2), activation="relu",
                  recurrent_initializer=initializers.Orthogonal(gain=budget["gain"])),
        Dense(1)])
    clip = {"global_clipnorm": 1.0} if arm == "clipped" else {}
    model.compile(optimizer=SGD(learning_rate=budget["lr"], **clip), loss="mse")
    hist = model.fit(xt, yt, epochs=budget["epochs"], batch_size=32, verbose=0,
                     validation_data=(xv, yv), terminate_on_nan=False)
    val = [min(float(v), CAP) if math.isfinite(float(v)) else CAP
           for v in hist.history["val_loss"]]
    return {"curve": val, "metrics": {"dev_mse": val[-1], "worst_dev_mse": max(val)}}


register_experiment(Experiment(
    name="gradient-clipping",
    claim="A ReLU RNN with amplifying recurrent weights diverges under SGD without clipping; "
          "clipping the global gradient norm to 1 keeps its loss finite and low.",
    lecture="CS231n lecture 10 (exploding gradients); Pascanu et al. 2013",
    arms=("no-clipping", "clipped"), run=run, data="the adding problem (synthetic)",
    measures=f"dev MSE per epoch (inf/NaN capped at {CAP:g})",
    comparisons=[Comparison("clipped", "no-clipping", "dev_mse", higher_is_better=False,
                            min_effect=0.05)],
    budgets={"quick": {"length": 30, "n_train": 1000, "epochs": 3, "lr": 0.05, "gain": 2.0},
             "full": {"length": 50, "n_train": 3000, "epochs": 8, "lr": 0.05, "gain": 2.0}},
    curve_label=("epoch", "dev MSE"), log_y=True))
