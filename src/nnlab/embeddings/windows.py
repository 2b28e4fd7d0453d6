"""Dynamic context windows over a flat token array, as whole-array numpy operations.

word2vec shrinks the window at random per centre word: with ``window=5`` each centre
sees ``b`` words either side, ``b`` uniform in 1..5 (so near words count more). Only a
loop over the ``window`` offsets remains; no Python loop over tokens.
"""
from __future__ import annotations

import numpy as np


def reduced_windows(n: int, window: int, rng: np.random.Generator) -> np.ndarray:
    """Effective window per centre, ``int64 (n,)`` uniform in ``1..window``."""
    return rng.integers(1, window + 1, size=n)


def skipgram_pairs(ids: np.ndarray, sentence: np.ndarray, window: int,
                   rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """All (centre, context) pairs of a token stream, ``int64 (P,)`` each.

    Args:
        ids: word indices ``(T,)`` (after subsampling).
        sentence: sentence number of each token ``(T,)``; windows never cross sentences.
        window: maximum distance; the effective one is drawn per centre.

    Returns:
        ``(centre, context)`` word indices, ordered by centre position.
    """
    n = len(ids)
    eff = reduced_windows(n, window, rng)
    pos_c, pos_o = [], []
    for d in range(1, min(window, n - 1) + 1):
        same = sentence[:-d] == sentence[d:]
        fwd = np.flatnonzero(same & (eff[:-d] >= d))   # centre i, context i + d
        bwd = np.flatnonzero(same & (eff[d:] >= d))    # centre i + d, context i
        pos_c += [fwd, bwd + d]
        pos_o += [fwd + d, bwd]
    if not pos_c:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    pc, po = np.concatenate(pos_c), np.concatenate(pos_o)
    order = np.argsort(pc, kind="stable")
    return ids[pc[order]], ids[po[order]]


def cbow_windows(ids: np.ndarray, sentence: np.ndarray, window: int,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each centre with its padded context, for CBOW: :func:`cbow_bags` as a rectangle.

    Returns:
        ``centre`` ``int64 (N,)``, ``context`` ``int64 (N, 2 * window)`` (a row's context
        words first, in position order, then padding index 0 where ``mask`` is False)
        and ``mask`` ``bool (N, 2 * window)``; centres with an empty context (one-word
        sentences) are dropped.
    """
    centre, words, sizes = cbow_bags(ids, sentence, window, rng)
    mask = np.arange(2 * window)[None, :] < sizes[:, None]
    context = np.zeros(mask.shape, dtype=ids.dtype)
    context[mask] = words                                       # row-major: bag by bag
    return centre, context, mask


def cbow_bags(ids: np.ndarray, sentence: np.ndarray, window: int,
              rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each centre with its context as a ragged bag, for CBOW's training kernel.

    A centre's context is the run of positions ``lo..hi`` of its sentence around it,
    minus itself, so the flat list is built from the runs' ends in a few whole-array
    passes over the ``~N * window`` context words (no ``(N, 2 * window)`` padding).

    Returns:
        ``centre`` ``int64 (N,)``, ``words`` ``int64 (sizes.sum(),)`` the contexts one
        after the other (in position order within a bag) and ``sizes`` ``int64 (N,)``
        (all >= 1: centres with an empty context are dropped, as in ``cbow_windows``).
    """
    n = len(ids)
    eff = reduced_windows(n, window, rng)
    first = np.r_[True, sentence[1:] != sentence[:-1]] if n else np.zeros(0, bool)
    starts = np.flatnonzero(first)
    which = np.cumsum(first) - 1                                # sentence of each token
    ends = np.append(starts[1:], n) - 1
    i = np.arange(n)
    lo = np.maximum(i - eff, starts[which])
    hi = np.minimum(i + eff, ends[which])
    keep = hi > lo
    i, lo, span = i[keep], lo[keep], (hi - lo + 1)[keep]        # span includes the centre
    run_start = np.cumsum(span) - span
    pos = np.arange(span.sum()) + np.repeat(lo - run_start, span)
    words = ids[pos[pos != np.repeat(i, span)]]
    return ids[i], words, span - 1


def permute_bags(words: np.ndarray, sizes: np.ndarray, order: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Ragged bags ``(words, sizes)`` reordered by ``order`` ``(N,)``: bag ``k`` of the
    result is bag ``order[k]`` of the input."""
    start = np.cumsum(sizes) - sizes
    new_sizes = sizes[order]
    new_start = np.cumsum(new_sizes) - new_sizes
    src = np.arange(new_sizes.sum()) + np.repeat(start[order] - new_start, new_sizes)
    return words[src], new_sizes


def cooccurrence_pairs(ids: np.ndarray, sentence: np.ndarray, window: int
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """GloVe's symmetric co-occurrences within ``window`` (fixed, not shrunk), each
    weighted ``1 / distance``: ``(row, col, weight)`` arrays with both directions."""
    rows, cols, wts = [], [], []
    for d in range(1, min(window, len(ids) - 1) + 1):
        i = np.flatnonzero(sentence[:-d] == sentence[d:])
        a, b = ids[i], ids[i + d]
        w = np.full(len(i), 1.0 / d)
        rows += [a, b]
        cols += [b, a]
        wts += [w, w]
    if not rows:
        return np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0)
    return np.concatenate(rows), np.concatenate(cols), np.concatenate(wts)
