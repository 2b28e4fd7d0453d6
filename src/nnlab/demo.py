"""``make demo``: the lecture models on real bundled data.

Until the training engine lands this prints the summaries of the two lecture models
(the dense net on 784 inputs and the small CNN on 28x28x1).
"""
from __future__ import annotations

from typing import Optional


def lecture_dense():
    """The lecture's dense net: 784 -> 512 relu -> 10 softmax (407,050 params)."""
    from .layers import Dense
    from .models import Sequential
    return Sequential([Dense(512, input_shape=(784,), activation="relu"),
                       Dense(10, activation="softmax")])


def lecture_cnn(input_shape=(28, 28, 1), num_classes: int = 10):
    """The lecture's CNN: two conv/pool blocks, Dense(64), Dense(10) (61,482 params)."""
    from .layers import Conv2D, Dense, Flatten, MaxPooling2D
    from .models import Sequential
    return Sequential([
        Conv2D(32, (3, 3), activation="relu", input_shape=input_shape),
        MaxPooling2D((2, 2)),
        Conv2D(32, (3, 3), activation="relu"),
        MaxPooling2D((2, 2)),
        Flatten(),
        Dense(64, activation="relu"),
        Dense(num_classes, activation="softmax"),
    ])


def run_demo(epochs: Optional[int] = None, out: str = "demo_output") -> int:
    lecture_dense().summary()
    try:
        lecture_cnn().summary()
    except ImportError:
        print("(convolution layers not available yet)")
    return 0
