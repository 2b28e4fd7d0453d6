"""``keras.datasets.mnist``: the 70,000 handwritten digits, offline."""
from __future__ import annotations

from typing import Any


def load_data(path: Any = "mnist.npz"):
    """``(x_train, y_train), (x_test, y_test)``: uint8 ``(60000, 28, 28)``, uint8 ``(60000,)``,
    uint8 ``(10000, 28, 28)``, uint8 ``(10000,)``, the same arrays as
    :func:`nnlab.data.load_mnist`.

    ``path`` (Keras' cache file name) is accepted and ignored: the data comes from nnlab's
    offline cache. Without the full set on disk, the real 5,000-digit subset is returned
    with a warning (4,000 / 1,000); run ``nnlab data fetch mnist`` for the full set.
    """
    from ..data import load_mnist
    return load_mnist()
