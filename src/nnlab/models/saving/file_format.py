"""The checks on an nnlab model/weights file that run before anything is built or read.

An nnlab file is a safetensors file: 8 bytes (little-endian header length ``n``), ``n``
bytes of JSON header ``{tensor name: {"dtype", "shape", "data_offsets"}, "__metadata__":
{str: str}}``, then the tensor bytes. Everything in the header is untrusted:
:func:`read_header` checks its size against the file, its JSON depth, every entry's
keys and types, the dtypes, that each tensor's byte range matches its shape and lies
inside the file, and that no two ranges overlap -- so nothing is allocated from a
claimed shape that the file's bytes do not back. :func:`content_hash` is the integrity
check stored in the metadata (``sha256``) and verified on load.

Written here because safetensors validates offsets only while loading the tensors
(after allocating them) and reports problems as its own exception types.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import struct
from typing import Any, Dict, Iterable

import torch

from ...errors import ConfigError
from ...utils.io import is_temporary

MAX_HEADER_BYTES = 100 * 1024 * 1024
MAX_JSON_DEPTH = 100
DTYPE_SIZES = {"F64": 8, "F32": 4, "F16": 2, "BF16": 2, "I64": 8, "I32": 4, "I16": 2,
               "I8": 1, "U8": 1, "BOOL": 1}
TORCH_DTYPES = {torch.float64: "F64", torch.float32: "F32", torch.float16: "F16",
                torch.bfloat16: "BF16", torch.int64: "I64", torch.int32: "I32",
                torch.int16: "I16", torch.int8: "I8", torch.uint8: "U8", torch.bool: "BOOL"}


def json_depth_ok(raw: str, limit: int = MAX_JSON_DEPTH) -> bool:
    """True when the brackets of JSON text ``raw`` nest at most ``limit`` deep.

    Counted on the text (ignoring brackets inside strings) before ``json.loads``, which
    would otherwise recurse once per level.
    """
    depth = 0
    in_string = escaped = False
    for ch in raw:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > limit:
                return False
        elif ch in "]}":
            depth -= 1
    return True


def loads(raw: str, path: str, what: str) -> Any:
    """``json.loads`` that raises ConfigError (naming ``path`` and ``what``) for bad JSON."""
    if not isinstance(raw, str):
        raise ConfigError(f"{path!r}: {what} must be a JSON string, got {type(raw).__name__}")
    if not json_depth_ok(raw):
        raise ConfigError(f"{path!r}: {what} nests deeper than {MAX_JSON_DEPTH} levels; "
                          f"refusing it (no nnlab model needs that)")
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, RecursionError, ValueError) as exc:
        raise ConfigError(f"{path!r}: {what} is not valid JSON ({exc})") from exc


def _check_entry(path: str, name: str, entry: Any, data_size: int) -> tuple:
    if not isinstance(entry, dict):
        raise ConfigError(f"{path!r}: header entry {name!r} must be an object, got "
                          f"{type(entry).__name__}")
    missing = [k for k in ("dtype", "shape", "data_offsets") if k not in entry]
    if missing:
        raise ConfigError(f"{path!r}: header entry {name!r} lacks {', '.join(missing)}")
    dtype, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if dtype not in DTYPE_SIZES:
        raise ConfigError(f"{path!r}: tensor {name!r} has unsupported dtype {dtype!r}; "
                          f"expected one of {sorted(DTYPE_SIZES)}")
    if not isinstance(shape, list) or len(shape) > 16 or not all(
            isinstance(d, int) and not isinstance(d, bool) and d >= 0 for d in shape):
        raise ConfigError(f"{path!r}: tensor {name!r} has a malformed shape {str(shape)[:80]}")
    if not (isinstance(offsets, list) and len(offsets) == 2 and all(
            isinstance(o, int) and not isinstance(o, bool) for o in offsets)
            and 0 <= offsets[0] <= offsets[1]):
        raise ConfigError(f"{path!r}: tensor {name!r} has malformed data_offsets "
                          f"{str(offsets)[:80]}")
    nbytes = math.prod(shape) * DTYPE_SIZES[dtype]
    if offsets[1] - offsets[0] != nbytes:
        raise ConfigError(f"{path!r}: tensor {name!r} of shape {shape} ({dtype}) needs "
                          f"{nbytes} bytes but its data_offsets span "
                          f"{offsets[1] - offsets[0]}")
    if offsets[1] > data_size:
        raise ConfigError(f"{path!r} is truncated: tensor {name!r} ends at byte "
                          f"{offsets[1]} of the data, the file holds {data_size}. "
                          f"Save the model again.")
    return offsets[0], offsets[1]


def read_header(path: str) -> Dict[str, Any]:
    """Parse and check a safetensors header; ConfigError (naming ``path``) if anything is off.

    Returns ``{tensor name: entry, "__metadata__": {str: str}}`` (metadata possibly
    empty). Only the header bytes are read.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such model/weights file: {path!r}")
    if is_temporary(path):
        raise ConfigError(f"{path!r} is the temporary file of an unfinished (interrupted) "
                          f"save, not a model file; load the file it was meant to replace")
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise ConfigError(f"{path!r} is not an nnlab file: only {size} bytes")
        (n,) = struct.unpack("<Q", head)
        if n > min(size - 8, MAX_HEADER_BYTES):
            raise ConfigError(f"{path!r} is not an nnlab model/weights file (or it is "
                              f"truncated): its header claims {n} bytes, the file has {size}.")
        raw = f.read(n)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path!r} is not an nnlab model/weights file: bad header") from exc
    header = loads(text, path, "the header")
    if not isinstance(header, dict):
        raise ConfigError(f"{path!r} is not an nnlab model/weights file: the header is a "
                          f"{type(header).__name__}, expected an object")
    meta = header.get("__metadata__", {})
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise ConfigError(f"{path!r}: the header's __metadata__ must map names to strings")
    header["__metadata__"] = meta
    ranges = sorted(_check_entry(path, k, e, size - 8 - n)
                    for k, e in header.items() if k != "__metadata__")
    for (_, end), (start, _) in zip(ranges, ranges[1:]):
        if start < end:
            raise ConfigError(f"{path!r}: the header's tensors overlap in the data "
                              f"(bytes {start}..{end}); the file is corrupt or crafted")
    return header


def header_shapes(header: Dict[str, Any]) -> Dict[str, tuple]:
    return {k: (tuple(e["shape"]), e["dtype"]) for k, e in header.items()
            if k != "__metadata__"}


def content_hash(tensors: Dict[str, torch.Tensor], metadata: Iterable[tuple]) -> str:
    """SHA-256 over the metadata items and every tensor's name, dtype, shape and bytes
    (names sorted), so a flipped bit anywhere in the weights or config is detected."""
    h = hashlib.sha256()
    for key, value in sorted(metadata):
        h.update(f"{key}\0{value}\0".encode())
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        h.update(f"{name}\0{t.dtype}\0{tuple(t.shape)}\0".encode())
        if t.numel():
            h.update(t.reshape(-1).view(torch.uint8).numpy())
    return h.hexdigest()
