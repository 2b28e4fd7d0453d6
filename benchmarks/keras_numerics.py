"""Measure nnlab's remaining numeric differences from Keras 3 (torch backend, dev oracle).

    KERAS_BACKEND=torch python benchmarks/keras_numerics.py

Prints one line per difference (the table in docs/models.md, "Differences from Keras"):
the same weights and gradients go through nnlab and Keras, and the largest relative
weight gap (optimizers), the moving-variance ratio (BatchNormalization) or the largest
output gap (pooling, a Dense/Conv stack copied with set_weights) is reported.
"""
from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

import nnlab  # noqa: E402
from nnlab import layers as L  # noqa: E402


def optimizer_gap(name: str, grad_scale: float, steps: int = 100) -> float:
    """Max |w_nnlab - w_keras| / max|w| after ``steps`` updates with the same gradients."""
    rng = np.random.default_rng(0)
    w0 = rng.normal(size=(64,)).astype("float32")
    grads = (rng.normal(size=(steps, 64)) * grad_scale).astype("float32")
    kw = keras.Variable(w0.copy())
    k_opt = getattr(keras.optimizers, name)(learning_rate=1e-3)
    tw = torch.nn.Parameter(torch.from_numpy(w0.copy()))
    t_opt = getattr(nnlab.optimizers, name)(learning_rate=1e-3)
    for g in grads:
        k_opt.apply([keras.ops.convert_to_tensor(g)], [kw])
        t_opt.apply([torch.from_numpy(g)], [tw])
    kw = keras.ops.convert_to_numpy(kw.value)
    return float(np.abs(tw.detach().numpy() - kw).max() / np.abs(w0 - kw).max())


def bn_variance_ratio(batch: int) -> float:
    """nnlab moving_variance / Keras moving_variance after one training call."""
    x = np.random.default_rng(1).normal(0, 2, size=(batch, 6)).astype("float32")
    k_bn, n_bn = keras.layers.BatchNormalization(), L.BatchNormalization()
    k_bn(x, training=True)
    n_bn(x, training=True)
    k_var = keras.ops.convert_to_numpy(k_bn.moving_variance) - 0.99  # the batch term
    n_var = n_bn.moving_variance.numpy() - 0.99
    return float(np.mean(n_var / k_var))


def pooling_gap() -> float:
    x = np.random.default_rng(2).normal(size=(2, 7, 9, 3)).astype("float32")
    gap = 0.0
    for pool, strides in ((2, 2), (3, 2), (3, 1), (4, 3)):
        k = keras.layers.AveragePooling2D(pool, strides, padding="same")(x)
        n = L.AveragePooling2D(pool, strides, padding="same")(x)
        gap = max(gap, float(np.abs(keras.ops.convert_to_numpy(k) - n.numpy()).max()))
    return gap


def copied_model_gap() -> float:
    def build(ly, Input, Seq):
        return Seq([Input((12, 12, 3)), ly.Conv2D(8, 3, activation="relu"),
                    ly.BatchNormalization(), ly.MaxPooling2D(), ly.Flatten(),
                    ly.Dense(16, activation="relu"), ly.Dense(4, activation="softmax")])
    theirs = build(keras.layers, keras.Input, keras.Sequential)
    ours = build(L, nnlab.Input, nnlab.Sequential)
    ours.set_weights(theirs.get_weights())
    x = np.random.default_rng(3).normal(size=(16, 12, 12, 3)).astype("float32")
    return float(np.abs(ours.predict(x) - keras.ops.convert_to_numpy(theirs(x))).max())


if __name__ == "__main__":
    for name in ("Adam", "RMSprop"):
        for scale in (1.0, 1e-6):
            print(f"{name:8s} grad scale {scale:g}: max relative weight gap after 100 steps "
                  f"{optimizer_gap(name, scale):.2e}")
    for batch in (8, 32, 128):
        print(f"BatchNormalization batch {batch}: moving-variance batch term nnlab/Keras = "
              f"{bn_variance_ratio(batch):.5f} (n/(n-1) = {batch / (batch - 1):.5f})")
    print(f"AveragePooling2D 'same' (asymmetric windows): max abs gap {pooling_gap():.2e}")
    print(f"Conv/BN/Dense model copied with set_weights: max abs output gap "
          f"{copied_model_gap():.2e}")
