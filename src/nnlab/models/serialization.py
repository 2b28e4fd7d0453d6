"""Saving and loading: architecture as JSON, weights as safetensors, in one file.

``save_model`` writes a safetensors file whose header metadata holds the model's JSON
config; ``load_model`` reads the header, rebuilds the layers by *name* from nnlab's
layer registry (never importing or executing anything named by the file) and loads
the tensors. Every write is atomic (temporary file, fsync, ``os.replace``).

Loading is checked before it costs anything: the header is validated without reading
the weights (:mod:`nnlab.models.file_format`), the architecture is first built on
torch's ``meta`` device (no memory, no initialisation) and its parameter count and every
weight's name, shape and dtype are compared with the header; only then is the model
built for real and the weights read and verified against the stored SHA-256.
"""
from __future__ import annotations

import json
import math
import os
from typing import Any, Dict, Optional

import numpy as np
import torch

from .. import activations, initializers, regularizers
from ..errors import ConfigError
from ..tree import flatten, map_shape_structure, map_structure
from ..utils.io import atomic_write
from .file_format import TORCH_DTYPES, content_hash, header_shapes, loads, read_header
from .input_layer import InputLayer
from .layer import LAYER_CLASSES, Layer
from .symbolic import SymbolicTensor

FORMAT = "nnlab-model"
WEIGHTS_FORMAT = "nnlab-weights"
#: ``load_model`` refuses configs whose weights hold more values than this (4 GB of
#: float32) unless called with a larger ``max_params``.
DEFAULT_MAX_PARAMS = 1_000_000_000


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
    if not isinstance(name, str):
        raise ConfigError(f"A layer's class_name must be a string, got {str(name)[:80]}")
    cls = (custom_objects or {}).get(name) or LAYER_CLASSES.get(name)
    if cls is None:
        raise ConfigError(f"Unknown layer class {name!r} in the config. If it is your own "
                          f"Layer subclass, define (import) it before loading or pass "
                          f"custom_objects={{{name!r}: {name}}}.")
    inner = config.get("config", {})
    if not isinstance(inner, dict):
        raise ConfigError(f"The config of layer class {name!r} must be an object, got "
                          f"{type(inner).__name__}")
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
    # a shape-like tuple of ints in the arguments is one value (written as a JSON list)
    nodes = [{"layer": n.layer.name, "args": map_shape_structure(encode, list(n.args)),
              "kwargs": map_shape_structure(encode, n.kwargs)}
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
    metadata = dict(metadata, sha256=content_hash(tensors, metadata.items()))
    atomic_write(path, lambda tmp: save_file(tensors, tmp, metadata=metadata))


def _read_tensors(path: str, header: Dict[str, Any]) -> Dict[str, torch.Tensor]:
    """Read the (already header-checked) tensors and verify the stored SHA-256."""
    from safetensors.torch import load_file
    try:
        tensors = load_file(path)
    except Exception as exc:  # safetensors' own errors: corrupt data
        raise ConfigError(f"Cannot read weights from {path!r}: {exc}") from exc
    meta = dict(header["__metadata__"])
    stored = meta.pop("sha256", None)
    if stored is not None and content_hash(tensors, meta.items()) != stored:
        raise ConfigError(f"{path!r} is corrupt: its weights or config do not match the "
                          f"SHA-256 stored when it was saved (a changed or flipped byte). "
                          f"Use another copy or save the model again.")
    return tensors


def save_model(model, path: str) -> None:
    """Write ``model``'s config and weights to ``path`` (one safetensors file), atomically."""
    config = {"class_name": type(model).__name__, "config": model.get_config()}
    json.dumps(config)  # fail before touching the disk if the config is not JSON
    tensors = _state_tensors(model)
    metadata = {"format": FORMAT, "config": json.dumps(config), "order": json.dumps(list(tensors))}
    _write(path, tensors, metadata)


def _file_order(meta: Dict[str, str], path: str) -> Optional[list]:
    if "order" not in meta:
        return None
    order = loads(meta["order"], path, "the tensor order in its header")
    if not isinstance(order, list) or not all(isinstance(k, str) for k in order):
        raise ConfigError(f"{path!r}: the tensor order in its header must be a list of names")
    return order


def _build_on_meta(config: Any, path: str, custom_objects, max_params: int):
    """The model of ``config`` built on the meta device, its size checked against the limit."""
    try:
        with torch.device("meta"):
            model = layer_from_config(config, custom_objects)
    except ConfigError as exc:
        raise ConfigError(f"{path!r}: {exc}") from exc
    except RecursionError as exc:
        raise ConfigError(f"{path!r}: the model config nests too deeply") from exc
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
        raise ConfigError(f"{path!r}: the model config is malformed or was written by "
                          f"another version ({type(exc).__name__}: {exc})") from exc
    if not isinstance(model, torch.nn.Module):
        raise ConfigError(f"{path!r}: the config does not describe a model")
    count = sum(t.numel() for t in model.state_dict().values())
    if count > max_params:
        raise ConfigError(f"{path!r}: its config describes a model with {count:,} weight "
                          f"values ({count * 4 / 2**30:.1f} GiB as float32), above the limit "
                          f"max_params={max_params:,}. If you trust the file, call "
                          f"load_model(path, max_params={count}).")
    return model


def load_model(path: str, custom_objects: Optional[Dict[str, Any]] = None,
               max_params: int = DEFAULT_MAX_PARAMS):
    """Rebuild a model saved by ``model.save(path)`` and load its weights.

    Only layer classes registered with nnlab (or given in ``custom_objects``) can be
    created; nothing in the file is executed. The file is checked before anything is
    allocated: header, architecture size (at most ``max_params`` weight values,
    default :data:`DEFAULT_MAX_PARAMS`) and weight names/shapes/dtypes (against the
    model built on the meta device), then the weights' SHA-256 once read.

    Raises:
        FileNotFoundError: no such file.
        ConfigError: anything wrong with the file, naming it and what is wrong.
    """
    path = os.fspath(path)
    header = read_header(path)
    meta = header["__metadata__"]
    if meta.get("format") != FORMAT:
        hint = " (it holds weights only: build the model, then model.load_weights)" \
            if meta.get("format") == WEIGHTS_FORMAT else ""
        raise ConfigError(f"{path!r} is not an nnlab model file{hint}")
    if "config" not in meta:
        raise ConfigError(f"{path!r}: the model config is missing from its header")
    config = loads(meta["config"], path, "the model config in its header")
    order = _file_order(meta, path)
    skeleton = _build_on_meta(config, path, custom_objects, max_params)
    _match(skeleton, header_shapes(header), path, order)
    del skeleton
    model = layer_from_config(config, custom_objects)
    _load_state(model, _read_tensors(path, header), path, order)
    return model


def save_weights(model, path: str) -> None:
    """Write only the weights, with the architecture's signature (names and shapes)."""
    tensors = _state_tensors(model)
    _write(path, tensors, {"format": WEIGHTS_FORMAT, "model": model.name,
                           "order": json.dumps(list(tensors))})


def load_weights(model, path: str) -> None:
    """Load weights from a ``save_weights`` or ``save`` file into ``model``.

    Raises ConfigError, changing nothing, when names, shapes or dtypes differ (checked
    on the header, before the weights are read) or the file is corrupt.
    """
    path = os.fspath(path)
    header = read_header(path)
    meta = header["__metadata__"]
    if meta.get("format") not in (FORMAT, WEIGHTS_FORMAT):
        raise ConfigError(f"{path!r} is not an nnlab weights file")
    order = _file_order(meta, path)
    _match(model, header_shapes(header), path, order)
    _load_state(model, _read_tensors(path, header), path, order)


def by_position(state: Dict[str, Any], tensors: Dict[str, Any],
                file_order: list) -> Optional[Dict[str, Any]]:
    """Match file tensors to the model's in order (as Keras' load_weights does when layer
    names differ, e.g. ``dense_3`` vs ``dense``); ``None`` unless every shape agrees."""
    if len(file_order) != len(state) or not set(file_order) <= set(tensors):
        return None
    pairs = list(zip(state, file_order))
    if any(tuple(state[k].shape) != tuple(tensors[f].shape) for k, f in pairs):
        return None
    return {k: tensors[f] for k, f in pairs}


class _Shape:
    """A header entry seen as something with ``.shape`` (for :func:`by_position`)."""

    def __init__(self, shape: tuple, dtype: str):
        self.shape, self.dtype = shape, dtype


def _match(model, file_shapes: Dict[str, tuple], path: str,
           file_order: Optional[list] = None) -> Dict[str, str]:
    """Map each of ``model``'s state names to a file tensor name, or raise ConfigError
    describing every difference (names, shapes, dtypes). Needs only the header."""
    state = model.state_dict()
    files = {k: _Shape(*v) for k, v in file_shapes.items()}
    mapping: Optional[Dict[str, str]] = None
    if set(state) == set(files):
        mapping = {k: k for k in state}
    elif file_order is not None:
        matched = by_position(state, files, file_order)
        if matched is not None:
            mapping = dict(zip(state, file_order))
    if mapping is not None:
        wrong = [f"{k}: file {files[f].shape} vs model {tuple(state[k].shape)}"
                 for k, f in mapping.items() if files[f].shape != tuple(state[k].shape)]
        dtypes = [f"{k}: file {files[f].dtype} vs model {TORCH_DTYPES.get(state[k].dtype)}"
                  for k, f in mapping.items()
                  if files[f].dtype != TORCH_DTYPES.get(state[k].dtype, files[f].dtype)]
        if not wrong and not dtypes:
            return mapping
        parts = ([f"shape mismatch: {'; '.join(wrong[:8])}"] if wrong else []) + \
            ([f"dtype mismatch: {'; '.join(dtypes[:8])}"] if dtypes else [])
    else:
        missing = sorted(set(state) - set(files))
        unexpected = sorted(set(files) - set(state))
        parts = []
        if missing:
            parts.append(f"missing in file: {', '.join(missing[:8])}")
        if unexpected:
            parts.append(f"not in model: {', '.join(repr(u)[1:-1] for u in unexpected[:8])}")
        common = [f"{k}: file {files[k].shape} vs model {tuple(state[k].shape)}"
                  for k in state if k in files and files[k].shape != tuple(state[k].shape)]
        if common:
            parts.append(f"shape mismatch: {'; '.join(common[:8])}")
        if file_order is not None:
            theirs = [files[f].shape for f in file_order if f in files]
            ours = [tuple(t.shape) for t in state.values()]
            parts.append(f"shapes in order: file {theirs[:8]} vs model {ours[:8]}")
    n_values = sum(math.prod(s.shape) for s in files.values())
    raise ConfigError(f"Weights in {path!r} belong to another architecture than model "
                      f"{model.name!r} ({len(files)} tensors, {n_values:,} values in file; "
                      f"{len(state)} in model): " + " | ".join(parts))


def _load_state(model, tensors: Dict[str, torch.Tensor], path: str,
                file_order: Optional[list] = None) -> None:
    mapping = _match(model, {k: (tuple(t.shape), TORCH_DTYPES.get(t.dtype, "?"))
                             for k, t in tensors.items()}, path, file_order)
    model.load_state_dict({k: tensors[f] for k, f in mapping.items()}, strict=True)
