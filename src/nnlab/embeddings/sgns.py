"""The negative-sampling update of word2vec over one chunk of a corpus, in torch ops.

Everything that does not depend on the vectors is built once per chunk (about 64k
tokens) with whole-array operations: the negatives, the per-example learning rate
folded into the coefficients of the gradient, and for CBOW the flattened context words
with their bag offsets. The loop over batches is then a fixed handful of torch ops
(three gathers, two ``bmm``, a ``vecdot``, two ``sigmoid``, two ``index_add_`` per table, ...):
no optimizer, no autograd.

**The one hand-written piece is the gradient of the SGNS loss**: for a score
``s = u . h`` with label ``y`` (1 for the true word, 0 for a negative) the step is
``g = lr * (y - sigmoid(s))``, then ``u += g h`` and ``h``'s rows ``+= sum g u``
(the gradient of ``log sigmoid(+-s)``, as word2vec.c and gensim write it).

**Shared negatives** (``share``, Ji et al. 2016, "Parallelizing Word2Vec in Shared and
Distributed Memory"): each run of ``share`` consecutive examples (pairs ordered by
centre, so mostly one centre's window) uses the same ``K`` negatives. Every example
still sees ``K`` negatives from unigram^0.75, so the objective is unchanged; the
negatives' rows are gathered and updated once per group instead of once per example,
and their scores and errors become small matrix products. ``share=1`` gives every
example its own negatives, as gensim does.
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def coefficients(centre: torch.Tensor, negs: torch.Tensor, lrs: np.ndarray, batch: int,
                 share: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Learning-rate coefficients of one chunk of ``N`` examples.

    Args:
        centre: ``int64 (N,)`` the word each example predicts.
        negs: ``int64 (ceil(N / share), K)`` negatives, one row per group.
        lrs: ``float64 (ceil(N / batch),)`` learning rate per batch.

    Returns:
        ``c_pos`` ``float32 (N,)``, the rate, and ``c_neg`` ``float32 (N, K)``, minus the
        rate (0 where a negative equals the example's centre: gensim skips it).
    """
    n = len(centre)
    lr = torch.from_numpy(np.repeat(lrs.astype(np.float32), batch)[:n])
    per_example = negs.repeat_interleave(share, 0)[:n]                  # (N, K)
    c_neg = (per_example != centre[:, None]) * -lr[:, None]
    return lr, c_neg


def spread(n: int, batch: int, share: int) -> np.ndarray:
    """A permutation of ``n`` examples that keeps every batch's examples in their batch
    but deals them out like cards, so a group of ``share`` consecutive slots holds
    examples ``G`` apart (``G`` = groups in the batch) instead of neighbours. For CBOW,
    whose neighbouring centres have nearly the same window: grouped as they come,
    the ``share`` examples pushing on the same negatives are near copies of each
    other (analogy accuracy fell by about half a point); spread out, they are not.
    Within a batch every example reads the vectors from before it, so the order is
    free. ``int64 (n,)``."""
    j = np.arange(n)
    lo = j // batch * batch
    groups = -(-np.minimum(batch, n - lo) // share)
    return np.lexsort(((j - lo) % groups, lo))


def _pad(t: torch.Tensor, rows: int) -> torch.Tensor:
    """``t`` with zero rows appended up to ``rows`` (an incomplete last group)."""
    return t if len(t) == rows else torch.cat([t, t.new_zeros(rows - len(t), *t.shape[1:])])


def _update(w_out: torch.Tensor, h: torch.Tensor, pos: torch.Tensor, neg: torch.Tensor,
            c_pos: torch.Tensor, c_neg: torch.Tensor, share: int,
            loss: torch.Tensor | None) -> torch.Tensor:
    """Update the output rows for inputs ``h`` ``(B, D)``: ``pos`` ``(B,)`` the true
    words, ``neg`` ``(G, K)`` the negatives of ``G = ceil(B / share)`` groups;
    returns the error ``(B, D)`` to add to the input side."""
    b, d = h.shape
    g_, k = neg.shape
    rows = g_ * share
    hg = _pad(h, rows).view(g_, share, d)                               # (G, S, D)
    u_pos = w_out.index_select(0, pos)                                  # (B, D)
    u_neg = w_out.index_select(0, neg.reshape(-1)).view(g_, k, d)       # (G, K, D)
    s_pos = torch.linalg.vecdot(u_pos, h)                               # (B,)
    s_neg = torch.bmm(hg, u_neg.transpose(1, 2))                        # (G, S, K)
    if loss is not None:
        loss += -F.logsigmoid(s_pos).sum() - F.logsigmoid(-s_neg.view(rows, k)[:b]).sum()
    # the one hand-written piece, the SGNS gradient: g = lr * (label - sigmoid(score))
    g_pos = torch.addcmul(c_pos, c_pos, s_pos.sigmoid_(), value=-1.0)   # lr (1 - sigmoid)
    g_neg = s_neg.sigmoid_().mul_(_pad(c_neg, rows).view(g_, share, k))  # -lr sigmoid
    err = torch.baddbmm(_pad(g_pos[:, None] * u_pos, rows).view(g_, share, d), g_neg,
                        u_neg).view(rows, d)[:b]                        # (B, D)
    w_out.index_add_(0, pos, g_pos[:, None] * h)
    w_out.index_add_(0, neg.reshape(-1), torch.bmm(g_neg.transpose(1, 2), hg).view(-1, d))
    return err


@torch.no_grad()
def train_skipgram(w_in: torch.Tensor, w_out: torch.Tensor, centre: torch.Tensor,
                   context: torch.Tensor, negs: torch.Tensor, lrs: np.ndarray, batch: int,
                   share: int = 1, compute_loss: bool = False) -> float:
    """Skip-gram over one chunk, in place on ``w_in``/``w_out`` ``(V, D)``.

    gensim's skip-gram predicts the centre word from each context word's vector, so
    ``context`` ``(N,)`` indexes the input table and ``centre`` ``(N,)`` the output one.
    ``negs`` ``(ceil(N / share), K)``; ``batch`` must be a multiple of ``share``.
    Returns the summed loss (0.0 unless ``compute_loss``).
    """
    c_pos, c_neg = coefficients(centre, negs, lrs, batch, share)
    loss = torch.zeros((), dtype=torch.float64) if compute_loss else None
    for lo in range(0, len(centre), batch):
        hi = lo + batch
        inp = context[lo:hi]
        err = _update(w_out, w_in.index_select(0, inp), centre[lo:hi],
                      negs[lo // share:-(-hi // share)], c_pos[lo:hi], c_neg[lo:hi], share, loss)
        w_in.index_add_(0, inp, err)
    return float(loss) if compute_loss else 0.0


@torch.no_grad()
def train_cbow(w_in: torch.Tensor, w_out: torch.Tensor, centre: torch.Tensor,
               words: np.ndarray, sizes: np.ndarray, negs: torch.Tensor, lrs: np.ndarray,
               batch: int, share: int = 1, compute_loss: bool = False) -> float:
    """CBOW (``cbow_mean=1``) over one chunk, in place on ``w_in``/``w_out``.

    ``words`` ``int64 (sizes.sum(),)`` and ``sizes`` ``int64 (N,)``: each centre's window
    as a ragged bag (``windows.cbow_bags``), bags in example order. ``h`` is the mean of
    the window's input vectors (one ``embedding_bag`` per batch, a sum weighted
    ``1 / window size``: faster on CPU than ``mode="mean"``) and every context word gets
    the full error, as word2vec.c and gensim do.
    """
    n = len(centre)
    ends = np.cumsum(sizes)
    starts = ends - sizes
    first = starts[::batch]                          # first word of each batch
    bag_offsets = torch.from_numpy(starts - np.repeat(first, batch)[:n])
    local_row = torch.from_numpy(np.repeat(np.arange(n) % batch, sizes))
    weight = torch.from_numpy(np.repeat((1.0 / sizes).astype(np.float32), sizes))
    words = torch.from_numpy(words)
    c_pos, c_neg = coefficients(centre, negs, lrs, batch, share)
    loss = torch.zeros((), dtype=torch.float64) if compute_loss else None
    for i, lo in enumerate(range(0, n, batch)):
        hi = min(lo + batch, n)
        w0, w1 = int(first[i]), int(ends[hi - 1])
        bag = words[w0:w1]
        h = F.embedding_bag(bag, w_in, bag_offsets[lo:hi], mode="sum",
                            per_sample_weights=weight[w0:w1])                  # (B, D)
        err = _update(w_out, h, centre[lo:hi], negs[lo // share:-(-hi // share)],
                      c_pos[lo:hi], c_neg[lo:hi], share, loss)
        w_in.index_add_(0, bag, err.index_select(0, local_row[w0:w1]))
    return float(loss) if compute_loss else 0.0
