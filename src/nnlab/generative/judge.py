"""The judge for MNIST sample quality: a small CNN trained on the real training digits
(scaled to [-1, 1], the DCGAN range), whose probabilities and penultimate features feed
:func:`~nnlab.generative.classifier_score`. It plays Inception's part, so it must be a
*confident* classifier: the Inception-Score formula rewards low-entropy predictions, and
a briefly trained CNN gives even real test digits only ~9.0-9.4 of the maximum 10. This
one reaches >= 99% test accuracy and gives real test digits ~9.8-9.9.

Architecture (``(n, 28, 28, 1)`` in [-1, 1] -> ``(n, 10)`` logits)::

    Conv 3x3 32 ReLU -> Conv 3x3 32 ReLU -> MaxPool 2
    -> Conv 3x3 64 ReLU -> Conv 3x3 64 ReLU -> MaxPool 2
    -> Flatten -> Dense 128 ReLU (the FID features) -> Dense 10

Trained once and cached as weights under ``<nnlab cache>/models/`` (``$NNLAB_CACHE_DIR``
or ``~/.cache/nnlab``), keyed by its settings, so examples and tests share one judge.
"""
from __future__ import annotations

from typing import Any, Optional

__all__ = ["mnist_judge", "build_mnist_judge"]


def build_mnist_judge() -> Any:
    """The untrained judge CNN (an ``nnlab.Sequential``), compiled with Adam 1e-3."""
    import nnlab
    from .. import layers as L
    model = nnlab.Sequential([
        nnlab.Input((28, 28, 1)),
        L.Conv2D(32, 3, activation="relu"), L.Conv2D(32, 3, activation="relu"),
        L.MaxPooling2D(),
        L.Conv2D(64, 3, activation="relu"), L.Conv2D(64, 3, activation="relu"),
        L.MaxPooling2D(),
        L.Flatten(), L.Dense(128, activation="relu"), L.Dense(10),
    ], name="mnist_judge")
    model.compile("adam", nnlab.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model


def mnist_judge(epochs: int = 6, train: int = 60000, seed: int = 0, cache: bool = True,
                verbose: int = 0, path: Optional[str] = None) -> Any:
    """The trained judge: loaded from the cache when present, else trained on the first
    ``train`` MNIST training digits for ``epochs`` epochs (batch 128) and cached.

    Args:
        epochs, train, seed: training settings (they name the cache file).
        cache: read/write the cached weights (``False``: always train, write nothing).
        verbose: passed to ``fit``.
        path: an explicit weights file instead of the cache's.

    Returns the model in eval mode; inputs ``(n, 28, 28, 1)`` float32 in [-1, 1].
    """
    if not (isinstance(epochs, int) and epochs >= 1):
        raise ValueError(f"mnist_judge: epochs must be a positive int, got {epochs!r}")
    if not (isinstance(train, int) and 1 <= train <= 60000):
        raise ValueError(f"mnist_judge: train must be an int in [1, 60000], got {train!r}")
    from pathlib import Path

    import nnlab
    from ..data import load_mnist
    from ..data.datasets import cache_dir
    model = build_mnist_judge()
    file = Path(path) if path else \
        cache_dir() / "models" / f"mnist_judge_e{epochs}_n{train}_s{seed}.safetensors"
    if cache and file.exists():
        model.load_weights(str(file))
    else:
        nnlab.set_seed(seed)
        (x, y), _ = load_mnist()
        x = x[:train, ..., None].astype("float32") / 127.5 - 1
        model.fit(x, y[:train], epochs=epochs, batch_size=128, verbose=verbose)
        if cache:
            file.parent.mkdir(parents=True, exist_ok=True)
            model.save_weights(str(file))
    model.eval()
    return model
