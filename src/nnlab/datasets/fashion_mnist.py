"""``keras.datasets.fashion_mnist``: 70,000 28x28 clothing images in 10 classes, offline."""
from __future__ import annotations


def load_data():
    """``(x_train, y_train), (x_test, y_test)``: uint8 ``(60000, 28, 28)``, uint8 ``(60000,)``,
    uint8 ``(10000, 28, 28)``, uint8 ``(10000,)``, the same arrays as
    :func:`nnlab.data.load_fashion_mnist`.

    Raises:
        nnlab.data.DatasetNotAvailable: not on disk yet; the message names
            ``nnlab data fetch fashion_mnist``.
    """
    from ..data import load_fashion_mnist
    return load_fashion_mnist()
