"""``model.save_weights("x.weights.h5")``: Keras 3's weights file, which Keras'
``model.load_weights("x.weights.h5")`` reads into the Keras twin of the model.

The file is the HDF5 that a ``.keras`` archive holds as ``model.weights.h5``
(:mod:`.keras_archive` writes both, :mod:`.keras_files` reads both): per layer of
``model.layers`` a group ``layers/<snake class name>[_<n>]/vars/<i>`` with the arrays in
Keras' layouts (an RNN's under ``cell/vars``, MultiHeadAttention's under its four dense
sub-layers, a subclassed model's sublayers under their attribute names). No config is
written: as in Keras, the reader builds the same architecture first.

Checked before the disk is touched: one of nnlab's own layer classes with weights but no
Keras counterpart (``MaskedConv2D``, ``TorchModule``, zoo layers, ...) has no Keras layout
and is refused by its name, suggesting nnlab's format; a re-parametrised (pruned) weight is
refused too. Written atomically (temporary file, fsync, ``os.replace``).
"""
from __future__ import annotations

import os
from typing import Any

from torch import nn

from ...errors import ConfigError
from ...layers.base.layer import Layer
from ...layers.base.reparametrised import refuse_reparametrised
from ...utils.io import atomic_write
from .keras_archive import weights_h5_bytes
from .keras_config import KERAS_LAYERS
from .keras_files import _has_weights

__all__ = ["is_keras_weights_name", "save_keras_weights"]


def is_keras_weights_name(path: Any) -> bool:
    """True for a name Keras 3's ``save_weights`` accepts: ``*.weights.h5``."""
    return str(path).lower().endswith(".weights.h5")


def _nnlab_class(module: nn.Module) -> bool:
    module_name = type(module).__module__
    return module_name == "nnlab" or module_name.startswith("nnlab.")


def _refuse_unwritable(module: nn.Module, where: str, way_out: str) -> None:
    """Raise for the first layer whose weights have no Keras layout (depth first, in the
    order the file would be written)."""
    holds_layers = isinstance(module, Layer) and getattr(type(module), "_config_holds_layers",
                                                         False)
    if isinstance(module, Layer) and _nnlab_class(module) and not holds_layers:
        if type(module).__name__ in KERAS_LAYERS:
            return                              # Keras' own layout, inside and out
        if _has_weights(module):
            raise ConfigError(
                f"{where}layer {module.name!r} ({type(module).__name__}) has no Keras "
                f"counterpart, so its weights have no Keras layout; nothing was written. "
                f"Save the weights in nnlab's format instead: "
                f"model.save_weights({way_out!r}).")
    layers = getattr(module, "layers", None) if holds_layers else None
    children = layers if isinstance(layers, list) else list(module.children())
    for child in children:
        if isinstance(child, nn.ModuleList):
            for item in child:
                _refuse_unwritable(item, where, way_out)
        else:
            _refuse_unwritable(child, where, way_out)


def save_keras_weights(model: nn.Module, path: Any) -> None:
    """Write ``model``'s weights as Keras 3's ``.weights.h5`` file at ``path``.

    Raises:
        ConfigError: a layer whose weights have no Keras layout (named, with nnlab's
            format as the way out), or a re-parametrised weight; nothing is written.
        ImportError: h5py is not installed.
    """
    where = f"model.save_weights({os.fspath(path)!r}): "
    refuse_reparametrised(model, where.rstrip(": "), ConfigError)
    _refuse_unwritable(model, where, os.path.basename(os.fspath(path))[:-len(".h5")]
                       + ".safetensors")
    data = weights_h5_bytes(model)

    def write(tmp: str) -> None:
        with open(tmp, "wb") as f:
            f.write(data)
    atomic_write(os.fspath(path), write, size=len(data), kept="the model in memory")
