"""Keras 3 ``config.json`` -> nnlab model configs (the reading half of
:mod:`.keras_config`): Keras' ``{"module", "class_name", "config", "registered_name"}``
objects become nnlab's tagged values, ``InputLayer(batch_shape=)`` nnlab's
``batch_input_shape``, each layer's ``inbound_nodes`` nnlab's ``nodes`` in call order.

A Keras argument nnlab's class does not take is dropped when it holds its default value
(``None``, ``False``, 0, :data:`~.keras_config.KERAS_ONLY_DEFAULTS`) and refused otherwise,
naming the layer, the argument and the value. Only registered classes are named as
results (nothing is imported or executed).
"""
from __future__ import annotations

import inspect
from typing import Any, Dict, List

from ...errors import ConfigError
from .keras_config import KERAS_ONLY_DEFAULTS


def _attention_axes(inner: Dict[str, Any], build: Any) -> None:
    """Keras writes MultiHeadAttention's default ``attention_axes`` resolved (``[1]`` for
    ``(batch, seq, features)``); nnlab's None means the same: every axis between batch
    and features."""
    axes = inner.get("attention_axes")
    shapes = (build or {}).get("shapes_dict", {}) if isinstance(build, dict) else {}
    query = shapes.get("query_shape")
    if isinstance(axes, list) and query is not None and axes == list(range(1, len(query) - 1)):
        inner["attention_axes"] = None


def _is_keras_object(value: Any) -> bool:
    return isinstance(value, dict) and "class_name" in value and "config" in value and \
        ("module" in value or "registered_name" in value)


def _value_from_keras(value: Any, where: str, custom_objects) -> Any:
    if isinstance(value, list):
        return [_value_from_keras(v, where, custom_objects) for v in value]
    if not isinstance(value, dict):
        return value
    if _is_keras_object(value):
        module = value.get("module") or ""
        if value["class_name"] in ("DTypePolicy", "FloatDTypePolicy"):
            return value["config"].get("name", "float32")
        if module.startswith("keras.initializers"):
            cfg = {k: v for k, v in value["config"].items() if v is not None and k != "seed"}
            snake = _snake(value["class_name"])
            return {"__initializer__": snake if not cfg else {"class_name": snake,
                                                             "config": cfg}}
        if module.startswith("keras.regularizers"):
            return {"__regularizer__": {"class_name": _snake(value["class_name"]),
                                        "config": value["config"]}}
        return {"__layer__": from_keras(value, where, custom_objects)}
    return {k: _value_from_keras(v, where, custom_objects) for k, v in value.items()}


def _snake(name: str) -> str:
    from ...utils.naming import to_snake_case
    return to_snake_case(name)


def _accepted(cls: type) -> set:
    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is not None:
            names |= {p for p in inspect.signature(init).parameters if p != "self"}
    return names


def from_keras(config: Dict[str, Any], where: str = "", custom_objects=None) -> Dict[str, Any]:
    """A Keras 3 serialised layer/model as nnlab's ``{"class_name", "config"}``.

    Raises:
        ConfigError: an unknown class, or a Keras argument nnlab's class lacks, set to a
            non-default value (named).
    """
    from ...layers.base.registry import registered_class
    name = config.get("class_name")
    inner = dict(config.get("config") or {})
    if name in ("Model",) and "layers" in inner:
        name = "Functional"
    if name == "Sequential":
        return _sequential_from_keras(inner, where, custom_objects)
    if name == "Functional":
        return _functional_from_keras(inner, where, custom_objects)
    if name == "InputLayer":
        shape = inner.get("batch_shape") or inner.get("batch_input_shape")
        return {"class_name": "InputLayer", "config": {
            "batch_input_shape": shape, "name": inner.get("name"),
            "dtype": _value_from_keras(inner.get("dtype"), where, custom_objects)}}
    registered = config.get("registered_name")
    if isinstance(registered, str) and ">" in registered and \
            registered_class(registered, custom_objects) is not None:
        name = registered  # a user's class, registered as "package>Name" on both sides
    elif isinstance(registered, str) and registered.startswith("Custom>"):
        name = registered.split(">", 1)[1]
    cls = registered_class(name, custom_objects) if isinstance(name, str) else None
    if cls is None:
        raise ConfigError(f"{where}Keras layer class {name!r} (layer {inner.get('name')!r}) "
                          f"is not in nnlab; define and register it, or pass "
                          f"custom_objects={{{name!r}: ...}}")
    if name == "MultiHeadAttention":
        _attention_axes(inner, config.get("build_config"))
    if name == "Normalization" and isinstance(inner.get("axis"), list) and \
            len(inner["axis"]) == 1:
        inner["axis"] = inner["axis"][0]
    if name == "Bidirectional":  # Keras sets it on the layers it wraps, not the user
        for key in ("layer", "backward_layer"):
            if isinstance(inner.get(key), dict):
                inner[key] = dict(inner[key], config={
                    k: v for k, v in inner[key].get("config", {}).items()
                    if k != "zero_output_for_mask"})
    ours = cls.__module__.startswith("nnlab.")  # a user's class takes its own config
    accepted = _accepted(cls) - {"args", "kwargs"}
    out = {}
    for key, value in inner.items():
        value = _value_from_keras(value, where, custom_objects)
        if not ours or key in accepted:
            out[key] = value
        elif value not in (None, False, "", [], {}) and \
                KERAS_ONLY_DEFAULTS.get(key, ()) != value:
            raise ConfigError(f"{where}Keras layer {inner.get('name')!r} ({name}): argument "
                              f"{key}={value!r} is not supported by nnlab's {name}")
    result = {"class_name": name, "config": out}
    if isinstance(config.get("build_config"), dict) and \
            config["build_config"].get("input_shape") is not None and \
            not ours:
        result["build_config"] = config["build_config"]
    return result


def _sequential_from_keras(inner, where, custom_objects) -> Dict[str, Any]:
    layers: List[Dict[str, Any]] = []
    shape = inner.get("build_input_shape")
    for layer in inner.get("layers", []):
        if layer.get("class_name") == "InputLayer":
            cfg = layer.get("config", {})
            shape = cfg.get("batch_shape") or cfg.get("batch_input_shape")
            continue
        layers.append(from_keras(layer, where, custom_objects))
    cfg = {"name": inner.get("name"), "layers": layers}
    if shape is not None:
        cfg["batch_input_shape"] = shape
    return {"class_name": "Sequential", "config": cfg}


def _tensors_from_keras(value: Any) -> Any:
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        return {"__tensor__": list(value["config"]["keras_history"])}
    if isinstance(value, list):
        if len(value) == 4 and isinstance(value[0], str) and isinstance(value[3], dict):
            return {"__tensor__": list(value[:3])}  # Keras 2's [name, node, tensor, kwargs]
        return [_tensors_from_keras(v) for v in value]
    if isinstance(value, dict):
        return {k: _tensors_from_keras(v) for k, v in value.items()}
    return value


def _functional_from_keras(inner, where, custom_objects) -> Dict[str, Any]:
    layers, pending = [], []
    for layer in inner["layers"]:
        entry = from_keras(layer, where, custom_objects)
        entry["name"] = layer.get("name") or layer["config"]["name"]
        layers.append(entry)
        for node in layer.get("inbound_nodes", []):
            if isinstance(node, dict):
                args, kwargs = _tensors_from_keras(node.get("args", [])), \
                    _tensors_from_keras(node.get("kwargs", {}))
            else:  # Keras 2: a list of [name, node, tensor, kwargs]
                refs = _tensors_from_keras(node)
                args, kwargs = [refs[0] if len(refs) == 1 else refs], {}
            pending.append({"layer": entry["name"], "args": args, "kwargs": kwargs})
    return {"class_name": "Functional", "config": {
        "name": inner.get("name"), "layers": layers, "nodes": _call_order(layers, pending),
        "inputs": inner["input_layers"], "outputs": inner["output_layers"]}}


def _call_order(layers, pending) -> List[Dict[str, Any]]:
    """The nodes in an order where every tensor a node takes was made before it."""
    made = {(c["name"], 0) for c in layers if c["class_name"] == "InputLayer"}
    count = {c["name"]: 0 for c in layers}
    ordered, queue = [], list(pending)

    def ready(value) -> bool:
        if isinstance(value, dict) and "__tensor__" in value:
            return (value["__tensor__"][0], value["__tensor__"][1]) in made
        if isinstance(value, dict):
            return all(ready(v) for v in value.values())
        if isinstance(value, list):
            return all(ready(v) for v in value)
        return True
    while queue:
        for i, node in enumerate(queue):
            if ready(node["args"]) and ready(node["kwargs"]):
                made.add((node["layer"], count[node["layer"]]))
                count[node["layer"]] += 1
                ordered.append(queue.pop(i))
                break
        else:
            raise ConfigError(f"the Keras functional graph cannot be ordered: node of "
                              f"{queue[0]['layer']!r} waits for a tensor no node makes")
    return ordered
