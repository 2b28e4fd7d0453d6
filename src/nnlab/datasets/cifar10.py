"""``keras.datasets.cifar10``: 60,000 colour 32x32 images in 10 classes."""
from __future__ import annotations

from typing import Any


def load_data(path: Any = None):
    """``(x_train, y_train), (x_test, y_test)``: uint8 ``(50000, 32, 32, 3)``, uint8
    ``(50000, 1)``, uint8 ``(10000, 32, 32, 3)``, uint8 ``(10000, 1)``, as Keras returns.

    Read offline from the official binary archive (``nnlab data fetch cifar10`` downloads
    it once, or put ``cifar-10-binary.tar.gz`` in nnlab's sources folder by hand; the
    error says where). ``path`` is accepted for Keras' signature and ignored.
    """
    from ..data.datasets.cifar import load_cifar
    return load_cifar("cifar10")
