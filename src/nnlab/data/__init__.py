"""Data: offline datasets, batched augmentation transforms, loaders and splits.

- :mod:`nnlab.data.datasets`: ``load_mnist()``, ``load_fashion_mnist()``, ``load_digits()``,
  ``load_text(name)``, ``load_analogies()``, ``load_sentiment(name)``, ``load_photos()``,
  ``load_faces()``.
- :mod:`nnlab.data.transforms`: seeded, batched transforms on ``(N, H, W, C)`` tensors.
- :mod:`nnlab.data.loaders`: ``ArrayDataset``, ``GeneratorDataset``, ``make_loader``,
  ``train_dev_test_split``, ``kfold``.
- :mod:`nnlab.data.fetch`: ``fetch(name)`` and ``list_datasets()`` behind ``nnlab data``.

Heavy optional imports (scikit-learn, Pillow) happen inside the functions that need them.
"""
from . import transforms
from .datasets import (
    CacheWarning,
    DatasetNotAvailable,
    load_analogies,
    load_digits,
    load_faces,
    load_fashion_mnist,
    load_mnist,
    load_photos,
    load_sentiment,
    load_text,
)
from .loaders import ArrayDataset, GeneratorDataset, kfold, make_loader, train_dev_test_split

__all__ = [
    "ArrayDataset", "CacheWarning", "DatasetNotAvailable", "GeneratorDataset", "kfold",
    "load_analogies", "load_digits", "load_faces", "load_fashion_mnist", "load_mnist",
    "load_photos", "load_sentiment", "load_text", "make_loader", "train_dev_test_split",
    "transforms",
]
