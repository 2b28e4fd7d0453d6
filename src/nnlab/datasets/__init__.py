"""Keras' ``keras.datasets``: ``mnist.load_data()``, ``fashion_mnist.load_data()``.

Offline: the arrays are those of :func:`nnlab.data.load_mnist` and
:func:`nnlab.data.load_fashion_mnist` (bring them once with ``nnlab data fetch mnist`` /
``fashion_mnist``), in Keras' structure ``(x_train, y_train), (x_test, y_test)`` with
uint8 images ``(N, 28, 28)`` and uint8 labels ``(N,)``.
"""
from . import fashion_mnist, mnist

__all__ = ["fashion_mnist", "mnist"]
