"""Removing a bias direction from word vectors (Bolukbasi et al. 2016, "Man is to
Computer Programmer as Woman is to Homemaker?"): the direction from definitional pairs,
neutralise (project it out of gender-neutral words), equalise (make each pair
equidistant from every neutral word).

All of it works on unit-length copies of the vectors (as the paper does); the model's
own vectors are never changed.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .keyed_vectors import KeyedVectors

#: Bolukbasi et al.'s ten definitional pairs (female, male), lowercase
DEFINITIONAL_PAIRS = (("woman", "man"), ("girl", "boy"), ("she", "he"), ("mother", "father"),
                      ("daughter", "son"), ("gal", "guy"), ("female", "male"), ("her", "his"),
                      ("herself", "himself"), ("mary", "john"))
#: pairs to equalise (each word's meaning differs only by gender)
EQUALIZE_PAIRS = (("woman", "man"), ("girl", "boy"), ("she", "he"), ("mother", "father"),
                  ("daughter", "son"), ("her", "his"), ("herself", "himself"), ("queen", "king"),
                  ("wife", "husband"), ("sister", "brother"), ("lady", "lord"))
#: occupation words for the before/after report
OCCUPATIONS = ("doctor", "nurse", "engineer", "teacher", "lawyer", "secretary", "soldier",
               "cook", "scientist", "servant", "captain", "farmer", "writer", "artist",
               "professor", "judge", "manager", "dancer", "singer", "programmer")


class Debiaser:
    """A unit-normalised copy of ``wv`` with a bias direction ``g`` (``float64 (D,)``,
    unit length, oriented so the first word of each pair projects positively).

    Args:
        wv: the word vectors.
        pairs: definitional pairs; pairs with a word outside the vocabulary are skipped.
        n_components: principal components kept (the direction is the first).

    Attributes:
        wv: the working :class:`KeyedVectors` (unit rows), changed by the methods.
        direction: ``g``; ``explained_variance_ratio``: of the PCA of pair differences.

    Raises:
        ValueError: fewer than two usable pairs (the message lists the missing words).
    """

    def __init__(self, wv: KeyedVectors, pairs: Sequence[tuple[str, str]] = DEFINITIONAL_PAIRS,
                 n_components: int = 10):
        from sklearn.decomposition import PCA

        unit = wv.get_normed_vectors().astype(np.float64)
        self.wv = KeyedVectors(wv.index_to_key, unit, wv.counts)
        self._unit = unit                                   # float64 working copy (V, D)
        used = [(a, b) for a, b in pairs if a in wv and b in wv]
        if len(used) < 2:
            missing = sorted({w for p in pairs for w in p if w not in wv})
            raise ValueError(f"Debiaser: need at least 2 definitional pairs in the vocabulary, "
                             f"got {len(used)}; missing words: {', '.join(missing)}")
        self.pairs = used
        diffs = []
        for a, b in used:
            ea, eb = unit[wv.get_index(a)], unit[wv.get_index(b)]
            centre = (ea + eb) / 2
            diffs += [ea - centre, eb - centre]
        pca = PCA(n_components=min(n_components, len(diffs), unit.shape[1])).fit(np.array(diffs))
        g = pca.components_[0]
        g /= np.linalg.norm(g)
        signs = [np.sign((unit[wv.get_index(a)] - unit[wv.get_index(b)]) @ g) for a, b in used]
        self.direction = g * (1.0 if sum(signs) >= 0 else -1.0)
        self.explained_variance_ratio = pca.explained_variance_ratio_

    def _sync(self) -> None:
        self.wv.vectors = self._unit.astype(np.float32)
        self.wv.fill_norms()

    def projection(self, words: Sequence[str]) -> dict[str, float]:
        """``cos(w, g)`` for each word (positive: toward the first words of the pairs)."""
        return {w: float(self._unit[self.wv.get_index(w)] @ self.direction) for w in words}

    def neutralize(self, words: Sequence[str]) -> None:
        """``w := (w - (w.g) g) / |w - (w.g) g|`` for each word: no component along ``g``."""
        idx = [self.wv.get_index(w) for w in words]
        e = self._unit[idx]
        e = e - np.outer(e @ self.direction, self.direction)
        self._unit[idx] = e / np.linalg.norm(e, axis=1, keepdims=True)
        self._sync()

    def equalize(self, pairs: Sequence[tuple[str, str]]) -> None:
        """For each pair ``(a, b)``: with ``mu = (a + b) / 2``, ``nu = mu - (mu.g) g``,
        ``w := nu + sqrt(1 - |nu|^2) * (w_g - mu_g) / |w_g - mu_g|`` (``w_g`` the part along
        ``g``). Both end unit length, differing only along ``g``, so every word orthogonal
        to ``g`` is equally far from (and equally similar to) both."""
        g = self.direction
        for a, b in pairs:
            ia, ib = self.wv.get_index(a), self.wv.get_index(b)
            ea, eb = self._unit[ia], self._unit[ib]
            mu = (ea + eb) / 2
            nu = mu - (mu @ g) * g
            scale = np.sqrt(max(1.0 - nu @ nu, 0.0))
            for i, e in ((ia, ea), (ib, eb)):
                d = (e @ g - mu @ g) * g
                self._unit[i] = nu + scale * d / max(np.linalg.norm(d), 1e-12)
        self._sync()

    def report(self, words: Sequence[str] = OCCUPATIONS) -> list[tuple[str, float]]:
        """``(word, cos(w, g))`` for the words in the vocabulary, most biased first."""
        proj = self.projection([w for w in words if w in self.wv])
        return sorted(proj.items(), key=lambda kv: -abs(kv[1]))
