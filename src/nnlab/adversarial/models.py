"""MNIST networks the adversarial examples train and attack.

- :func:`wong_mnist_cnn`: Wong, Rice and Kolter ("Fast is better than free", ICLR 2020):
  two strided 4x4 convolutions (16 and 32 filters, ReLU), a 100-unit ReLU layer and a
  10-way softmax, 166,406 parameters. The examples on attacks and FGSM training's
  early-stop check use it.
- :func:`lecture_mnist_cnn`: the plain CNN of the lectures (Keras' ``mnist_cnn``): two
  3x3 convolutions (32, 64), 2x2 max pooling, dropout, a 128-unit layer; 1,199,882
  parameters.
- :func:`lecture_mnist_mlp`: the plain DNN of the lectures (Keras' ``mnist_mlp``): two
  512-unit ReLU layers with dropout 0.2; 669,706 parameters.
"""
from __future__ import annotations

from typing import Any

from ..layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from ..models import Sequential


def _compiled(model: Any, compile: bool) -> Any:
    """``model``, compiled with Adam, sparse categorical cross-entropy and accuracy
    unless ``compile`` is False."""
    if compile:
        model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def wong_mnist_cnn(compile: bool = True) -> Any:
    """``(batch, 28, 28, 1)`` images in [0, 1] -> ``(batch, 10)`` class probabilities;
    compiled with Adam, sparse categorical cross-entropy and accuracy unless
    ``compile=False``."""
    model = Sequential([
        Conv2D(16, 4, strides=2, padding="same", activation="relu", input_shape=(28, 28, 1)),
        Conv2D(32, 4, strides=2, padding="same", activation="relu"), Flatten(),
        Dense(100, activation="relu"), Dense(10, activation="softmax")])
    return _compiled(model, compile)


def lecture_mnist_cnn(compile: bool = True) -> Any:
    """``(batch, 28, 28, 1)`` in [0, 1] -> ``(batch, 10)`` probabilities; Keras' mnist_cnn
    (conv 32, conv 64, max pool, dropout 0.25, dense 128, dropout 0.5, softmax)."""
    return _compiled(Sequential([
        Conv2D(32, 3, activation="relu", input_shape=(28, 28, 1)),
        Conv2D(64, 3, activation="relu"), MaxPooling2D(2), Dropout(0.25), Flatten(),
        Dense(128, activation="relu"), Dropout(0.5), Dense(10, activation="softmax")]),
        compile)


def lecture_mnist_mlp(compile: bool = True) -> Any:
    """``(batch, 28, 28, 1)`` in [0, 1] -> ``(batch, 10)`` probabilities; Keras' mnist_mlp
    (784 - 512 - 512 - 10, ReLU, dropout 0.2 after each hidden layer)."""
    return _compiled(Sequential([
        Flatten(input_shape=(28, 28, 1)), Dense(512, activation="relu"), Dropout(0.2),
        Dense(512, activation="relu"), Dropout(0.2), Dense(10, activation="softmax")]),
        compile)
