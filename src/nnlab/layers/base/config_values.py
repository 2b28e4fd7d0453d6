"""Constructor arguments to JSON and back: what ``get_config``/``from_config`` store.

Layers, initialisers and regularisers inside a config are tagged (``{"__layer__": ...}``,
``{"__initializer__": ...}``, ``{"__regularizer__": ...}``); activations are stored by
name; numpy values as lists. Layers are rebuilt only from classes in the registry
(:mod:`nnlab.layers.base.registry`) or ``custom_objects``: nothing named by a file is
imported or executed.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

import numpy as np
import torch
from torch import nn

from ... import activations, initializers, regularizers
from ...errors import ConfigError
from .registry import check_saveable, registered_class


def _is_layer(value: Any) -> bool:
    """A registered layer (anything whose class carries a registered name)."""
    return isinstance(value, nn.Module) and \
        getattr(type(value), "_registered_name", None) is not None


def serialize_value(value: Any) -> Any:
    """A constructor argument in JSON form (layers, initialisers, regularisers tagged)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [serialize_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): serialize_value(v) for k, v in value.items()}
    if _is_layer(value):
        return {"__layer__": layer_to_config(value)}
    if isinstance(value, nn.Module):      # before "callable": a module is not an activation
        raise ConfigError(
            f"Cannot write the plain torch module {type(value).__name__} into a model "
            f"config: its architecture is Python code, not JSON. Use model.save_weights(path) "
            f"and rebuild the model in code, or build that part from nnlab layers.")
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
    """The inverse of :func:`serialize_value` (lists stay lists)."""
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


def layer_to_config(layer: nn.Module, build_config: bool = False) -> Dict[str, Any]:
    """``{"class_name": registered name, "config": layer.get_config()}``, plus Keras 3's
    ``"build_config": {"input_shape": ...}`` when ``build_config`` and the layer was built
    from a shape (``save`` asks for it: a subclassed model's weights exist only once it
    has been called, so ``load_model`` builds it with that shape before loading them).

    Raises:
        ValueError: the layer's class name is held by another class (see the registry).
    """
    config = {"class_name": check_saveable(type(layer)), "config": layer.get_config()}
    built = getattr(layer, "get_build_config", None)
    if build_config and built is not None and built() is not None:
        config["build_config"] = built()
    return config


def layer_from_config(config: Dict[str, Any],
                      custom_objects: Optional[Dict[str, Any]] = None) -> nn.Module:
    """Rebuild a layer from ``{"class_name", "config"}`` using only registered classes."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ConfigError(f"Not a layer config: {str(config)[:200]}")
    name = config["class_name"]
    if not isinstance(name, str):
        raise ConfigError(f"A layer's class_name must be a string, got {str(name)[:80]}")
    cls = registered_class(name, custom_objects)
    if cls is None:
        raise ConfigError(f"Unknown layer class {name!r} in the config. If it is your own "
                          f"Layer subclass, define (import) it before loading or pass "
                          f"custom_objects={{{name!r}: {name}}}.")
    inner = config.get("config", {})
    if not isinstance(inner, dict):
        raise ConfigError(f"The config of layer class {name!r} must be an object, got "
                          f"{type(inner).__name__}")
    if getattr(cls, "_config_holds_layers", False):  # models rebuild their own layers
        layer = cls.from_config(inner, custom_objects)
    else:
        layer = cls.from_config({k: deserialize_value(v, custom_objects)
                                 for k, v in inner.items()})
    build = config.get("build_config")
    if build is not None and hasattr(layer, "build_from_config"):
        if not isinstance(build, dict):
            raise ConfigError(f"The build_config of layer class {name!r} must be an object "
                              f"with an input_shape, got {str(build)[:80]}")
        layer.build_from_config(build)
    return layer
