"""A functional model's graph as a config and back (Keras' functional config).

Layers are stored with their configs; each call of a layer on symbolic tensors is a node
whose tensor arguments are references ``[layer_name, node_index, tensor_index]``.
"""
from __future__ import annotations

from typing import Any, Dict

from ..layers.base.config_values import deserialize_value, layer_from_config, layer_to_config
from ..layers.base.config_values import serialize_value
from ..layers.base.input_layer import InputLayer
from ..layers.base.symbolic import SymbolicTensor
from ..tree import flatten, map_shape_structure, map_structure


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


def functional_from_config(config: Dict[str, Any], custom_objects, cls: type):
    """The graph of ``config`` rebuilt as a ``cls`` (Functional) model."""
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

    return cls(inputs=refs(config["inputs"]), outputs=refs(config["outputs"]),
                      name=config.get("name"))
