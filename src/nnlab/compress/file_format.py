"""A compact file for a deep-compressed model: one safetensors file whose tensors are the
Huffman bit streams (``uint8``), the codebooks (``float32``) and every other tensor
of the model as is, and whose header metadata holds a JSON document with the Huffman
code tables, bit counts, shapes and (for nnlab models) the architecture (``to_json``).

``save_compressed(model, path)`` writes it atomically (``nnlab.utils.io.atomic_write``);
``load_compressed(path, model=None)`` decodes every layer back to a dense weight and
returns a working model (rebuilt from the stored architecture, or ``model`` loaded in
place when given).
"""
from __future__ import annotations

import json
from typing import Any, Optional

import numpy as np
import torch
from torch import nn

from ..utils.format_version import check_format_name
from ..utils.io import atomic_write
from ._layers import supported_layers
from .compact_file import FORMAT2, _renamed, load_compact, save_compact
from .huffman import decode, sparse_decode
from .report import best_index_bits, encode_layer
from .weight_sharing import is_shared

__all__ = ["save_compressed", "load_compressed"]

FORMAT = "nnlab-deep-compression/1"


def _stream(tensors: dict, key: str, data: bytes) -> None:
    tensors[key] = torch.frombuffer(bytearray(data), dtype=torch.uint8).clone() if data \
        else torch.zeros(0, dtype=torch.uint8)


def save_compressed(model: nn.Module, path: str, index_bits: Optional[dict] = None,
                    compact: bool = False, float_dtype: str = "float16") -> dict:
    """Write ``model`` (weight-shared layers Huffman-coded) to ``path``; returns the
    metadata document. ``index_bits``: ``{layer: difference width}``; a layer not in it
    gets the width with the smallest coded size (``report.best_index_bits``), as the
    report's P+Q+H column. ``compact=True`` writes format 2
    (:mod:`nnlab.compress.compact_file`: canonical code tables, ``float_dtype``
    codebooks and biases, zlib-compressed header) whose file size is the compressed size."""
    if compact:
        return save_compact(model, path, index_bits, float_dtype)
    from safetensors.torch import save_file
    tensors, layers, coded = {}, {}, set()
    for label, m, a in supported_layers(model, None, "compressed"):
        if not is_shared(m, a):
            continue
        ib = (index_bits or {}).get(label)
        enc = encode_layer(m, a, best_index_bits(m, a) if ib is None else ib)
        key = _module_key(model, m)
        _stream(tensors, f"{key}.{a}.clusters", enc["clusters"][0])
        _stream(tensors, f"{key}.{a}.diffs", enc["diffs"][0])
        tensors[f"{key}.{a}.codebook"] = enc["centroids"].contiguous()
        layers[key] = {"attr": a, "shape": enc["shape"], "bits": enc["bits"],
                       "index_bits": enc["index_bits"],
                       "cluster_code": {str(s): c for s, c in enc["clusters"][1].items()},
                       "cluster_bits": enc["clusters"][2],
                       "diff_code": {str(s): c for s, c in enc["diffs"][1].items()},
                       "diff_bits": enc["diffs"][2]}
        coded.update({f"{key}.{a}_centroids", f"{key}.{a}_indices", f"{key}.{a}_smask"})
    state = model.state_dict()
    for name, t in state.items():
        if name in coded or (name.endswith("_mask") and name[:-5] + "_orig" in state):
            continue
        if name.endswith("_orig") and name[:-5] + "_mask" in state:  # pruned, not shared
            name, t = name[:-5], t * state[name[:-5] + "_mask"]
        tensors[name] = t.detach().cpu().contiguous()
    meta = {"format": FORMAT, "layers": layers,
            "modules": [n for n, _ in model.named_modules()]}
    if hasattr(model, "to_json"):
        meta["architecture"] = model.to_json()
    atomic_write(path, lambda tmp: save_file(tensors, tmp, metadata={"nnlab": json.dumps(meta)}))
    return meta


def _module_key(model: nn.Module, module: nn.Module) -> str:
    for n, m in model.named_modules():
        if m is module:
            return n
    raise KeyError("module not in model")


def load_compressed(path: str, model: Optional[nn.Module] = None) -> Any:
    """Decode ``path`` into ``model`` (or into a model rebuilt from the stored
    architecture) with dense weights; returns the model."""
    from safetensors import safe_open
    with safe_open(path, framework="pt") as f:
        raw = f.metadata() or {}
        if "nnlab" not in raw and raw.get("format") != FORMAT2:
            raise ValueError(f"{path!r} is not an nnlab compressed file (no 'nnlab' metadata)")
        if raw.get("format") == FORMAT2:
            meta = None
        else:
            meta = json.loads(raw["nnlab"])
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    if meta is None:
        return load_compact(path, raw, model)
    if meta.get("format") != FORMAT:
        check_format_name(path, "Compressed model file", meta.get("format"), repr(FORMAT),
                          "compress the model again with this nnlab")
        raise ValueError(f"{path!r}: unknown format {meta.get('format')!r}, expected {FORMAT!r}")
    if model is None:
        if "architecture" not in meta:
            raise ValueError(f"{path!r} stores no architecture: pass model= (same architecture)")
        from ..models.saving.json_config import model_from_json
        model = model_from_json(meta["architecture"])
    state = {}
    for key, info in meta["layers"].items():
        a = info["attr"]
        n = int(np.prod(info["shape"]))
        cc = {int(s): c for s, c in info["cluster_code"].items()}
        dc = {int(s): c for s, c in info["diff_code"].items()}
        clusters = decode(tensors[f"{key}.{a}.clusters"].numpy().tobytes(), cc, info["cluster_bits"])
        diffs = decode(tensors[f"{key}.{a}.diffs"].numpy().tobytes(), dc, info["diff_bits"])
        idx, mask = sparse_decode(np.asarray(diffs), np.asarray(clusters), n)
        codebook = tensors[f"{key}.{a}.codebook"]
        w = codebook[torch.as_tensor(idx)] * torch.as_tensor(mask, dtype=codebook.dtype)
        state[f"{key}.{a}" if key else a] = w.reshape(info["shape"])
    for name, t in tensors.items():
        if not name.endswith((".clusters", ".diffs", ".codebook")):
            state[name] = t
    model.load_state_dict(_renamed(state, meta["modules"], model), strict=True)
    return model
