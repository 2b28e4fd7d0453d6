"""Functional models: a graph of layers called on symbolic tensors.

    inputs = Input(shape=(28, 28, 1))
    x = Conv2D(32, 3, activation="relu")(inputs)
    y = Dense(10, activation="softmax")(Flatten()(x))
    model = Model(inputs=inputs, outputs=y)

Multiple inputs and outputs (lists or dicts), shared layers (one layer called
several times) and models used as layers all work. Calling the model walks the
recorded nodes in topological order.
"""
from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional

import torch

from ..errors import ShapeError
from ..layers.base.fast_call import call_layer
from ..layers.base.input_layer import InputLayer
from ..layers.base.layer import Layer, format_shape
from ..layers.base.symbolic import Node, SymbolicTensor
from ..tree import flatten, flatten_shape_structure, is_shape, map_structure
from .functional_config import functional_config, functional_from_config
from .input_rank import adjust_rank
from .layer_order import keras_layer_order
from .model import Model, register_functional_class
from .summary import graph_rows


def _topological_nodes(outputs: List[SymbolicTensor], inputs: List[SymbolicTensor]) -> List[Node]:
    """Nodes needed to compute ``outputs`` from ``inputs``, each after its inputs."""
    input_ids = {id(t) for t in inputs}
    order: List[Node] = []
    done: set = set()
    visiting: set = set()

    def visit(tensor: SymbolicTensor, consumer: Optional[Layer]) -> None:
        if not isinstance(tensor, SymbolicTensor) or tensor.history is None:
            raise TypeError(f"Model outputs and layer inputs must be symbolic tensors from "
                            f"nnlab.Input or layers, got {type(tensor).__name__}")
        layer, node_index, _ = tensor.history
        node = layer._inbound_nodes[node_index]
        if id(node) in done:
            return
        if id(tensor) in input_ids:
            done.add(id(node))
            order.append(node)
            return
        if isinstance(layer, InputLayer):
            where = f" (needed by layer {consumer.name!r})" if consumer is not None else ""
            raise ValueError(f"Graph disconnected: input {layer.name!r}{where} is not among "
                             f"the model's inputs.")
        if id(node) in visiting:  # pragma: no cover - symbolic graphs cannot have cycles
            raise ValueError(f"Cycle in the graph at layer {layer.name!r}")
        visiting.add(id(node))
        for t in node.input_tensors:
            visit(t, layer)
        visiting.discard(id(node))
        done.add(id(node))
        order.append(node)

    for out in outputs:
        visit(out, None)
    return order


class Functional(Model):
    """A model defined by ``Model(inputs=..., outputs=...)``.

    Args:
        inputs: a symbolic tensor from ``Input``, or a list/dict of them.
        outputs: a symbolic tensor, or a list/dict of them.

    Calling: ``model(x)``, ``model([x1, x2])``, ``model(x1, x2)`` or
    ``model({"input_name": x1, ...})``; returns a tensor, or a list/dict like ``outputs``.
    """

    _config_holds_layers = True  # from_config rebuilds the layer configs itself

    def _summary_rows(self):
        return graph_rows(self)

    def __init__(self, inputs: Any, outputs: Any, name: Optional[str] = None, **kwargs: Any):
        super().__init__(name=name or None, **kwargs)
        self._input_struct = inputs
        self._output_struct = outputs
        self.inputs: List[SymbolicTensor] = flatten(inputs)
        self.outputs: List[SymbolicTensor] = flatten(outputs)
        for t in self.inputs:
            if not isinstance(t, SymbolicTensor) or not isinstance(t.history[0], InputLayer):
                raise TypeError(f"Model inputs must come from nnlab.Input(...), got {t!r}")
        self._nodes = _topological_nodes(self.outputs, self.inputs)
        self._layer_list: List[Layer] = []
        for layer in keras_layer_order(self.outputs, self.inputs):  # Keras' model.layers order
            if layer.name in self._modules:
                raise ValueError(f"Two different layers are named {layer.name!r} in model "
                                 f"{self.name!r}; layer names must be unique")
            try:
                self.add_module(layer.name, layer)
            except KeyError as exc:
                raise ValueError(f"Layer name {layer.name!r} clashes with a model attribute; "
                                 f"rename the layer") from exc
            self._layer_list.append(layer)
        self.input_names = [t.history[0].name for t in self.inputs]
        self.output_names = [t.history[0].name for t in self.outputs]
        # Execution plan: (layer, args, kwargs, output tensors) for every non-input node.
        self._plan = [(n.layer, n.args, n.kwargs, n.output_tensors) for n in self._nodes
                      if not isinstance(n.layer, InputLayer)]
        self.built = True

    @property
    def layers(self) -> List[Layer]:
        return list(self._layer_list)

    @property
    def nodes(self) -> List[Node]:
        """The graph's nodes in execution order (InputLayer nodes first)."""
        return list(self._nodes)

    # ------------------------------------------------------------------ running
    def _execute(self, values: Dict[int, Any], run: Callable) -> Any:
        def fetch(v):
            return values[id(v)] if isinstance(v, SymbolicTensor) else v

        for layer, args, kwargs, outs in self._plan:
            if len(args) == 1 and not kwargs and isinstance(args[0], SymbolicTensor):
                result = run(layer, (values[id(args[0])],), {})
            else:
                result = run(layer, map_structure(fetch, args), map_structure(fetch, kwargs))
            if len(outs) == 1:
                single = not isinstance(result, (list, tuple)) or is_shape(result)
                values[id(outs[0])] = result if single else result[0]
            else:
                for sym, val in zip(outs, flatten_shape_structure(result)):
                    values[id(sym)] = val
        return map_structure(lambda t: values[id(t)], self._output_struct)

    def _bind_inputs(self, args: tuple) -> List[Any]:
        if len(args) == 1:
            x = args[0]
            if isinstance(x, dict):
                missing = [n for n in self.input_names if n not in x]
                if missing:
                    raise ValueError(f"Model {self.name!r}: input dict lacks {missing}; "
                                     f"expected keys {self.input_names}")
                return [x[n] for n in self.input_names]
            x = list(x) if isinstance(x, (list, tuple)) else [x]
        else:
            x = list(args)
        if len(x) != len(self.inputs):
            raise ValueError(f"Model {self.name!r} expects {len(self.inputs)} input(s) "
                             f"{self.input_names}, got {len(x)}")
        return x

    def check_input_shape(self, shape):
        return None  # inputs are checked against each Input's shape in forward

    def _check_real_inputs(self, xs: List[Any]) -> List[Any]:
        """``xs`` checked against the Inputs' shapes, a trailing size-1 axis added where
        Keras adds it (:mod:`.input_rank`)."""
        xs = [adjust_rank(x, sym.shape) for sym, x in zip(self.inputs, xs)]
        for sym, x in zip(self.inputs, xs):
            expected = sym.shape
            got = tuple(getattr(x, "shape", ()))
            if len(got) != len(expected) or any(
                    e is not None and e != g for e, g in zip(expected[1:], got[1:])):
                raise ShapeError(f"Model {self.name!r}: input {sym.history[0].name!r} expects "
                                 f"shape {format_shape(expected)}, got "
                                 f"{format_shape((None,) + got[1:]) if got else got}.")
        return xs

    def forward(self, *args: Any, training: Optional[bool] = None) -> Any:
        xs = self._check_real_inputs(self._bind_inputs(args))
        values = {id(sym): x for sym, x in zip(self.inputs, xs)}
        if training is None:
            return self._execute(values, _call)
        return self._execute(values, lambda layer, a, k: layer(*a, training=training, **k))

    def compute_output_shape(self, input_shape):
        shapes = [input_shape] if isinstance(input_shape, tuple) else list(input_shape)
        values = {id(sym): s for sym, s in zip(self.inputs, shapes)}
        out = self._execute(values, lambda layer, a, k: layer.compute_output_shape(a[0]))
        return out if not isinstance(out, dict) else list(out.values())

    def maybe_build(self, input_shape):
        return None

    @property
    def input(self):
        return self._input_struct

    @property
    def output(self):
        return self._output_struct

    @property
    def input_shape(self):
        shapes = [t.shape for t in self.inputs]
        return shapes[0] if len(shapes) == 1 else shapes

    @property
    def output_shape(self):
        shapes = [t.shape for t in self.outputs]
        return shapes[0] if len(shapes) == 1 else shapes

    # ------------------------------------------------------------------ config
    def get_config(self):
        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        return functional_from_config(config, custom_objects, Functional)


register_functional_class(Functional)  # Model(inputs=, outputs=) builds one


def _call(layer: Any, args: tuple, kwargs: dict) -> Any:
    """One node's call in inference: a layer given one real tensor and nothing else runs
    without its wrapper frames when unobserved (:func:`call_layer`, as Sequential does);
    anything else (several inputs, keyword arguments) takes the full ``layer(...)``."""
    if not kwargs and len(args) == 1 and type(args[0]) is torch.Tensor:
        return call_layer(layer, args[0])
    return layer(*args, **kwargs)
