"""Keras' ``keras.datasets``: ``mnist.load_data()``, ``fashion_mnist.load_data()``.

Offline: the arrays are those of :func:`nnlab.data.load_mnist` and
:func:`nnlab.data.load_fashion_mnist` (bring them once with ``nnlab data fetch mnist`` /
``fashion_mnist``), in Keras' structure ``(x_train, y_train), (x_test, y_test)`` with
uint8 images ``(N, 28, 28)`` and uint8 labels ``(N,)``; ``cifar10.load_data()`` and
``cifar100.load_data()`` from the official binary archives (``nnlab data fetch cifar10``),
uint8 images ``(N, 32, 32, 3)`` and uint8 labels ``(N, 1)``.
"""
from . import cifar10, cifar100, fashion_mnist, mnist

__all__ = ["cifar10", "cifar100", "fashion_mnist", "mnist"]
