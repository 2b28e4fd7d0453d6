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
- :func:`cleverhans_mnist_cnn`: the local black-box oracle of cleverhans' ``mnist_blackbox``
  tutorial (Papernot's library, written to reproduce the black-box paper): three strided
  convolutions (64 8x8 /2, 128 6x6 /2, 128 5x5) and a 10-way softmax, no pooling, no
  dropout, trained with label smoothing 0.1; 710,218 parameters.
"""
from __future__ import annotations

from typing import Any

import torch

from ..layers import Conv2D, Dense, Dropout, Flatten, MaxPooling2D
from ..losses import categorical_crossentropy
from ..models import Sequential


def _compiled(model: Any, compile: bool, loss: Any = "sparse_categorical_crossentropy") -> Any:
    """``model``, compiled with Adam, ``loss`` (sparse categorical cross-entropy) and
    accuracy unless ``compile`` is False."""
    if compile:
        model.compile("adam", loss, metrics=["accuracy"])
    return model


def sparse_crossentropy_smoothed(y_true: torch.Tensor, y_pred: torch.Tensor) -> torch.Tensor:
    """Integer labels ``(batch,)``, probabilities ``(batch, classes)`` -> ``(batch,)``
    cross-entropy against the one-hot target smoothed by 0.1 (``y <- 0.9 y + 0.01``),
    cleverhans' ``CrossEntropy(smoothing=0.1)`` (Keras' sparse loss has no smoothing)."""
    one_hot = torch.nn.functional.one_hot(y_true.long().reshape(-1), y_pred.shape[-1])
    return categorical_crossentropy(one_hot, y_pred, label_smoothing=0.1)


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


def cleverhans_mnist_cnn(compile: bool = True) -> Any:
    """``(batch, 28, 28, 1)`` in [0, 1] -> ``(batch, 10)`` probabilities; cleverhans'
    ``ModelBasicCNN(nb_filters=64)``, the black-box oracle of its ``mnist_blackbox``
    tutorial: conv 64 8x8 stride 2 "same" -> (14, 14), conv 128 6x6 stride 2 "valid" ->
    (5, 5), conv 128 5x5 "valid" -> (1, 1), ReLU after each, softmax; compiled with Adam
    and cross-entropy with label smoothing 0.1 (integer labels) unless ``compile=False``."""
    return _compiled(Sequential([
        Conv2D(64, 8, strides=2, padding="same", activation="relu", input_shape=(28, 28, 1)),
        Conv2D(128, 6, strides=2, activation="relu"), Conv2D(128, 5, activation="relu"),
        Flatten(), Dense(10, activation="softmax")]), compile, sparse_crossentropy_smoothed)
