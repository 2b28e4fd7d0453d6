"""2-D pictures of word vectors: PCA or t-SNE (scikit-learn), labelled, written to PNG."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .keyed_vectors import KeyedVectors


def project_words(wv: KeyedVectors, words: Sequence[str], method: str = "pca",
                  seed: int = 0, perplexity: float | None = None) -> np.ndarray:
    """``float (n, 2)`` coordinates of the unit vectors of ``words``.

    ``method="pca"`` (``sklearn.decomposition.PCA``) or ``"tsne"``
    (``sklearn.manifold.TSNE``, PCA-initialised, perplexity ``min(30, (n - 1) / 3)`` unless
    given). Unknown words raise KeyError with close spellings.
    """
    if method not in ("pca", "tsne"):
        raise ValueError(f"project_words: method must be 'pca' or 'tsne', got {method!r}")
    if len(words) < 3:
        raise ValueError(f"project_words: need at least 3 words, got {len(words)}")
    x = wv.get_normed_vectors()[[wv.get_index(w) for w in words]]
    if method == "pca":
        from sklearn.decomposition import PCA
        return PCA(n_components=2, random_state=seed).fit_transform(x)
    from sklearn.manifold import TSNE
    perplexity = perplexity or max(1.0, min(30.0, (len(words) - 1) / 3))
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed
                ).fit_transform(x)


def plot_words(wv: KeyedVectors, words: Sequence[str], method: str = "pca",
               path: str | None = None, groups: Sequence[int] | None = None,
               title: str | None = None, seed: int = 0):
    """Scatter ``words`` in 2-D with labels; returns the matplotlib ``Figure`` (Agg backend),
    saved to ``path`` (PNG) if given. ``groups``: one integer per word, for colours."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    xy = project_words(wv, words, method, seed)
    fig, ax = plt.subplots(figsize=(6, 5), dpi=80)
    colours = None if groups is None else [f"C{g % 10}" for g in groups]
    ax.scatter(xy[:, 0], xy[:, 1], c=colours, s=14)
    for (x, y), w in zip(xy, words):
        ax.annotate(w, (x, y), fontsize=8, xytext=(2, 2), textcoords="offset points")
    ax.set_title(title or f"{method.upper()} of {len(words)} word vectors")
    ax.set_xticks([])
    ax.set_yticks([])
    fig.tight_layout()
    if path is not None:
        fig.savefig(path)
    plt.close(fig)
    return fig
