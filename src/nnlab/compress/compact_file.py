"""The compact deep-compression file (format 2): every byte counted, for the paper's ratio.

Format 1 (:mod:`nnlab.compress.file_format`) keeps the Huffman code tables and the
architecture as readable JSON and every other tensor in float32. Format 2 stores the
same decoded model in far fewer bytes, so that the file size itself is the compressed
size Han et al. report:

- one safetensors tensor ``payload`` (``uint8``) whose first ``meta`` bytes are the
  zlib-compressed JSON document (architecture, module paths, per-layer shapes, bit
  counts and byte ranges), followed by one zlib-compressed block of Huffman code
  tables and then the raw segments;
- code tables as canonical Huffman code lengths (:func:`~nnlab.compress.huffman.canonical_code`),
  one byte per symbol: ``2**bits + 1`` cluster symbols (the filler first), ``2**index_bits``
  differences;
- codebooks, biases and every other floating tensor in ``float_dtype`` (default
  ``float16``); integer tensors as they are.

``save_compact(model, path)`` / ``load_compact(path, model=None)``; ``save_compressed(...,
compact=True)`` and ``load_compressed`` dispatch here.
"""
from __future__ import annotations

import json
import zlib
from typing import Any, Optional

import numpy as np
import torch
from torch import nn

from ..utils.io import atomic_write
from ._layers import supported_layers
from .huffman import FILLER, canonical_code, decode, encode, huffman_code, sparse_decode, \
    sparse_encode
from .report import best_index_bits
from .weight_sharing import is_shared, shared_state

__all__ = ["save_compact", "load_compact", "FORMAT2"]

FORMAT2 = "nnlab-deep-compression/2"
FLOAT_DTYPES = ("float16", "bfloat16", "float32")


def _lengths_table(symbols: list, size: int, offset: int) -> tuple:
    """``(code {symbol: bits}, uint8 table (size,))`` of a canonical Huffman code; symbol
    ``s`` sits at ``s + offset`` in the table (0 = unused)."""
    lengths = {s: len(c) for s, c in huffman_code(symbols).items()}
    table = np.zeros(size, np.uint8)
    for s, n in lengths.items():
        if n > 255:
            raise ValueError(f"Huffman code length {n} does not fit the one-byte table")
        table[s + offset] = n
    return canonical_code(lengths), table


def _code_from_table(table: np.ndarray, offset: int) -> dict:
    return canonical_code({int(i) - offset: int(n) for i, n in enumerate(table) if n})


class _Payload:
    """Append-only byte buffer handing out ``[offset, nbytes]`` ranges."""

    def __init__(self):
        self.parts, self.size = [], 0

    def add(self, data: bytes) -> list:
        self.parts.append(data)
        self.size += len(data)
        return [self.size - len(data), len(data)]


def _tensor_bytes(t: torch.Tensor, float_dtype: str) -> tuple:
    t = t.detach().cpu().contiguous()
    if t.is_floating_point():
        t = t.to(getattr(torch, float_dtype))
    dtype = str(t.dtype).split(".")[-1]
    return t.reshape(-1).view(torch.uint8).numpy().tobytes(), dtype


def save_compact(model: nn.Module, path: str, index_bits: Optional[dict] = None,
                 float_dtype: str = "float16") -> dict:
    """Write ``model`` in format 2 to ``path``; returns the metadata document.
    ``index_bits``: ``{layer: difference width}`` (default the smallest coded size)."""
    if float_dtype not in FLOAT_DTYPES:
        raise ValueError(f"save_compact: float_dtype must be one of {FLOAT_DTYPES}, "
                         f"got {float_dtype!r}")
    from safetensors.torch import save_file
    body, tables, layers, coded = _Payload(), [], {}, set()
    for label, m, a in supported_layers(model, None, "compressed"):
        if not is_shared(m, a):
            continue
        key = next(n for n, mod in model.named_modules() if mod is m)
        centroids, indices, mask = shared_state(m, a)
        ib = (index_bits or {}).get(label)
        ib = best_index_bits(m, a) if ib is None else ib
        diffs, clusters = sparse_encode(indices.cpu().numpy(), mask.cpu().numpy(), ib)
        bits = int(np.log2(len(centroids)))
        c_code, c_table = _lengths_table(clusters.tolist(), 2 ** bits + 1, -FILLER)
        d_code, d_table = _lengths_table(diffs.tolist(), 2 ** ib, -1)
        c_data, _, c_bits = encode(clusters.tolist(), c_code)
        d_data, _, d_bits = encode(diffs.tolist(), d_code)
        tables += [c_table.tobytes(), d_table.tobytes()]
        cb, cb_dtype = _tensor_bytes(centroids, float_dtype)
        layers[key] = {"attr": a, "shape": list(indices.shape), "bits": bits, "index_bits": ib,
                       "cluster_bits": c_bits, "diff_bits": d_bits,
                       "clusters": body.add(c_data), "diffs": body.add(d_data),
                       "codebook": body.add(cb), "codebook_dtype": cb_dtype}
        coded.update({f"{key}.{a}_centroids", f"{key}.{a}_indices", f"{key}.{a}_smask"})
    state, others = model.state_dict(), {}
    for name, t in state.items():
        if name in coded or (name.endswith("_mask") and name[:-5] + "_orig" in state):
            continue
        if name.endswith("_orig") and name[:-5] + "_mask" in state:  # pruned, not shared
            name, t = name[:-5], t * state[name[:-5] + "_mask"]
        data, dtype = _tensor_bytes(t, float_dtype)
        others[name] = {"dtype": dtype, "shape": list(t.shape), "range": body.add(data)}
    meta = {"format": FORMAT2, "layers": layers, "tensors": others,
            "modules": [n for n, _ in model.named_modules()],
            "architecture": model.to_json() if hasattr(model, "to_json") else None}
    head = zlib.compress(json.dumps(meta, separators=(",", ":")).encode(), 9)
    table_block = zlib.compress(b"".join(tables), 9)
    payload = head + table_block + b"".join(body.parts)
    header = {"format": FORMAT2, "meta": str(len(head)), "tables": str(len(table_block))}
    tensor = torch.frombuffer(bytearray(payload), dtype=torch.uint8).clone()
    atomic_write(path, lambda tmp: save_file({"payload": tensor}, tmp, metadata=header))
    return meta


def _renamed(state: dict, saved_modules: list, model: nn.Module) -> dict:
    """Map the saved module paths onto ``model``'s by position (a rebuilt model of the
    same architecture gets fresh automatic layer names)."""
    mine = [n for n, _ in model.named_modules()]
    if len(mine) != len(saved_modules):
        raise ValueError(f"model has {len(mine)} modules, the file {len(saved_modules)}: "
                         f"not the same architecture")
    table = dict(zip(saved_modules, mine))
    out = {}
    for key, t in state.items():
        prefix, _, local = key.rpartition(".")
        new = table.get(prefix, prefix)
        out[f"{new}.{local}" if new else local] = t
    return out


def load_compact(path: str, header: dict, model: Optional[nn.Module] = None) -> Any:
    """Decode a format-2 file (``header``: its safetensors metadata) into ``model`` or
    a model rebuilt from the stored architecture; returns the model."""
    from safetensors import safe_open
    with safe_open(path, framework="pt") as f:
        payload = f.get_tensor("payload").numpy().tobytes()
    n_meta, n_tab = int(header["meta"]), int(header["tables"])
    meta = json.loads(zlib.decompress(payload[:n_meta]))
    tables = zlib.decompress(payload[n_meta:n_meta + n_tab])
    body = payload[n_meta + n_tab:]

    def chunk(r):
        return body[r[0]:r[0] + r[1]]
    if model is None:
        if not meta.get("architecture"):
            raise ValueError(f"{path!r} stores no architecture: pass model= (same architecture)")
        from ..models.saving.json_config import model_from_json
        model = model_from_json(meta["architecture"])
    state, pos = {}, 0
    for key, info in meta["layers"].items():
        nc, nd = 2 ** info["bits"] + 1, 2 ** info["index_bits"]
        c_table = np.frombuffer(tables[pos:pos + nc], np.uint8)
        d_table = np.frombuffer(tables[pos + nc:pos + nc + nd], np.uint8)
        pos += nc + nd
        clusters = decode(chunk(info["clusters"]), _code_from_table(c_table, -FILLER),
                          info["cluster_bits"])
        diffs = decode(chunk(info["diffs"]), _code_from_table(d_table, -1), info["diff_bits"])
        idx, mask = sparse_decode(np.asarray(diffs), np.asarray(clusters),
                                  int(np.prod(info["shape"])))
        codebook = torch.frombuffer(bytearray(chunk(info["codebook"])),
                                    dtype=getattr(torch, info["codebook_dtype"])).float()
        w = codebook[torch.as_tensor(idx)] * torch.as_tensor(mask, dtype=codebook.dtype)
        state[f"{key}.{info['attr']}" if key else info["attr"]] = w.reshape(info["shape"])
    for name, info in meta["tensors"].items():
        data = bytearray(chunk(info["range"]))
        t = torch.frombuffer(data, dtype=getattr(torch, info["dtype"])) if data else \
            torch.zeros(0, dtype=getattr(torch, info["dtype"]))
        state[name] = t.reshape(info["shape"])
    model.load_state_dict(_renamed(state, meta["modules"], model), strict=True)
    return model
