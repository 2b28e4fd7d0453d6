"""``keras.datasets.cifar100``: 60,000 colour 32x32 images in 100 classes (20 coarse)."""
from __future__ import annotations


def load_data(label_mode: str = "fine"):
    """``(x_train, y_train), (x_test, y_test)``: uint8 ``(50000, 32, 32, 3)``, uint8
    ``(50000, 1)``, uint8 ``(10000, 32, 32, 3)``, uint8 ``(10000, 1)``; ``label_mode``
    ``"fine"`` (100 classes) or ``"coarse"`` (20 superclasses), as in Keras.

    Read offline from the official binary archive (``nnlab data fetch cifar100``, or put
    ``cifar-100-binary.tar.gz`` in nnlab's sources folder by hand; the error says where).
    """
    from ..data.datasets.cifar import load_cifar
    return load_cifar("cifar100", label_mode)
