"""The negative-sampling update of word2vec over one chunk of a corpus, in torch ops.

Everything that does not depend on the vectors is built once per chunk (about 64k
tokens) with whole-array operations: the targets (centre + ``K`` negatives), the
per-pair learning rate folded into the coefficients of the gradient, and for CBOW the
flattened context words with their bag offsets. The loop over batches is then a fixed
handful of torch ops (two gathers, two ``bmm``, ``sigmoid``, ``addcmul``, the outer
product and two ``index_add_``) and no optimizer, no autograd.

The one hand-written piece is the gradient of the SGNS loss: for a score
``s = u . h`` with label ``y`` (1 for the true word, 0 for a negative) the step is
``g = lr * (y - sigmoid(s))``, then ``u += g h`` and ``h``'s rows ``+= sum g u``
(the gradient of ``log sigmoid(+-s)``, as word2vec.c and gensim write it).
"""
from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def coefficients(centre: torch.Tensor, negs: torch.Tensor, lrs: np.ndarray, batch: int
                 ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Targets and gradient coefficients of one chunk.

    Args:
        centre: ``int64 (N,)`` the word each example predicts.
        negs: ``int64 (N, K)`` negative samples.
        lrs: ``float64 (ceil(N / batch),)`` learning rate per batch.

    Returns:
        ``targets`` ``int64 (N, K + 1)`` (centre first), ``a`` and ``c`` ``float32
        (N, K + 1)`` such that ``g = a - c * sigmoid(score)``: ``c = lr`` (0 where a
        negative equals the centre, which gensim skips) and ``a = c * label``.
    """
    n = len(centre)
    targets = torch.cat([centre[:, None], negs], 1)
    lr = torch.from_numpy(np.repeat(lrs.astype(np.float32), batch)[:n])
    keep = targets != centre[:, None]
    keep[:, 0] = True
    c = keep * lr[:, None]
    a = torch.zeros_like(c)
    a[:, 0] = lr
    return targets, a, c


def _update(w_out: torch.Tensor, h: torch.Tensor, tgt: torch.Tensor, a: torch.Tensor,
            c: torch.Tensor, loss: torch.Tensor | None) -> torch.Tensor:
    """Update the output rows ``tgt`` ``(B, K + 1)`` for inputs ``h`` ``(B, D)``;
    returns the error ``(B, D)`` to add to the input side."""
    b, d = h.shape
    flat = tgt.reshape(-1)
    u = w_out.index_select(0, flat).view(b, -1, d)                    # (B, K + 1, D)
    score = torch.bmm(u, h.unsqueeze(2)).squeeze(2)                   # (B, K + 1)
    if loss is not None:
        loss += -F.logsigmoid(score[:, 0]).sum() - F.logsigmoid(-score[:, 1:]).sum()
    g = torch.addcmul(a, c, score.sigmoid_(), value=-1.0)             # lr * (label - sigmoid)
    err = torch.bmm(g.unsqueeze(1), u).squeeze(1)                     # (B, D)
    w_out.index_add_(0, flat, (g[:, :, None] * h[:, None, :]).view(-1, d))
    return err


@torch.no_grad()
def train_skipgram(w_in: torch.Tensor, w_out: torch.Tensor, centre: torch.Tensor,
                   context: torch.Tensor, negs: torch.Tensor, lrs: np.ndarray, batch: int,
                   compute_loss: bool = False) -> float:
    """Skip-gram over one chunk, in place on ``w_in``/``w_out`` ``(V, D)``.

    gensim's skip-gram predicts the centre word from each context word's vector, so
    ``context`` ``(N,)`` indexes the input table and ``centre`` ``(N,)`` the output one.
    Returns the summed loss (0.0 unless ``compute_loss``).
    """
    tgt, a, c = coefficients(centre, negs, lrs, batch)
    loss = torch.zeros((), dtype=torch.float64) if compute_loss else None
    for lo in range(0, len(centre), batch):
        inp = context[lo:lo + batch]
        err = _update(w_out, w_in.index_select(0, inp), tgt[lo:lo + batch], a[lo:lo + batch],
                      c[lo:lo + batch], loss)
        w_in.index_add_(0, inp, err)
    return float(loss) if compute_loss else 0.0


@torch.no_grad()
def train_cbow(w_in: torch.Tensor, w_out: torch.Tensor, centre: torch.Tensor,
               context: np.ndarray, mask: np.ndarray, negs: torch.Tensor, lrs: np.ndarray,
               batch: int, compute_loss: bool = False) -> float:
    """CBOW (``cbow_mean=1``) over one chunk, in place on ``w_in``/``w_out``.

    ``context`` ``int64 (N, 2W)`` with ``mask`` ``bool (N, 2W)``: each centre's window.
    ``h`` is the mean of the window's input vectors (one ``embedding_bag`` per batch)
    and every context word gets the full error, as word2vec.c and gensim do.
    """
    n = len(centre)
    row, col = np.nonzero(mask)                      # row-major: batches are contiguous
    words = torch.from_numpy(context[row, col])
    ends = np.cumsum(mask.sum(1))
    starts = ends - mask.sum(1)
    first = starts[np.arange(0, n, batch)]           # first word of each batch
    bag_offsets = torch.from_numpy(starts - np.repeat(first, batch)[:n])
    local_row = torch.from_numpy(row % batch)
    tgt, a, c = coefficients(centre, negs, lrs, batch)
    loss = torch.zeros((), dtype=torch.float64) if compute_loss else None
    for i, lo in enumerate(range(0, n, batch)):
        hi = min(lo + batch, n)
        w0, w1 = int(first[i]), int(ends[hi - 1])
        bag = words[w0:w1]
        h = F.embedding_bag(bag, w_in, bag_offsets[lo:hi], mode="mean")       # (B, D)
        err = _update(w_out, h, tgt[lo:hi], a[lo:hi], c[lo:hi], loss)
        w_in.index_add_(0, bag, err.index_select(0, local_row[w0:w1]))
    return float(loss) if compute_loss else 0.0
