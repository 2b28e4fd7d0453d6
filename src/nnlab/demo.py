"""``make demo`` / ``nnlab demo``: the lecture's CNN trained on real handwritten digits.

Uses full MNIST when it has been fetched (``nnlab data fetch mnist``), otherwise the
1,797 UCI digits that ship inside scikit-learn, upscaled from 8x8 to 28x28 so the
lecture's exact CNN (61,482 parameters) runs on them. Prints the model summary, a
progress bar per epoch, the test accuracy, a confusion matrix and writes the training
curves to a PNG.
"""
from __future__ import annotations

import os
import time
from typing import Dict, Optional, Tuple

import numpy as np


def lecture_dense(input_dim: int = 784, num_classes: int = 10):
    """The lecture's dense net: 784 -> 512 relu -> 10 softmax (407,050 params)."""
    from .layers import Dense
    from .models import Sequential
    return Sequential([Dense(512, input_shape=(input_dim,), activation="relu"),
                       Dense(num_classes, activation="softmax")])


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


def load_demo_digits(source: str = "auto") -> Tuple[str, Tuple[np.ndarray, np.ndarray],
                                                   Tuple[np.ndarray, np.ndarray]]:
    """``(name, (x_train, y_train), (x_test, y_test))`` with x float32 ``(N, 28, 28, 1)`` in [0, 1].

    ``source``: ``"auto"`` (full MNIST if fetched, else digits), ``"mnist"`` or ``"digits"``
    (scikit-learn's 8x8 digits resized to 28x28, bilinear).
    """
    from .data import DatasetNotAvailable, load_digits, load_mnist
    if source not in ("auto", "mnist", "digits"):
        raise ValueError(f"source must be 'auto', 'mnist' or 'digits', got {source!r}")
    try:
        if source == "digits":
            raise DatasetNotAvailable("digits requested")
        (x_tr, y_tr), (x_te, y_te) = load_mnist(subset_ok=False)
        name = "MNIST (60,000 train / 10,000 test)"
        prep = lambda x: (x.astype(np.float32) / 255.0)[..., None]  # noqa: E731
    except DatasetNotAvailable:
        if source == "mnist":
            raise
        import torch
        import torch.nn.functional as F
        (x_tr, y_tr), (x_te, y_te) = load_digits()
        name = "scikit-learn digits, 8x8 upscaled to 28x28 (1,437 train / 360 test)"

        def prep(x):
            t = torch.from_numpy(x / 16.0).float()[:, None]
            return F.interpolate(t, size=(28, 28), mode="bilinear",
                                 align_corners=False).permute(0, 2, 3, 1).numpy()
    return name, (prep(x_tr), y_tr.astype(np.int64)), (prep(x_te), y_te.astype(np.int64))


def confusion_table(matrix: np.ndarray) -> str:
    """A confusion matrix as text: rows are true classes, columns predictions."""
    n = matrix.shape[0]
    width = max(4, len(str(matrix.max())) + 1)
    head = "true\\pred" + "".join(f"{j:>{width}}" for j in range(n))
    rows = [f"{i:>9}" + "".join(f"{v:>{width}}" for v in row) for i, row in enumerate(matrix)]
    return "\n".join([head] + rows)


def run_demo(epochs: Optional[int] = None, out: str = "demo_output", seed: int = 0,
             source: str = "auto", verbose: int = 1) -> Dict[str, float]:
    """Train the lecture CNN (and the dense net for comparison); print what they learned.

    Returns the test accuracies ``{"cnn": ..., "dense": ...}``.
    """
    from . import set_seed
    from .metrics import ConfusionMatrix

    set_seed(seed)
    name, (x_tr, y_tr), (x_te, y_te) = load_demo_digits(source)
    full = len(x_tr) > 10_000
    epochs = epochs or (3 if full else 40)
    print(f"Data: {name}\n")

    cnn = lecture_cnn()
    cnn.summary()
    cnn.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    history = cnn.fit(x_tr, y_tr, epochs=epochs, batch_size=32 if not full else 128,
                      validation_split=0.1, verbose=verbose)
    seconds = time.perf_counter() - start
    loss, acc = cnn.evaluate(x_te, y_te, verbose=0)
    print(f"\nLecture CNN: test accuracy {acc:.4f} (loss {loss:.4f}) after {epochs} epochs "
          f"in {seconds:.1f}s")

    matrix = ConfusionMatrix(num_classes=10)
    matrix.update_state(y_te, cnn.predict(x_te))
    print("\nConfusion matrix on the test set:")
    print(confusion_table(np.asarray(matrix.result())))

    dense = lecture_dense()
    dense.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    print("\nLecture dense net (784 -> 512 relu -> 10 softmax), for comparison:")
    dense.fit(x_tr.reshape(len(x_tr), -1), y_tr, epochs=epochs, batch_size=32 if not full
              else 128, verbose=verbose)
    _, dense_acc = dense.evaluate(x_te.reshape(len(x_te), -1), y_te, verbose=0)
    print(f"\nLecture dense net (407,050 params): test accuracy {dense_acc:.4f}")

    os.makedirs(out, exist_ok=True)
    try:
        path = history.plot(os.path.join(out, "cnn_training_curves.png"))
        print(f"Training curves written to {path}")
    except ImportError as exc:
        print(f"(no plot: {exc})")
    return {"cnn": acc, "dense": dense_acc}
