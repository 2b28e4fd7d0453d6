"""Saving and loading: architecture as JSON, weights as safetensors, in one file.

``save_model`` writes a safetensors file whose header metadata holds the model's JSON
config; ``load_model`` reads the header, rebuilds the layers by *name* from nnlab's
layer registry (never importing or executing anything named by the file) and loads
the tensors (a pruned model keeps its masks: see
:mod:`nnlab.layers.base.pruned_weights`). Every write is atomic (temporary file, fsync,
``os.replace``).

Loading is checked before it costs anything: the header is validated without reading
the weights (:mod:`nnlab.models.saving.file_format`), the architecture is first built on
torch's ``meta`` device (no memory, no initialisation) and its parameter count and every
weight's name, shape and dtype are compared with the header; only then is the model
built for real and the weights read and verified against the stored SHA-256.
"""
from __future__ import annotations

import json
import os
from typing import Any, Dict, Optional

import torch

from ...errors import ConfigError
from ...layers.base.config_values import layer_from_config, layer_to_config
from ...layers.base.pruned_weights import pruned_names, refresh_pruned, restore_pruning
from ...layers.base.reparametrised import refuse_reparametrised
from ...utils.format_version import check_format_name, check_format_version, nnlab_version
from ...utils.io import atomic_write
from .compile_state import compile_section, optimizer_tensors, read_compile, restore_optimizer
from .file_format import TORCH_DTYPES, content_hash, header_shapes, loads, read_header
from .keras_archive import is_keras_archive, load_keras_archive
from .ordering import match_state

FORMAT = "nnlab-model"
WEIGHTS_FORMAT = "nnlab-weights"
#: The newest layout version of model and weights files this nnlab reads (header
#: metadata ``format_version``; files without it are version 1). Version 2 adds the
#: optimizer state's tensors (``__optimizer__/...``, :mod:`.compile_state`), which an
#: older reader would take for weights of another architecture: a file holding them is
#: written as version 2, every other file as version 1 (older nnlab reads it).
VERSION = 2
_INSTEAD = "save the model again with this nnlab"
#: ``load_model`` refuses configs whose weights hold more values than this (4 GB of
#: float32) unless called with a larger ``max_params``.
DEFAULT_MAX_PARAMS = 1_000_000_000


# -------------------------------------------------------------------------- files
def _state_tensors(model: torch.nn.Module) -> Dict[str, torch.Tensor]:
    """Every ``state_dict`` entry; a non-tensor entry (torch's packed quantised weights
    carry dtypes and tuples) is refused before anything is written, naming it."""
    state = model.state_dict()
    other = [k for k, v in state.items() if not isinstance(v, torch.Tensor)]
    if other:
        raise ConfigError(
            f"Cannot save model {getattr(model, 'name', type(model).__name__)!r}: its state "
            f"holds non-tensor entries ({', '.join(other[:4])}{', ...' if len(other) > 4 else ''}"
            f"), e.g. torch's packed int8 weights from quantize_int8. nnlab files hold "
            f"tensors only: save the float model and quantise again after loading (or use "
            f"torch.save(model.state_dict()) for torch's own format).")
    return {k: v.detach().cpu().contiguous().clone() for k, v in state.items()}


def _write(path: str, tensors: Dict[str, torch.Tensor], metadata: Dict[str, str],
           version: int = 1) -> None:
    from safetensors.torch import save_file
    metadata = dict(metadata, format_version=str(version), nnlab=nnlab_version())
    metadata = dict(metadata, sha256=content_hash(tensors, metadata.items()))
    size = sum(t.numel() * t.element_size() for t in tensors.values()) + len(str(metadata))
    atomic_write(path, lambda tmp: save_file(tensors, tmp, metadata=metadata), size=size,
                 kept="the model in memory is unchanged")


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
    """Write ``model``'s config and weights to ``path`` (one safetensors file), atomically,
    with its compile config and optimizer state when it was compiled
    (:mod:`.compile_state`)."""
    refuse_reparametrised(model, "save", ConfigError)
    config = layer_to_config(model, build_config=True)
    json.dumps(config)  # fail before touching the disk if the config is not JSON
    tensors = _state_tensors(model)
    metadata = {"format": FORMAT, "config": json.dumps(config), "order": json.dumps(list(tensors))}
    compile_meta, slots = compile_section(model)
    _write(path, {**tensors, **slots}, _with_pruning(model, {**metadata, **compile_meta}),
           version=2 if slots else 1)


def _with_pruning(model, metadata: Dict[str, str]) -> Dict[str, str]:
    """The header lists pruned weights (``kernel_orig``/``kernel_mask`` in the file) so
    loading re-creates the pruning and the masks hold in a later ``fit``."""
    names = pruned_names(model)
    return dict(metadata, pruned=json.dumps(names)) if names else metadata


def _names_in(model, names: list, order: Optional[list]) -> list:
    """The file's pruned weight ``names`` as ``model`` names them: the same, or (layer
    names differ, as ``load_weights`` allows) the weights at the same positions."""
    state = model.state_dict()
    if order is None or all(n + "_orig" in state or n in state for n in names):
        return names

    def logical(keys, pruned):
        return [k[:-5] if k.endswith("_orig") and k[:-5] in pruned else k for k in keys
                if not (k.endswith("_mask") and k[:-5] in pruned)]
    theirs, ours = logical(order, set(names)), logical(state, set(pruned_names(model)))
    if len(theirs) != len(ours):
        return names
    lookup = dict(zip(theirs, ours))
    return [lookup.get(n, n) for n in names]


def _restore_pruning(model, meta: Dict[str, str], path: str) -> None:
    if "pruned" not in meta:
        return
    names = loads(meta["pruned"], path, "the list of pruned weights in its header")
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError(f"{path!r}: the list of pruned weights in its header must be a "
                          f"list of weight names")
    try:
        restore_pruning(model, _names_in(model, names, _file_order(meta, path)), repr(path))
    except ValueError as exc:
        raise ConfigError(str(exc)) from exc


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
               max_params: int = DEFAULT_MAX_PARAMS, compile: bool = True):  # noqa: A002
    """Rebuild a model saved by ``model.save(path)`` and load its weights.

    A file saved from a compiled model holds its compile config and optimizer state:
    the model is compiled again and the state restored, so ``fit`` continues exactly as
    the saved model would have (``compile=False`` returns it uncompiled, as Keras).

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
    if is_keras_archive(path):  # a Keras 3 .keras file (nnlab's own files are not zips)
        return load_keras_archive(path, custom_objects, check=lambda config: _build_on_meta(
            config, path, custom_objects, max_params))
    header = read_header(path)
    meta = header["__metadata__"]
    _check_format(path, meta, "Model file")
    if meta.get("format") != FORMAT:
        hint = " (it holds weights only: build the model, then model.load_weights)" \
            if meta.get("format") == WEIGHTS_FORMAT else ""
        raise ConfigError(f"{path!r} is not an nnlab model file{hint}")
    if "config" not in meta:
        raise ConfigError(f"{path!r}: the model config is missing from its header")
    config = loads(meta["config"], path, "the model config in its header")
    order = _file_order(meta, path)
    compile_args = read_compile(meta, path, loads) if compile else None
    skeleton = _build_on_meta(config, path, custom_objects, max_params)
    _restore_pruning(skeleton, meta, path)
    match_state(skeleton, _weight_shapes(header), path, order)
    del skeleton
    model = layer_from_config(config, custom_objects)
    _restore_pruning(model, meta, path)
    tensors = _read_tensors(path, header)
    slots = optimizer_tensors(tensors)
    _load_state(model, {k: v for k, v in tensors.items() if k not in slots}, path, order)
    if compile_args is not None:
        model.compile(**compile_args)
        restore_optimizer(model, meta, slots, path, loads)
    return model


def _weight_shapes(header: Dict[str, Any]) -> Dict[str, tuple]:
    """The header's tensor shapes without the optimizer state's."""
    shapes = header_shapes(header)
    return {k: v for k, v in shapes.items() if k not in optimizer_tensors(shapes)}


def save_weights(model, path: str) -> None:
    """Write only the weights, with the architecture's signature (names and shapes)."""
    tensors = _state_tensors(model)
    _write(path, tensors, _with_pruning(model, {"format": WEIGHTS_FORMAT, "model": model.name,
                                                "order": json.dumps(list(tensors))}))


def load_weights(model, path: str) -> None:
    """Load weights from a ``save_weights`` or ``save`` file into ``model``.

    Raises ConfigError, changing nothing, when names, shapes or dtypes differ (checked
    on the header, before the weights are read) or the file is corrupt. A file saved
    from a pruned model first re-creates that pruning on ``model`` (with all-ones masks,
    so its outputs are unchanged even when the load is then refused).
    """
    path = os.fspath(path)
    header = read_header(path)
    meta = header["__metadata__"]
    _check_format(path, meta, "Weights file")
    if meta.get("format") not in (FORMAT, WEIGHTS_FORMAT):
        raise ConfigError(f"{path!r} is not an nnlab weights file")
    order = _file_order(meta, path)
    _restore_pruning(model, meta, path)  # all-ones masks until the file's are loaded
    match_state(model, _weight_shapes(header), path, order)
    tensors = _read_tensors(path, header)
    slots = optimizer_tensors(tensors)
    _load_state(model, {k: v for k, v in tensors.items() if k not in slots}, path, order)


def _check_format(path: str, meta: Dict[str, str], what: str) -> None:
    """A file of a newer nnlab (an unknown ``nnlab-`` format name, or a newer
    ``format_version``) is refused as such, not as "not an nnlab file"."""
    check_format_name(path, what, meta.get("format"), f"{FORMAT!r} version {VERSION}",
                      _INSTEAD)
    if meta.get("format") in (FORMAT, WEIGHTS_FORMAT):
        check_format_version(path, what, meta.get("format_version", "1"), VERSION, _INSTEAD)


def _load_state(model, tensors: Dict[str, torch.Tensor], path: str,
                file_order: Optional[list] = None) -> None:
    mapping = match_state(model, {k: (tuple(t.shape), TORCH_DTYPES.get(t.dtype, "?"))
                             for k, t in tensors.items()}, path, file_order)
    model.load_state_dict({k: tensors[f] for k, f in mapping.items()}, strict=True)
    refresh_pruned(model)
