"""The compile config and the optimizer state in an nnlab model file (Keras 3's
``.keras`` keeps both, so ``load_model(path).fit(...)`` continues training exactly).

What ``model.save`` stores, for a model compiled with :meth:`Model.compile` (not a
model whose class overrides ``compile``, e.g. a GAN):

- header ``compile``: JSON of what ``compile`` got -- the optimizer as its class and
  ``get_config()`` (a float learning rate or a :mod:`nnlab.schedules` schedule), the
  loss(es), metrics and ``loss_weights`` as names, or as nnlab Loss/Metric objects by
  class name and ``get_config()``, nested as given (lists, dicts per output), and
  ``precision``/``jit``;
- header ``optimizer_state``: JSON of the optimizer's scalars (``param_groups``: the
  learning rate now, betas, ...; the update count; the trainer's step count for
  schedules) and, once the model has trained, tensors ``__optimizer__/<i>/<name>`` (one
  per slot and parameter: Adam's ``exp_avg``/``exp_avg_sq``/``step``, SGD's
  ``momentum_buffer``, RMSprop's ``square_avg``), covered by the file's SHA-256.
  Nothing is pickled.

What cannot be saved -- a lambda or any other plain function as loss or metric, a
custom Loss/Metric class nnlab does not know, a torch optimizer handed to ``compile``,
a plain-function learning-rate schedule -- makes ``save`` warn, naming it, and write
``compile`` as ``{"not_saved": [...]}`` with no optimizer state: ``load_model`` then
returns the model uncompiled and says why. Files of nnlab before this section load
uncompiled, as they did; ``load_model(path, compile=False)`` skips it.
"""
from __future__ import annotations

import json
import warnings
from typing import Any, Dict, List, Optional, Tuple

import torch

from ... import losses as losses_mod
from ... import optimizers as optimizers_mod
from ... import schedules as schedules_mod
from ...errors import ConfigError
from ...losses.loss import LossFunctionWrapper

PREFIX = "__optimizer__/"
_OPTIMIZER_CLASSES = {c.__name__: c for c in (
    optimizers_mod.SGD, optimizers_mod.Adam, optimizers_mod.AdamW, optimizers_mod.RMSprop,
    optimizers_mod.Adagrad, optimizers_mod.Adadelta)}


class _NotSaved(Exception):
    """A compile argument that cannot be written as JSON (``args[0]`` says which)."""


# ------------------------------------------------------------------------ saving
def _encode(value: Any, what: str) -> Any:
    """``value`` (a compile argument) as JSON; :class:`_NotSaved` if it cannot be."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        return [_encode(v, f"{what}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _encode(v, f"{what}[{k!r}]") for k, v in value.items()}
    from ...metrics.metric import Metric  # (not at the top: the metrics package's
    from ...metrics.reduction_metrics import MeanMetricWrapper  # __init__ imports models)
    for kind, base, plain in (("loss", losses_mod.Loss, LossFunctionWrapper),
                              ("metric", Metric, MeanMetricWrapper)):
        if isinstance(value, base) and type(value) is not plain:
            entry = {"class_name": type(value).__name__, "config": value.get_config()}
            try:
                json.dumps(entry)
                again = _decode_object(entry, kind)
            except Exception:  # noqa: BLE001 -- any failure means: not saveable
                again = None
            if again is not None and type(again) is type(value) and \
                    again.get_config() == value.get_config():
                return {kind: entry}
    raise _NotSaved(f"{what}: {getattr(value, '__name__', None) or type(value).__name__}")


def _optimizer_entry(spec: Any) -> Dict[str, Any]:
    if type(spec).__name__ not in _OPTIMIZER_CLASSES or \
            _OPTIMIZER_CLASSES[type(spec).__name__] is not type(spec):
        raise _NotSaved(f"optimizer: {type(spec).__name__} (a torch optimizer or a class "
                        f"nnlab does not know)")
    config = dict(spec.get_config())
    lr = spec._lr_arg
    if callable(lr):
        try:
            config["learning_rate"] = schedules_mod.serialize(lr)
        except TypeError:
            raise _NotSaved(f"optimizer: learning_rate {lr!r} (a plain function, not an "
                            f"nnlab.schedules schedule)") from None
    json.dumps(config)
    return {"class_name": type(spec).__name__, "config": config}


def compile_section(model) -> Tuple[Dict[str, str], Dict[str, torch.Tensor]]:
    """The header entries and tensors holding ``model``'s compile config and optimizer
    state (both empty for a model that was never compiled, or compiled by its own
    ``compile``). Warns, naming them, when some compile arguments cannot be saved."""
    args = getattr(model, "_compile_args", None)
    if args is None or getattr(model, "compiled", None) is None:
        return {}, {}
    try:
        config = {"optimizer": _optimizer_entry(model.optimizer)}
        config.update({k: _encode(v, k) for k, v in args.items()})
    except _NotSaved as exc:
        warnings.warn(f"save: model {model.name!r} is saved without its compile config and "
                      f"optimizer state, as {exc.args[0]} cannot be written to a file (only "
                      f"names, nnlab Loss/Metric/optimizer objects and nnlab.schedules "
                      f"are). load_model returns it uncompiled: compile it again.",
                      UserWarning, stacklevel=3)
        return {"compile": json.dumps({"not_saved": [exc.args[0]]})}, {}
    meta = {"compile": json.dumps(config)}
    state = model.optimizer.state_dict()
    torch_state = state.get("torch") or {}
    scalars: Dict[str, Any] = {"iterations": int(state.get("iterations", 0)),
                               "steps": int(getattr(model.compiled, "iterations", 0))}
    tensors: Dict[str, torch.Tensor] = {}
    if torch_state:
        slots: Dict[str, Dict[str, Any]] = {}
        for index, entry in torch_state["state"].items():
            for key, value in entry.items():
                if isinstance(value, torch.Tensor):
                    tensors[f"{PREFIX}{index}/{key}"] = value.detach().cpu().contiguous().clone()
                else:
                    slots.setdefault(str(index), {})[key] = value
        scalars.update(param_groups=torch_state["param_groups"], slots=slots)
    try:
        meta["optimizer_state"] = json.dumps(scalars)
    except (TypeError, ValueError):
        warnings.warn(f"save: the optimizer state of model {model.name!r} holds values that "
                      f"are not JSON; it is not saved (the compile config is).",
                      UserWarning, stacklevel=3)
        return meta, {}
    return meta, tensors


# ----------------------------------------------------------------------- loading
def _decode_object(entry: Dict[str, Any], kind: str) -> Any:
    name, config = entry.get("class_name"), entry.get("config") or {}
    if not isinstance(name, str) or not isinstance(config, dict):
        raise ValueError(f"a {kind} entry needs a class name and a config")
    from ...metrics.lookup import get as metric  # (see _encode)
    found = (losses_mod.get if kind == "loss" else metric)(name)
    if type(found).__name__ != name:
        raise ValueError(f"unknown {kind} class {name!r}")
    return type(found).from_config(config) if kind == "loss" else type(found)(**config)


def _decode(value: Any) -> Any:
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"loss"} or set(value) == {"metric"}:
            kind = next(iter(value))
            return _decode_object(value[kind], kind)
        return {k: _decode(v) for k, v in value.items()}
    return value


def read_compile(meta: Dict[str, str], path: str, loads) -> Optional[Dict[str, Any]]:
    """The ``compile`` arguments of the file's header (objects rebuilt), or None when the
    file has none or says they were not saved (warning then). ConfigError naming the file
    for a malformed entry. ``loads``: the header's checked JSON reader."""
    if "compile" not in meta:
        return None
    config = loads(meta["compile"], path, "the compile config in its header")
    if not isinstance(config, dict):
        raise ConfigError(f"{path!r}: the compile config in its header must be an object")
    if "not_saved" in config:
        warnings.warn(f"load_model: {path!r} holds no compile config ({config['not_saved']} "
                      f"could not be saved): the model is returned uncompiled; compile it "
                      f"again.", UserWarning, stacklevel=3)
        return None
    try:
        opt = config["optimizer"]
        cls = _OPTIMIZER_CLASSES[opt["class_name"]]
        opt_config = dict(opt["config"])
        if isinstance(opt_config.get("learning_rate"), dict):
            opt_config["learning_rate"] = schedules_mod.deserialize(opt_config["learning_rate"])
        args = {k: _decode(v) for k, v in config.items() if k != "optimizer"}
        args["optimizer"] = cls.from_config(opt_config)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"{path!r}: the compile config in its header is malformed or of "
                          f"another version ({type(exc).__name__}: {exc}); load it with "
                          f"load_model(path, compile=False) and compile again.") from exc
    return args


def optimizer_tensors(tensors: Dict[str, torch.Tensor]) -> Dict[str, torch.Tensor]:
    """The optimizer-state tensors of a file's tensors (by their prefix)."""
    return {k: v for k, v in tensors.items() if k.startswith(PREFIX)}


def restore_optimizer(model, meta: Dict[str, str], tensors: Dict[str, torch.Tensor],
                      path: str, loads) -> None:
    """Give the compiled ``model`` the file's optimizer state: the torch state is loaded
    when ``fit`` builds the optimizer (every slot's shape checked against its weight
    now), the update and step counts at once."""
    if "optimizer_state" not in meta:
        return
    scalars = loads(meta["optimizer_state"], path, "the optimizer state in its header")
    try:
        torch_state = _torch_state(model, scalars, tensors)
        model.optimizer.load_state_dict({"iterations": int(scalars["iterations"]),
                                         "torch": torch_state})
        model.compiled.iterations = int(scalars["steps"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"{path!r}: the optimizer state in its header does not fit model "
                          f"{model.name!r} ({type(exc).__name__}: {exc}); load it with "
                          f"load_model(path, compile=False) and compile again.") from exc


def _torch_state(model, scalars: Dict[str, Any], tensors: Dict[str, torch.Tensor]) -> dict:
    """torch's optimizer ``state_dict`` from the header's scalars and the tensors."""
    if "param_groups" not in scalars:
        if tensors:
            raise ValueError("optimizer tensors without their parameter groups")
        return {}
    # JSON made torch's tuples (Adam's betas) lists: back to tuples, as torch keeps them
    groups: List[dict] = [{k: tuple(v) if isinstance(v, list) and k != "params" else v
                           for k, v in g.items()} for g in scalars["param_groups"]]
    params = [p for p in model.parameters() if p.requires_grad]  # what fit optimises
    indices = [i for g in groups for i in g["params"]]
    if sorted(indices) != list(range(len(params))):
        raise ValueError(f"the saved optimizer updates {len(indices)} weights, the model "
                         f"has {len(params)} trainable weights")
    state: Dict[int, Dict[str, Any]] = {}
    for name, value in tensors.items():
        index, key = name[len(PREFIX):].split("/", 1)
        i = int(index)
        if i not in range(len(params)) or (value.ndim and value.shape != params[i].shape):
            raise ValueError(f"slot {name!r} of shape {tuple(value.shape)} does not fit "
                             f"weight {i}")
        state.setdefault(i, {})[key] = value
    for index, entry in (scalars.get("slots") or {}).items():
        state.setdefault(int(index), {}).update(entry)
    return {"state": state, "param_groups": groups}
