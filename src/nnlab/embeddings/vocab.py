"""Vocabulary with ``min_count``, frequent-word subsampling, and the negative-sampling
distribution unigram^0.75 (Mikolov et al. 2013, "Distributed Representations of Words
and Phrases and their Compositionality")."""
from __future__ import annotations

from collections import Counter
from typing import Sequence

import numpy as np
import torch


class Vocab:
    """Words sorted by count (most frequent first, ties in first-seen order, as gensim).

    Attributes:
        words: ``list[str]`` index -> word.
        counts: ``int64 (V,)`` corpus counts.
        index: ``dict[str, int]`` word -> index.
    """

    def __init__(self, words: Sequence[str], counts: Sequence[int]):
        self.words = list(words)
        self.counts = np.asarray(counts, dtype=np.int64)
        self.index = {w: i for i, w in enumerate(self.words)}

    @classmethod
    def build(cls, sentences: Sequence[Sequence[str]], min_count: int = 5,
              max_final_vocab: int | None = None, where: str = "Vocab") -> "Vocab":
        """Count tokens and keep those seen at least ``min_count`` times.

        Raises:
            ValueError: ``min_count < 1``, or no word reaches ``min_count`` (the message
                gives the highest count, so the user knows what to lower it to).
        """
        if int(min_count) != min_count or min_count < 1:
            raise ValueError(f"{where}: min_count must be an integer >= 1, got {min_count!r}")
        counter = Counter(w for s in sentences for w in s)  # insertion-ordered: first seen first
        kept = [(w, c) for w, c in counter.items() if c >= min_count]
        if not kept:
            top = max(counter.values()) if counter else 0
            raise ValueError(f"{where}: min_count={min_count} leaves no words: the most frequent "
                             f"of the {len(counter)} distinct words occurs {top} times; "
                             f"lower min_count to at most {top}")
        kept.sort(key=lambda wc: -wc[1])  # stable: ties keep first-seen order
        if max_final_vocab is not None:
            kept = kept[:max_final_vocab]
        return cls([w for w, _ in kept], [c for _, c in kept])

    def __len__(self) -> int:
        return len(self.words)

    def keep_probability(self, sample: float = 1e-3) -> np.ndarray:
        """Probability of keeping each word in subsampling, ``float64 (V,)``.

        With ``t = sample`` and ``f = count / total``, the paper discards a word with
        probability ``1 - sqrt(t / f)``; the released word2vec.c (and gensim) keep it with
        ``(sqrt(f / t) + 1) * t / f``, which is what we use (capped at 1). ``sample=0``
        keeps everything.
        """
        if sample < 0:
            raise ValueError(f"sample must be >= 0, got {sample!r}")
        if sample == 0:
            return np.ones(len(self))
        f = self.counts / self.counts.sum()
        return np.minimum(1.0, (np.sqrt(f / sample) + 1.0) * sample / f)

    def subsample(self, ids: np.ndarray, sample: float, rng: np.random.Generator) -> np.ndarray:
        """Boolean mask over token ids ``(T,)``: True where the token is kept."""
        return rng.random(len(ids)) < self.keep_probability(sample)[ids]


class NegativeSampler:
    """Draw word indices from ``count ** power / sum(count ** power)`` (power 0.75).

    As in word2vec.c, a table of ``table_size`` entries holds each word in proportion
    to its probability (rounded to ``1 / table_size``); a draw is one uniform index into
    it, so ``sample(shape)`` is a single gather for a whole batch.
    """

    def __init__(self, counts: np.ndarray, power: float = 0.75, table_size: int = 10_000_000):
        p = np.asarray(counts, dtype=np.float64) ** power
        self.probs = p / p.sum()
        edges = np.floor(np.cumsum(self.probs) * table_size + 0.5).astype(np.int64)
        edges[-1] = table_size
        reps = np.diff(np.r_[0, edges])
        self.table = torch.from_numpy(np.repeat(np.arange(len(p), dtype=np.int32), reps))

    def sample(self, shape: tuple[int, ...], generator: torch.Generator | None = None
               ) -> torch.Tensor:
        """``int64`` tensor of ``shape`` with word indices."""
        u = torch.randint(0, len(self.table), shape, generator=generator)
        return self.table[u].long()
