"""Deep-compression size accounting per layer, like Han et al.'s Tables 2-3.

For every weight-shared layer (``nnlab.compress.weight_sharing``), possibly pruned:
the kept weights are stored as (relative index, cluster index) pairs
(:func:`nnlab.compress.huffman.sparse_encode`) plus the float32 codebook. Sizes:

- ``P`` (pruning alone): ``entries * (32 + index_bits)``, float32 values with fixed-width
  relative indices (``entries`` counts the filler entries);
- ``P+Q``: fixed width, ``entries * (bits + index_bits) + 32 * 2**bits``;
- ``P+Q+H``: the real Huffman code lengths of the cluster indices and of the index
  differences, plus the codebook, plus each Huffman table stored canonically (one
  byte of code length per symbol of the whole alphabet: ``2**index_bits`` differences,
  ``2**bits + 1`` cluster symbols with the filler). The Huffman stage may use a wider
  difference alphabet than the fixed-width stage (fewer filler entries; Huffman gives
  the frequent short gaps short codes anyway): by default the width in 2..12 that
  gives the smallest P+Q+H (:func:`best_index_bits`), stored in the file's header.

Biases and layers that are not shared count as dense float32. ``ratio`` is
``32 * weights / compressed bits`` per layer; the ``total`` row includes the biases.
"""
from __future__ import annotations

from typing import Dict, List, Optional, Union

import numpy as np
import torch
from torch import nn

from ._layers import supported_layers
from .huffman import encode, huffman_code, sparse_encode
from .weight_sharing import is_shared, shared_state

__all__ = ["encode_layer", "compression_report", "format_compression_report",
           "default_index_bits", "best_index_bits", "huffman_layer_bits"]

HUFFMAN_INDEX_BITS = range(2, 13)   # candidate difference widths for the Huffman stage


def default_index_bits(module: nn.Module) -> int:
    """The paper's choice: 8 bits for conv layers, 5 for fully connected ones."""
    return 5 if type(module).__name__ in ("Dense", "Linear") else 8


def encode_layer(module: nn.Module, attr: str, index_bits: int) -> Dict:
    """Huffman-encode one shared layer: the streams, codes and bit counts."""
    centroids, indices, mask = shared_state(module, attr)
    diffs, clusters = sparse_encode(indices.cpu().numpy(), mask.cpu().numpy(), index_bits)
    c_data, c_code, c_bits = encode(clusters.tolist())
    d_data, d_code, d_bits = encode(diffs.tolist())
    return {"shape": list(indices.shape), "centroids": centroids.cpu().float(),
            "bits": int(np.log2(len(centroids))), "index_bits": index_bits,
            "entries": len(diffs), "kept": int(mask.sum()),
            "clusters": (c_data, c_code, c_bits), "diffs": (d_data, d_code, d_bits)}


def huffman_layer_bits(module: nn.Module, attr: str, index_bits: int) -> int:
    """P+Q+H size in bits of one shared layer with ``index_bits`` wide differences:
    both Huffman streams + the float32 codebook + the two canonical code tables."""
    centroids, indices, mask = shared_state(module, attr)
    diffs, clusters = sparse_encode(indices.cpu().numpy(), mask.cpu().numpy(), index_bits)
    k = len(centroids)
    return sum(_stream_bits(s) for s in (clusters, diffs)) + 32 * k + 8 * (k + 1 + 2 ** index_bits)


def _stream_bits(symbols: np.ndarray) -> int:
    if len(symbols) == 0:
        return 0
    _, counts = np.unique(symbols, return_counts=True)
    code = huffman_code(dict(enumerate(counts.tolist())))
    return int(sum(len(code[i]) * n for i, n in enumerate(counts.tolist())))


def best_index_bits(module: nn.Module, attr: str) -> int:
    """The difference width in 2..12 giving the smallest P+Q+H for this layer."""
    return min(HUFFMAN_INDEX_BITS, key=lambda ib: huffman_layer_bits(module, attr, ib))


def compression_report(model: nn.Module, index_bits: Optional[Dict[str, int]] = None,
                       huffman_index_bits: Union[str, Dict[str, int]] = "auto") -> List[dict]:
    """Rows ``layer, weights, kept, bits, index_bits, index_bits_h, p_bits, pq_bits,
    pqh_bits, ratio_p, ratio_pq, ratio_pqh`` per supported layer, then a ``total`` row (biases included).

    ``index_bits``: fixed difference width of the P+Q stage per layer (default the
    paper's 5 FC / 8 conv). ``huffman_index_bits``: width for the Huffman stage,
    ``'auto'`` (smallest P+Q+H, :func:`best_index_bits`), ``'same'`` or ``{layer: bits}``.
    """
    if not (huffman_index_bits in ("auto", "same") or isinstance(huffman_index_bits, dict)):
        raise ValueError(f"huffman_index_bits must be 'auto', 'same' or {{layer: bits}}, "
                         f"got {huffman_index_bits!r}")
    rows = []
    tot_w = tot_p = tot_pq = tot_pqh = 0
    for label, m, a in supported_layers(model, None, "compressed"):
        numel = int(np.prod(getattr(m, a).shape))
        if is_shared(m, a):
            ib = (index_bits or {}).get(label, default_index_bits(m))
            ibh = resolve_huffman_index_bits(m, a, label, ib, huffman_index_bits)
            centroids, indices, mask = shared_state(m, a)
            k, kept = len(centroids), int(mask.sum())
            bits = int(np.log2(k))
            entries = len(sparse_encode(indices.cpu().numpy(), mask.cpu().numpy(), ib)[0])
            p, pq = entries * (32 + ib), entries * (bits + ib) + 32 * k
            pqh = huffman_layer_bits(m, a, ibh)
        else:
            ib, ibh, p, pq, pqh, bits = 0, 0, 32 * numel, 32 * numel, 32 * numel, 32
            kept = int(torch.count_nonzero(getattr(m, a).detach()))
        rows.append({"layer": label, "weights": numel, "kept": kept / numel, "bits": bits,
                     "index_bits": ib, "index_bits_h": ibh, "p_bits": p, "pq_bits": pq,
                     "pqh_bits": pqh, "ratio_p": 32 * numel / p,
                     "ratio_pq": 32 * numel / pq, "ratio_pqh": 32 * numel / pqh})
        tot_w, tot_p, tot_pq, tot_pqh = tot_w + numel, tot_p + p, tot_pq + pq, tot_pqh + pqh
    weight_ids = {id(p) for _, m, a in supported_layers(model, None, "compressed")
                  for p in (m._parameters.get(a), m._parameters.get(a + "_orig"),
                            m._parameters.get(a + "_centroids")) if p is not None}
    other = sum(p.numel() for p in model.parameters() if id(p) not in weight_ids)
    kept_total = sum(r["kept"] * r["weights"] for r in rows)
    rows.append({"layer": "total", "weights": tot_w, "kept": kept_total / max(tot_w, 1),
                 "bits": None, "index_bits": None, "index_bits_h": None, "other_params": other,
                 "p_bits": tot_p + 32 * other,
                 "ratio_p": 32 * (tot_w + other) / (tot_p + 32 * other),
                 "pq_bits": tot_pq + 32 * other, "pqh_bits": tot_pqh + 32 * other,
                 "ratio_pq": 32 * (tot_w + other) / (tot_pq + 32 * other),
                 "ratio_pqh": 32 * (tot_w + other) / (tot_pqh + 32 * other)})
    return rows


def resolve_huffman_index_bits(module: nn.Module, attr: str, label: str, fixed: int,
                               choice: Union[str, Dict[str, int]]) -> int:
    """The Huffman stage's difference width for one layer (see :func:`compression_report`)."""
    if choice == "same":
        return fixed
    if isinstance(choice, dict) and label in choice:
        return choice[label]
    return best_index_bits(module, attr)


def _widths(row: dict) -> str:
    return "" if row["index_bits"] is None else f"{row['index_bits']} / {row['index_bits_h']}"


def format_compression_report(rows: List[dict]) -> str:
    """The table as Markdown (paper's columns: weights, kept, bits, size, ratio)."""
    out = ["| layer | weights | kept | weight bits | index bits P+Q / H | P KB | P+Q KB | "
           "P+Q+H KB | ratio P | ratio P+Q | ratio P+Q+H |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        out.append(f"| {r['layer']} | {r['weights']:,} | {r['kept']:.1%} | "
                   f"{'' if r['bits'] is None else r['bits']} | "
                   f"{_widths(r)} | "
                   f"{r['p_bits'] / 8192:.1f} | {r['pq_bits'] / 8192:.1f} | "
                   f"{r['pqh_bits'] / 8192:.1f} | {r['ratio_p']:.1f}x | "
                   f"{r['ratio_pq']:.1f}x | {r['ratio_pqh']:.1f}x |")
    return "\n".join(out)
