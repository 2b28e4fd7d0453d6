"""Shared models for the attack tests: random ones and one trained on real digits."""
import pytest
import torch

import nnlab
from nnlab.data import load_digits
from nnlab.layers import Dense, Flatten
from nnlab.optimizers import Adam


def random_cnn(seed: int = 0, softmax: bool = False) -> torch.nn.Module:
    """A random channels-first CNN ``(n, 1, 12, 12) -> (n, 5)`` with dropout and batch norm."""
    torch.manual_seed(seed)
    layers = [torch.nn.Conv2d(1, 4, 3), torch.nn.BatchNorm2d(4), torch.nn.ReLU(),
              torch.nn.Dropout(0.3), torch.nn.Flatten(), torch.nn.Linear(4 * 10 * 10, 5)]
    if softmax:
        layers.append(torch.nn.Softmax(dim=1))
    return torch.nn.Sequential(*layers)


@pytest.fixture(scope="session")
def digits():
    """sklearn digits scaled to [0, 1]: ``(x_train, y_train), (x_test, y_test)`` tensors."""
    (xtr, ytr), (xte, yte) = load_digits()
    f = lambda a: torch.tensor(a.reshape(-1, 8, 8, 1) / 16.0, dtype=torch.float32)  # noqa
    return (f(xtr), torch.tensor(ytr).long()), (f(xte), torch.tensor(yte).long())


def digits_mlp(lr: float = 1e-3) -> nnlab.Sequential:
    model = nnlab.Sequential([Flatten(input_shape=(8, 8, 1)), Dense(64, activation="relu"),
                              Dense(10, activation="softmax")])
    model.compile(Adam(learning_rate=lr), "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


@pytest.fixture(scope="session")
def digits_model(digits):
    """A softmax MLP trained on the digits (about 97% test accuracy)."""
    nnlab.set_seed(0)
    (xtr, ytr), _ = digits
    model = digits_mlp(lr=0.01)
    model.fit(xtr, ytr, batch_size=128, epochs=20, verbose=0)
    return model
