"""``KeyedVectors``: the trained word vectors (``model.wv``) with gensim's query API.

Cosine similarity, nearest words, 3CosAdd / 3CosMul analogies, the Google analogy
evaluation restricted to the vocabulary as gensim does, and save/load as safetensors
plus a vocabulary JSON.
"""
from __future__ import annotations

import difflib
import json
import os
from typing import Iterable, Sequence

import numpy as np

from nnlab.utils.io import atomic_write


class KeyedVectors:
    """Word vectors ``float32 (V, D)`` indexed by word (most frequent first).

    Example:
        >>> kv = KeyedVectors(["a", "b"], np.eye(2, dtype=np.float32))
        >>> kv["b"].shape
        (2,)
    """

    def __init__(self, words: Sequence[str], vectors: np.ndarray,
                 counts: Sequence[int] | None = None):
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[0] != len(words):
            raise ValueError(f"KeyedVectors: vectors must be (len(words), D) = ({len(words)}, D), "
                             f"got {vectors.shape}")
        self.index_to_key = list(words)
        self.key_to_index = {w: i for i, w in enumerate(self.index_to_key)}
        self.vectors = vectors
        self.counts = (np.zeros(len(words), np.int64) if counts is None
                       else np.asarray(counts, np.int64))
        self._normed: np.ndarray | None = None

    # --- lookup -------------------------------------------------------------------------------

    @property
    def vector_size(self) -> int:
        return self.vectors.shape[1]

    def __len__(self) -> int:
        return len(self.index_to_key)

    def __contains__(self, word: str) -> bool:
        return word in self.key_to_index

    def get_index(self, word: str) -> int:
        """Index of ``word``; KeyError listing close spellings if it is unknown."""
        try:
            return self.key_to_index[word]
        except KeyError:
            close = difflib.get_close_matches(word, self.index_to_key[:50000], n=5, cutoff=0.6)
            hint = (f"; close spellings in the vocabulary: {', '.join(close)}" if close
                    else "; no close spellings in the vocabulary")
            raise KeyError(f"Key {word!r} not present in vocabulary ({len(self)} words){hint}"
                           ) from None

    def __getitem__(self, word: str | Sequence[str]) -> np.ndarray:
        """``(D,)`` for one word, ``(n, D)`` for a list."""
        if isinstance(word, str):
            return self.vectors[self.get_index(word)]
        return self.vectors[[self.get_index(w) for w in word]]

    def get_normed_vectors(self) -> np.ndarray:
        """Unit-length rows ``float32 (V, D)`` (zero rows stay zero), cached."""
        if self._normed is None:
            norm = np.linalg.norm(self.vectors, axis=1, keepdims=True)
            self._normed = self.vectors / np.maximum(norm, 1e-12)
        return self._normed

    def fill_norms(self, force: bool = False) -> None:
        """Recompute the unit vectors after ``vectors`` was changed in place."""
        self._normed = None

    # --- similarity ---------------------------------------------------------------------------

    def similarity(self, w1: str, w2: str) -> float:
        """Cosine similarity ``u.v / (|u| |v|)``."""
        n = self.get_normed_vectors()
        return float(n[self.get_index(w1)] @ n[self.get_index(w2)])

    def n_similarity(self, ws1: Sequence[str], ws2: Sequence[str]) -> float:
        """Cosine similarity of the mean vectors of two word lists."""
        n = self.get_normed_vectors()
        a = n[[self.get_index(w) for w in ws1]].mean(0)
        b = n[[self.get_index(w) for w in ws2]].mean(0)
        return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))

    def _query(self, positive, negative) -> tuple[list[int], list[float]]:
        positive = [positive] if isinstance(positive, str) else list(positive or [])
        negative = [negative] if isinstance(negative, str) else list(negative or [])
        if not positive and not negative:
            raise ValueError("most_similar: give at least one word in positive or negative")
        idx = [self.get_index(w) for w in positive + negative]
        return idx, [1.0] * len(positive) + [-1.0] * len(negative)

    def most_similar(self, positive: str | Sequence[str] | None = None,
                     negative: str | Sequence[str] | None = None, topn: int = 10,
                     restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """3CosAdd: the words nearest ``unit(sum(unit(pos)) - sum(unit(neg)))`` by cosine,
        the query words excluded (gensim's ``most_similar``)."""
        idx, weights = self._query(positive, negative)
        n = self.get_normed_vectors()
        lim = len(self) if restrict_vocab is None else min(restrict_vocab, len(self))
        mean = (np.asarray(weights, np.float32)[:, None] * n[idx]).mean(0)
        mean /= max(np.linalg.norm(mean), 1e-12)
        sims = n[:lim] @ mean
        return self._top(sims, idx, topn)

    def most_similar_cosmul(self, positive: str | Sequence[str] | None = None,
                            negative: str | Sequence[str] | None = None, topn: int = 10,
                            restrict_vocab: int | None = None) -> list[tuple[str, float]]:
        """3CosMul (Levy & Goldberg 2014): maximise ``prod((1 + cos(w, p)) / 2) /
        (prod((1 + cos(w, n)) / 2) + 1e-6)`` over words ``w``."""
        idx, weights = self._query(positive, negative)
        n = self.get_normed_vectors()
        lim = len(self) if restrict_vocab is None else min(restrict_vocab, len(self))
        sims = (1.0 + n[:lim] @ n[idx].T) / 2.0                        # (V, k)
        pos, neg = sims[:, np.asarray(weights) > 0], sims[:, np.asarray(weights) < 0]
        score = pos.prod(1) / (neg.prod(1) + 1e-6)
        return self._top(score, idx, topn)

    def _top(self, scores: np.ndarray, exclude: Iterable[int], topn: int):
        scores = scores.copy()
        ex = [i for i in exclude if i < len(scores)]
        scores[ex] = -np.inf
        k = min(topn, len(scores) - len(set(ex)))
        best = np.argpartition(-scores, k - 1)[:k] if k > 0 else np.empty(0, np.int64)
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.index_to_key[i], float(scores[i])) for i in best]

    # --- analogies ----------------------------------------------------------------------------

    def evaluate_word_analogies(self, analogies=None, restrict_vocab: int = 300000,
                                case_insensitive: bool = True, method: str = "3cosadd",
                                batch_size: int = 512):
        """Accuracy on ``a : b :: c : d`` questions (default: the Google set).

        As gensim: only the ``restrict_vocab`` most frequent words are searched, a
        question with a word outside them is skipped (counted in ``coverage``), ``a, b,
        c`` are excluded from the answers, words are compared case-insensitively.

        Args:
            analogies: a ``questions-words.txt`` path, a list of ``(a, b, c, d, section)``
                (``nnlab.data.Analogy``) or ``None`` for ``nnlab.data.load_analogies()``.
            method: ``"3cosadd"`` (gensim's default) or ``"3cosmul"``.

        Returns:
            ``(accuracy, sections)``: ``sections`` is a list of dicts ``{"section",
            "correct", "incorrect"}`` (lists of ``(a, b, c, d)``), one per section and a
            last ``"Total accuracy"`` entry that also holds ``"coverage"`` (answered /
            all questions) and ``"skipped"``.
        """
        from .analogies import read_analogies
        from nnlab.data import load_analogies

        if method not in ("3cosadd", "3cosmul"):
            raise ValueError(f"evaluate_word_analogies: method must be '3cosadd' or '3cosmul', "
                             f"got {method!r}")
        if analogies is None:
            questions = load_analogies()
        elif isinstance(analogies, (str, os.PathLike)):
            questions = read_analogies(analogies)
        else:
            questions = list(analogies)
        lim = min(restrict_vocab, len(self))
        fold = str.lower if case_insensitive else (lambda w: w)
        lookup: dict[str, int] = {}
        for i, w in enumerate(self.index_to_key[:lim]):
            lookup.setdefault(fold(w), i)  # the most frequent spelling wins, as in gensim
        q = np.array([[lookup.get(fold(w), -1) for w in item[:4]] for item in questions],
                     np.int64).reshape(-1, 4)
        ok = (q >= 0).all(1) if len(q) else np.zeros(0, bool)
        n = self.get_normed_vectors()[:lim]
        pred = np.full(len(q), -1, np.int64)
        qi = np.flatnonzero(ok)
        for s in range(0, len(qi), batch_size):
            rows = q[qi[s:s + batch_size]]
            a, b, c = n[rows[:, 0]], n[rows[:, 1]], n[rows[:, 2]]
            if method == "3cosadd":
                t = b - a + c
                t /= np.maximum(np.linalg.norm(t, axis=1, keepdims=True), 1e-12)
                scores = t @ n.T                                            # (q, V)
            else:
                scores = ((1 + b @ n.T) / 2) * ((1 + c @ n.T) / 2) / ((1 + a @ n.T) / 2 + 1e-6)
            np.put_along_axis(scores, rows[:, :3], -np.inf, axis=1)
            pred[qi[s:s + batch_size]] = scores.argmax(1)
        correct = ok & (pred == q[:, 3])
        sections: dict[str, dict] = {}
        for item, good, asked in zip(questions, correct, ok):
            sec = sections.setdefault(item[4], {"section": item[4], "correct": [],
                                                "incorrect": []})
            if asked:
                sec["correct" if good else "incorrect"].append(tuple(item[:4]))
        total = {"section": "Total accuracy",
                 "correct": [t for s in sections.values() for t in s["correct"]],
                 "incorrect": [t for s in sections.values() for t in s["incorrect"]],
                 "coverage": float(ok.mean()) if len(ok) else 0.0,
                 "skipped": int((~ok).sum())}
        answered = len(total["correct"]) + len(total["incorrect"])
        score = len(total["correct"]) / answered if answered else 0.0
        return score, list(sections.values()) + [total]

    # --- save / load --------------------------------------------------------------------------

    def save(self, path: str | os.PathLike) -> None:
        """Write ``path`` (safetensors: ``vectors``, ``counts``) and ``path``'s
        ``.vocab.json`` beside it (the words in index order)."""
        from safetensors.numpy import save_file

        path = os.fspath(path)
        atomic_write(path, lambda tmp: save_file({"vectors": self.vectors,
                                                  "counts": self.counts}, tmp))
        vocab = json.dumps({"format": "nnlab.embeddings.KeyedVectors/1",
                            "words": self.index_to_key})
        atomic_write(_vocab_path(path), lambda tmp: open(tmp, "w").write(vocab))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "KeyedVectors":
        """Read what :meth:`save` wrote."""
        from safetensors.numpy import load_file

        path = os.fspath(path)
        arrays = load_file(path)
        with open(_vocab_path(path)) as f:
            words = json.load(f)["words"]
        return cls(words, arrays["vectors"], arrays["counts"])


def _vocab_path(path: str) -> str:
    root = path[:-len(".safetensors")] if path.endswith(".safetensors") else path
    return root + ".vocab.json"
