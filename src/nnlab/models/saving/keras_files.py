"""Read weights from files Keras 3 wrote (``.weights.h5``, ``.keras``) into an nnlab model.

The bridge for Keras users: build the same architecture in nnlab (its twin), then
``model.load_weights("model.weights.h5")`` (or ``"model.keras"``). Needs h5py (an
optional extra, imported here only). Nothing in the file is executed: only arrays are
read, by the paths Keras 3's saving library writes:

- a container of layers (a Sequential or functional model's layer list, a list
  attribute) names each layer by its class in snake case with a per-class counter
  (``dense``, ``dense_1``, ``batch_normalization`` ...), in layer order;
- a layer's own weights are ``<path>/vars/0, 1, ...`` in creation order (an RNN's live in
  ``<path>/cell/vars``, MultiHeadAttention's in ``query_dense``, ``key_dense``,
  ``value_dense``, ``output_dense``); a custom layer's sublayers are under their
  attribute names.

Every array goes through :mod:`~nnlab.layers.base.keras_layout` (Keras layout -> torch), and
every shape is checked before any weight changes.
"""
from __future__ import annotations

import io
import os
import zipfile
from typing import Any, Dict, List, Tuple

import numpy as np
import torch
from torch import nn

from ...errors import ConfigError
from ...layers.base.keras_layout import rule
from ...layers.base.layer import Layer
from ...utils.naming import to_snake_case

_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_ZIP_MAGIC = b"PK\x03\x04"


def is_keras_file(path: Any) -> bool:
    """True for an HDF5 file or a zip archive (what Keras 3 writes); nnlab's are neither."""
    try:
        with open(path, "rb") as f:
            head = f.read(8)
    except OSError:
        return False
    return head.startswith(_HDF5_MAGIC) or head.startswith(_ZIP_MAGIC)


def _open(path: Any, limit: int):
    """The h5py file of ``path`` (a ``.keras`` zip's ``model.weights.h5`` is read into
    memory only when its declared size is at most ``limit`` bytes)."""
    try:
        import h5py
    except ImportError as exc:
        raise ImportError("Reading Keras weight files needs h5py: pip install h5py") from exc
    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(_ZIP_MAGIC):
        with zipfile.ZipFile(path) as archive:
            if "model.weights.h5" not in archive.namelist():
                raise ConfigError(f"{os.fspath(path)!r} is a zip archive without "
                                  f"model.weights.h5: not a Keras 3 .keras file")
            declared = archive.getinfo("model.weights.h5").file_size
            if declared > limit:
                raise ConfigError(f"{os.fspath(path)!r}: its model.weights.h5 unpacks to "
                                  f"{declared:,} bytes, more than this model's weights can "
                                  f"need ({limit:,}); refused before unpacking.")
            data = archive.read("model.weights.h5")
        return h5py.File(io.BytesIO(data), "r")
    return h5py.File(path, "r")


def _own_weights(layer: nn.Module) -> List[Tuple[str, torch.Tensor]]:
    tensors = list(layer._parameters.items()) + [
        (k, b) for k, b in layer._buffers.items() if k not in layer._non_persistent_buffers_set]
    ints = layer.__dict__.get("_int_weights", ())  # add_weight's int ones (``count``)
    return [(k, t) for k, t in tensors
            if t is not None and (t.is_floating_point() or k in ints)]


def in_cell(module: nn.Module) -> bool:
    """Keras keeps a recurrent layer's weights in its cell: ``<path>/cell/vars``."""
    from ...layers.conv_lstm import ConvLSTM2D
    from ...layers.rnn_base import RNNBase
    return isinstance(module, (RNNBase, ConvLSTM2D))


def _vars(group) -> List[Any]:
    """The h5py datasets of ``group/vars`` in order (not read: their shapes are checked
    against the model first)."""
    if group is None or "vars" not in group:
        return []
    found = group["vars"]
    return [found[k] for k in sorted(found, key=int)]


def _container_names(items: List[nn.Module]) -> List[str]:
    """Keras 3's names for a list of layers: snake-cased class name + per-class counter."""
    used: Dict[str, int] = {}
    names = []
    for item in items:
        name = to_snake_case(type(item).__name__)
        if name in used:
            used[name] += 1
            name = f"{name}_{used[name]}"
        else:
            used[name] = 0
        names.append(name)
    return names


def _plan(module: nn.Module, group, path: str, out: list) -> None:
    """Collect ``(module, local name, current tensor, keras array, where)`` for every
    weight of ``module`` from ``group`` (recursively)."""
    from ...layers.attention import MultiHeadAttention
    own = _own_weights(module)
    source = group.get("cell") if in_cell(module) and group is not None \
        and "cell" in group else group
    arrays = _vars(source)
    if isinstance(module, MultiHeadAttention):  # Keras keeps them in four sub-layers
        arrays = [a for part in ("query", "key", "value", "output")
                  for a in _vars(_child(group, f"{part}_dense", path))]
    if own and len(arrays) != len(own):
        raise ConfigError(f"Keras file: {path!r} holds {len(arrays)} weight arrays, nnlab "
                          f"layer {getattr(module, 'name', type(module).__name__)!r} has "
                          f"{len(own)} ({', '.join(k for k, _ in own)})")
    for (local, tensor), array in zip(own, arrays):
        out.append((module, local, tensor, array, f"{path}/vars"))
    layers = getattr(module, "layers", None) if isinstance(module, Layer) else None
    if isinstance(layers, list) and getattr(type(module), "_config_holds_layers", False):
        # Sequential / functional: a layer list; a subclassed model: attribute names
        _plan_container(layers, _child(group, "layers", path), f"{path}/layers", out)
        return
    for name, child in module.named_children():
        if isinstance(child, nn.ModuleList):
            _plan_container(list(child), _child(group, name, path), f"{path}/{name}", out)
        elif _has_weights(child):
            _plan(child, _child(group, name, path), f"{path}/{name}", out)


def _plan_container(items: List[nn.Module], group, path: str, out: list) -> None:
    for item, name in zip(items, _container_names(items)):
        if _has_weights(item):
            _plan(item, _child(group, name, path), f"{path}/{name}", out)


def _has_weights(module: nn.Module) -> bool:
    return any(t.is_floating_point() for t in module.state_dict().values())


def _child(group, name: str, path: str):
    if group is None or name not in group:
        raise ConfigError(f"Keras file: no group {path + '/' + name!r}; the nnlab model is "
                          f"not the same architecture as the Keras model that wrote it "
                          f"(groups there: {sorted(group) if group is not None else []})")
    return group[name]


def load_keras_weights(model: nn.Module, path: Any) -> None:
    """Load a Keras 3 ``.weights.h5`` / ``.keras`` file into ``model`` (the nnlab twin of
    the Keras model). Raises ConfigError naming the layer or weight that does not fit,
    before any weight changes."""
    plan: list = []
    with _open(path, _weight_bytes(model)) as f:
        _plan(model, f, "", plan)
        if not plan:
            raise ConfigError(f"Keras file {os.fspath(path)!r}: no weights matched model "
                              f"{getattr(model, 'name', '')!r} (is it built?)")
        expected_shapes = []
        for module, local, tensor, dataset, where in plan:  # every shape before any read
            r = rule(module, local)
            expected = tuple(r[0](tensor.detach()).shape) if r else tuple(tensor.shape)
            shape, kind = tuple(dataset.shape), getattr(dataset.dtype, "kind", "?")
            if shape != expected or kind not in "fiub":
                got = f"shape {shape}" if shape != expected else f"dtype {dataset.dtype}"
                raise ConfigError(f"Keras file {os.fspath(path)!r}: {where} has {got}, but "
                                  f"weight {local!r} of layer "
                                  f"{getattr(module, 'name', '')!r} needs {expected} (Keras "
                                  f"layout, numbers); nothing was read")
            expected_shapes.append(r)
        updates = []
        for (module, local, tensor, dataset, where), r in zip(plan, expected_shapes):
            value = torch.as_tensor(np.asarray(dataset), dtype=tensor.dtype)
            updates.append((tensor, (r[1](value, tuple(tensor.shape)) if r else value)))
    with torch.no_grad():
        for tensor, value in updates:
            tensor.copy_(value)


def _weight_bytes(model: nn.Module) -> int:
    """An upper bound of the bytes a Keras weight file for ``model`` can need: its
    weights as float64, x4 (optimizer slots), and at least 64 MiB."""
    values = sum(t.numel() for t in model.state_dict().values())
    return max(64 * 2**20, 4 * 8 * values)
