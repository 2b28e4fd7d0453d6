import pytest
import torch

from nnlab.data import load_digits
from nnlab.layers import Conv2D, Dense, Flatten
from nnlab.models import Sequential
from nnlab.optimizers import Adam


@pytest.fixture(scope="session")
def digits():
    """The real 8x8 digits, scaled to [0, 1]: (x_train (1437, 64), y_train), (x_test, y_test)."""
    (xa, ya), (xb, yb) = load_digits()
    return (xa.reshape(len(xa), -1) / 16.0, ya.astype("int64")), \
        (xb.reshape(len(xb), -1) / 16.0, yb.astype("int64"))


def mlp(seed=0, hidden=32):
    torch.manual_seed(seed)
    m = Sequential([Dense(hidden, activation="relu", input_shape=(64,)),
                    Dense(10, activation="softmax")])
    m.compile(Adam(learning_rate=0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


def convnet(seed=0):
    torch.manual_seed(seed)
    m = Sequential([Conv2D(8, 3, activation="relu", input_shape=(8, 8, 1)), Flatten(),
                    Dense(10, activation="softmax")])
    m.compile(Adam(learning_rate=0.01), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return m


@pytest.fixture
def trained_mlp(digits):
    (x, y), _ = digits
    m = mlp()
    m.fit(x, y, epochs=5, batch_size=64, verbose=0)
    return m
