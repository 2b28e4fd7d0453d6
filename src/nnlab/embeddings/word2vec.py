"""word2vec (Mikolov et al. 2013): skip-gram and CBOW with negative sampling, on torch.

Skip-gram with negative sampling maximises, for every (centre ``c``, context ``o``)
pair in a window and ``K`` words ``n_k`` drawn from unigram^0.75,

    log sigmoid(v_o . u_c) + sum_k log sigmoid(-v_o . u_{n_k})

(``v`` = input vectors, the ones kept as word vectors; ``u`` = output vectors). CBOW
replaces ``v_o`` by the mean of the window's input vectors and predicts the centre.

Batched SGD with gensim's per-pair learning rate (the loss is summed, not averaged)
decayed linearly from ``alpha`` to ``min_alpha``. The update is written out (the
gradient of ``log sigmoid`` is ``label - sigmoid``) and applied with ``index_add_`` to
the rows a batch touched only: it is the update ``nn.Embedding(sparse=True)`` + SGD
would make, without building sparse COO gradients, and it lets CBOW give every context
word the full error as word2vec.c and gensim do (autograd through the mean would divide
it by the window size). The kernels, with negatives shared by groups of examples, are
in ``sgns.py``.
"""
from __future__ import annotations

import json
import logging
import math
import os
import time
from typing import Sequence

import numpy as np
import torch
from torch import nn

from nnlab.utils.io import atomic_write

from .corpus import check_sentences, encode
from .keyed_vectors import KeyedVectors
from .sgns import spread, train_cbow, train_skipgram
from .vocab import NegativeSampler, Vocab
from .windows import cbow_bags, permute_bags, skipgram_pairs

log = logging.getLogger(__name__)


def _check_int(where: str, name: str, value, low: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < low:
        raise ValueError(f"{where}: {name} must be an integer >= {low}, got {value!r}")


class Word2Vec(nn.Module):
    """gensim-style word2vec: ``Word2Vec(sentences, vector_size=100, window=5,
    min_count=5, sg=1, negative=5, epochs=5, seed=0)``, then ``model.wv["king"]``,
    ``model.wv.most_similar(...)``.

    Args:
        sentences: list of token lists (``nnlab.embeddings.load_corpus()``); if given the
            vocabulary is built and the model trained at once.
        vector_size: ``D``, the embedding width.
        window: maximum context distance (the effective window is drawn per word).
        min_count: words rarer than this are dropped.
        sg: 1 skip-gram, 0 CBOW (gensim's default).
        negative: negative samples per positive pair (``K``).
        ns_exponent: power of the unigram counts for negative sampling (0.75).
        sample: subsampling threshold ``t`` (0 disables it).
        alpha, min_alpha: learning rate, decayed linearly over all epochs.
        epochs: passes over the corpus.
        batch_size: pairs (skip-gram) or centre words (CBOW) per update.
        workers: torch threads while training (``None``: leave torch's setting).
        seed: seeds initialisation, subsampling, windows and negatives.
        share_negatives: ``S``, consecutive examples (pairs ordered by centre, so mostly
            one centre's window) that share their ``K`` negatives (Ji et al. 2016); each
            example still gets ``K`` draws from unigram^0.75, and the update becomes
            small matrix products (about 3x faster skip-gram, 2x CBOW, same analogy
            accuracy). 1 gives every example its own negatives, as gensim. ``None``:
            16, or the largest divisor of ``batch_size`` below it.

    Attributes:
        in_embed, out_embed: ``nn.Embedding(V, D, sparse=True)``; ``wv`` views
            ``in_embed.weight``.
        wv: :class:`KeyedVectors`.
        words_per_second: corpus words (before subsampling) trained per second, last run.

    Raises:
        ValueError: an empty corpus, ``min_count`` leaving no words, or an argument out
            of range, all before any training.
    """

    def __init__(self, sentences: Sequence[Sequence[str]] | None = None, vector_size: int = 100,
                 window: int = 5, min_count: int = 5, sg: int = 0, negative: int = 5,
                 ns_exponent: float = 0.75, sample: float = 1e-3, alpha: float = 0.025,
                 min_alpha: float = 0.0001, epochs: int = 5, batch_size: int | None = None,
                 workers: int | None = None, seed: int = 0, max_final_vocab: int | None = None,
                 compute_loss: bool = False, share_negatives: int | None = None):
        super().__init__()
        w = "Word2Vec"
        _check_int(w, "vector_size", vector_size, 1)
        _check_int(w, "window", window, 1)
        _check_int(w, "negative", negative, 1)
        _check_int(w, "epochs", epochs, 1)
        if sg not in (0, 1):
            raise ValueError(f"{w}: sg must be 1 (skip-gram) or 0 (CBOW), got {sg!r}")
        if not alpha > 0 or min_alpha < 0 or min_alpha > alpha:
            raise ValueError(f"{w}: need alpha > 0 and 0 <= min_alpha <= alpha, got "
                             f"alpha={alpha!r}, min_alpha={min_alpha!r}")
        if sample < 0:
            raise ValueError(f"{w}: sample must be >= 0, got {sample!r}")
        if batch_size is None:
            batch_size = 1024 if sg else 512
        _check_int(w, "batch_size", batch_size, 1)
        if share_negatives is None:
            share_negatives = math.gcd(batch_size, 16)
        _check_int(w, "share_negatives", share_negatives, 1)
        if batch_size % share_negatives:
            raise ValueError(f"{w}: batch_size must be a multiple of share_negatives, got "
                             f"batch_size={batch_size}, share_negatives={share_negatives}")
        self.vector_size, self.window, self.min_count = vector_size, window, min_count
        self.sg, self.negative, self.ns_exponent, self.sample = sg, negative, ns_exponent, sample
        self.alpha, self.min_alpha, self.epochs = alpha, min_alpha, epochs
        self.batch_size, self.workers, self.seed = batch_size, workers, seed
        self.max_final_vocab, self.compute_loss = max_final_vocab, compute_loss
        self.share_negatives = share_negatives
        self.vocab: Vocab | None = None
        self.wv: KeyedVectors | None = None
        self.words_per_second = float("nan")
        self.running_training_loss = 0.0
        if sentences is not None:
            sentences = check_sentences(sentences, w)
            _check_int(w, "min_count", min_count, 1)
            self.build_vocab(sentences)
            self.train(sentences)

    def build_vocab(self, sentences: Sequence[Sequence[str]]) -> None:
        """Count words, apply ``min_count``, and make the two ``(V, D)`` embeddings
        (input uniform in ``+-0.5 / D`` as gensim, output zeros)."""
        sentences = check_sentences(sentences, "Word2Vec.build_vocab")
        self.vocab = Vocab.build(sentences, self.min_count, self.max_final_vocab, "Word2Vec")
        v, d = len(self.vocab), self.vector_size
        g = torch.Generator().manual_seed(self.seed)
        self.in_embed = nn.Embedding(v, d, sparse=True)
        self.out_embed = nn.Embedding(v, d, sparse=True)
        with torch.no_grad():
            self.in_embed.weight.copy_((torch.rand(v, d, generator=g) - 0.5) / d)
            self.out_embed.weight.zero_()
        self._make_wv()

    def _make_wv(self) -> None:
        self.wv = KeyedVectors(self.vocab.words, self.in_embed.weight.detach().numpy(),
                               self.vocab.counts)
        self.wv.vectors = self.in_embed.weight.detach().numpy()  # a view: no copy

    # --- training ---------------------------------------------------------------------------

    def train(self, sentences: Sequence[Sequence[str]], epochs: int | None = None) -> float:
        """Train on ``sentences`` (the vocabulary must be built); returns the loss summed
        over the last epoch if ``compute_loss`` (else 0.0)."""
        if self.vocab is None:
            raise RuntimeError("Word2Vec.train: call build_vocab(sentences) first")
        sentences = check_sentences(sentences, "Word2Vec.train")
        epochs = self.epochs if epochs is None else epochs
        ids, sent = encode(sentences, self.vocab.index)
        if len(ids) < 2:
            raise ValueError(f"Word2Vec.train: only {len(ids)} in-vocabulary tokens; nothing to "
                             "train on")
        sampler = NegativeSampler(self.vocab.counts, self.ns_exponent)
        workers = self.workers or 1
        old_threads = torch.get_num_threads()
        torch.set_num_threads(1)  # parallel index_add_ on shared rows is slower than serial
        start = time.perf_counter()
        try:
            for epoch in range(epochs):
                loss = self._epoch(ids, sent, epoch, epochs, sampler, workers)
                log.info("word2vec epoch %d/%d loss %.1f", epoch + 1, epochs, loss)
        finally:
            torch.set_num_threads(old_threads)
        self.words_per_second = len(ids) * epochs / (time.perf_counter() - start)
        self.running_training_loss = loss
        self.wv.fill_norms()
        return loss

    def _epoch(self, ids, sent, epoch, epochs, sampler, workers) -> float:
        """One pass: subsample, cut into ~64k-token chunks at sentence ends, and train
        the chunks on ``workers`` threads (Hogwild, like gensim's workers; torch ops
        release the GIL). Each chunk has its own seeded RNGs, so ``workers=1`` is
        reproducible."""
        rng = np.random.default_rng([self.seed, epoch])
        keep = self.vocab.subsample(ids, self.sample, rng)
        pos = np.flatnonzero(keep)                      # raw positions, for LR progress
        kid, ksent = ids[pos], sent[pos]
        total = len(ids) * epochs
        starts = np.append(np.flatnonzero(np.r_[True, ksent[1:] != ksent[:-1]]), len(kid))
        cuts = starts[np.minimum(np.searchsorted(starts, np.arange(65536, len(kid), 65536)),
                                 len(starts) - 1)]
        bounds = np.unique(np.r_[0, cuts, len(kid)])
        jobs = [(k, lo, hi, (epoch * len(ids) + pos[lo]) / total,
                 (epoch * len(ids) + pos[hi - 1] + 1) / total)
                for k, (lo, hi) in enumerate(zip(bounds[:-1], bounds[1:])) if hi > lo]

        def run(job) -> float:
            k, lo, hi, p0, p1 = job
            crng = np.random.default_rng([self.seed, epoch, k])
            gen = torch.Generator().manual_seed(int(crng.integers(2 ** 62)))
            if self.sg:
                centre, context = skipgram_pairs(kid[lo:hi], ksent[lo:hi], self.window, crng)
                return float(self._train_sg(centre, context, p0, p1, gen, sampler))
            centre, words, sizes = cbow_bags(kid[lo:hi], ksent[lo:hi], self.window, crng)
            return float(self._train_cbow(centre, words, sizes, p0, p1, gen, sampler))

        if workers == 1:
            return sum(map(run, jobs))
        from concurrent.futures import ThreadPoolExecutor
        with ThreadPoolExecutor(workers) as pool:
            return sum(pool.map(run, jobs))

    def _lrs(self, n_batches: int, p0: float, p1: float) -> np.ndarray:
        progress = p0 + (p1 - p0) * (np.arange(n_batches) + 0.5) / max(n_batches, 1)
        return np.maximum(self.min_alpha, self.alpha - (self.alpha - self.min_alpha) * progress)

    def _train_sg(self, centre, context, p0, p1, gen, sampler) -> float:
        centre, context = torch.from_numpy(centre), torch.from_numpy(context)
        lrs = self._lrs(-(-len(centre) // self.batch_size), p0, p1)
        negs = sampler.sample((-(-len(centre) // self.share_negatives), self.negative), gen)
        return train_skipgram(self.in_embed.weight, self.out_embed.weight, centre, context,
                              negs, lrs, self.batch_size, self.share_negatives,
                              self.compute_loss)

    def _train_cbow(self, centre, words, sizes, p0, p1, gen, sampler) -> float:
        order = spread(len(centre), self.batch_size, self.share_negatives)
        words, sizes = permute_bags(words, sizes, order)
        centre = torch.from_numpy(centre[order])
        lrs = self._lrs(-(-len(centre) // self.batch_size), p0, p1)
        negs = sampler.sample((-(-len(centre) // self.share_negatives), self.negative), gen)
        return train_cbow(self.in_embed.weight, self.out_embed.weight, centre, words, sizes,
                          negs, lrs, self.batch_size, self.share_negatives, self.compute_loss)

    # --- save / load --------------------------------------------------------------------------

    def _config(self) -> dict:
        keys = ("vector_size", "window", "min_count", "sg", "negative", "ns_exponent", "sample",
                "alpha", "min_alpha", "epochs", "batch_size", "workers", "seed",
                "max_final_vocab", "compute_loss", "share_negatives")
        return {k: getattr(self, k) for k in keys}

    def save(self, path: str | os.PathLike) -> None:
        """``path`` (safetensors: ``in_embed``, ``out_embed``, ``counts``) and a
        ``.vocab.json`` beside it with the words and the constructor arguments."""
        from safetensors.torch import save_file

        path = os.fspath(path)
        tensors = {"in_embed": self.in_embed.weight.detach().contiguous(),
                   "out_embed": self.out_embed.weight.detach().contiguous(),
                   "counts": torch.from_numpy(self.vocab.counts)}
        atomic_write(path, lambda tmp: save_file(tensors, tmp))
        meta = json.dumps({"format": "nnlab.embeddings.Word2Vec/1", "config": self._config(),
                           "words": self.vocab.words})
        root = path[:-len(".safetensors")] if path.endswith(".safetensors") else path
        atomic_write(root + ".vocab.json", lambda tmp: open(tmp, "w").write(meta))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Word2Vec":
        """Read what :meth:`save` wrote (no pickle)."""
        from safetensors.torch import load_file

        path = os.fspath(path)
        root = path[:-len(".safetensors")] if path.endswith(".safetensors") else path
        with open(root + ".vocab.json") as f:
            meta = json.load(f)
        tensors = load_file(path)
        model = cls(**meta["config"])
        model.vocab = Vocab(meta["words"], tensors["counts"].numpy())
        model.in_embed = nn.Embedding.from_pretrained(tensors["in_embed"], freeze=False,
                                                      sparse=True)
        model.out_embed = nn.Embedding.from_pretrained(tensors["out_embed"], freeze=False,
                                                       sparse=True)
        model._make_wv()
        return model
