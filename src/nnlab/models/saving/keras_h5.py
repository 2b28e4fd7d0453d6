"""Read Keras 2's HDF5 weight files (``*.h5``: Keras' published ImageNet weights) into an
nnlab model of the same architecture.

The layout (Keras' ``legacy_h5_format``): the root (or its ``model_weights`` group, in a
whole-model file) lists ``layer_names`` in its attributes (split into ``layer_names0``,
``layer_names1`` ... when long); each layer's group lists its ``weight_names`` (a layer
without weights lists none), and holds those arrays, in Keras' legacy order (trainable,
then non-trainable: BatchNormalization's gamma, beta, moving_mean, moving_variance).

As Keras does, layers are matched **by position**: the file's layers with weights, in order,
to the model's layers with weights, in ``model.layers`` order; each array goes through the
layer's Keras layout rule (:mod:`~nnlab.layers.base.keras_layout`). Every count and shape is
checked before any weight changes; the error names the layer and the weight. Needs h5py.
"""
from __future__ import annotations

import os
from typing import Any, List

import numpy as np
import torch

from ...errors import ConfigError
from ...layers.base.keras_layout import rule


def is_legacy_h5(path: Any) -> bool:
    """True for an HDF5 file in Keras 2's weight layout (``layer_names`` attributes)."""
    try:
        import h5py
        with h5py.File(path, "r") as f:
            group = f["model_weights"] if "model_weights" in f else f
            return "layer_names" in group.attrs or "layer_names0" in group.attrs
    except (ImportError, OSError):
        return False


def _attribute(group, name: str) -> List[str]:
    """A string-list attribute, joined from its chunks (``name0``, ``name1``...) if split."""
    if name in group.attrs:
        values = list(group.attrs[name])
    else:
        values, i = [], 0
        while f"{name}{i}" in group.attrs:
            values.extend(group.attrs[f"{name}{i}"])
            i += 1
    return [v.decode("utf8") if hasattr(v, "decode") else str(v) for v in values]


def _layer_weights(layer) -> list:
    """``(owner, local name, tensor)`` of ``layer``'s weights in Keras' order."""
    from ...layers.base.keras_layout import _entries
    return [(owner, local, tensor) for _, owner, local, tensor in _entries(layer)]


def load_legacy_h5_weights(model, path: Any) -> None:
    """Load a Keras 2 HDF5 weight file into ``model`` by layer position, as Keras'
    ``load_weights`` does for ``.h5`` files.

    Raises:
        ConfigError: the layer counts, a layer's weight count or a weight's shape differ
            (naming both layers and the weight); nothing is changed then.
    """
    try:
        import h5py
    except ImportError as exc:
        raise ImportError("Reading Keras .h5 weight files needs h5py: pip install h5py") \
            from exc
    where = os.fspath(path)
    updates = []
    with h5py.File(path, "r") as f:
        group = f["model_weights"] if "model_weights" in f else f
        names = [n for n in _attribute(group, "layer_names")
                 if _attribute(group[n], "weight_names")]
        layers = [layer for layer in model.layers if _layer_weights(layer)]
        if len(names) != len(layers):
            raise ConfigError(
                f"Keras weights file {where!r} holds weights for {len(names)} layers "
                f"({', '.join(names[:5])}...), model {model.name!r} has {len(layers)} layers "
                f"with weights ({', '.join(lyr.name for lyr in layers[:5])}...): not the same "
                f"architecture (include_top? pooling does not matter); nothing was read")
        for name, layer in zip(names, layers):
            arrays = [group[name][w] for w in _attribute(group[name], "weight_names")]
            weights = _layer_weights(layer)
            if len(arrays) != len(weights):
                raise ConfigError(
                    f"Keras weights file {where!r}: layer {name!r} holds {len(arrays)} "
                    f"arrays, nnlab layer {layer.name!r} has {len(weights)} "
                    f"({', '.join(local for _, local, _ in weights)}); nothing was read")
            for (owner, local, tensor), array in zip(weights, arrays):
                r = rule(owner, local)
                expected = tuple(r[0](tensor.detach()).shape) if r else tuple(tensor.shape)
                if tuple(array.shape) != expected:
                    raise ConfigError(
                        f"Keras weights file {where!r}: {name}/{array.name.split('/')[-1]} "
                        f"has shape {tuple(array.shape)}, weight {local!r} of layer "
                        f"{layer.name!r} needs {expected} (Keras layout); nothing was read")
                updates.append((tensor, array, r))
        values = []
        for tensor, array, r in updates:  # every check passed: read the arrays
            value = torch.as_tensor(np.asarray(array), dtype=tensor.dtype)
            values.append((tensor, r[1](value, tuple(tensor.shape)) if r else value))
    with torch.no_grad():
        for tensor, value in values:
            tensor.copy_(value)
