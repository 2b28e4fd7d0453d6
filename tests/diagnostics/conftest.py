"""Shared fixtures of the diagnostics tests: scikit-learn's bundled digits (offline), the
lecture's dense net, and a check that a diagnostic left a model as it was."""
import numpy as np
import pytest

import nnlab
from nnlab.layers import Dense


@pytest.fixture(scope="session")
def digits():
    from sklearn.datasets import load_digits
    d = load_digits()
    return (d.data / 16.0).astype("float32"), d.target.astype(np.int64)


def _dense_net(optimizer="adam", seed=0, loss="sparse_categorical_crossentropy"):
    """``Dense(64, relu) -> Dense(10, softmax)`` on 8x8 digits, compiled."""
    nnlab.set_seed(seed)
    model = nnlab.Sequential([Dense(64, input_shape=(64,), activation="relu"),
                              Dense(10, activation="softmax")])
    model.compile(optimizer, loss, metrics=["accuracy"])
    return model


@pytest.fixture
def dense_net():
    return _dense_net


class _Snapshot:
    """Weights, buffers and mode of a model, to compare after a diagnostic ran."""

    def __init__(self, model):
        self.model = model
        self.state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        self.training = model.training

    def unchanged(self) -> bool:
        now = self.model.state_dict()
        return self.model.training == self.training and set(now) == set(self.state) and all(
            now[k].dtype == v.dtype and now[k].equal(v) for k, v in self.state.items())


@pytest.fixture
def snapshot():
    return _Snapshot


@pytest.fixture(autouse=True)
def _one_thread(tiny_threads):
    """The models here are tiny: one intra-op thread is as fast, and it keeps the timing
    steady when other processes share the two cores (OpenMP threads otherwise spin-wait
    for a busy core and a 0.1 s fit can take 10 s)."""
    yield
