"""transfer-vs-scratch: with few labelled images, features learned on a related task beat
training the same net from scratch (CS231n lecture 7 / "Transfer learning" notes; Yosinski
et al. 2014). Here the "pretraining" task is MNIST digits 0-4 and the target task digits
5-9 with a handful of labels per class (ImageNet weights are out of this budget)."""
from __future__ import annotations

import numpy as np

from ..registry import Comparison, Experiment, register_experiment
from ._common import images
from .permuted_pixels import _cnn


def _compile_fit(model, x, y, xv, yv, epochs):
    from ...optimizers import Adam
    model.compile(optimizer=Adam(learning_rate=3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    hist = model.fit(x, y, epochs=epochs, batch_size=16, verbose=0, validation_data=(xv, yv))
    return [float(a) for a in hist.history["val_accuracy"]]


def run(arm: str, seed: int, budget: dict) -> dict:
    from ...layers import Dense
    from ...models import Sequential
    xt, yt, xv, yv = images("mnist", 8000, 2000, seed=seed)
    rng = np.random.default_rng(seed)
    src = np.flatnonzero(yt < 5)[: budget["n_source"]]
    tgt = np.concatenate([rng.choice(np.flatnonzero(yt == c), budget["per_class"], False)
                          for c in range(5, 10)])
    dev = yv >= 5
    base = _cnn()
    if arm == "pretrained":
        _compile_fit(base, xt[src], yt[src], xv[~dev], yv[~dev], budget["source_epochs"])
        for layer in base.layers[:-2]:
            layer.trainable = False  # keep the conv features, learn a new classifier on them
    model = Sequential(list(base.layers[:-2]) + [Dense(10, activation="softmax")])
    curve = _compile_fit(model, xt[tgt], yt[tgt], xv[dev], yv[dev], budget["epochs"])
    return {"curve": curve, "metrics": {"dev_acc": curve[-1]}}


register_experiment(Experiment(
    name="transfer-vs-scratch",
    claim="With a few labelled images per class, a linear classifier on frozen convolutional features learned on a "
          "related task beats the same net trained from scratch.",
    lecture="CS231n lecture 7 (transfer learning); Yosinski et al. 2014",
    arms=("scratch", "pretrained"), run=run,
    data="MNIST: source task digits 0-4, target task digits 5-9 with few labels",
    measures="target-task dev accuracy per epoch",
    comparisons=[Comparison("pretrained", "scratch", "dev_acc", min_effect=0.02, paired=True)],
    budgets={"quick": {"n_source": 1500, "source_epochs": 2, "per_class": 10, "epochs": 15},
             "full": {"n_source": 4000, "source_epochs": 4, "per_class": 10, "epochs": 30}}))
