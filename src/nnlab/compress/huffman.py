"""Huffman coding (Huffman, 1952) of quantised weight indices and of the relative (sparse)
index differences, as deep compression's third stage (Han et al. 2016, sec. 4).

No library installed here (numpy, scipy, torch, sklearn, stdlib) builds Huffman codes,
so the code construction, bit packing and decoding below are hand-written on ``heapq``
and ``numpy.packbits``. Sizes are the real code lengths: ``encoded_bits`` is the sum of
the code length of every symbol, and :func:`encode` packs exactly that many bits.

Sparse storage (the paper's Fig. 2): the positions of the kept weights in the flattened
weight are stored as differences from the previous kept position; a gap larger than
``2**index_bits`` is bridged by filler entries (difference ``2**index_bits``, cluster
index :data:`FILLER`).
"""
from __future__ import annotations

import heapq
from collections import Counter
from typing import Dict, Hashable, Iterable, List, Tuple

import numpy as np

__all__ = ["FILLER", "huffman_code", "canonical_code", "encoded_bits", "encode", "decode",
           "sparse_encode", "sparse_decode"]

FILLER = -1   # cluster index of a filler entry (a zero weight bridging a long gap)


def huffman_code(symbols: Iterable[Hashable]) -> Dict[Hashable, str]:
    """Optimal prefix code ``{symbol: '0101...'}`` for the frequencies in ``symbols``.

    A single distinct symbol gets the one-bit code ``'0'``; ties are broken by
    insertion order, so the code is deterministic.
    """
    freq = Counter(symbols)
    if not freq:
        return {}
    if len(freq) == 1:
        return {next(iter(freq)): "0"}
    # heap entries: (weight, tie-breaker, {symbol: code-so-far})
    heap = [(n, i, {s: ""}) for i, (s, n) in enumerate(freq.items())]
    heapq.heapify(heap)
    tie = len(heap)
    while len(heap) > 1:
        n1, _, a = heapq.heappop(heap)
        n2, _, b = heapq.heappop(heap)
        merged = {s: "0" + c for s, c in a.items()}
        merged.update({s: "1" + c for s, c in b.items()})
        heapq.heappush(heap, (n1 + n2, tie, merged))
        tie += 1
    return heap[0][2]


def canonical_code(lengths: Dict[Hashable, int]) -> Dict[Hashable, str]:
    """The canonical prefix code with the given code ``lengths`` (DEFLATE's rule): symbols
    sorted by (length, symbol) get consecutive codes, so the lengths alone (one small
    number per symbol) describe the code. ``canonical_code({s: len(c) for s, c in
    huffman_code(x).items()})`` codes ``x`` in exactly as many bits as the Huffman code."""
    code, prev, out = 0, 0, {}
    for s, n in sorted(lengths.items(), key=lambda kv: (kv[1], kv[0])):
        if n < 1:
            raise ValueError(f"canonical_code: symbol {s!r} has code length {n}, expected >= 1")
        code <<= n - prev
        if code >= 2 ** n:
            raise ValueError(f"canonical_code: lengths {sorted(lengths.values())} violate "
                             f"the Kraft inequality (not a prefix code)")
        out[s] = format(code, f"0{n}b")
        code, prev = code + 1, n
    return out


def encoded_bits(symbols: Iterable[Hashable], code: Dict[Hashable, str]) -> int:
    """Sum of the code lengths of ``symbols`` under ``code``."""
    lengths = {s: len(c) for s, c in code.items()}
    return sum(lengths[s] for s in symbols)


def encode(symbols: List[Hashable], code: Dict[Hashable, str] = None) -> Tuple[bytes, dict, int]:
    """``(packed bytes, code, n_bits)``; ``n_bits == encoded_bits(symbols, code)``."""
    symbols = list(symbols)
    code = huffman_code(symbols) if code is None else code
    bits = "".join(code[s] for s in symbols)
    arr = np.frombuffer(bits.encode("ascii"), dtype=np.uint8) - ord("0") if bits else \
        np.zeros(0, np.uint8)
    return np.packbits(arr).tobytes(), code, len(bits)


def decode(data: bytes, code: Dict[Hashable, str], n_bits: int) -> list:
    """Inverse of :func:`encode`: walk the bits, emitting a symbol at each complete code."""
    bits = np.unpackbits(np.frombuffer(data, dtype=np.uint8))[:n_bits]
    inverse = {c: s for s, c in code.items()}
    out, cur = [], ""
    for b in bits.tolist():
        cur += "1" if b else "0"
        s = inverse.get(cur)
        if s is not None:
            out.append(s)
            cur = ""
    if cur:
        raise ValueError(f"decode: {len(cur)} trailing bits do not form a code word")
    return out


def sparse_encode(indices: np.ndarray, mask: np.ndarray, index_bits: int) -> Tuple[np.ndarray, np.ndarray]:
    """Relative-index form of a sparse, quantised weight.

    Args:
        indices: ``(n,)`` cluster index per weight (ignored where ``mask`` is False).
        mask: ``(n,)`` bool, True where the weight is kept.
        index_bits: bits per stored difference (gaps up to ``2**index_bits``).

    Returns: ``(diffs (m,), clusters (m,))``, fillers having cluster :data:`FILLER`.
    """
    if index_bits < 1:
        raise ValueError(f"index_bits must be >= 1, got {index_bits!r}")
    max_gap = 2 ** index_bits
    pos = np.flatnonzero(np.asarray(mask).ravel())
    gaps = np.diff(np.concatenate([[-1], pos]))
    diffs, clusters = [], []
    flat = np.asarray(indices).ravel()
    for p, gap in zip(pos.tolist(), gaps.tolist()):
        while gap > max_gap:
            diffs.append(max_gap)
            clusters.append(FILLER)
            gap -= max_gap
        diffs.append(gap)
        clusters.append(int(flat[p]))
    return np.asarray(diffs, dtype=np.int64), np.asarray(clusters, dtype=np.int64)


def sparse_decode(diffs: np.ndarray, clusters: np.ndarray, n: int) -> Tuple[np.ndarray, np.ndarray]:
    """Inverse of :func:`sparse_encode`: ``(indices (n,), mask (n,))`` (0 where not kept)."""
    pos = np.cumsum(np.asarray(diffs, dtype=np.int64)) - 1
    real = np.asarray(clusters) != FILLER
    indices = np.zeros(n, dtype=np.int64)
    mask = np.zeros(n, dtype=bool)
    indices[pos[real]] = np.asarray(clusters)[real]
    mask[pos[real]] = True
    return indices, mask
