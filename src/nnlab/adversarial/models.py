"""The MNIST network of the adversarial-training papers' experiments.

Wong, Rice and Kolter ("Fast is better than free", ICLR 2020) train and attack this net
on MNIST: two strided 4x4 convolutions (16 and 32 filters, ReLU), a 100-unit ReLU layer
and a 10-way softmax, 166,406 parameters. The examples on attacks, FGSM training's
early-stop check and the black-box oracle all use it.
"""
from __future__ import annotations

from typing import Any

from ..layers import Conv2D, Dense, Flatten
from ..models import Sequential


def wong_mnist_cnn(compile: bool = True) -> Any:
    """``(batch, 28, 28, 1)`` images in [0, 1] -> ``(batch, 10)`` class probabilities;
    compiled with Adam, sparse categorical cross-entropy and accuracy unless
    ``compile=False``."""
    model = Sequential([
        Conv2D(16, 4, strides=2, padding="same", activation="relu", input_shape=(28, 28, 1)),
        Conv2D(32, 4, strides=2, padding="same", activation="relu"), Flatten(),
        Dense(100, activation="relu"), Dense(10, activation="softmax")])
    if compile:
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
