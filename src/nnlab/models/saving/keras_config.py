"""nnlab model configs <-> Keras 3 ``config.json`` (the architecture inside a ``.keras`` file).

nnlab's constructor arguments are Keras' (checked against Keras 3 in the tests), so the
layer configs mostly pass as they are. What differs:

- wrapping: Keras writes every object as ``{"module", "class_name", "config",
  "registered_name"}`` (layers, initialisers, regularisers, dtype policies); nnlab tags
  them (``{"__layer__": ...}``, ``{"__initializer__": ...}``, ``{"__regularizer__": ...}``)
  and writes dtypes as names;
- the input: Keras' ``InputLayer(batch_shape=...)`` first in a Sequential's ``layers``;
  nnlab's ``batch_input_shape`` beside them;
- the functional graph: Keras lists each layer's ``inbound_nodes`` (tensors as
  ``{"class_name": "__keras_tensor__", "config": {"keras_history": [layer, node,
  tensor]}}``), ``input_layers`` / ``output_layers``; nnlab a ``nodes`` list in call
  order, ``inputs`` / ``outputs``;
- a few arguments one side does not have (:data:`NNLAB_ONLY` and, loading, any Keras
  argument the nnlab class lacks): dropped when they hold the default value (``None``,
  ``False``), refused otherwise with the layer, the argument and the value.

One of nnlab's own layer classes that Keras does not have (:func:`keras_counterpart` is
None: zoo and technique layers) cannot be written: :func:`to_keras` raises naming the layer
and suggesting ``.nnlab``. A user's own class is written as Keras writes a custom class.
"""
from __future__ import annotations

from typing import Any, Dict, Optional

from ...errors import ConfigError

#: nnlab arguments Keras' class of the same name has not: written only at their default
NNLAB_ONLY: Dict[str, Dict[str, Any]] = {
    "MaxPooling2D": {"return_indices": False}, "LeakyReLU": {"alpha": None},
    "PReLU": {"per_channel": False}, "Embedding": {"input_length": None}}

#: nnlab layer classes with a Keras 3 counterpart of the same name and arguments
KERAS_LAYERS = frozenset(
    "Activation Add AdditiveAttention Attention Average "
    "AveragePooling1D AveragePooling2D AveragePooling3D BatchNormalization Bidirectional "
    "CategoryEncoding Concatenate Conv1D Conv1DTranspose Conv2D Conv2DTranspose Conv3D "
    "Conv3DTranspose ConvLSTM2D Cropping1D Cropping2D Cropping3D Dense DepthwiseConv2D Dot "
    "Dropout ELU Embedding Flatten GaussianDropout GaussianNoise GlobalAveragePooling1D "
    "GlobalAveragePooling2D GlobalAveragePooling3D GlobalMaxPooling1D GlobalMaxPooling2D "
    "GlobalMaxPooling3D GRU InputLayer LayerNormalization LeakyReLU LSTM Masking Maximum "
    "MaxPooling1D MaxPooling2D MaxPooling3D Minimum MultiHeadAttention Multiply "
    "Normalization Permute PReLU ReLU RepeatVector Rescaling Reshape SeparableConv2D "
    "SimpleRNN Softmax SpatialDropout1D SpatialDropout2D Subtract "
    "TimeDistributed UpSampling1D UpSampling2D UpSampling3D ZeroPadding1D ZeroPadding2D "
    "ZeroPadding3D Sequential Functional".split())

#: Keras arguments nnlab's classes lack whose default is not None/False/0 (dropped at it)
KERAS_ONLY_DEFAULTS: Dict[str, Any] = {"renorm_momentum": 0.99, "data_format": "channels_last"}

_MODULES = {"Sequential": "keras", "Functional": "keras.src.models.functional"}


def keras_counterpart(layer_config: Dict[str, Any]) -> Optional[str]:
    """Keras' class name for an nnlab ``{"class_name", "config"}``, or None."""
    name = layer_config.get("class_name")
    return name if name in KERAS_LAYERS else None


def _user_class(name: str) -> bool:
    """A layer or model class the user defined (nnlab registered it under its name, or
    ``"pkg>Name"`` with ``namespace="pkg"``). Written as Keras writes a custom class
    (``"registered_name"``): a Keras user loads it with the same class registered
    (``register_keras_serializable(package="pkg")``) or in ``custom_objects``, as any
    Keras file with a custom layer."""
    from ...layers.base.registry import LAYER_CLASSES
    cls = LAYER_CLASSES.get(name)
    return cls is not None and not (cls.__module__ == "nnlab" or
                                    cls.__module__.startswith("nnlab."))


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in name.split("_"))


def _keras_object(module: str, class_name: str, config: Any) -> Dict[str, Any]:
    return {"module": module, "class_name": class_name, "config": config,
            "registered_name": None}


def _value_to_keras(value: Any, where: str, shapes=None) -> Any:
    if isinstance(value, list):
        return [_value_to_keras(v, where, shapes) for v in value]
    if not isinstance(value, dict):
        return value
    if "__layer__" in value:
        return to_keras(value["__layer__"], where, shapes)
    for tag, module in (("__initializer__", "keras.initializers"),
                        ("__regularizer__", "keras.regularizers")):
        if tag in value:
            inner = value[tag]
            if isinstance(inner, str):
                return inner
            return _keras_object(module, _camel(inner["class_name"]), inner.get("config", {}))
    return {k: _value_to_keras(v, where, shapes) for k, v in value.items()}


def to_keras(config: Dict[str, Any], where: str = "",
             shapes: Optional[Dict[str, Dict[tuple, Any]]] = None) -> Dict[str, Any]:
    """An nnlab ``{"class_name", "config"}`` as Keras 3 serialises it; ``shapes`` holds
    each functional model's tensor shapes (:func:`tensor_shapes`), which Keras' config
    records with every node input.

    Raises:
        ConfigError: a layer without a Keras counterpart (named, with ``.nnlab`` as the
            way out), or an nnlab-only argument at a non-default value.
    """
    name, inner = config["class_name"], dict(config.get("config", {}))
    label = f"layer {inner.get('name', '?')!r} ({name})"
    if _user_class(name):  # registered by the user: Keras finds it by the same name
        out = _keras_object(None, name.split(">")[-1],
                            {k: _value_to_keras(v, where, shapes) for k, v in inner.items()})
        out["registered_name"] = name
        if "build_config" in config:
            out["build_config"] = config["build_config"]
        return out
    if keras_counterpart(config) is None:
        raise ConfigError(f"{where}{label} has no Keras counterpart, so Keras could not load "
                          f"this model from a .keras file; nothing was written. Save it in "
                          f"nnlab's format instead: model.save('model.nnlab').")
    for arg, default in NNLAB_ONLY.get(name, {}).items():
        if arg in inner and inner.pop(arg) != default:
            raise ConfigError(f"{where}{label}: {arg}={config['config'][arg]!r} has no Keras "
                              f"equivalent; nothing was written. Save it as .nnlab instead.")
    if name == "Sequential":
        return _sequential_to_keras(inner, where, shapes)
    if name == "Functional":
        return _functional_to_keras(inner, where, shapes or {})
    if name == "InputLayer":
        inner = {"batch_shape": inner.get("batch_input_shape"),
                 "dtype": inner.get("dtype") or "float32", "name": inner.get("name")}
    else:
        inner = _keras_values(name, {k: _value_to_keras(v, where, shapes)
                                     for k, v in inner.items()})
    out = _keras_object("keras.layers", name, inner)
    if "build_config" in config:
        out["build_config"] = config["build_config"]
    return out


def tensor_shapes(model) -> Dict[str, Dict[tuple, Any]]:
    """``{functional model name: {(layer, node, tensor): shape}}`` for ``model`` and the
    functional models inside it; node indices count each model's own nodes, as its config."""
    from ...layers.base.symbolic import SymbolicTensor
    from ...tree import flatten
    found: Dict[str, Dict[tuple, Any]] = {}
    for module in model.modules():
        if not hasattr(module, "nodes") or not hasattr(module, "_output_struct"):
            continue
        table, count = {}, {}
        for node in module.nodes:
            index = count.get(node.layer.name, 0)
            count[node.layer.name] = index + 1
            for t_index, t in enumerate(flatten(node.outputs)):
                if isinstance(t, SymbolicTensor):
                    table[(node.layer.name, index, t_index)] = list(t.shape)
        found[module.name] = table
    return found


def _keras_values(name: str, inner: Dict[str, Any]) -> Dict[str, Any]:
    """Where Keras spells a value differently: 1-D paddings and croppings as one pair,
    ``UpSampling1D(size=2)``; Keras' SpatialDropout takes no ``trainable``."""
    for key in ("padding", "cropping"):
        value = inner.get(key)
        if name in ("ZeroPadding1D", "Cropping1D") and isinstance(value, list) and \
                len(value) == 1 and isinstance(value[0], list):
            inner[key] = value[0]
    if name == "UpSampling1D" and isinstance(inner.get("size"), list) and \
            len(inner["size"]) == 1:
        inner["size"] = inner["size"][0]
    if name.startswith("SpatialDropout") and inner.get("trainable", True):
        inner.pop("trainable", None)
    return inner


def _sequential_to_keras(inner: Dict[str, Any], where: str, shapes) -> Dict[str, Any]:
    layers = [to_keras(c, where, shapes) for c in inner.get("layers", [])]
    shape = inner.get("batch_input_shape")
    if shape is not None:
        layers.insert(0, _keras_object("keras.layers", "InputLayer", {
            "batch_shape": shape, "dtype": "float32", "name": "input_layer"}))
    cfg = {"name": inner.get("name"), "trainable": inner.get("trainable", True),
           "layers": layers}
    if shape is not None:
        cfg["build_input_shape"] = shape
    return _keras_object("keras", "Sequential", cfg)


def _tensors_to_keras(value: Any, shapes: Dict[tuple, Any]) -> Any:
    if isinstance(value, dict) and "__tensor__" in value:
        history = value["__tensor__"]
        return {"class_name": "__keras_tensor__", "config": {
            "shape": shapes.get(tuple(history)), "dtype": "float32", "keras_history": history}}
    if isinstance(value, list):
        return [_tensors_to_keras(v, shapes) for v in value]
    if isinstance(value, dict):
        return {k: _tensors_to_keras(v, shapes) for k, v in value.items()}
    return value


def _keras_args(class_name: str, args: list) -> list:
    """Keras' MultiHeadAttention takes ``(query, value[, key])`` as separate arguments;
    nnlab's node records them as one list."""
    if class_name == "MultiHeadAttention" and len(args) == 1 and isinstance(args[0], list):
        return list(args[0])
    return args


def _functional_to_keras(inner: Dict[str, Any], where: str, shapes) -> Dict[str, Any]:
    layers, own = [], shapes.get(inner.get("name"), {})
    for layer in inner["layers"]:
        entry = to_keras(layer, where, shapes)
        entry["name"] = layer["name"]
        entry["inbound_nodes"] = [
            {"args": _tensors_to_keras(_keras_args(layer["class_name"], n["args"]), own),
             "kwargs": _tensors_to_keras(n["kwargs"], own)}
            for n in inner["nodes"] if n["layer"] == layer["name"]]
        layers.append(entry)
    cfg = {"name": inner.get("name"), "trainable": True, "layers": layers,
           "input_layers": inner["inputs"], "output_layers": inner["outputs"]}
    out = _keras_object(_MODULES["Functional"], "Functional", cfg)
    out["registered_name"] = "Functional"
    return out
