"""Shared pieces of the built-in studies: real data subsets and a one-call train/evaluate."""
from __future__ import annotations

from functools import lru_cache
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

Arrays = Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


@lru_cache(maxsize=4)
def _digits() -> Arrays:
    from ...data import load_digits
    (xt, yt), (xv, yv) = load_digits()
    return (xt / 16.0).astype(np.float32), yt.astype(np.int64), \
        (xv / 16.0).astype(np.float32), yv.astype(np.int64)


def digits(flat: bool = True, n_train: Optional[int] = None) -> Arrays:
    """scikit-learn's 8x8 digits in [0, 1]: x ``(N, 64)`` or ``(N, 8, 8, 1)``, y int ``(N,)``."""
    xt, yt, xv, yv = _digits()
    if n_train is not None:
        xt, yt = xt[:n_train], yt[:n_train]
    shape = (-1, 64) if flat else (-1, 8, 8, 1)
    return xt.reshape(shape), yt, xv.reshape(shape), yv


@lru_cache(maxsize=4)
def _images(name: str) -> Arrays:
    from ...data import load_fashion_mnist, load_mnist
    loader = load_mnist if name == "mnist" else load_fashion_mnist
    (xt, yt), (xv, yv) = loader()
    return xt, yt, xv, yv


def images(name: str, n_train: int, n_dev: int, flat: bool = False, seed: int = 0) -> Arrays:
    """A class-mixed random subset of MNIST or Fashion-MNIST (``name``), in [0, 1]:
    x ``(N, 28, 28, 1)`` or ``(N, 784)``; the subset is fixed by ``seed``."""
    xt, yt, xv, yv = _images(name)
    rng = np.random.default_rng(1000 + seed)
    it = rng.choice(len(xt), n_train, replace=False)
    iv = rng.choice(len(xv), n_dev, replace=False)
    shape = (-1, 784) if flat else (-1, 28, 28, 1)
    prep = lambda a: (a.astype(np.float32) / 255.0).reshape(shape)  # noqa: E731
    return prep(xt[it]), yt[it].astype(np.int64), prep(xv[iv]), yv[iv].astype(np.int64)


def mlp(hidden: List[int], input_dim: int, classes: int = 10, activation: str = "relu",
        init: str = "glorot_uniform", **dense_kw: Any):
    """``input_dim -> hidden... -> classes`` softmax, built from nnlab Dense layers."""
    from ...layers import Dense
    from ...models import Sequential
    layers = []
    for i, units in enumerate(hidden):
        kw = {"input_shape": (input_dim,)} if i == 0 else {}
        layers.append(Dense(units, activation=activation, kernel_initializer=init,
                            **kw, **dense_kw))
    layers.append(Dense(classes, activation="softmax",
                        **({} if hidden else {"input_shape": (input_dim,)})))
    return Sequential(layers)


def fit(model, data: Arrays, epochs: int, optimizer: Any = "adam", batch_size: int = 32,
        loss: str = "sparse_categorical_crossentropy", callbacks=None, **fit_kw) -> Dict[str, List[float]]:
    """compile + fit with dev data; returns the History dict (per-epoch lists)."""
    xt, yt, xv, yv = data
    model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    hist = model.fit(xt, yt, epochs=epochs, batch_size=batch_size, verbose=0,
                     validation_data=(xv, yv), callbacks=callbacks, **fit_kw)
    return {k: [float(v) for v in vals] for k, vals in hist.history.items()}


class BatchLosses:
    """A Keras callback recording the training loss after every batch (``.losses``)."""

    def __new__(cls):
        from ...callbacks import Callback

        class _Rec(Callback):
            def __init__(self):
                super().__init__()
                self.losses: List[float] = []

            def on_train_batch_end(self, batch, logs=None):
                self.losses.append(float((logs or {}).get("loss", float("nan"))))
        return _Rec()


def accuracy(model, x: np.ndarray, y: np.ndarray) -> float:
    """Top-1 accuracy of ``model.predict(x)`` against integer labels ``y``."""
    pred = np.asarray(model.predict(x, verbose=0))
    return float((pred.argmax(axis=1) == y).mean())
