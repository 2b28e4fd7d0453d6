"""Keras 3 ``.keras`` archives, both ways: ``model.save("x.keras")`` writes one Keras 3 loads
(``keras.saving.load_model``), and ``nnlab.models.load_model("x.keras")`` rebuilds a model
from one Keras wrote.

The archive is a zip of three members:

- ``metadata.json``: ``{"keras_version", "date_saved"}`` (nnlab adds ``"producer"``);
- ``config.json``: the architecture, Keras-serialised (:mod:`.keras_config`);
- ``model.weights.h5``: the weights in Keras' layouts, at the paths Keras 3's saving library
  uses (:mod:`.keras_files` reads the same paths): ``layers/<snake class name>[_<n>]/vars/<i>``
  per layer of ``model.layers``, an RNN's under ``cell/vars``, MultiHeadAttention's under
  ``query_dense``, ``key_dense``, ``value_dense``, ``output_dense``.

Writing is checked before the disk is touched (a layer without a Keras counterpart is
refused by name, with ``.nnlab`` as the way out) and atomic (temporary file, fsync,
``os.replace``). Reading executes nothing: the config is converted to nnlab's, only
registered classes are created, and the weights go through the shape-checked reader.
"""
from __future__ import annotations

import datetime
import io
import json
import os
import zipfile
from typing import Any, Callable, Dict, List, Optional

from torch import nn

from ...errors import ConfigError
from ...layers.base.config_values import layer_from_config, layer_to_config
from ...layers.base.keras_layout import rule
from ...layers.base.layer import Layer
from ...layers.base.reparametrised import refuse_reparametrised
from ...utils.io import atomic_write
from .keras_config import tensor_shapes, to_keras
from .keras_config_read import from_keras
from .keras_files import (_container_names, _has_weights, _own_weights, in_cell,
                          load_keras_weights)

#: the Keras saving-format level nnlab writes (Keras 3's zip layout)
KERAS_FORMAT_VERSION = "3.0.0"


def _keras_arrays(module: nn.Module) -> List[Any]:
    """``module``'s own weights as numpy arrays in Keras' layouts and order."""
    arrays = []
    for local, tensor in _own_weights(module):
        r = rule(module, local)
        t = tensor.detach()
        arrays.append((r[0](t) if r else t).cpu().numpy())
    return arrays


def _write_vars(group, arrays: List[Any]) -> None:
    target = group.require_group("vars")
    for i, array in enumerate(arrays):
        target.create_dataset(str(i), data=array)


def _write_layer(module: nn.Module, group) -> None:
    """``module``'s weights into ``group`` at Keras' paths (recursively)."""
    from ...layers.attention import MultiHeadAttention
    arrays = _keras_arrays(module)
    if in_cell(module):
        _write_vars(group, [])
        _write_vars(group.require_group("cell"), arrays)
    elif isinstance(module, MultiHeadAttention):
        _write_vars(group, [])
        per = len(arrays) // 4  # kernel (and bias) of each projection
        for k, part in enumerate(("query", "key", "value", "output")):
            _write_vars(group.require_group(f"{part}_dense"), arrays[k * per:(k + 1) * per])
    else:
        _write_vars(group, arrays)
    layers = getattr(module, "layers", None) if isinstance(module, Layer) else None
    if isinstance(layers, list) and getattr(type(module), "_config_holds_layers", False):
        # Sequential / functional: a layer list; a subclassed model: attribute names
        _write_container(layers, group.require_group("layers"))
        return
    for name, child in module.named_children():
        if isinstance(child, nn.ModuleList):
            _write_container(list(child), group.require_group(name))
        elif _has_weights(child):
            _write_layer(child, group.require_group(name))


def _write_container(items: List[nn.Module], group) -> None:
    for item, name in zip(items, _container_names(items)):
        _write_layer(item, group.require_group(name))


def weights_h5_bytes(model: nn.Module) -> bytes:
    """``model``'s weights as Keras 3's weights HDF5 (``model.weights.h5`` in a ``.keras``
    archive; a ``.weights.h5`` file on its own), in memory."""
    try:
        import h5py
    except ImportError as exc:
        raise ImportError("Writing Keras 3 files (.keras, .weights.h5) needs h5py: "
                          "pip install h5py") from exc
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        _write_layer(model, f)
    return buffer.getvalue()


def save_keras_archive(model: nn.Module, path: Any) -> None:
    """Write ``model`` as a Keras 3 ``.keras`` archive at ``path`` (atomically).

    Raises:
        ConfigError: a layer without a Keras counterpart, or an argument Keras has not
            (named, suggesting ``.nnlab``), before anything is written.
    """
    from ... import __version__
    refuse_reparametrised(model, "save", ConfigError)
    where = f"model.save({os.fspath(path)!r}): "
    config = to_keras(layer_to_config(model, build_config=True), where, tensor_shapes(model))
    config["compile_config"] = None
    members = {
        "metadata.json": json.dumps({
            "keras_version": KERAS_FORMAT_VERSION, "producer": f"nnlab {__version__}",
            "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}),
        "config.json": json.dumps(config),
        "model.weights.h5": weights_h5_bytes(model)}

    def write(tmp: str) -> None:
        with zipfile.ZipFile(tmp, "w") as archive:
            for name, data in members.items():
                archive.writestr(name, data)
    atomic_write(os.fspath(path), write, kept="the model in memory")


def is_keras_archive(path: Any) -> bool:
    """True for a zip archive holding ``config.json`` (a Keras 3 ``.keras`` file)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return "config.json" in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False


def load_keras_archive(path: Any, custom_objects: Optional[Dict[str, Any]] = None,
                       check: Optional[Callable[[Dict[str, Any]], None]] = None):
    """Rebuild the model of a Keras 3 ``.keras`` archive: Keras' config as nnlab layers,
    then the weights in Keras' layouts (shape-checked before any is set). ``check(config)``
    sees the nnlab config before anything is allocated (``load_model`` builds it on the meta
    device and refuses a model above ``max_params``).

    Raises:
        ConfigError: a member missing or malformed, a layer class or argument nnlab has
            not (named), or weights that do not fit the architecture.
    """
    where = f"{os.fspath(path)!r}: "
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        for member in ("config.json", "model.weights.h5"):
            if member not in names:
                raise ConfigError(f"{where}the .keras archive has no {member}")
        if archive.getinfo("config.json").file_size > 64 * 2**20:
            raise ConfigError(f"{where}its config.json is over 64 MiB; refused")
        try:
            config = json.loads(archive.read("config.json"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ConfigError(f"{where}config.json is not JSON ({exc})") from exc
    if not isinstance(config, dict) or "class_name" not in config:
        raise ConfigError(f"{where}config.json does not describe a model")
    try:
        ours = from_keras(config, where, custom_objects)
        if check is not None:
            check(ours)
        model = layer_from_config(ours, custom_objects)
    except (TypeError, ValueError, KeyError) as exc:
        if isinstance(exc, ConfigError):
            raise
        raise ConfigError(f"{where}the Keras config could not be rebuilt in nnlab "
                          f"({type(exc).__name__}: {exc})") from exc
    if _has_weights(model):  # a model of weightless layers reads nothing
        load_keras_weights(model, path)
    return model
