"""GloVe (Pennington, Socher & Manning 2014): weighted least squares on log co-occurrences.

    J = sum_{i,j: X_ij > 0} f(X_ij) (w_i . w~_j + b_i + b~_j - log X_ij)^2,
    f(x) = min(1, (x / x_max) ** alpha)          (x_max = 100, alpha = 0.75)

``X`` counts co-occurrences within ``window`` words, each weighted ``1 / distance``,
built as a scipy sparse matrix from whole-array window pairs. Training is AdaGrad
as glove.c does it (one step per non-zero entry, accumulators starting at 1), applied
to shuffled batches of entries with ``index_add_`` on ``nn.Embedding`` tables, so only
the rows a batch uses are touched. The word vectors are ``w + w~``, as in the paper.
"""
from __future__ import annotations

import logging
import time
from typing import Sequence

import numpy as np
import torch
from torch import nn

from .corpus import check_sentences, encode
from .keyed_vectors import KeyedVectors
from .vocab import Vocab
from .windows import cooccurrence_pairs
from .word2vec import _check_int

log = logging.getLogger(__name__)


def cooccurrence_matrix(ids: np.ndarray, sentence: np.ndarray, window: int, vocab_size: int,
                        chunk: int = 500_000):
    """Symmetric ``scipy.sparse.csr_matrix (V, V)`` of ``sum 1 / distance`` over all pairs
    of tokens at most ``window`` apart in one sentence (built ``chunk`` tokens at a time;
    a window crossing a chunk edge is lost, a negligible fraction)."""
    from scipy import sparse

    total = sparse.csr_matrix((vocab_size, vocab_size))
    for lo in range(0, len(ids), chunk):
        r, c, w = cooccurrence_pairs(ids[lo:lo + chunk], sentence[lo:lo + chunk], window)
        total = total + sparse.coo_matrix((w, (r, c)), shape=(vocab_size, vocab_size)).tocsr()
    total.sum_duplicates()
    return total


class GloVe(nn.Module):
    """GloVe word vectors: ``GloVe(sentences, vector_size=100, window=10, min_count=5,
    epochs=25)``, then ``model.wv.most_similar(...)`` as for :class:`Word2Vec`.

    Args:
        sentences: list of token lists; if given, the model is built and trained.
        vector_size: ``D``.
        window: co-occurrence window (fixed, each pair weighted 1 / distance).
        x_max, alpha: the weighting function ``f``.
        learning_rate: AdaGrad's initial rate (0.05 in the paper).
        epochs: passes over the non-zero entries of ``X``.
        batch_size: non-zero entries per AdaGrad step.

    Attributes:
        w, w_tilde: ``nn.Embedding(V, D, sparse=True)``; b, b_tilde: ``(V, 1)`` biases.
        cooccurrence: the ``scipy.sparse.csr_matrix`` ``X``.
        losses: mean weighted squared error per epoch.
        wv: :class:`KeyedVectors` of ``w + w~``.
    """

    def __init__(self, sentences: Sequence[Sequence[str]] | None = None, vector_size: int = 100,
                 window: int = 10, min_count: int = 5, x_max: float = 100.0, alpha: float = 0.75,
                 learning_rate: float = 0.05, epochs: int = 25, batch_size: int = 4096,
                 seed: int = 0, max_final_vocab: int | None = None):
        super().__init__()
        w = "GloVe"
        _check_int(w, "vector_size", vector_size, 1)
        _check_int(w, "window", window, 1)
        _check_int(w, "epochs", epochs, 1)
        _check_int(w, "batch_size", batch_size, 1)
        if not x_max > 0 or not alpha > 0 or not learning_rate > 0:
            raise ValueError(f"GloVe: x_max, alpha and learning_rate must be > 0, got "
                             f"x_max={x_max!r}, alpha={alpha!r}, learning_rate={learning_rate!r}")
        self.vector_size, self.window, self.min_count = vector_size, window, min_count
        self.x_max, self.alpha, self.learning_rate = x_max, alpha, learning_rate
        self.epochs, self.batch_size, self.seed = epochs, batch_size, seed
        self.max_final_vocab = max_final_vocab
        self.losses: list[float] = []
        self.wv: KeyedVectors | None = None
        if sentences is not None:
            sentences = check_sentences(sentences, w)
            _check_int(w, "min_count", min_count, 1)
            self.build(sentences)
            self.train()

    def build(self, sentences: Sequence[Sequence[str]]) -> None:
        """Vocabulary, co-occurrence matrix, and the parameters (uniform ``+-0.5 / D`` as
        glove.c)."""
        self.vocab = Vocab.build(sentences, self.min_count, self.max_final_vocab, "GloVe")
        ids, sent = encode(sentences, self.vocab.index)
        v, d = len(self.vocab), self.vector_size
        self.cooccurrence = cooccurrence_matrix(ids, sent, self.window, v)
        if self.cooccurrence.nnz == 0:
            raise ValueError("GloVe: no two in-vocabulary words co-occur within the window; "
                             "nothing to fit")
        g = torch.Generator().manual_seed(self.seed)
        self.w, self.w_tilde = nn.Embedding(v, d, sparse=True), nn.Embedding(v, d, sparse=True)
        self.b, self.b_tilde = nn.Embedding(v, 1, sparse=True), nn.Embedding(v, 1, sparse=True)
        with torch.no_grad():
            for e in (self.w, self.w_tilde, self.b, self.b_tilde):
                e.weight.copy_((torch.rand(e.weight.shape, generator=g) - 0.5) / d)

    def train(self, epochs: int | None = None) -> list[float]:
        """AdaGrad on ``J``; returns the per-epoch mean of ``0.5 f(X) (...)^2``."""
        coo = self.cooccurrence.tocoo()
        rows, cols = torch.from_numpy(coo.row.astype(np.int64)), torch.from_numpy(
            coo.col.astype(np.int64))
        x = torch.from_numpy(coo.data.astype(np.float32))
        logx = x.log()
        fx = (x / self.x_max).pow(self.alpha).clamp_(max=1.0)
        if not hasattr(self, "_gradsq"):                 # AdaGrad accumulators, 1 as glove.c
            self._gradsq = [torch.ones_like(e.weight) for e in
                            (self.w, self.w_tilde, self.b, self.b_tilde)]
        g = torch.Generator().manual_seed(self.seed + 1)
        start = time.perf_counter()
        old_threads = torch.get_num_threads()
        torch.set_num_threads(1)  # small scattered updates: extra threads only contend
        try:
            self._epochs(self.epochs if epochs is None else epochs, rows, cols, logx, fx, g)
        finally:
            torch.set_num_threads(old_threads)
        self.seconds = time.perf_counter() - start
        vectors = (self.w.weight + self.w_tilde.weight).detach().numpy().copy()
        self.wv = KeyedVectors(self.vocab.words, vectors, self.vocab.counts)
        return self.losses

    @torch.no_grad()
    def _epochs(self, epochs, rows, cols, logx, fx, g) -> None:
        """glove.c's AdaGrad, one step per non-zero entry, applied a batch at a time:
        each entry ``(i, j)`` moves ``w_i`` by ``-eta g / sqrt(G_i)`` and adds ``g^2`` to
        ``G_i`` (``g = eta f diff w~_j``), so a frequent word takes one step per entry as
        in glove.c. (``torch.optim.Adagrad`` on the summed batch gradient would take one
        capped step per batch instead, which leaves frequent words sharing one direction.)
        Written out because no torch optimiser keeps per-entry accumulators."""
        w, wt = self.w.weight, self.w_tilde.weight
        b, bt = self.b.weight[:, 0], self.b_tilde.weight[:, 0]
        gw, gwt, gb, gbt = self._gradsq
        gb, gbt = gb[:, 0], gbt[:, 0]
        eta = self.learning_rate
        for epoch in range(epochs):
            order = torch.randperm(len(logx), generator=g)
            total = torch.zeros((), dtype=torch.float64)
            for s in range(0, len(logx), self.batch_size):
                idx = order[s:s + self.batch_size]
                i, j = rows[idx], cols[idx]
                wi, wj = w.index_select(0, i), wt.index_select(0, j)          # (B, D)
                diff = (wi * wj).sum(1) + b[i] + bt[j] - logx[idx]             # (B,)
                fdiff = fx[idx] * diff
                total += 0.5 * (fdiff * diff).sum()                           # glove.c's cost
                fdiff *= eta
                di, dj = fdiff[:, None] * wj, fdiff[:, None] * wi              # (B, D)
                w.index_add_(0, i, -di / gw.index_select(0, i).sqrt())
                wt.index_add_(0, j, -dj / gwt.index_select(0, j).sqrt())
                gw.index_add_(0, i, di * di)
                gwt.index_add_(0, j, dj * dj)
                b.index_add_(0, i, -fdiff / gb[i].sqrt())
                bt.index_add_(0, j, -fdiff / gbt[j].sqrt())
                gb.index_add_(0, i, fdiff * fdiff)
                gbt.index_add_(0, j, fdiff * fdiff)
            self.losses.append(float(total) / len(logx))
            log.info("GloVe epoch %d loss %.4f", epoch + 1, self.losses[-1])
