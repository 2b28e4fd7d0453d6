"""Saving and loading: architecture as JSON, weights as safetensors, in one file.

``save_model`` writes a safetensors file whose header metadata holds the model's JSON
config; ``load_model`` reads the header, rebuilds the layers by *name* from nnlab's
layer registry (never importing or executing anything named by the file) and loads
the tensors. Every write is atomic (temporary file, fsync, ``os.replace``).
"""
from __future__ import annotations

import json
import os
import struct
from typing import Any, Dict, Optional

import numpy as np
import torch

from .. import activations, initializers, regularizers
from ..errors import ConfigError
from ..utils.io import atomic_write
from .input_layer import InputLayer
from .layer import LAYER_CLASSES, Layer
from .symbolic import SymbolicTensor, flatten, map_structure

FORMAT = "nnlab-model"
WEIGHTS_FORMAT = "nnlab-weights"
_MAX_HEADER = 100 * 1024 * 1024


# --------------------------------------------------------------------------- values
def serialize_value(value: Any) -> Any:
    """A constructor argument in JSON form (layers, initialisers, regularisers tagged)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [serialize_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): serialize_value(v) for k, v in value.items()}
    if isinstance(value, Layer):
        return {"__layer__": layer_to_config(value)}
    if isinstance(value, initializers.Initializer):
        return {"__initializer__": initializers.serialize(value)}
    if isinstance(value, regularizers.Regularizer):
        return {"__regularizer__": regularizers.serialize(value)}
    if isinstance(value, torch.dtype):
        return str(value).replace("torch.", "")
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    if callable(value):
        return activations.serialize(value)
    raise ConfigError(f"Cannot write {type(value).__name__} {value!r} into a model config")


def deserialize_value(value: Any, custom_objects: Optional[Dict[str, Any]] = None) -> Any:
    if isinstance(value, list):
        return [deserialize_value(v, custom_objects) for v in value]
    if isinstance(value, dict):
        if "__layer__" in value:
            return layer_from_config(value["__layer__"], custom_objects)
        if "__initializer__" in value:
            return initializers.get(value["__initializer__"])
        if "__regularizer__" in value:
            return regularizers.get(value["__regularizer__"])
        return {k: deserialize_value(v, custom_objects) for k, v in value.items()}
    return value


def layer_to_config(layer: Layer) -> Dict[str, Any]:
    return {"class_name": type(layer).__name__, "config": layer.get_config()}


def layer_from_config(config: Dict[str, Any],
                      custom_objects: Optional[Dict[str, Any]] = None) -> Layer:
    """Rebuild a layer from ``{"class_name", "config"}`` using only registered classes."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ConfigError(f"Not a layer config: {str(config)[:200]}")
    name = config["class_name"]
    cls = (custom_objects or {}).get(name) or LAYER_CLASSES.get(name)
    if cls is None:
        raise ConfigError(f"Unknown layer class {name!r} in the config. If it is your own "
                          f"Layer subclass, define (import) it before loading or pass "
                          f"custom_objects={{{name!r}: {name}}}.")
    inner = config.get("config", {})
    if name in ("Sequential", "Functional"):
        return cls.from_config(inner, custom_objects)
    return cls.from_config({k: deserialize_value(v, custom_objects) for k, v in inner.items()})


# ----------------------------------------------------------------------- functional
def functional_config(model) -> Dict[str, Any]:
    """Keras-like config of a functional model: layers, their nodes, inputs and outputs.

    A tensor is referenced as ``[layer_name, node_index, tensor_index]`` where the
    node index counts only this model's nodes of that layer.
    """
    local_index: Dict[int, int] = {}
    per_layer: Dict[str, int] = {}
    for node in model.nodes:
        local_index[id(node)] = per_layer.get(node.layer.name, 0)
        per_layer[node.layer.name] = local_index[id(node)] + 1

    def ref(t: SymbolicTensor):
        layer, node_index, tensor_index = t.history
        return {"__tensor__": [layer.name, local_index[id(layer._inbound_nodes[node_index])],
                               tensor_index]}

    def encode(v):
        return ref(v) if isinstance(v, SymbolicTensor) else serialize_value(v)

    layers = [dict(layer_to_config(layer), name=layer.name) for layer in model.layers]
    nodes = [{"layer": n.layer.name, "args": map_structure(encode, list(n.args)),
              "kwargs": map_structure(encode, n.kwargs)}
             for n in model.nodes if not isinstance(n.layer, InputLayer)]
    return {"name": model.name, "layers": layers, "nodes": nodes,
            "inputs": map_structure(lambda t: ref(t)["__tensor__"], model._input_struct),
            "outputs": map_structure(lambda t: ref(t)["__tensor__"], model._output_struct)}


def functional_from_config(config: Dict[str, Any], custom_objects=None):
    from .functional import Functional
    layers = {c["name"]: layer_from_config(c, custom_objects) for c in config["layers"]}
    produced: Dict[str, list] = {name: [] for name in layers}
    for name, layer in layers.items():
        if isinstance(layer, InputLayer):
            produced[name].append(layer._inbound_nodes[0].outputs)

    def lookup(r):
        layer_name, node_index, tensor_index = r
        outs = flatten(produced[layer_name][node_index])
        return outs[tensor_index]

    def decode(v):
        if isinstance(v, dict) and "__tensor__" in v:
            return lookup(v["__tensor__"])
        return deserialize_value(v, custom_objects)

    def decode_tree(v):
        if isinstance(v, dict) and "__tensor__" not in v:
            return {k: decode_tree(x) for k, x in v.items()}
        if isinstance(v, list):
            return [decode_tree(x) for x in v]
        return decode(v)

    for node in config["nodes"]:
        layer = layers[node["layer"]]
        args = decode_tree(node["args"])
        kwargs = decode_tree(node["kwargs"])
        produced[node["layer"]].append(layer(*args, **kwargs))

    def refs(v):
        if isinstance(v, list) and len(v) == 3 and isinstance(v[0], str):
            return lookup(v)
        if isinstance(v, dict):
            return {k: refs(x) for k, x in v.items()}
        return [refs(x) for x in v]

    return Functional(inputs=refs(config["inputs"]), outputs=refs(config["outputs"]),
                      name=config.get("name"))


# -------------------------------------------------------------------------- files
def _state_tensors(model: torch.nn.Module) -> Dict[str, torch.Tensor]:
    return {k: v.detach().cpu().contiguous().clone() for k, v in model.state_dict().items()}


def _write(path: str, tensors: Dict[str, torch.Tensor], metadata: Dict[str, str]) -> None:
    from safetensors.torch import save_file
    atomic_write(path, lambda tmp: save_file(tensors, tmp, metadata=metadata))


def read_header(path: str) -> Dict[str, Any]:
    """Parse a safetensors header safely; raise ConfigError for anything else."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No such model/weights file: {path!r}")
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        head = f.read(8)
        if len(head) < 8:
            raise ConfigError(f"{path!r} is not an nnlab file: only {size} bytes")
        (n,) = struct.unpack("<Q", head)
        if n > min(size - 8, _MAX_HEADER):
            raise ConfigError(f"{path!r} is not an nnlab model/weights file (or it is "
                              f"truncated): its header claims {n} bytes, the file has {size}.")
        raw = f.read(n)
    try:
        header = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path!r} is not an nnlab model/weights file: bad header") from exc
    if not isinstance(header, dict):
        raise ConfigError(f"{path!r} is not an nnlab model/weights file: bad header")
    end = max((e["data_offsets"][1] for k, e in header.items() if k != "__metadata__"),
              default=0)
    if 8 + n + end > size:
        raise ConfigError(f"{path!r} is truncated: the weights need {8 + n + end} bytes, the "
                          f"file has {size}. Save the model again.")
    return header


def _read_tensors(path: str) -> Dict[str, torch.Tensor]:
    from safetensors.torch import load_file
    try:
        return load_file(path)
    except Exception as exc:  # safetensors' own errors: corrupt data
        raise ConfigError(f"Cannot read weights from {path!r}: {exc}") from exc


def save_model(model, path: str) -> None:
    """Write ``model``'s config and weights to ``path`` (one safetensors file), atomically."""
    config = {"class_name": type(model).__name__, "config": model.get_config()}
    json.dumps(config)  # fail before touching the disk if the config is not JSON
    tensors = _state_tensors(model)
    metadata = {"format": FORMAT, "config": json.dumps(config), "order": json.dumps(list(tensors))}
    _write(path, tensors, metadata)


def load_model(path: str, custom_objects: Optional[Dict[str, Any]] = None):
    """Rebuild a model saved by ``model.save(path)`` and load its weights.

    Only layer classes registered with nnlab (or given in ``custom_objects``) can be
    created; nothing in the file is executed.
    """
    header = read_header(path)
    meta = header.get("__metadata__") or {}
    if meta.get("format") != FORMAT:
        hint = " (it holds weights only: build the model, then model.load_weights)" \
            if meta.get("format") == WEIGHTS_FORMAT else ""
        raise ConfigError(f"{path!r} is not an nnlab model file{hint}")
    try:
        config = json.loads(meta["config"])
    except (KeyError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path!r}: the model config in its header is unreadable") from exc
    model = layer_from_config(config, custom_objects)
    # By position when auto-named sublayers of custom layers got other names on rebuild.
    order = meta.get("order")
    _load_state(model, _read_tensors(path), path, json.loads(order) if order else None)
    return model


def save_weights(model, path: str) -> None:
    """Write only the weights, with the architecture's signature (names and shapes)."""
    tensors = _state_tensors(model)
    _write(path, tensors, {"format": WEIGHTS_FORMAT, "model": model.name,
                           "order": json.dumps(list(tensors))})


def load_weights(model, path: str) -> None:
    """Load weights from a ``save_weights`` or ``save`` file into ``model``.

    Raises ConfigError, changing nothing, when names or shapes differ.
    """
    header = read_header(path)
    meta = header.get("__metadata__") or {}
    if meta.get("format") not in (FORMAT, WEIGHTS_FORMAT):
        raise ConfigError(f"{path!r} is not an nnlab weights file")
    try:
        order = json.loads(meta.get("order", "null"))
    except json.JSONDecodeError:
        order = None
    _load_state(model, _read_tensors(path), path, order)


def by_position(state: Dict[str, torch.Tensor], tensors: Dict[str, torch.Tensor],
                 file_order: list) -> Optional[Dict[str, torch.Tensor]]:
    """Match file tensors to the model's in order (as Keras' load_weights does when layer
    names differ, e.g. ``dense_3`` vs ``dense``); ``None`` unless every shape agrees."""
    if len(file_order) != len(state):
        return None
    pairs = list(zip(state, file_order))
    if any(tuple(state[k].shape) != tuple(tensors[f].shape) for k, f in pairs):
        return None
    return {k: tensors[f] for k, f in pairs}


def _load_state(model, tensors: Dict[str, torch.Tensor], path: str,
                file_order: Optional[list] = None) -> None:
    state = model.state_dict()
    if set(state) != set(tensors) and file_order is not None:
        matched = by_position(state, tensors, file_order)
        if matched is not None:
            model.load_state_dict(matched, strict=True)
            return
    missing = sorted(set(state) - set(tensors))
    unexpected = sorted(set(tensors) - set(state))
    wrong = [f"{k}: file {tuple(tensors[k].shape)} vs model {tuple(state[k].shape)}"
             for k in state if k in tensors and tensors[k].shape != state[k].shape]
    if missing or unexpected or wrong:
        parts = []
        if missing:
            parts.append(f"missing in file: {', '.join(missing[:8])}")
        if unexpected:
            parts.append(f"not in model: {', '.join(unexpected[:8])}")
        if wrong:
            parts.append(f"shape mismatch: {'; '.join(wrong[:8])}")
        if file_order is not None and (missing or unexpected):
            theirs = [tuple(tensors[f].shape) for f in file_order]
            ours = [tuple(t.shape) for t in state.values()]
            parts.append(f"shapes in order: file {theirs[:8]} vs model {ours[:8]}")
        raise ConfigError(f"Weights in {path!r} belong to another architecture than model "
                          f"{model.name!r} ({len(tensors)} tensors in file, {len(state)} in "
                          f"model): " + " | ".join(parts))
    model.load_state_dict(tensors, strict=True)
