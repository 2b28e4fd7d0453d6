"""``model.layers`` in Keras' order, so index-based recipes (``model.layers[:143]``) pick the
same layers as in Keras.

Keras orders a functional model's layers by *depth* (the longest path from the layer to an
output), deepest first; layers at the same depth keep the order in which a depth-first walk
from the outputs first meets them (``keras/src/ops/function.py``, ``map_graph``). For a
plain chain this is the call order; for a residual block it interleaves the two branches
(``..._2_relu, ..._0_conv, ..._3_conv, ..._0_bn, ..._3_bn, ..._add``). Hand-written after
Keras' algorithm: it is about our own node structures.
"""
from __future__ import annotations

from typing import Dict, List


def keras_layer_order(outputs: List, inputs: List) -> List:
    """Layers of the graph from ``inputs`` to ``outputs`` (symbolic tensors), Keras' order."""
    input_ids = {id(t) for t in inputs}
    layer_index: Dict[int, int] = {}
    layers: Dict[int, object] = {}
    post_order: List = []
    finished: set = set()

    def walk(tensor) -> None:
        layer, node_index, _ = tensor.history
        node = layer._inbound_nodes[node_index]
        if id(node) in finished:
            return
        if id(layer) not in layer_index:
            layer_index[id(layer)] = len(layer_index)
            layers[id(layer)] = layer
        if id(tensor) not in input_ids:
            for t in node.input_tensors:
                walk(t)
        finished.add(id(node))
        post_order.append(node)

    for out in outputs:
        walk(out)

    node_depth: Dict[int, int] = {}
    layer_depth: Dict[int, int] = {}
    is_input = {id(t.history[0]._inbound_nodes[t.history[1]]) for t in inputs}
    for node in reversed(post_order):
        depth = max(node_depth.get(id(node), 0), layer_depth.get(id(node.layer), 0))
        layer_depth[id(node.layer)] = depth
        node_depth[id(node)] = depth
        if id(node) in is_input:
            continue
        for t in node.input_tensors:
            parent = t.history[0]._inbound_nodes[t.history[1]]
            node_depth[id(parent)] = max(depth + 1, node_depth.get(id(parent), 0))

    return sorted(layers.values(), key=lambda lyr: (-layer_depth[id(lyr)],
                                                     layer_index[id(lyr)]))
