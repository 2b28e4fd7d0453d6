"""Bengio et al. (2003)'s neural probabilistic language model, the origin of the
embedding matrix: the previous ``n`` words -> a shared lookup table ``C`` ``(V, D)`` ->
concatenation ``(n * D)`` -> tanh hidden layer -> softmax over the next word.

Built from nnlab's Keras layers, so ``model.layers[0].embeddings`` is ``C`` and can be
queried with :class:`KeyedVectors` after ``fit``.
"""
from __future__ import annotations

import numpy as np


def ngram_windows(ids: np.ndarray, sentence: np.ndarray, n: int = 3
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Every ``n`` consecutive tokens of one sentence and the token after them:
    ``contexts`` ``int64 (N, n)`` and ``targets`` ``int64 (N,)`` (whole-array indexing)."""
    if n < 1:
        raise ValueError(f"ngram_windows: n must be >= 1, got {n!r}")
    if len(ids) <= n:
        return np.empty((0, n), np.int64), np.empty(0, np.int64)
    start = np.arange(len(ids) - n)
    pos = start[:, None] + np.arange(n + 1)[None, :]                   # (N, n + 1)
    ok = sentence[pos[:, 0]] == sentence[pos[:, -1]]
    grams = ids[pos[ok]]
    return grams[:, :n], grams[:, n]


def neural_language_model(vocab_size: int, context: int = 3, embedding_dim: int = 30,
                          hidden: int = 100):
    """``Sequential([Embedding(V, D), Flatten(), Dense(hidden, "tanh"), Dense(V, "softmax")])``
    with input ``(batch, context)`` int ids and output ``(batch, V)`` probabilities."""
    from nnlab import Sequential
    from nnlab.layers import Dense, Embedding, Flatten

    return Sequential([Embedding(vocab_size, embedding_dim, input_length=context), Flatten(),
                       Dense(hidden, activation="tanh"), Dense(vocab_size, activation="softmax")])
